/**
 * Segment on worker threads vs on the main thread, under concurrent load: the same
 * `src/cli.ts serve` subprocess started once per mode (`--segment-workers 0`, the default
 * single worker, two workers with `--concurrency 2`), each loaded by C gRPC clients
 * sending the same Draco request. Modes run one after the other (not interleaved), so
 * the machine's other load can differ between them.
 *
 * Part of `deno task bench serve` (its last section); alone:
 * `deno task bench serve_workers [--points 100000] [--clients 8] [--requests 24] [--warmup 2]`.
 *
 * @module
 */

import { GeoguideClient } from "../src/server/grpc.ts";
import { type BenchInput, buildInputs } from "./serve_clouds.ts";
import { fmt, mean, type PathResult, percentile, runLoad } from "./serve_load.ts";
import { grpcPath, pickModel } from "./serve_paths.ts";
import { startServerProcess } from "./serve_server.ts";

/** One server configuration compared. */
export interface WorkerMode {
  /** Name in the report. */
  name: string;
  /** `serve` flags of the mode. */
  args: string[];
}

/** The modes compared. */
export const WORKER_MODES: readonly WorkerMode[] = [
  { name: "main thread (`--segment-workers 0`)", args: ["--segment-workers=0"] },
  { name: "1 worker (default, `--concurrency 1`)", args: ["--segment-workers=1"] },
  { name: "2 workers, `--concurrency 2`", args: ["--segment-workers=2", "--concurrency=2"] },
  {
    name: "main thread, `--concurrency 2`",
    args: ["--segment-workers=0", "--concurrency=2"],
  },
];

/** Settings of {@link compareWorkerModes}. */
export interface WorkerCompareOptions {
  /** Registry folder and default model of the server. */
  model: { modelsDir: string; name: string };
  /** The request sent by every client. */
  input: BenchInput;
  /** Concurrent clients. */
  clients: number;
  /** Requests per mode. */
  requests: number;
  /** Unmeasured requests per client before measuring. */
  warmup: number;
  /** No new request starts after this many seconds per mode. */
  maxSeconds: number;
  /** Progress sink. */
  log: (line: string) => void;
}

/** Result of one mode. */
export interface WorkerModeRow {
  /** The mode. */
  mode: WorkerMode;
  /** Samples and failures. */
  result: PathResult;
  /** Wall time of the measured requests, s. */
  wallS: number;
}

/** Runs every mode of {@link WORKER_MODES} (see the module doc). */
export async function compareWorkerModes(o: WorkerCompareOptions): Promise<WorkerModeRow[]> {
  const rows: WorkerModeRow[] = [];
  for (const mode of WORKER_MODES) {
    const server = await startServerProcess({
      modelsDir: o.model.modelsDir,
      defaultModel: o.model.name,
      maxPoints: Math.max(4_000_000, o.input.points),
      readyTimeoutMs: 180_000,
      extraArgs: mode.args,
      log: o.log,
    });
    const clients = Array.from({ length: o.clients }, () => new GeoguideClient(server.address));
    try {
      const path = grpcPath(clients, o.input);
      await Promise.all(clients.map(async (_, c) => {
        for (let w = 0; w < o.warmup; w++) await path(c);
      }));
      const label = `${mode.name}: ${o.input.points} pts × ${o.clients} clients`;
      const r = await runLoad([path], {
        clients: o.clients,
        iterations: o.requests,
        maxSeconds: o.maxSeconds,
        label,
        log: o.log,
      });
      rows.push({ mode, result: r.results[0], wallS: r.wallS });
      o.log(`${label}: p50 ${fmt(percentile(r.results[0].samples.map((s) => s.ms), 50))} ms`);
    } finally {
      for (const c of clients) c.close();
      await server.stop();
    }
  }
  return rows;
}

/** The markdown section of a comparison. */
export function renderWorkerModes(rows: readonly WorkerModeRow[], o: WorkerCompareOptions): string {
  const out = [
    `### Worker threads vs main thread (${o.input.points} points, ${o.clients} clients)`,
    "",
    "| server | ok | err | p50 ms | p99 ms | req/s | server queue ms | server total ms |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    const ms = r.result.samples.map((s) => s.ms);
    const queue = mean(r.result.samples.map((s) => s.timing.queue));
    const total = mean(r.result.samples.map((s) => s.timing.total));
    out.push(
      `| ${r.mode.name} | ${ms.length} | ${r.result.errors} | ${fmt(percentile(ms, 50))} | ` +
        `${fmt(percentile(ms, 99))} | ${fmt(ms.length / r.wallS, 2)} | ${fmt(queue)} | ` +
        `${fmt(total)} |`,
    );
  }
  out.push(
    "",
    "Server queue = time in the transport's work queue (only calls the main thread has " +
      "received count); server total = whole handler. Modes ran one after the other.",
  );
  return out.join("\n");
}

/** Runs the comparison alone; prints the markdown section on stdout. */
export async function run(args: string[]): Promise<void> {
  const flag = (name: string, fallback: number) => {
    const i = args.indexOf(`--${name}`);
    const v = i >= 0 ? Number(args[i + 1]) : fallback;
    if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} expects an integer ≥ 0`);
    return v;
  };
  const log = (line: string) => console.error(`serve_workers: ${line}`);
  const { inputs } = await buildInputs([flag("points", 100_000)], 1, log);
  const model = await pickModel();
  try {
    const o: WorkerCompareOptions = {
      model: { modelsDir: model.modelsDir, name: model.name },
      input: inputs[0],
      clients: flag("clients", 8),
      requests: flag("requests", 24),
      warmup: flag("warmup", 2),
      maxSeconds: 120,
      log,
    };
    console.log(renderWorkerModes(await compareWorkerModes(o), o));
  } finally {
    await model.cleanup();
  }
}
