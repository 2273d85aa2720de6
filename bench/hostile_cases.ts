/**
 * The cases of `bench/hostile.ts`: seeded file mutants (from `tests/hostile_inputs.ts`)
 * over gRPC `Segment` (Draco only) and HTTP `POST /api/segment` (every format), raw-array
 * mutants over gRPC (xyz lengths not a multiple of 12, NaN / ±Inf / huge coordinates,
 * rgb / normal lengths that do not match), and request-level cases (empty, 5,000 and
 * 1 MB labels, a 1 MB prompt template, wrong or missing tokens, long unknown model
 * names, clients that cancel mid-request, Train without a token, unmutated seeds).
 *
 * A case only sends: it resolves to the status it got (a gRPC code name, an HTTP status
 * number, `CANCELLED (client)` when the case itself cancelled, `NETWORK_ERROR` when the
 * connection failed) and never throws.
 *
 * @module
 */

import type { Rng } from "../src/kernels/random.ts";
import { GeoguideClient } from "../src/server/grpc.ts";
import { RpcError } from "../src/server/grpc_api.ts";
import type { SegmentRequestMsg } from "../src/server/wire.ts";
import { grpcCodeName } from "../src/server/status.ts";
import { randomCoords, xyzBytes } from "../tests/server_fixtures.ts";

/** Formats of the mutant files (the API of `tests/hostile_inputs.ts`). */
export type HostileFormat = "draco" | "ply" | "pcd" | "npy";

/** One mutant file (the API of `tests/hostile_inputs.ts`). */
export interface HostileMutant {
  /** Name of the mutant (seed and mutation). */
  readonly name: string;
  /** How it was mutated. */
  readonly kind: string;
  /** Format of the seed it was made from. */
  readonly format: HostileFormat;
  /** The file bytes. */
  readonly bytes: Uint8Array;
}

/** One unmutated seed file. */
export interface HostileSeed {
  /** File name. */
  name: string;
  /** Its format. */
  format: HostileFormat;
  /** The file bytes. */
  bytes: Uint8Array;
}

/** What a mutant generator module exports (`tests/hostile_inputs.ts`). */
export interface HostileInputsModule {
  /** Valid seed files, seeded. */
  seedInputs(rng: Rng): Promise<HostileSeed[]>;
  /** `count` mutants of the seeds, seeded. */
  mutants(seeds: HostileSeed[], rng: Rng, count: number): Generator<HostileMutant>;
}

/** How a case is sent. */
export type Transport = "grpc" | "http";

/** Where and with which credentials the cases are sent. */
export interface HostileTargets {
  /** Client sending the segment token. */
  readonly grpc: GeoguideClient;
  /** Client without a token. */
  readonly grpcNoToken: GeoguideClient;
  /** Client with a wrong token. */
  readonly grpcWrongToken: GeoguideClient;
  /** "http://127.0.0.1:port". */
  readonly httpUrl: string;
  /** The segment token (sent as `authorization: Bearer …` over HTTP too). */
  readonly token: string;
}

/** What a case got: its status and, for a failure, the message (at most 160 characters). */
export interface Outcome {
  /** gRPC code name, HTTP status number, CANCELLED (client) or NETWORK_ERROR. */
  readonly status: string;
  /** The error message or response body of a failure. */
  readonly detail?: string;
}

const outcome = (status: string, detail?: unknown): Outcome =>
  detail === undefined ? { status } : { status, detail: String(detail).slice(0, 160) };

/** One hostile case. */
export interface HostileCase {
  /** 0-based index in the campaign. */
  readonly id: number;
  /** What is sent (class, format, mutant name). */
  readonly name: string;
  /** gRPC or HTTP. */
  readonly transport: Transport;
  /** Class: the mutation kind, `raw_*`, or the request-level case. */
  readonly cls: string;
  /** Sends the case; resolves to its status (see the module doc), never rejects. */
  send(t: HostileTargets, signal: AbortSignal): Promise<Outcome>;
}

