/**
 * `startServer(options, services)`: the gRPC server (Segmentation, Training,
 * health, reflection) and the HTTP server (healthz, readyz, metrics, and the
 * JSON API through the very same Segment / ListModels handlers) around
 * a `SegmentService` / `TrainService`, with request metrics, one JSON log
 * line per call, readiness tracking and graceful shutdown. Every Segment and
 * Train call passes the server's one admission (`runtime/admission.ts`):
 * `concurrency` / `maxQueued` for Segment, `trainingSlots` for Train (0 = the
 * Training service is not offered).
 *
 * @module
 */

import { GeoError } from "../kernels/errors.ts";
import { createAdmission } from "../runtime/admission.ts";
import type { Services } from "../runtime/services.ts";
import { defaultServerConfig, type ServerConfig } from "./config.ts";
import { type BidiHandler, startGrpcServer } from "./grpc.ts";
import type { GrpcServerHandle } from "./grpc_api.ts";
import type {
  StreamRequestMsg,
  StreamResponseMsg,
  TrainEventMsg,
  TrainRequestMsg,
} from "./wire.ts";
import { type HttpServerHandle, startHttpServer } from "./http.ts";
import { httpApi } from "./http_api.ts";
import { Logger, newRequestId } from "./log.ts";
import { ServerMetrics } from "./metrics.ts";
import type { RpcContext } from "./rpc_context.ts";
import { makeListModelsHandler, makeSegmentHandler } from "./segment_handler.ts";
import {
  makeQueryMapHandler,
  makeSegmentStreamHandler,
  type OpenStream,
} from "./stream_handler.ts";
import { toClientStatus } from "./status.ts";
import { makeTrainHandler } from "./train_handler.ts";

/** Options of `startServer`: any `ServerConfig` field (defaults from config.ts) plus hooks. */
export interface StartOptions extends Partial<ServerConfig> {
  /** Logger (default: JSON lines on stderr). */
  readonly logger?: Logger;
  /** HTTP handler for every path but /healthz, /readyz, /metrics and /api/… (the viewer at `/`). */
  readonly httpFallback?: (request: Request) => Response | Promise<Response>;
  /** How often readiness is re-read from `services.segment.ready()`, ms (default 1000). */
  readonly readinessPollMs?: number;
  /** Folder with `geoguide/v1/*.proto` (default: this checkout's `proto/`). */
  readonly protoDir?: string;
}

/** A running server. */
export interface RunningServer {
  /** Bound gRPC port. */
  readonly grpcPort: number;
  /** Bound HTTP port (−1 when HTTP is off). */
  readonly httpPort: number;
  /** The metrics (also served at /metrics). */
  readonly metrics: ServerMetrics;
  /** Re-reads readiness and model gauges now (call after loading a model). */
  refreshReadiness(): void;
  /**
   * Graceful shutdown: health NOT_SERVING and readyz 503, training runs
   * cancelled, new calls refused, in-flight Segment calls finished (up to
   * `shutdownGraceMs`), then both servers closed.
   */
  shutdown(): Promise<void>;
}

function observed<Req, Res>(
  method: string,
  handler: (req: Req, ctx: RpcContext) => Promise<Res>,
  env: { metrics: ServerMetrics; logger: Logger },
): (req: Req, ctx: RpcContext) => Promise<Res> {
  return async (req, ctx) => {
    const t0 = performance.now();
    const id = (ctx.metadata("x-request-id") ?? "").slice(0, 128) || newRequestId();
    let code = "OK";
    let error: string | undefined;
    let detail: string | undefined;
    try {
      return await handler(req, ctx);
    } catch (e) {
      const s = toClientStatus(e);
      code = s.grpcName;
      error = s.message;
      const g = GeoError.from(e);
      if (g.message !== s.message) detail = g.message.slice(0, 2000);
      if (s.kind === "internal" || (g.cause !== undefined && s.kind === "resource_exhausted")) {
        env.logger.log("error", s.kind === "internal" ? "internal error" : "resource error", {
          request_id: id,
          method,
          detail: String(e),
          cause: g.cause === undefined ? undefined : String(g.cause),
        });
      }
      throw e;
    } finally {
      const ms = performance.now() - t0;
      env.metrics.requests.inc({ method, code });
      env.metrics.duration.observe({ method }, ms / 1000);
      env.logger.log(code === "OK" ? "info" : "warn", "rpc", {
        request_id: id,
        method,
        code,
        ms: Math.round(ms * 100) / 100,
        peer: ctx.peer,
        error,
        detail,
      });
    }
  };
}

