/**
 * Server configuration: defaults, environment variables and flags.
 *
 * Flags override environment variables, which override these defaults.
 * Deployment manifests (deploy/k8s) are checked against these values.
 *
 * @module
 */

import { availableParallelism } from "node:os";

/** Default gRPC port (Segmentation, Training, health, reflection). */
export const DEFAULT_GRPC_PORT = 50051;
/** Default HTTP port (healthz, readyz, metrics, viewer). */
export const DEFAULT_HTTP_PORT = 8080;
/** Default model registry folder, relative to the working directory. */
export const DEFAULT_MODELS_DIR = "models";
/** Default maximum gRPC message size in bytes (256 MiB). */
export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 * 1024;
/** Default bind address of both servers. */
export const DEFAULT_HOST = "0.0.0.0";
/** Default maximum points in one Segment request. */
export const DEFAULT_MAX_POINTS = 4_000_000;
/** Default number of Segment requests computed at once. */
export const DEFAULT_CONCURRENCY = 1;
/** Default number of Segment requests waiting for a slot before RESOURCE_EXHAUSTED. */
export const DEFAULT_MAX_QUEUED = 16;
/** Default grace for in-flight calls on shutdown, ms. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 30_000;
/** Default keepalive ping interval, ms (2 minutes). */
export const DEFAULT_KEEPALIVE_MS = 120_000;
/** Default maximum connection age, ms (0 = unlimited). */
export const DEFAULT_MAX_CONNECTION_AGE_MS = 0;
/** Default number of Train calls run at once (0 = this server does not train). */
export const DEFAULT_TRAINING_SLOTS = 1;
/** Default longest wait of a training step for Segment requests in flight, ms. */
export const DEFAULT_TRAINING_YIELD_MS = 2000;
/** Default most labels in one Segment request. */
export const DEFAULT_MAX_LABELS = 1024;
/** Default longest label, UTF-8 bytes. */
export const DEFAULT_MAX_LABEL_BYTES = 256;
/** Default longest prompt template, UTF-8 bytes. */
export const DEFAULT_MAX_PROMPT_BYTES = 512;
/** Default most bytes of all messages of one Train stream (1 GiB). */
export const DEFAULT_MAX_TRAIN_BYTES = 1024 * 1024 * 1024;
/** Default most scenes in one Train stream. */
export const DEFAULT_MAX_TRAIN_SCENES = 64;
/** Default most camera frames (all scenes together) in one Train stream. */
export const DEFAULT_MAX_TRAIN_FRAMES = 4096;
/** Default most optimiser steps one Train call may ask for. */
export const DEFAULT_MAX_TRAIN_STEPS = 20_000;
/** Default longest wall time of one Train call, upload included, seconds (2 hours). */
export const DEFAULT_MAX_TRAIN_SECONDS = 7200;
/** Default longest silence between two messages of a Train stream, ms. */
export const DEFAULT_TRAIN_IDLE_MS = 60_000;
/** Default most SegmentStream sessions open at once on the server. */
export const DEFAULT_MAX_SEGMENT_STREAMS = 16;
/** Default map voxels of a SegmentStream session that asks for none. */
export const DEFAULT_STREAM_MAP_VOXELS = 100_000;
/** Default most map voxels a SegmentStream session may ask for. */
export const DEFAULT_MAX_STREAM_MAP_VOXELS = 1_000_000;
/** Default longest silence of a SegmentStream before it is closed, ms. */
export const DEFAULT_STREAM_IDLE_MS = 60_000;
/** Default most Train streams open at once on the server (uploading, waiting or training). */
export const DEFAULT_MAX_TRAIN_STREAMS = 4;
/** Default most concurrent HTTP/2 streams per gRPC connection. */
export const DEFAULT_MAX_CONCURRENT_STREAMS = 100;

/**
 * Default number of Segment worker threads: min(2, cores). The server starts at most
 * `concurrency` of them (more would never get work).
 */
export function defaultSegmentWorkers(): number {
  return Math.min(2, Math.max(1, availableParallelism()));
}

