/**
 * Memory soak of the server: `--requests` Segment requests of one small Draco cloud
 * (`--points`, made from the Open3D scan like `bench/serve.ts`) from `--clients` gRPC
 * clients against `src/cli.ts serve` in a subprocess (default settings). Every `--every`
 * requests (and once idle, before the first) it reads the server's VmRSS from
 * /proc/<pid>/status and its JavaScript heap (used, reserved) and external memory from
 * `/metrics`. Prints a markdown table, the least-squares slope of each series over the
 * second half of the run (MiB per 1,000 requests: a leak keeps a positive slope there,
 * a settling heap flattens out), and writes the curves as a PNG under `--out`.
 *
 * `--server-v8-flags` passes V8 flags to the server (e.g. `--max-old-space-size=256`:
 * a heap that only settles stays within a small cap; a leak runs out of it). A run stops
 * starting requests after `--max-seconds`.
 *
 * Usage: `deno task bench serve_soak [--requests 5000] [--points 20000] [--every 100]
 * [--clients 2] [--max-seconds 540] [--server-v8-flags F,G] [--out DIR] [--seed S]`
 *
 * @module
 */

import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { listVersions } from "../src/models/registry.ts";
import { linePlotPng } from "../src/render/plot.ts";
import { GeoguideClient } from "../src/server/grpc.ts";
import { createTinyModel } from "../tests/fixtures/tiny_model.ts";
import { buildInputs } from "./serve_clouds.ts";
import { fmt, percentile, runLoad } from "./serve_load.ts";
import { processMemoryMiB } from "./serve_server.ts";
import { type ServerMemory, startSoakServer } from "./serve_soak_server.ts";

/** Settings of one soak run (see the module doc for the flags). */
export interface SoakOptions {
  /** Segment requests in all. */
  requests: number;
  /** Points per request. */
  points: number;
  /** Requests between two memory samples. */
  every: number;
  /** Concurrent gRPC clients. */
  clients: number;
  /** No new request starts after this many seconds of load. */
  maxSeconds: number;
  /** V8 flags of the server process. */
  v8Flags: string[];
  /** Folder of the PNG. */
  out: string;
  /** Seed of the input cloud. */
  seed: number;
}

/** One memory sample. */
export interface SoakSample extends ServerMemory {
  /** Requests completed when sampled. */
  requests: number;
  /** Seconds of load so far. */
  wallS: number;
  /** VmRSS from /proc/<pid>/status, MiB. */
  vmRss: number;
  /** Median client latency of the requests since the previous sample, ms (NaN idle). */
  p50Ms: number;
}

const LABELS = ["wall", "floor", "ceiling", "chair", "table", "door", "window", "sofa"];
const log = (line: string) => console.error(`serve_soak: ${line}`);

/** Parses the flags (`--name value` or `--name=value`); throws on unknown flags or bad values. */
export function parseSoakArgs(args: readonly string[]): SoakOptions {
  const given = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    if (!flag.startsWith("--")) throw new Error(`Unexpected argument '${args[i]}'`);
    const value = inline ?? args[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    given.set(flag.slice(2), value);
  }
  const int = (name: string, fallback: number) => {
    const v = given.get(name);
    given.delete(name);
    const x = v === undefined ? fallback : Number(v);
    if (!Number.isInteger(x) || x < 1) throw new Error(`--${name} expects a positive integer`);
    return x;
  };
  const text = (name: string, fallback: string) => {
    const v = given.get(name) ?? fallback;
    given.delete(name);
    return v;
  };
  const o: SoakOptions = {
    requests: int("requests", 5000),
    points: int("points", 20_000),
    every: int("every", 100),
    clients: int("clients", 2),
    maxSeconds: int("max-seconds", 540),
    v8Flags: text("server-v8-flags", "").split(",").filter(Boolean),
    out: text("out", ".cache/bench"),
    seed: int("seed", 1),
  };
  if (given.size) throw new Error(`Unknown argument --${[...given.keys()][0]}`);
  return o;
}

/** Least-squares slope of y over x; NaN with fewer than two distinct x. */
export function leastSquaresSlope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n, my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : NaN;
}

/** Slope of `pick` over the samples of the second half of the run, MiB per 1,000 requests. */
export function secondHalfSlope(
  samples: readonly SoakSample[],
  pick: (s: SoakSample) => number,
): number {
  const last = samples.at(-1)?.requests ?? 0;
  const half = samples.filter((s) => s.requests >= last / 2 && s.requests > 0);
  return 1000 * leastSquaresSlope(half.map((s) => s.requests), half.map(pick));
}

type Rgb = [number, number, number];
const SERIES: readonly [string, (s: SoakSample) => number, Rgb][] = [
  ["VmRSS", (s) => s.vmRss, [31, 90, 200]],
  ["heap used", (s) => s.heapUsed, [210, 40, 40]],
  ["heap reserved", (s) => s.heapTotal, [240, 150, 20]],
  ["external", (s) => s.external, [40, 160, 60]],
];