/** Starts gRPC and HTTP around `services`; resolves once both listen. */
export async function startServer(
  options: StartOptions,
  services: Services,
): Promise<RunningServer> {
  const cfg: ServerConfig = { ...defaultServerConfig(), ...stripUndefined(options) };
  const logger = options.logger ?? new Logger();
  const metrics = new ServerMetrics();
  const env = { metrics, logger };
  const admission = createAdmission({
    concurrency: cfg.concurrency,
    maxQueued: cfg.maxQueued,
    trainingSlots: cfg.trainingSlots,
    segmentExecutor: services.segmentSlots,
  });
  const queue = admission.segment;
  // Training is offered when there is a service and slots for it (--training-slots > 0).
  const trainService = services.train && admission.train?.guard(services.train);
  const stopAc = new AbortController();
  const segDeps = {
    service: services.segment,
    queue,
    limits: {
      maxPoints: cfg.maxPoints,
      maxLabels: cfg.maxLabels,
      maxLabelBytes: cfg.maxLabelBytes,
      maxPromptBytes: cfg.maxPromptBytes,
    },
    token: cfg.segmentToken,
    metrics,
  };
  const segment = observed("Segment", makeSegmentHandler(segDeps), env);
  const listModels = observed("ListModels", makeListModelsHandler(segDeps), env);
  const streamDeps = {
    ...segDeps,
    sessions: new Map<string, OpenStream>(),
    streamLimits: {
      maxStreams: cfg.maxSegmentStreams,
      defaultMapVoxels: cfg.streamMapVoxels,
      maxMapVoxels: cfg.maxStreamMapVoxels,
      idleMs: cfg.streamIdleMs,
    },
  };
  const queryMap = observed("QueryMap", makeQueryMapHandler(streamDeps), env);
  const stream = makeSegmentStreamHandler(streamDeps);
  const segmentStream: BidiHandler<StreamRequestMsg, StreamResponseMsg> = (input, ctx, write) =>
    observed("SegmentStream", (_: null, c: RpcContext) => stream(input, c, write), env)(null, ctx);
  const train = makeTrainHandler({
    service: trainService,
    token: cfg.trainToken,
    allowOpen: cfg.allowOpenTraining,
    maxPoints: cfg.maxPoints,
    metrics,
    stopSignal: stopAc.signal,
    limits: {
      maxBytes: cfg.maxTrainBytes,
      maxScenes: cfg.maxTrainScenes,
      maxFrames: cfg.maxTrainFrames,
      maxSteps: cfg.maxTrainSteps,
      maxSeconds: cfg.maxTrainSeconds,
      idleMs: cfg.trainIdleMs,
      maxStreams: cfg.maxTrainStreams,
    },
  });
  const observedTrain: BidiHandler<TrainRequestMsg, TrainEventMsg> = (input, ctx, write) =>
    observed("Train", (_: null, c: RpcContext) => train(input, c, write), env)(null, ctx);
  let stopping = false;
  const isReady = () => !stopping && services.segment.ready();
  const grpc: GrpcServerHandle = await startGrpcServer({
    host: cfg.host,
    port: cfg.grpcPort,
    maxMessageBytes: cfg.maxMessageBytes,
    keepaliveTimeMs: cfg.keepaliveMs,
    maxConnectionAgeMs: cfg.maxConnectionAgeMs,
    maxConcurrentStreams: cfg.maxConcurrentStreams,
    tls: cfg.tlsCert ? { certFile: cfg.tlsCert, keyFile: cfg.tlsKey } : undefined,
    protoDir: options.protoDir,
  }, {
    segment,
    listModels,
    segmentStream,
    queryMap,
    train: observedTrain,
  });
  let http: HttpServerHandle | null = null;
  try {
    if (cfg.httpPort >= 0) {
      http = await startHttpServer({ host: cfg.host, port: cfg.httpPort }, {
        ready: isReady,
        metrics: () => metrics.render(),
        logger,
        api: httpApi({
          segment,
          listModels,
          token: cfg.segmentToken,
          maxBodyBytes: cfg.maxMessageBytes,
          busy: () => queue.full,
          refuse: observed("Segment", (e: unknown) => Promise.reject(e), env),
          ready: isReady,
          logger,
        }),
        fallback: options.httpFallback,
      });
    }
  } catch (e) {
    await grpc.shutdown(0);
    throw e;
  }
  const refreshReadiness = () => {
    const ready = isReady();
    grpc.setServing({ segmentation: ready, training: !stopping && trainService !== undefined });
    metrics.ready.set({}, ready ? 1 : 0);
    metrics.modelLoaded.reset();
    for (const m of services.segment.listModels()) {
      for (const v of m.versions) metrics.modelLoaded.set({ model: m.name, version: String(v) }, 1);
    }
  };
  refreshReadiness();
  const poll = setInterval(refreshReadiness, options.readinessPollMs ?? 1000);
  let closing: Promise<void> | null = null;
  return {
    grpcPort: grpc.port,
    httpPort: http?.port ?? -1,
    metrics,
    refreshReadiness,
    shutdown() {
      closing ??= (async () => {
        stopping = true;
        clearInterval(poll);
        refreshReadiness();
        stopAc.abort(new DOMException("The server is shutting down", "AbortError"));
        logger.log("info", "shutting down", { grace_ms: cfg.shutdownGraceMs });
        await grpc.shutdown(cfg.shutdownGraceMs);
        await http?.close();
      })();
      return closing;
    },
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