/** Every server setting, resolved. */
export interface ServerConfig {
  /** Bind address of both servers. */
  host: string;
  /** gRPC port (0 = any free port). */
  grpcPort: number;
  /** HTTP port (0 = any free port; −1 = no HTTP server). */
  httpPort: number;
  /** Model registry folder. */
  modelsDir: string;
  /** Default model name; "" = pick (the only model, else "default", else the first by name). */
  defaultModel: string;
  /** Largest gRPC message, bytes. */
  maxMessageBytes: number;
  /** Most points per Segment request. */
  maxPoints: number;
  /** Segment requests computed at once. */
  concurrency: number;
  /** Segment requests waiting at most. */
  maxQueued: number;
  /** Bearer token for Segmentation; "" = open. */
  segmentToken: string;
  /** Bearer token for Training; "" = open. */
  trainToken: string;
  /** PEM certificate chain file; "" = plaintext. */
  tlsCert: string;
  /** PEM private key file; "" = plaintext. */
  tlsKey: string;
  /** Keepalive ping interval, ms. */
  keepaliveMs: number;
  /** Maximum connection age, ms (0 = unlimited). */
  maxConnectionAgeMs: number;
  /** Grace for in-flight calls on shutdown, ms. */
  shutdownGraceMs: number;
  /** Train calls run at once; 0 = the Training service is not offered (segmenter pods). */
  trainingSlots: number;
  /**
   * Worker threads computing Segment (at most `concurrency` are started); training then
   * runs in a worker thread of its own too. 0 = everything on the main thread.
   */
  segmentWorkers: number;
  /** Longest wait of a training step while Segment requests are in flight, ms (0 = none). */
  trainingYieldMs: number;
  /**
   * Development only: serve Train (and so publishing) without a train token. Off by
   * default: without `trainToken` the server refuses Train. Logged at start when on.
   */
  allowOpenTraining: boolean;
  /** Most labels (or label embeddings) in one Segment request. */
  maxLabels: number;
  /** Longest label, UTF-8 bytes. */
  maxLabelBytes: number;
  /** Longest prompt template, UTF-8 bytes. */
  maxPromptBytes: number;
  /** Most bytes received in one Train stream (all messages together). */
  maxTrainBytes: number;
  /** Most scenes in one Train stream. */
  maxTrainScenes: number;
  /** Most camera frames in one Train stream. */
  maxTrainFrames: number;
  /** Most optimiser steps a Train call may ask for (more = INVALID_ARGUMENT). */
  maxTrainSteps: number;
  /** Longest wall time of one Train call from its first message, seconds. */
  maxTrainSeconds: number;
  /** Longest silence between two Train messages before the call is ended, ms. */
  trainIdleMs: number;
  /** Most Train streams open at once on the server; more = RESOURCE_EXHAUSTED. */
  maxTrainStreams: number;
  /** Most concurrent HTTP/2 streams per gRPC connection. */
  maxConcurrentStreams: number;
  /** Most SegmentStream sessions open at once; more = RESOURCE_EXHAUSTED. */
  maxSegmentStreams: number;
  /** Map voxels of a SegmentStream session that asks for none (about 4C + 60 bytes each). */
  streamMapVoxels: number;
  /** Most map voxels one SegmentStream session may ask for. */
  maxStreamMapVoxels: number;
  /** Longest silence of a SegmentStream before it is closed, ms. */
  streamIdleMs: number;
}

