/**
 * `serve [--grpc-port 50051] [--http-port 8080] [--models DIR] [...]`: the
 * gRPC + HTTP server. Every setting of `src/server/config.ts` has a flag
 * (`--max-points`, `--segment-token`, `--tls-cert`, …) overriding its
 * `GEOGUIDE_*` environment variable. SIGTERM / SIGINT shut down gracefully
 * (in-flight Segment calls finish, training is cancelled) and exit 0.
 *
 * @module
 */

import process from "node:process";
import { watchRegistry } from "../pipeline/registry.ts";
import { createSegmentService } from "../pipeline/segment_service.ts";
import type { Services } from "../pipeline/service_api.ts";
import { createTrainService } from "../pipeline/train_service.ts";
import { withTrainingSlots } from "../pipeline/training_slots.ts";
import { resolveServerConfig, type ServerConfig, SETTINGS } from "../server/config.ts";
import { Logger } from "../server/log.ts";
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
    const value = eq >= 0 ? a.slice(eq + 1) : args[++i];
    if (value === undefined) throw new Error(`flag --${name} needs a value`);
    out[name] = value;
  }
  return out;
}

/**
 * Builds the services from the model registry: the one place where the
 * inference and training pipelines are plugged in. Returns `reload`, called
 * when the registry changes, and `close`. The segment service loads the
 * default model in the background and reports not ready (health NOT_SERVING,
 * readyz 503) until it is loaded and warmed up. Training is offered when
 * `trainingSlots` > 0, at most that many runs at once.
 */
export function buildServicesFromRegistry(
  config: ServerConfig,
): Promise<{ services: Services; reload: () => Promise<void>; close: () => Promise<void> }> {
  const logger = new Logger();
  const segment = createSegmentService({
    modelsDir: config.modelsDir,
    defaultModel: config.defaultModel,
    watchIntervalMs: 0, // run() below watches the registry and calls reload
    log: (level, msg, fields) => logger.log(level, msg, fields),
  });
  const train = config.trainingSlots > 0
    ? withTrainingSlots(
      createTrainService({
        modelsDir: config.modelsDir,
        defaultModel: config.defaultModel,
        maxPoints: config.maxPoints,
        log: (line) => logger.log("info", "train", { detail: line }),
      }),
      config.trainingSlots,
    )
    : undefined;
  return Promise.resolve({
    services: train ? { segment, train } : { segment },
    reload: () => segment.refresh(),
    close: () => segment.close(),
  });
}

/** Runs the server until SIGTERM / SIGINT; returns the exit code. */
export async function run(args: string[]): Promise<number> {
  let config: ServerConfig;
  try {
    config = resolveServerConfig(parseServeFlags(args), process.env);
  } catch (e) {
    console.error(`serve: ${(e as Error).message}`);
    return 2;
  }
  const logger = new Logger();
  const { services, reload, close } = await buildServicesFromRegistry(config);
  const viewer = viewerHandler(services.segment, {
    maxPoints: config.maxPoints,
    maxUploadBytes: config.maxMessageBytes,
    logger,
  });
  const server = await startServer({
    ...config,
    logger,
    httpFallback: async (req) =>
      (await viewer(req)) ?? new Response("not found\n", { status: 404 }),
  }, services);
  logger.log("info", "listening", {
    grpc_port: server.grpcPort,
    http_port: server.httpPort,
    models: config.modelsDir,
    ready: services.segment.ready(),
  });
  let first = true;
  const watcher = watchRegistry(config.modelsDir, () => {
    if (first) return void (first = false);
    reload().then(() => {
      server.refreshReadiness();
      logger.log("info", "registry changed", { models: services.segment.listModels().length });
    }, (e) => logger.log("error", "registry reload failed", { detail: String(e) }));
  }, {
    intervalMs: 5000,
    onError: (e) => logger.log("warn", "registry poll failed", { detail: String(e) }),
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
