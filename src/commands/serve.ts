/**
 * `serve [--grpc-port 50051] [--http-port 8080] [--models DIR] [...]`: the
 * gRPC + HTTP server. Every setting of `src/server/config.ts` has a flag
 * (`--max-points`, `--segment-token`, `--tls-cert`, …) overriding its
 * `GEOGUIDE_*` environment variable. SIGTERM / SIGINT shut down gracefully
 * (in-flight Segment calls finish, training is cancelled) and exit 0.
 *
 * @module
 */

import { readdir } from "node:fs/promises";
import process from "node:process";
import { GeoError } from "../kernels/errors.ts";
import { cleanRegistryTemps, STALE_TEMP_MS } from "../models/registry_temps.ts";
import { startRegistryWatch } from "../runtime/registry_watch.ts";
import { type SegmentWorkersHandle, startSegmentWorkers } from "../runtime/segment_workers.ts";
import { createSegmentService } from "../infer/segment_service.ts";
import type { Services } from "../runtime/services.ts";
import { createTrainService } from "../train/service.ts";
import { createWorkerTrainService } from "../runtime/train_worker.ts";
import {
  defaultServerConfig,
  resolveServerConfig,
  type ServerConfig,
  SETTINGS,
} from "../server/config.ts";
import { type LogFields, Logger } from "../server/log.ts";
import { startServer } from "../server/server.ts";
import { viewerHandler } from "../server/viewer.ts";

/** Parses `--name value` / `--name=value` flags; throws on unknown flags or missing values. */
export function parseServeFlags(args: string[]): Record<string, string> {
  const known = new Set(SETTINGS.map((s) => s.flag));
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("--")) throw new Error(`unexpected argument '${a}'`);
    const eq = a.indexOf("=");
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    if (!known.has(name)) {
      throw new Error(
        `unknown flag --${name}; known: ${[...known].map((k) => "--" + k).join(" ")}`,
      );
    }
    const isSwitch = typeof defaultServerConfig()[SETTINGS.find((s) => s.flag === name)!.key] ===
      "boolean";
    const next = args[i + 1];
    if (eq < 0 && isSwitch && (next === undefined || next.startsWith("--"))) {
      out[name] = "true";
      continue;
    }
    const value = eq >= 0 ? a.slice(eq + 1) : args[++i];
    if (value === undefined) throw new Error(`flag --${name} needs a value`);
    out[name] = value;
  }
  return out;
}

/** What {@link buildServicesFromRegistry} returns. */
export interface BuiltServices {
  /** The services to serve. */
  services: Services;
  /** Re-reads the registry: the main-thread catalog and every worker (called when it changes). */
  reload: () => Promise<void>;
  /** Resolves once the services have read the registry at start. */
  started: Promise<void>;
  /** Stops the pipelines (workers included). */
  close: () => Promise<void>;
  /** Segment worker threads started (0 = Segment and training run on the main thread). */
  segmentWorkers: number;
}

/**
 * Builds the services from the model registry: the one place where the
 * inference and training pipelines are plugged in. The segment service loads the
 * default model in the background and reports not ready (health NOT_SERVING,
 * readyz 503) until it is loaded and warmed up. Training is offered when
 * `trainingSlots` > 0 (the server's admission runs at most that many at once). Nothing
 * here watches the registry: `run` starts the one watcher, which calls `reload`.
 *
 * With `segmentWorkers` > 0, Segment is computed by min(segmentWorkers, concurrency)
 * worker threads and each training run by a worker thread of its own that yields to
 * Segment (`trainingYieldMs`), so the main thread only does transport. When the worker
 * module cannot run (e.g. a bundle for Node, where the worker's TypeScript source cannot
 * be loaded), it says so in the log and falls back to the main thread.
 */