/** Settings, their flag (`--grpc-port`) and environment variable (`GEOGUIDE_GRPC_PORT`). */
export const SETTINGS: readonly { key: keyof ServerConfig; flag: string; env: string }[] = [
  { key: "host", flag: "host", env: "GEOGUIDE_HOST" },
  { key: "grpcPort", flag: "grpc-port", env: "GEOGUIDE_GRPC_PORT" },
  { key: "httpPort", flag: "http-port", env: "GEOGUIDE_HTTP_PORT" },
  { key: "modelsDir", flag: "models", env: "GEOGUIDE_MODELS" },
  { key: "defaultModel", flag: "default-model", env: "GEOGUIDE_DEFAULT_MODEL" },
  { key: "maxMessageBytes", flag: "max-message-bytes", env: "GEOGUIDE_MAX_MESSAGE_BYTES" },
  { key: "maxPoints", flag: "max-points", env: "GEOGUIDE_MAX_POINTS" },
  { key: "concurrency", flag: "concurrency", env: "GEOGUIDE_CONCURRENCY" },
  { key: "maxQueued", flag: "max-queued", env: "GEOGUIDE_MAX_QUEUED" },
  { key: "segmentToken", flag: "segment-token", env: "GEOGUIDE_SEGMENT_TOKEN" },
  { key: "trainToken", flag: "train-token", env: "GEOGUIDE_TRAIN_TOKEN" },
  { key: "tlsCert", flag: "tls-cert", env: "GEOGUIDE_TLS_CERT" },
  { key: "tlsKey", flag: "tls-key", env: "GEOGUIDE_TLS_KEY" },
  { key: "keepaliveMs", flag: "keepalive-ms", env: "GEOGUIDE_KEEPALIVE_MS" },
  {
    key: "maxConnectionAgeMs",
    flag: "max-connection-age-ms",
    env: "GEOGUIDE_MAX_CONNECTION_AGE_MS",
  },
  { key: "shutdownGraceMs", flag: "shutdown-grace-ms", env: "GEOGUIDE_SHUTDOWN_GRACE_MS" },
  { key: "trainingSlots", flag: "training-slots", env: "GEOGUIDE_TRAINING_SLOTS" },
  { key: "segmentWorkers", flag: "segment-workers", env: "GEOGUIDE_SEGMENT_WORKERS" },
  { key: "trainingYieldMs", flag: "training-yield-ms", env: "GEOGUIDE_TRAINING_YIELD_MS" },
  {
    key: "allowOpenTraining",
    flag: "allow-open-training",
    env: "GEOGUIDE_ALLOW_OPEN_TRAINING",
  },
  { key: "maxLabels", flag: "max-labels", env: "GEOGUIDE_MAX_LABELS" },
  { key: "maxLabelBytes", flag: "max-label-bytes", env: "GEOGUIDE_MAX_LABEL_BYTES" },
  { key: "maxPromptBytes", flag: "max-prompt-bytes", env: "GEOGUIDE_MAX_PROMPT_BYTES" },
  { key: "maxTrainBytes", flag: "max-train-bytes", env: "GEOGUIDE_MAX_TRAIN_BYTES" },
  { key: "maxTrainScenes", flag: "max-train-scenes", env: "GEOGUIDE_MAX_TRAIN_SCENES" },
  { key: "maxTrainFrames", flag: "max-train-frames", env: "GEOGUIDE_MAX_TRAIN_FRAMES" },
  { key: "maxTrainSteps", flag: "max-train-steps", env: "GEOGUIDE_MAX_TRAIN_STEPS" },
  { key: "maxTrainSeconds", flag: "max-train-seconds", env: "GEOGUIDE_MAX_TRAIN_SECONDS" },
  { key: "trainIdleMs", flag: "train-idle-ms", env: "GEOGUIDE_TRAIN_IDLE_MS" },
  { key: "maxTrainStreams", flag: "max-train-streams", env: "GEOGUIDE_MAX_TRAIN_STREAMS" },
  {
    key: "maxConcurrentStreams",
    flag: "max-concurrent-streams",
    env: "GEOGUIDE_MAX_CONCURRENT_STREAMS",
  },
  { key: "maxSegmentStreams", flag: "max-segment-streams", env: "GEOGUIDE_MAX_SEGMENT_STREAMS" },
  { key: "streamMapVoxels", flag: "stream-map-voxels", env: "GEOGUIDE_STREAM_MAP_VOXELS" },
  {
    key: "maxStreamMapVoxels",
    flag: "max-stream-map-voxels",
    env: "GEOGUIDE_MAX_STREAM_MAP_VOXELS",
  },
  { key: "streamIdleMs", flag: "stream-idle-ms", env: "GEOGUIDE_STREAM_IDLE_MS" },
];

