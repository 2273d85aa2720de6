/**
 * Serving benchmark: the real server (`src/cli.ts serve` as a subprocess on 127.0.0.1,
 * default settings: one request computed at a time) under Segment load.
 *
 * - Latency p50 / p99 and throughput for Draco inputs of each `--points` size (made
 *   from the Open3D `fragment.pcd` scan: sampled, or tiled and jittered, seeded) with
 *   each `--clients` count, with the server's timing breakdown averaged.
 * - gRPC overhead: with 1 client, every gRPC request alternates with the same request
 *   through the in-process pipeline (`SegmentService.segment` in this process).
 * - Server RSS (/proc/<pid>/status VmRSS) idle after start, then after every 10 % of
 *   `--rss-requests` requests of a `--rss-points` cloud (2 clients).
 * - Segment on worker threads vs the main thread (`serve_workers.ts`): the first size
 *   with the most clients, one fresh server per mode.
 *
 * Model: the latest version of `models/default` when the repository has one, else a
 * seeded tiny model (tests/fixtures/tiny_model.ts, descriptor backbone) in a temporary
 * registry. Progress on stderr, a markdown report on stdout.
 *
 * Usage: `deno task bench serve [--quick] [--points 100000,1000000] [--clients 1,8]
 * [--requests N] [--max-seconds S] [--warmup N] [--rss-requests N] [--rss-points N]
 * [--seed S] [--models DIR --model NAME]` (`--models`/`--model`: serve the latest version of
 * another registry's model, e.g. one trained on an ONNX backbone)
 *
 * @module
 */

import { segmentInput } from "../src/infer/segment_input.ts";
import { createSegmentService } from "../src/infer/segment_service.ts";
import type { SegmentInput, TimingMs } from "../src/infer/api.ts";
import { GeoguideClient } from "../src/server/grpc.ts";
import { type BenchInput, buildInputs } from "./serve_clouds.ts";
import { type RequestPath, runLoad } from "./serve_load.ts";
import { grpcPath, LABELS, pickModel } from "./serve_paths.ts";
import { type LatencyRow, type OverheadRow, renderReport, type RssPoint } from "./serve_report.ts";
import { processMemoryMiB, type ServerProcess, startServerProcess } from "./serve_server.ts";
import { compareWorkerModes, renderWorkerModes } from "./serve_workers.ts";

/** Settings of one run (see the module doc for the flags). */
export interface ServeBenchOptions {
  /** Point counts of the latency inputs. */
  points: number[];
  /** Concurrent client counts. */
  clients: number[];
  /** Requests per (points, clients) configuration (1 client: gRPC / in-process pairs). */
  requests: number;
  /** No new request starts in a configuration after this many seconds. */
  maxSeconds: number;
  /** Requests of the RSS series. */
  rssRequests: number;
  /** Points per request of the RSS series. */
  rssPoints: number;
  /** Unmeasured requests per path and size before measuring. */
  warmup: number;
  /** Seed of the inputs. */
  seed: number;
  /** Serve this registry folder's model `model` instead of models/default (both or neither). */
  models?: string;
  /** Model name in `models`. */
  model?: string;
}

const log = (line: string) => console.error(`serve: ${line}`);

/** Parses the flags; throws on unknown flags or bad values. */
export function parseServeBenchArgs(args: readonly string[]): ServeBenchOptions {
  const quick = args.includes("--quick");
  const o: ServeBenchOptions = quick
    ? {
      points: [50_000],
      clients: [1, 2],
      requests: 3,
      maxSeconds: 20,
      rssRequests: 30,
      rssPoints: 5_000,
      warmup: 1,
      seed: 1,
    }
    : {
      points: [100_000, 1_000_000],
      clients: [1, 8],
      requests: 20,
      maxSeconds: 120,
      rssRequests: 1000,
      rssPoints: 10_000,
      warmup: 3,
      seed: 1,
    };
  const list = (v: string, name: string) => {
    const xs = v.split(",").map(Number);
    if (!xs.length || xs.some((x) => !Number.isInteger(x) || x < 1)) {
      throw new Error(`--${name} expects positive integers separated by commas, got '${v}'`);
    }
    return xs;
  };
  const one = (v: string, name: string) => list(v, name)[0];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--quick") continue;
    const eq = a.indexOf("=");
    const name = a.startsWith("--") ? (eq >= 0 ? a.slice(2, eq) : a.slice(2)) : "";
    const value = eq >= 0 ? a.slice(eq + 1) : args[++i];
    if (value === undefined) throw new Error(`${a} needs a value`);
    if (name === "points") o.points = list(value, name);
    else if (name === "clients") o.clients = list(value, name);
    else if (name === "requests") o.requests = one(value, name);
    else if (name === "max-seconds") o.maxSeconds = one(value, name);
    else if (name === "rss-requests") o.rssRequests = one(value, name);
    else if (name === "rss-points") o.rssPoints = one(value, name);
    else if (name === "warmup") o.warmup = one(value, name);
    else if (name === "seed") o.seed = one(value, name);
    else if (name === "models") o.models = value;
    else if (name === "model") o.model = value;
    else throw new Error(`Unknown argument '${a}'`);
  }
  return o;
}