export async function buildServicesFromRegistry(
  config: ServerConfig,
  logger: Logger = new Logger(),
): Promise<BuiltServices> {
  const log = (level: "info" | "warn" | "error", msg: string, fields?: LogFields) =>
    logger.log(level, msg, fields);
  const segmentOptions = { modelsDir: config.modelsDir, defaultModel: config.defaultModel };
  const trainOptions = { ...segmentOptions, maxPoints: config.maxPoints };
  const trainLog = (line: string) => logger.log("info", "train", { detail: line });
  const workers = Math.min(config.segmentWorkers, Math.max(1, config.concurrency));
  let pool: SegmentWorkersHandle | null = null;
  if (workers > 0) {
    try {
      pool = await startSegmentWorkers({ workers, service: segmentOptions, log });
      log("info", "segment workers started", { workers });
    } catch (e) {
      log("warn", "segment workers unavailable; computing on the main thread", {
        detail: String((e as Error)?.message ?? e),
      });
    }
  }
  if (pool) {
    const train = createWorkerTrainService({
      service: trainOptions,
      load: pool.load,
      yieldMs: config.trainingYieldMs,
      log: trainLog,
    });
    const segment = pool;
    return {
      services: { segment, segmentSlots: segment, ...withTraining(train, config.trainingSlots) },
      reload: () => segment.refresh(),
      started: Promise.resolve(), // every worker has read the registry
      close: () => Promise.all([segment.close(), train.close()]).then(() => {}),
      segmentWorkers: workers,
    };
  }
  const segment = createSegmentService({ ...segmentOptions, log });
  const train = createTrainService({ ...trainOptions, log: trainLog });
  return {
    services: { segment, ...withTraining(train, config.trainingSlots) },
    reload: () => segment.refresh(),
    started: segment.whenStarted(),
    close: () => segment.close(),
    segmentWorkers: 0,
  };
}

/** `{ train }` when training is offered (`slots` > 0), else nothing. */
function withTraining(train: Services["train"], slots: number): Pick<Services, "train"> {
  return slots > 0 ? { train } : {};
}

/** Throws an Error naming `dir` when the registry folder cannot be listed. */
async function checkRegistryReadable(dir: string): Promise<void> {
  try {
    await readdir(dir);
  } catch (e) {
    const code = (e as { code?: string }).code ?? "unreadable";
    throw new Error(`cannot read the model registry folder '${dir}' (${code}); set --models DIR`);
  }
}

/**
 * Runs the server until SIGTERM / SIGINT; returns the exit code (1 with one line on
 * stderr when it cannot start: registry unreadable, port in use, TLS files missing).
 */
export async function run(args: string[]): Promise<number> {
  let config: ServerConfig;
  try {
    config = resolveServerConfig(parseServeFlags(args), process.env);
  } catch (e) {
    console.error(`serve: ${(e as Error).message}`);
    return 2;
  }
  const logger = new Logger();
  try {
    await checkRegistryReadable(config.modelsDir);
  } catch (e) {
    console.error(`serve: ${(e as Error).message}`);
    return 1;
  }
  const removed = await cleanRegistryTemps(config.modelsDir, STALE_TEMP_MS).catch(() => []);
  if (removed.length > 0) {
    logger.log("warn", "removed unfinished publishes", { folders: removed.length });
  }
  if (!config.trainToken) {
    logger.log(
      config.allowOpenTraining ? "warn" : "info",
      config.allowOpenTraining
        ? "DEVELOPMENT MODE: Train is open to anyone (--allow-open-training); never expose this server"
        : "Train is closed: no train token (--train-token / GEOGUIDE_TRAIN_TOKEN)",
      {},
    );
  }
  const { services, reload, started, close } = await buildServicesFromRegistry(config, logger);
  const viewer = viewerHandler();
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({
      ...config,
      logger,
      httpFallback: async (req) =>
        (await viewer(req)) ?? new Response("not found\n", { status: 404 }),
    }, services);
  } catch (e) {
    console.error(`serve: ${GeoError.from(e).message}`);
    await close().catch(() => {});
    return 1;
  }
  logger.log("info", "listening", {
    grpc_port: server.grpcPort,
    http_port: server.httpPort,
    models: config.modelsDir,
    ready: services.segment.ready(),
  });
  const watcher = startRegistryWatch({
    modelsDir: config.modelsDir,
    intervalMs: 5000,
    started,
    current: () => services.segment.listModels(),
    refresh: reload,
    onRefreshed: () => server.refreshReadiness(),
    log: (level, message, fields) => logger.log(level, message, fields),
  });
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.log("info", "signal", { signal });
      resolve();
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  watcher.stop();
  await server.shutdown();
  await close();
  logger.log("info", "stopped", {});
  return 0;
}
