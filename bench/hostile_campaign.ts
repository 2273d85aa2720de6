/**
 * The runner of `bench/hostile.ts`: starts the server subprocess (the serve benchmark's
 * launcher, `serve_server.ts`, with HTTP and both tokens), sends the cases of
 * `hostile_cases.ts` a few at a time, probes health (gRPC health check and HTTP
 * `/healthz`) and the server's memory every `probeEvery` cases, and sums up statuses,
 * crashes (the server process exited), hangs (no answer within `budgetMs`) and latencies.
 *
 * @module
 */

import { Rng } from "../src/kernels/random.ts";
import { GeoguideClient } from "../src/server/grpc.ts";
import {
  type HostileCase,
  hostileCases,
  type HostileInputsModule,
  type HostileTargets,
  NETWORK_ERROR,
  type Outcome,
} from "./hostile_cases.ts";
import { pickModel } from "./serve_paths.ts";
import { processMemoryMiB, startServerProcess } from "./serve_server.ts";

/** Settings of one campaign. */
export interface CampaignOptions {
  /** Cases in all. */
  cases: number;
  /** Seed of the seeds, the mutants and the request-level cases. */
  seed: number;
  /** Cases in flight at once. */
  concurrency: number;
  /** A case without an answer after this many ms is a hang. */
  budgetMs: number;
  /** Cases between two health probes. */
  probeEvery: number;
  /** Most points per request of the server. */
  maxPoints: number;
  /** Seeds larger than this many bytes are left out (valid mutants must segment quickly). */
  maxSeedBytes: number;
  /** The mutant generator. */
  inputs: HostileInputsModule;
  /** Progress sink (stderr). */
  log: (line: string) => void;
}

/** A health probe. */
export interface HealthProbe {
  /** Cases answered when it started. */
  cases: number;
  /** gRPC health check latency, ms (NaN on failure). */
  grpcMs: number;
  /** HTTP /healthz latency, ms (NaN on failure). */
  httpMs: number;
  /** gRPC health status ("SERVING", or the error). */
  grpcStatus: string;
  /** HTTP /healthz status ("200", or the error). */
  httpStatus: string;
  /** Server VmRSS, MiB. */
  rssMiB: number;
}

/** What a campaign found (also the `--json` output). */
export interface CampaignSummary {
  /** Seed. */
  seed: number;
  /** Cases planned. */
  planned: number;
  /** Cases answered (or hung); fewer than planned after a crash. */
  ran: number;
  /** Wall time of the cases, seconds. */
  wallS: number;
  /** The served model. */
  model: string;
  /** Cases per "transport class" (e.g. "grpc truncate"); sums to `ran`. */
  byClass: Record<string, number>;
  /** Statuses per transport (gRPC code names, HTTP statuses, HANG); sums to `ran`. */
  statuses: Record<string, Record<string, number>>;
  /** Statuses per "transport class". */
  classStatuses: Record<string, Record<string, number>>;
  /** 1 when the server process exited during the campaign, else 0. */
  crashes: number;
  /** The server's last warning / error lines when it crashed. */
  crashLines: string[];
  /** The first message of every "transport class status" that is not a success. */
  examples: Record<string, string>;
  /** Cases without an answer within the budget. */
  hangs: { name: string; transport: string; cls: string }[];
  /** The slowest answered case. */
  worstCase: { name: string; transport: string; cls: string; status: string; ms: number } | null;
  /** Every health probe. */
  probes: HealthProbe[];
  /** The slowest probe (either transport), ms. */
  worstProbeMs: number;
  /** Resident memory of the server when idle before the first case (VmRSS), MiB. */
  idleRssMiB: number;
  /** Peak resident memory of the server (VmHWM), MiB. */
  peakRssMiB: number;
  /** Calls the server logged with a status other than OK. */
  serverFailedCalls: number;
}

const hex = (n: number) =>
  Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => b.toString(16).padStart(2, "0"))
    .join("");