/** The markdown report: context lines, the sample table, milestones and slopes. */
export function renderSoakReport(context: readonly string[], samples: readonly SoakSample[]) {
  const lines = ["## Serve soak", "", ...context.map((c) => `- ${c}`), ""];
  lines.push(
    `| requests | load s | p50 ms | ${SERIES.map(([n]) => `${n} MiB`).join(" | ")} |`,
    `|---:|---:|---:|${SERIES.map(() => "---:").join("|")}|`,
  );
  for (const s of samples) {
    const mem = SERIES.map(([, pick]) => fmt(pick(s), 1)).join(" | ");
    lines.push(`| ${s.requests} | ${fmt(s.wallS, 1)} | ${fmt(s.p50Ms)} | ${mem} |`);
  }
  const at = (r: number) => samples.find((s) => s.requests >= r);
  const marks = [100, ...Array.from({ length: 50 }, (_, k) => 1000 * (k + 1))]
    .map(at).filter((s, k, a): s is SoakSample => !!s && a.indexOf(s) === k);
  lines.push(
    "",
    `VmRSS at ${marks.map((s) => `${s.requests}: ${fmt(s.vmRss, 1)}`).join(", ")} MiB`,
    "",
    "| series | slope over the second half, MiB / 1,000 requests |",
    "|---|---:|",
    ...SERIES.map(([name, pick]) => `| ${name} | ${fmt(secondHalfSlope(samples, pick), 2)} |`),
  );
  return lines.join("\n");
}

/** models/default when published in this checkout, else a seeded tiny model. */
async function soakModel() {
  const repo = fileURLToPath(new URL("../models/", import.meta.url));
  const v = (await listVersions(repo, "default")).at(-1);
  if (v !== undefined) {
    return { dir: repo, name: "default", what: `models/default v${v}`, done: async () => {} };
  }
  const tiny = await createTinyModel({ name: "tiny", seed: 1 });
  const done = () => Deno.remove(tiny.root, { recursive: true });
  return { dir: tiny.root, name: tiny.name, what: `tiny model v${tiny.version}`, done };
}

/** Runs the soak (see the module doc); prints the report on stdout. */
export async function run(args: string[]): Promise<void> {
  const o = parseSoakArgs(args);
  const { inputs, scanPoints } = await buildInputs([o.points], o.seed, log);
  const draco = inputs[0].draco;
  const model = await soakModel();
  const server = await startSoakServer({
    modelsDir: model.dir,
    defaultModel: model.name,
    maxPoints: Math.max(o.points, 1_000_000),
    v8Flags: o.v8Flags,
    readyTimeoutMs: 180_000,
    log,
  });
  const clients = Array.from({ length: o.clients }, () => new GeoguideClient(server.address));
  const samples: SoakSample[] = [];
  const sample = async (requests: number, wallS: number, ms: number[]) => {
    const mem = await server.memory();
    const s = { requests, wallS, vmRss: processMemoryMiB(server.pid).rss, p50Ms: NaN, ...mem };
    s.p50Ms = percentile(ms, 50);
    samples.push(s);
    log(`${requests} requests: VmRSS ${fmt(s.vmRss, 1)} MiB, heap used ${fmt(s.heapUsed, 1)} MiB`);
  };
  let errors = 0, firstError: string | undefined;
  try {
    await sample(0, 0, []);
    let done = 0, wallS = 0;
    while (done < o.requests && wallS < o.maxSeconds) {
      const r = await runLoad([async (c) => {
        const res = await clients[c].segment({ cloud: { draco }, labels: LABELS });
        if (res.point_count !== o.points) throw new Error(`${res.point_count} points labelled`);
        return res.timing!;
      }], {
        clients: o.clients,
        iterations: Math.min(o.every, o.requests - done),
        maxSeconds: o.maxSeconds - wallS,
        label: `requests ${done + 1}..`,
        log,
        progressMs: 60_000,
      });
      const res = r.results[0];
      done += res.samples.length + res.errors;
      errors += res.errors;
      firstError ??= res.firstError;
      wallS += r.wallS;
      await sample(done, wallS, res.samples.map((x) => x.ms));
    }
  } finally {
    for (const c of clients) c.close();
    await server.stop();
    await model.done();
  }
  await mkdir(o.out, { recursive: true });
  const png = join(o.out, `serve-soak-${new Date().toISOString().replace(/[:.]/g, "-")}.png`);
  const x = samples.map((s) => s.requests);
  await writeFile(
    png,
    linePlotPng(SERIES.map(([name, pick, color]) => ({ name, x, y: samples.map(pick), color })), {
      width: 800,
      title: `server MiB over requests (${o.points} pts)`,
      yMin: 0,
    }),
  );
  log(`wrote ${png}`);
  console.log(renderSoakReport([
    `${navigator.hardwareConcurrency} CPU cores shared with other work; model ${model.what}`,
    `input: ${o.points}-point Draco cloud made from the ${scanPoints}-point fragment.pcd ` +
    `(seed ${o.seed}), ${LABELS.length} labels; ${o.clients} gRPC clients`,
    `server: \`src/cli.ts serve\` subprocess, default settings; V8 flags: ` +
    `${o.v8Flags.join(" ") || "none"}`,
    `failed requests: ${errors}${firstError ? ` (first: ${firstError})` : ""}; failed calls ` +
    `the server logged: ${server.failedCalls()}`,
    `plot: ${png}`,
  ], samples));
}

if (import.meta.main) await run(Deno.args);