/** The defaults of every setting. */
export function defaultServerConfig(): ServerConfig {
  return {
    host: DEFAULT_HOST,
    grpcPort: DEFAULT_GRPC_PORT,
    httpPort: DEFAULT_HTTP_PORT,
    modelsDir: DEFAULT_MODELS_DIR,
    defaultModel: "",
    maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
    maxPoints: DEFAULT_MAX_POINTS,
    concurrency: DEFAULT_CONCURRENCY,
    maxQueued: DEFAULT_MAX_QUEUED,
    segmentToken: "",
    trainToken: "",
    tlsCert: "",
    tlsKey: "",
    keepaliveMs: DEFAULT_KEEPALIVE_MS,
    maxConnectionAgeMs: DEFAULT_MAX_CONNECTION_AGE_MS,
    shutdownGraceMs: DEFAULT_SHUTDOWN_GRACE_MS,
    trainingSlots: DEFAULT_TRAINING_SLOTS,
    segmentWorkers: defaultSegmentWorkers(),
    trainingYieldMs: DEFAULT_TRAINING_YIELD_MS,
    allowOpenTraining: false,
    maxLabels: DEFAULT_MAX_LABELS,
    maxLabelBytes: DEFAULT_MAX_LABEL_BYTES,
    maxPromptBytes: DEFAULT_MAX_PROMPT_BYTES,
    maxTrainBytes: DEFAULT_MAX_TRAIN_BYTES,
    maxTrainScenes: DEFAULT_MAX_TRAIN_SCENES,
    maxTrainFrames: DEFAULT_MAX_TRAIN_FRAMES,
    maxTrainSteps: DEFAULT_MAX_TRAIN_STEPS,
    maxTrainSeconds: DEFAULT_MAX_TRAIN_SECONDS,
    trainIdleMs: DEFAULT_TRAIN_IDLE_MS,
    maxTrainStreams: DEFAULT_MAX_TRAIN_STREAMS,
    maxConcurrentStreams: DEFAULT_MAX_CONCURRENT_STREAMS,
    maxSegmentStreams: DEFAULT_MAX_SEGMENT_STREAMS,
    streamMapVoxels: DEFAULT_STREAM_MAP_VOXELS,
    maxStreamMapVoxels: DEFAULT_MAX_STREAM_MAP_VOXELS,
    streamIdleMs: DEFAULT_STREAM_IDLE_MS,
  };
}

/**
 * Resolves the configuration: `flags` (name without dashes → value) over
 * `env` over the defaults. Throws an Error naming the flag or variable when
 * a number does not parse or a port is out of range.
 */
export function resolveServerConfig(
  flags: Record<string, string>,
  env: Record<string, string | undefined>,
): ServerConfig {
  const cfg = defaultServerConfig() as unknown as Record<string, string | number | boolean>;
  for (const s of SETTINGS) {
    const fromFlag = flags[s.flag];
    const raw = fromFlag ?? env[s.env];
    if (raw === undefined || raw === "") continue;
    const origin = fromFlag !== undefined ? `--${s.flag}` : s.env;
    if (typeof cfg[s.key] === "boolean") {
      const word = raw.trim().toLowerCase();
      if (!["1", "true", "yes", "on", "0", "false", "no", "off"].includes(word)) {
        throw new Error(`${origin}: expected true or false, got '${raw}'`);
      }
      cfg[s.key] = ["1", "true", "yes", "on"].includes(word);
    } else if (typeof cfg[s.key] === "number") {
      const v = Number(raw);
      const min = s.key === "httpPort" ? -1 : 0;
      if (!Number.isInteger(v) || v < min) {
        throw new Error(`${origin}: expected a non-negative integer, got '${raw}'`);
      }
      if (s.key.endsWith("Port") && v > 65535) {
        throw new Error(`${origin}: port ${v} is out of range`);
      }
      cfg[s.key] = v;
    } else cfg[s.key] = raw;
  }
  const out = cfg as unknown as ServerConfig;
  if (Boolean(out.tlsCert) !== Boolean(out.tlsKey)) {
    throw new Error(
      "TLS needs both --tls-cert and --tls-key (or GEOGUIDE_TLS_CERT and GEOGUIDE_TLS_KEY)",
    );
  }
  return out;
}