/** Labels of every case that does not test labels. */
export const HOSTILE_LABELS = ["wall", "floor"];

/** Status of a case the client cancelled itself. */
export const CLIENT_CANCELLED = "CANCELLED (client)";

/** Status of a case whose connection failed (refused, reset, bad response). */
export const NETWORK_ERROR = "NETWORK_ERROR";

type Send = (t: HostileTargets, signal: AbortSignal) => Promise<Outcome>;

const EXT: Record<HostileFormat, string> = { draco: "drc", ply: "ply", pcd: "pcd", npy: "npy" };

/** Segment over gRPC; the status is the call's gRPC code name. */
async function grpcSegment(
  client: GeoguideClient,
  req: SegmentRequestMsg,
  signal: AbortSignal,
): Promise<Outcome> {
  try {
    await client.segment({ labels: HOSTILE_LABELS, ...req }, { signal, timeoutMs: 120_000 });
    return outcome("OK");
  } catch (e) {
    return grpcFailure(e, signal);
  }
}

/** The outcome of a failed gRPC call. */
function grpcFailure(e: unknown, signal: AbortSignal): Outcome {
  if (signal.aborted) return outcome(CLIENT_CANCELLED);
  const msg = (e as Error)?.message;
  return e instanceof RpcError ? outcome(grpcCodeName(e.code), msg) : outcome(NETWORK_ERROR, msg);
}

/** POST /api/segment; the status is the HTTP status number (body read to the end). */
async function httpSegment(
  t: HostileTargets,
  bytes: Uint8Array,
  query: Record<string, string>,
  signal: AbortSignal,
  auth: string | null = `Bearer ${t.token}`,
): Promise<Outcome> {
  const q = new URLSearchParams({ labels: HOSTILE_LABELS.join(","), ...query });
  try {
    const res = await fetch(`${t.httpUrl}/api/segment?${q}`, {
      method: "POST",
      body: bytes as Uint8Array<ArrayBuffer>,
      headers: auth === null ? {} : { authorization: auth },
      signal,
    });
    const body = await res.text();
    return res.ok ? outcome(String(res.status)) : outcome(String(res.status), body);
  } catch (e) {
    return signal.aborted ? outcome(CLIENT_CANCELLED) : outcome(NETWORK_ERROR, e);
  }
}

/**
 * POST over a plain TCP connection (HTTP/1.1, `connection: close`), for request targets
 * longer than `fetch` accepts (about 64 KiB); the status is the response's status code.
 */
async function rawHttpPost(
  t: HostileTargets,
  target: string,
  body: Uint8Array,
  signal: AbortSignal,
): Promise<Outcome> {
  const { hostname, port } = new URL(t.httpUrl);
  let conn: Deno.TcpConn | undefined;
  const onAbort = () => conn?.close();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    conn = await Deno.connect({ hostname, port: Number(port) });
    const head = `POST ${target} HTTP/1.1\r\nhost: ${hostname}\r\nauthorization: Bearer ` +
      `${t.token}\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`;
    const w = conn.writable.getWriter();
    await w.write(new TextEncoder().encode(head));
    await w.write(body);
    const reply = await new Response(conn.readable).text();
    conn = undefined;
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(reply)?.[1];
    if (!status) return outcome(NETWORK_ERROR, `no status line (${reply.length} bytes)`);
    return status.startsWith("2") ? outcome(status) : outcome(status, reply.split("\r\n\r\n")[1]);
  } catch (e) {
    return signal.aborted ? outcome(CLIENT_CANCELLED) : outcome(NETWORK_ERROR, e);
  } finally {
    signal.removeEventListener("abort", onAbort);
    try {
      conn?.close();
    } catch { /* closed */ }
  }
}

/** A case that aborts its own request after `ms` (and still answers the campaign's abort). */
function cancelAfter(
  ms: number,
  send: (signal: AbortSignal) => Promise<Outcome>,
): Send {
  return async (_t, outer) => {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), ms);
    outer.addEventListener("abort", () => ac.abort(), { once: true });
    try {
      return await send(ac.signal);
    } finally {
      clearTimeout(timer);
    }
  };
}