function loadAverage(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return "unknown";
  }
}

function inProcessPath(
  service: { segment(i: SegmentInput, s: AbortSignal): Promise<{ timing: TimingMs }> },
  input: BenchInput,
): RequestPath {
  const request = segmentInput({ kind: "draco", bytes: input.draco }, LABELS, {
    limits: { maxPoints: Math.max(input.points, 4_000_000) },
  });
  return async () => (await service.segment(request, new AbortController().signal)).timing;
}

/** Runs the benchmark (see the module doc); prints the report on stdout. */
export async function run(args: string[]): Promise<void> {
  const o = parseServeBenchArgs(args);
  const loadStart = loadAverage();
  log(`load average ${loadStart}; ${navigator.hardwareConcurrency} cores`);
  const { inputs, scanPoints } = await buildInputs([...o.points, o.rssPoints], o.seed, log);
  const rssInput = inputs.pop()!;
  const model = await pickModel(
    o.models && o.model ? { modelsDir: o.models, name: o.model } : undefined,
  );
  log(`model: ${model.describe}`);
  const maxPoints = Math.max(4_000_000, ...o.points);
  let server: ServerProcess | null = null;
  const service = createSegmentService({
    modelsDir: model.modelsDir,
    defaultModel: model.name,
  });
  const clients: GeoguideClient[] = [];
  try {
    const t0 = performance.now();
    server = await startServerProcess({
      modelsDir: model.modelsDir,
      defaultModel: model.name,
      maxPoints,
      readyTimeoutMs: 180_000,
      log,
    });
    await service.whenStarted();
    if (!service.ready()) throw new Error("The in-process service did not load the model");
    log(`server and in-process service ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const pid = server.pid;
    const rssNow = () => processMemoryMiB(pid).rss;
    for (let c = 0; c < Math.max(2, ...o.clients); c++) {
      clients.push(new GeoguideClient(server.address));
    }
    const rows: LatencyRow[] = [];
    const overhead: OverheadRow[] = [];

    // RSS series first, so that its first checkpoint is the idle server.
    const rss: RssPoint[] = [{ requests: 0, rssMiB: rssNow() }];
    const small = grpcPath(clients, rssInput);
    const checkpoints = Array.from(
      { length: 10 },
      (_, k) => (k === 9 ? o.rssRequests : Math.max(1, Math.round((o.rssRequests * (k + 1)) / 10))),
    ).filter((x, k, a) => k === 0 || x > a[k - 1]);
    const early = checkpoints[0];
    let rssWall = 0;
    const rssSamples: LatencyRow["result"] = { samples: [], errors: 0 };
    for (const upTo of checkpoints) {
      const done = rss.at(-1)!.requests;
      const r = await runLoad([small], {
        clients: 2,
        iterations: upTo - done,
        maxSeconds: Infinity,
        label: `RSS ${rssInput.points} pts, requests ${done + 1}..${upTo}`,
        log,
      });
      if (done > 0) {
        // The latency row keeps the requests after the early checkpoint (a warm server).
        rssWall += r.wallS;
        rssSamples.samples.push(...r.results[0].samples);
      }
      rssSamples.errors += r.results[0].errors;
      rssSamples.firstError ??= r.results[0].firstError;
      rss.push({ requests: upTo, rssMiB: rssNow() });
      log(`server VmRSS after ${upTo} requests: ${rss.at(-1)!.rssMiB.toFixed(1)} MiB`);
    }
    rows.push({
      points: rssInput.points,
      path: "gRPC",
      clients: 2,
      result: rssSamples,
      wallS: rssWall,
      rssMiB: rss.at(-1)!.rssMiB,
    });

    // The server's code is warm from the RSS series: give the in-process pipeline the same
    // start (its optimised code otherwise lags, which would flatter gRPC).
    const ipSmall = inProcessPath(service, rssInput);
    log(`in-process warm-up: ${early} requests of ${rssInput.points} points`);
    for (let i = 0; i < early; i++) await ipSmall(0);

    for (const input of inputs) {
      const g = grpcPath(clients, input), ip = inProcessPath(service, input);
      log(`${input.points} points: ${o.warmup} warm-up request(s) per path`);
      for (let w = 0; w < o.warmup; w++) {
        await g(0);
        await ip(0);
      }
      for (const c of o.clients) {
        const label = `${input.points} pts × ${c} client${c > 1 ? "s" : ""}`;
        const paths = c === 1 ? [g, ip] : [g];
        const r = await runLoad(paths, {
          clients: c,
          iterations: o.requests,
          maxSeconds: o.maxSeconds,
          label,
          log,
        });
        const rssMiB = rssNow();
        // With 1 client the paths alternate: each one's throughput is 1 / its mean latency.
        const busyS = (k: number) => r.results[k].samples.reduce((a, x) => a + x.ms, 0) / 1000;
        const base = { points: input.points, clients: c };
        const wallS = c === 1 ? busyS(0) : r.wallS;
        rows.push({ ...base, wallS, path: "gRPC", result: r.results[0], rssMiB });
        if (c === 1) {
          const res = r.results[1];
          rows.push({ ...base, wallS: busyS(1), path: "in-process", result: res, rssMiB: NaN });
          overhead.push({ points: input.points, grpc: r.results[0], inProcess: r.results[1] });
        }
        for (const res of r.results) {
          if (res.errors) log(`${label}: ${res.errors} failed, first: ${res.firstError}`);
        }
        log(`${label}: ${r.results[0].samples.length} done in ${r.wallS.toFixed(1)} s`);
      }
    }
    const mem = processMemoryMiB(pid);
    const failedLogged = server.failedCalls();
    for (const c of clients.splice(0)) c.close(); // before the server goes (GOAWAY)
    await server.stop();
    server = null;
    const compare = {
      model: { modelsDir: model.modelsDir, name: model.name },
      input: inputs[0],
      clients: Math.max(...o.clients),
      requests: o.requests,
      warmup: o.warmup,
      maxSeconds: o.maxSeconds,
      log,
    };
    const workers = renderWorkerModes(await compareWorkerModes(compare), compare);
    console.log(
      renderReport({
        context: [
          `machine: ${navigator.hardwareConcurrency} CPU cores shared with other work (numbers ` +
          `are noisy); load average at start ${loadStart}, at end ${loadAverage()}`,
          `model: ${model.describe}`,
          `inputs: Draco (14-bit positions, RGB, no normals) made from ${scanPoints}-point ` +
          `fragment.pcd, seed ${o.seed}; ${LABELS.length} labels per request`,
          `server: subprocess \`src/cli.ts serve\` on 127.0.0.1, default settings (1 request ` +
          `computed at a time, on 1 Segment worker thread); clients: one gRPC channel each, in ` +
          `this process`,
          `the ${rssInput.points}-point row is the RSS series after its early checkpoint ` +
          `(requests ${early + 1}..${o.rssRequests}, 2 clients); with 1 client, gRPC and ` +
          `in-process requests alternate and req/s = 1 / mean latency of each`,
          `server memory at end: VmRSS ${mem.rss.toFixed(1)} MiB, peak VmHWM ` +
          `${mem.peak.toFixed(1)} MiB; calls the server logged as failed: ${failedLogged}`,
        ],
        rows,
        overhead,
        rssPoints: rssInput.points,
        rss,
      }) + "\n\n" + workers,
    );
  } finally {
    for (const c of clients) c.close();
    await service.close();
    await server?.stop();
    await model.cleanup();
  }
}

if (import.meta.main) await run(Deno.args);