/** True while process `pid` exists and is not a zombie (Linux /proc). */
export function processAlive(pid: number): boolean {
  try {
    const state = /State:\s+(\S)/.exec(Deno.readTextFileSync(`/proc/${pid}/status`))?.[1];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Runs `p` for at most `ms`; resolves to its value, or `onTimeout` (and aborts `ac`). */
async function within<T>(p: Promise<T>, ms: number, ac: AbortController, onTimeout: T): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<T>((r) => (timer = setTimeout(() => r(onTimeout), ms)));
  const out = await Promise.race([p, late]);
  clearTimeout(timer);
  if (out === onTimeout) ac.abort();
  return out;
}

/** Probes gRPC health and HTTP /healthz once each, at most `budgetMs` each. */
async function probe(
  client: GeoguideClient,
  httpUrl: string,
  budgetMs: number,
): Promise<Omit<HealthProbe, "cases" | "rssMiB">> {
  const ac = new AbortController();
  const t0 = performance.now();
  const grpcStatus = await within(
    client.health("", { timeoutMs: budgetMs, signal: ac.signal }).catch((e) =>
      `ERROR ${e.code ?? ""}`
    ),
    budgetMs,
    ac,
    "HANG",
  );
  const t1 = performance.now();
  const ac2 = new AbortController();
  const httpStatus = await within(
    fetch(`${httpUrl}/healthz`, { signal: ac2.signal }).then(async (r) => {
      await r.arrayBuffer();
      return String(r.status);
    }).catch(() => NETWORK_ERROR),
    budgetMs,
    ac2,
    "HANG",
  );
  const t2 = performance.now();
  return {
    grpcMs: grpcStatus === "SERVING" ? t1 - t0 : NaN,
    httpMs: httpStatus === "200" ? t2 - t1 : NaN,
    grpcStatus,
    httpStatus,
  };
}

const fmtS = (s: number) => `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s`;

/** Runs the campaign (see the module doc) and returns its summary. */
export async function runCampaign(o: CampaignOptions): Promise<CampaignSummary> {
  const rng = new Rng(o.seed);
  const all = await o.inputs.seedInputs(rng.fork());
  const seeds = all.filter((s) => s.bytes.length <= o.maxSeedBytes);
  const left = all.filter((s) => s.bytes.length > o.maxSeedBytes).map((s) => s.name);
  if (left.length) {
    o.log(`left out ${left.length} seeds over ${o.maxSeedBytes} B: ${left.join(", ")}`);
  }
  o.log(
    `${seeds.length} seed files: ${seeds.map((s) => `${s.name} ${s.bytes.length} B`).join(", ")}`,
  );
  const model = await pickModel();
  const segmentToken = hex(16), trainToken = hex(16);
  const server = await startServerProcess({
    modelsDir: model.modelsDir,
    defaultModel: model.name,
    maxPoints: o.maxPoints,
    readyTimeoutMs: 180_000,
    log: o.log,
    http: true,
    extraArgs: [`--segment-token=${segmentToken}`, `--train-token=${trainToken}`],
  });
  const t: HostileTargets = {
    grpc: new GeoguideClient(server.address, { token: segmentToken }),
    grpcNoToken: new GeoguideClient(server.address),
    grpcWrongToken: new GeoguideClient(server.address, { token: hex(16) }),
    httpUrl: server.httpUrl,
    token: segmentToken,
  };
  const s: CampaignSummary = {
    seed: o.seed,
    planned: o.cases,
    ran: 0,
    wallS: 0,
    model: model.describe,
    byClass: {},
    statuses: {},
    classStatuses: {},
    crashes: 0,
    crashLines: [],
    examples: {},
    hangs: [],
    worstCase: null,
    probes: [],
    worstProbeMs: 0,
    idleRssMiB: NaN,
    peakRssMiB: NaN,
    serverFailedCalls: 0,
  };
  const bump = (rec: Record<string, number>, key: string) => (rec[key] = (rec[key] ?? 0) + 1);
  const readMemory = () => {
    const m = processMemoryMiB(server.pid);
    if (Number.isFinite(m.peak)) {
      s.peakRssMiB = Number.isNaN(s.peakRssMiB) ? m.peak : Math.max(s.peakRssMiB, m.peak);
    }
    return m.rss;
  };
  const t0 = performance.now();
  let crashed = false;
  const checkAlive = () => {
    if (!crashed && !processAlive(server.pid)) {
      crashed = true;
      s.crashes = 1;
      s.crashLines = server.lastErrors();
      o.log(`the server (pid ${server.pid}) exited; stopping the campaign`);
    }
  };
  const doProbe = async () => {
    const cases = s.ran;
    const p = await probe(t.grpc, server.httpUrl, o.budgetMs);
    const rec: HealthProbe = { cases, ...p, rssMiB: readMemory() };
    s.probes.push(rec);
    for (const ms of [p.grpcMs, p.httpMs]) {
      if (Number.isFinite(ms)) s.worstProbeMs = Math.max(s.worstProbeMs, ms);
    }
    checkAlive();
    const el = (performance.now() - t0) / 1000, rate = cases / Math.max(el, 1e-9);
    const eta = cases ? fmtS((o.cases - cases) / rate) : "?";
    o.log(
      `${cases}/${o.cases} cases, ${rate.toFixed(1)}/s, ETA ${eta}; ` +
        `health gRPC ${p.grpcStatus} ${p.grpcMs.toFixed(1)} ms, HTTP ${p.httpStatus} ` +
        `${p.httpMs.toFixed(1)} ms; RSS ${rec.rssMiB.toFixed(0)} MiB; hangs ${s.hangs.length}`,
    );
  };
  const record = (c: HostileCase, { status, detail }: Outcome, ms: number) => {
    s.ran++;
    const key = `${c.transport} ${c.cls}`;
    bump(s.byClass, key);
    bump(s.statuses[c.transport] ??= {}, status);
    bump(s.classStatuses[key] ??= {}, status);
    if (detail !== undefined) s.examples[`${key} ${status}`] ??= detail;
    if (status === "HANG") {
      s.hangs.push({ name: c.name, transport: c.transport, cls: c.cls });
      o.log(`HANG: ${c.transport} ${c.name}`);
    } else if (!s.worstCase || ms > s.worstCase.ms) {
      s.worstCase = { name: c.name, transport: c.transport, cls: c.cls, status, ms };
    }
  };
  const cases = hostileCases(o.inputs, seeds, rng.fork(), o.cases);
  const probes: Promise<void>[] = [];
  try {
    await doProbe();
    s.idleRssMiB = s.probes[0].rssMiB;
    let started = 0;
    const worker = async () => {
      while (!crashed) {
        const next = cases.next();
        if (next.done) return;
        const c = next.value;
        if (++started % o.probeEvery === 0) probes.push(doProbe());
        const ac = new AbortController();
        const c0 = performance.now();
        const hang: Outcome = { status: "HANG" };
        const out = await within(c.send(t, ac.signal), o.budgetMs, ac, hang);
        record(c, out, performance.now() - c0);
        const status = out.status;
        if (status === NETWORK_ERROR || status === "UNAVAILABLE" || status === "HANG") checkAlive();
      }
    };
    await Promise.all(Array.from({ length: o.concurrency }, worker));
    await Promise.all(probes);
    s.wallS = (performance.now() - t0) / 1000;
    if (!crashed) await doProbe();
  } finally {
    readMemory();
    s.serverFailedCalls = server.failedCalls();
    for (const c of [t.grpc, t.grpcNoToken, t.grpcWrongToken]) c.close();
    await server.stop();
    await model.cleanup();
  }
  return s;
}