/** Random printable text of `n` characters (model names). */
function junk(rng: Rng, n: number): string {
  const chars = "abcdefghijklmnopqrstuvwxyz0123456789-_./:%é ";
  let s = "";
  for (let i = 0; i < n; i++) s += chars[rng.int(chars.length)];
  return s;
}

type Spec = [Transport, string, Send];

/** A raw-array mutant of a small valid cloud: class and message. */
export function rawMutant(rng: Rng): { cls: string; raw: NonNullable<SegmentRequestMsg["cloud"]> } {
  const n = 64 + rng.int(448);
  const coord = randomCoords(n, rng.nextU32());
  const rgb = new Uint8Array(3 * n).map(() => rng.int(256));
  const normal = new Float32Array(3 * n).fill(0.577);
  const kinds = ["raw_len", "raw_nan", "raw_extreme", "raw_rgb_len", "raw_normal_len", "raw_empty"];
  const cls = kinds[rng.int(kinds.length)];
  let xyz = xyzBytes(coord).slice(), rgbOut: Uint8Array = rgb;
  let normalOut = new Uint8Array(normal.buffer);
  if (cls === "raw_len") xyz = xyz.slice(0, xyz.length - 1 - rng.int(11));
  if (cls === "raw_nan" || cls === "raw_extreme") {
    const bad = cls === "raw_nan" ? [NaN, Infinity, -Infinity] : [3e38, -3e38, 1e-45, 1e20];
    const all = rng.bernoulli(0.2);
    for (let i = 0; i < coord.length; i++) {
      if (all || rng.bernoulli(0.05)) coord[i] = bad[rng.int(bad.length)];
    }
    xyz = xyzBytes(coord).slice();
  }
  if (cls === "raw_rgb_len") rgbOut = rgb.slice(0, rng.int(rgb.length));
  if (cls === "raw_normal_len") normalOut = normalOut.slice(0, 4 * rng.int(3 * n));
  if (cls === "raw_empty") xyz = new Uint8Array(0);
  return { cls, raw: { data: "raw", raw: { xyz, rgb: rgbOut, normal: normalOut } } };
}

/** The request-level cases (and unmutated seeds), in the order the campaign cycles them. */
export function requestSpecs(seeds: readonly HostileSeed[], rng: Rng): Spec[] {
  // The median-sized Draco seed: a valid cloud, so the request itself is what is tested.
  const dracos = seeds.filter((s) => s.format === "draco").sort((a, b) =>
    a.bytes.length - b.bytes.length
  );
  const draco = dracos[dracos.length >> 1];
  if (!draco) throw new Error("The seed inputs have no Draco file");
  const cloud = { data: "draco" as const, draco: draco.bytes };
  const many = Array.from({ length: 5000 }, (_, i) => `label${i}`);
  const mb = "x".repeat(1 << 20);
  const up = (s: HostileSeed, q: Record<string, string>, signal: AbortSignal, t: HostileTargets) =>
    httpSegment(t, s.bytes, { name: `seed.${EXT[s.format]}`, ...q }, signal);
  const specs: Spec[] = [
    ["grpc", "labels_empty", (t, s) => grpcSegment(t.grpc, { cloud, labels: [] }, s)],
    ["grpc", "labels_5000", (t, s) => grpcSegment(t.grpc, { cloud, labels: many }, s)],
    ["grpc", "label_1mb", (t, s) => grpcSegment(t.grpc, { cloud, labels: [mb] }, s)],
    ["grpc", "template_1mb", (t, s) => grpcSegment(t.grpc, { cloud, prompt_template: mb }, s)],
    ["grpc", "token_wrong", (t, s) => grpcSegment(t.grpcWrongToken, { cloud }, s)],
    ["grpc", "token_missing", (t, s) => grpcSegment(t.grpcNoToken, { cloud }, s)],
    ["grpc", "model_unknown", (t, s) => {
      const model = junk(rng, 1 + rng.int(65_536));
      return grpcSegment(t.grpc, { cloud, model, model_version: rng.int(1 << 30) }, s);
    }],
    [
      "grpc",
      "cancel",
      (t, s) => cancelAfter(rng.int(15), (c) => grpcSegment(t.grpc, { cloud }, c))(t, s),
    ],
    ["grpc", "train_no_token", async (t, s) => {
      const config = { site: "hostile", steps: 1, publish: false };
      try {
        await t.grpcNoToken.train([{ config }], () => {}, { signal: s, timeoutMs: 60_000 });
        return outcome("OK");
      } catch (e) {
        return grpcFailure(e, s);
      }
    }],
    ["grpc", "seed", (t, s) => grpcSegment(t.grpc, { cloud }, s)],
    ["http", "labels_empty", (t, s) => up(draco, { labels: "" }, s, t)],
    ["http", "labels_5000", (t, s) => up(draco, { labels: many.join(",") }, s, t)],
    [
      "http",
      "label_1mb",
      (t, s) => rawHttpPost(t, `/api/segment?name=a.drc&labels=${mb}`, draco.bytes, s),
    ],
    [
      "http",
      "token_wrong",
      (t, s) => httpSegment(t, draco.bytes, { name: "a.drc" }, s, "Bearer nope"),
    ],
    ["http", "token_missing", (t, s) => httpSegment(t, draco.bytes, { name: "a.drc" }, s, null)],
    ["http", "model_unknown", (t, s) => up(draco, { model: junk(rng, 1 + rng.int(8192)) }, s, t)],
    ["http", "cancel", (t, s) => cancelAfter(rng.int(15), (c) => up(draco, {}, c, t))(t, s)],
  ];
  for (const seed of seeds) specs.push(["http", "seed", (t, s) => up(seed, {}, s, t)]);
  return specs;
}

/**
 * The campaign's cases, lazily: of every 20, 14 file mutants (Draco alternately over gRPC
 * and HTTP, the other formats over HTTP), 3 raw-array mutants over gRPC and 3
 * request-level cases (cycling through {@link requestSpecs}).
 *
 * @param inputs the mutant generator module
 * @param seeds its seed files
 * @param rng randomness of everything but the seeds
 * @param count cases wanted
 */
export function* hostileCases(
  inputs: HostileInputsModule,
  seeds: HostileSeed[],
  rng: Rng,
  count: number,
): Generator<HostileCase> {
  const files = inputs.mutants(seeds, rng.fork(), count);
  const rawRng = rng.fork();
  const specs = requestSpecs(seeds, rng.fork());
  let drafts = 0, requests = 0;
  for (let id = 0; id < count; id++) {
    const slot = id % 20;
    const next = slot < 14 ? files.next() : undefined;
    if (next && !next.done) {
      const m = next.value;
      const viaGrpc = m.format === "draco" && drafts++ % 2 === 0;
      const name = `${m.kind} ${m.name}`;
      yield viaGrpc
        ? {
          id,
          name,
          transport: "grpc",
          cls: m.kind,
          send: (t, s) => grpcSegment(t.grpc, { cloud: { data: "draco", draco: m.bytes } }, s),
        }
        : {
          id,
          name,
          transport: "http",
          cls: m.kind,
          send: (t, s) => httpSegment(t, m.bytes, { name: `mutant.${EXT[m.format]}` }, s),
        };
    } else if (slot < 17) {
      const { cls, raw } = rawMutant(rawRng);
      yield {
        id,
        name: `${cls} #${id}`,
        transport: "grpc",
        cls,
        send: (t, s) => grpcSegment(t.grpc, { cloud: raw }, s),
      };
    } else {
      const [transport, cls, send] = specs[requests++ % specs.length];
      yield { id, name: `${cls} #${id}`, transport, cls, send };
    }
  }
}
