/**
 * Training.Train: reads the config and scenes of the client stream,
 * translates them to `train/api.ts` types, runs the TrainService and streams
 * its events back. Cancelling the call (or server shutdown) aborts training.
 *
 * Limits ({@link TrainLimits}, the `--max-train-*` flags) are enforced while
 * the stream is read, message by message, before the next one is kept: its
 * bytes, scenes, camera frames and asked steps; the silence between two
 * messages; the wall time from the first message to the end of training;
 * and the Train streams open on the server at once. Error details name the
 * limit and its flag, never the payload or a server path.
 *
 * @module
 */

import { GeoError, invalid, quote } from "../kernels/errors.ts";
import { MODEL_NAME_RE } from "../models/manifest.ts";
import { DEFAULT_TRAIN_STEPS } from "../train/default_steps.ts";
import type {
  TensorDtype,
  TrainConfigInput,
  TrainEventOutput,
  TrainResult,
  TrainSceneInput,
  TrainService,
  ViewFrameInput,
} from "../train/api.ts";
import { bytesToFloat32, bytesToInt16, bytesToInt32 } from "../io/typed_bytes.ts";
import { checkTrainAccess } from "./auth.ts";
import type { TrainConfigMsg, TrainEventMsg, TrainRequestMsg, TrainSceneMsg } from "./wire.ts";
import type { ServerMetrics } from "./metrics.ts";
import type { RpcContext } from "./rpc_context.ts";
import { cloudFromMsg } from "./segment_request.ts";
import {
  DEFAULT_MAX_TRAIN_BYTES,
  DEFAULT_MAX_TRAIN_FRAMES,
  DEFAULT_MAX_TRAIN_SCENES,
  DEFAULT_MAX_TRAIN_SECONDS,
  DEFAULT_MAX_TRAIN_STEPS,
  DEFAULT_MAX_TRAIN_STREAMS,
  DEFAULT_TRAIN_IDLE_MS,
} from "./config.ts";

/** Limits of the Train RPC (`ServerConfig` fields of the same meaning, flag in brackets). */
export interface TrainLimits {
  /** Most bytes of all messages of one stream, approximated (--max-train-bytes). */
  readonly maxBytes: number;
  /** Most scenes in one stream (--max-train-scenes). */
  readonly maxScenes: number;
  /** Most camera frames of all scenes of one stream (--max-train-frames). */
  readonly maxFrames: number;
  /** Most optimiser steps one call may ask for (--max-train-steps). */
  readonly maxSteps: number;
  /** Longest wall time from the first message to the end of training, s (--max-train-seconds). */
  readonly maxSeconds: number;
  /** Longest silence between two messages, ms (--train-idle-ms). */
  readonly idleMs: number;
  /** Most Train streams open at once on the server (--max-train-streams). */
  readonly maxStreams: number;
}

/** The default {@link TrainLimits} (those of `defaultServerConfig`). */
export const DEFAULT_TRAIN_LIMITS: TrainLimits = {
  maxBytes: DEFAULT_MAX_TRAIN_BYTES,
  maxScenes: DEFAULT_MAX_TRAIN_SCENES,
  maxFrames: DEFAULT_MAX_TRAIN_FRAMES,
  maxSteps: DEFAULT_MAX_TRAIN_STEPS,
  maxSeconds: DEFAULT_MAX_TRAIN_SECONDS,
  idleMs: DEFAULT_TRAIN_IDLE_MS,
  maxStreams: DEFAULT_MAX_TRAIN_STREAMS,
};

/** What the Training handler needs. */
export interface TrainHandlerDeps {
  /** The training side; absent = UNAVAILABLE. */
  readonly service?: TrainService;
  /** Bearer token; "" = Train refused (closed by default) unless `allowOpen`. */
  readonly token: string;
  /** Development switch: serve Train without a token (`--allow-open-training`). */
  readonly allowOpen?: boolean;
  /** Most points per scene. */
  readonly maxPoints: number;
  /** Metrics to update. */
  readonly metrics: ServerMetrics;
  /** Aborts every training run (server shutdown). */
  readonly stopSignal: AbortSignal;
  /** Limits (default {@link DEFAULT_TRAIN_LIMITS}). */
  readonly limits?: Partial<TrainLimits>;
}

const nz = (v: number | undefined) => (v ? v : undefined);
/** The form of `TrainConfig.request_id` (empty = none). */
export const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;
/** Longest delay a timer takes without firing at once, ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Longest scene name, characters. */
const MAX_SCENE_NAME = 128;

/**
 * Translates a TrainConfig; 0 numbers mean "default".
 *
 * @param c the message
 * @param maxSteps most steps allowed (explicit or the trainer's default), else invalid_argument
 */
export function trainConfigFromMsg(c: TrainConfigMsg, maxSteps = Infinity): TrainConfigInput {
  const site = c.site ?? "";
  if (!MODEL_NAME_RE.test(site)) {
    throw invalid(
      `config.site ${quote(site)} must be 1-64 letters, digits, '_', '.', '-' (a model name)`,
    );
  }
  const baseModel = c.base_model ?? "";
  if (baseModel && !MODEL_NAME_RE.test(baseModel)) {
    throw invalid(`config.base_model ${quote(baseModel)} is not a model name`);
  }
  const requestId = c.request_id ?? "";
  if (requestId && !REQUEST_ID_RE.test(requestId)) {
    throw invalid("config.request_id must be at most 128 characters of A-Z a-z 0-9 . _ : -");
  }
  const steps = c.steps || DEFAULT_TRAIN_STEPS;
  if (steps > maxSteps) {
    throw invalid(
      `config.steps ${c.steps ? steps : `(default ${steps})`} exceeds the limit of ${maxSteps} ` +
        `steps (--max-train-steps)`,
    );
  }
  return {
    site,
    requestId: requestId || undefined,
    baseModel,
    baseVersion: Number(c.base_version ?? 0),
    steps: nz(c.steps),
    learningRate: nz(c.learning_rate),
    lambdaSp: nz(c.lambda_sp),
    lambdaMask: nz(c.lambda_mask),
    lambdaSim: nz(c.lambda_sim),
    maskRatio: nz(c.mask_ratio),
    seed: Number(c.seed ?? 0),
    useReliability: c.use_reliability ?? undefined,
    objective: c.objective === "NAIVE" ? "naive" : "geoguide",
    publish: Boolean(c.publish),
  };
}

const dtype = (t: string | undefined): TensorDtype => (t === "FLOAT16" ? "float16" : "float32");
const opt = (b: Uint8Array | undefined) => (b && b.byteLength > 0 ? b : undefined);

/** Translates one TrainScene (index `i` names it in errors). */
export function trainSceneFromMsg(s: TrainSceneMsg, i: number, maxPoints: number): TrainSceneInput {
  if ((s.name ?? "").length > MAX_SCENE_NAME) {
    throw invalid(`scene[${i}].name is longer than ${MAX_SCENE_NAME} characters`);
  }
  const src = `scene[${i}]${s.name ? ` ${quote(s.name)}` : ""}`;
  const frames: ViewFrameInput[] = (s.frames ?? []).map((f, j) => ({
    depth: bytesToFloat32(f.depth ?? new Uint8Array(0), `${src}.frames[${j}].depth`),
    width: f.width ?? 0,
    height: f.height ?? 0,
    intrinsics: f.intrinsics ?? [],
    pose: f.pose ?? [],
    features: f.features ?? new Uint8Array(0),
    featuresDtype: dtype(f.features_dtype),
    featureDim: f.feature_dim ?? 0,
    featureWidth: f.feature_width ?? 0,
    featureHeight: f.feature_height ?? 0,
  }));
  const teacher = opt(s.teacher);
  if (!teacher && frames.length === 0) throw invalid(`${src}: send teacher features or frames`);
  const sp = opt(s.superpoints), inst = opt(s.instances), gt = opt(s.gt_labels);
  return {
    name: s.name || `scene${i}`,
    cloud: cloudFromMsg(s.cloud, maxPoints, src),
    teacher,
    teacherDtype: dtype(s.teacher_dtype),
    dim: s.dim ?? 0,
    valid: opt(s.valid),
    superpoints: sp && bytesToInt32(sp, `${src}.superpoints`),
    instances: inst && bytesToInt32(inst, `${src}.instances`),
    gtLabels: gt && bytesToInt16(gt, `${src}.gt_labels`),
    gtLabelNames: s.gt_label_names ?? [],
    frames,
  };
}

/** Translates a training event to the wire. */
export function trainEventToMsg(e: TrainEventOutput): TrainEventMsg {
  if (e.type === "progress") {
    return {
      progress: {
        step: e.step,
        total_steps: e.totalSteps,
        loss_sp: e.lossSp,
        loss_mask: e.lossMask,
        loss_sim: e.lossSim,
        loss_total: e.lossTotal,
        points_per_second: e.pointsPerSecond,
        elapsed_s: e.elapsedS,
      },
    };
  }
  return {
    validation: {
      step: e.step,
      miou: e.miou,
      macc: e.macc,
      per_class: e.perClass.map((c) => ({ ...c })),
    },
  };
}

/** Bytes of a message added per message to the size of its fields. */
export const MESSAGE_OVERHEAD_BYTES = 64;

/**
 * The approximate wire size of a message: the byte lengths of its bytes and string
 * fields, 4 bytes per number or flag, plus {@link MESSAGE_OVERHEAD_BYTES}.
 */
export function approxMessageBytes(m: unknown): number {
  let n = MESSAGE_OVERHEAD_BYTES;
  const walk = (v: unknown): void => {
    if (v === null || v === undefined) return;
    if (ArrayBuffer.isView(v)) n += v.byteLength;
    else if (typeof v === "string") n += v.length;
    else if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === "object") Object.values(v).forEach(walk);
    else n += 4;
  };
  walk(m);
  return n;
}

const exhausted = (what: string) => new GeoError("resource_exhausted", what);

/** The next message, or a deadline_exceeded after `idleMs` of silence, or the abort reason. */
function nextWithin<T>(
  it: AsyncIterator<T>,
  idleMs: number,
  signal: AbortSignal,
): Promise<IteratorResult<T>> {
  return new Promise((resolve, reject) => {
    const settle = (fn: () => void) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      fn();
    };
    const onAbort = () => settle(() => reject(signal.reason));
    const timer = setTimeout(() =>
      settle(() =>
        reject(
          new GeoError(
            "deadline_exceeded",
            `No Train message came for ${idleMs} ms (--train-idle-ms); the stream was ended`,
          ),
        )
      ), Math.min(idleMs, MAX_TIMER_MS));
    signal.addEventListener("abort", onAbort, { once: true });
    if (signal.aborted) return onAbort();
    it.next().then((r) => settle(() => resolve(r)), (e) => settle(() => reject(e)));
  });
}

/** What a read stream asks for: a run, or the replay of an already published one. */
type Upload =
  | { readonly config: TrainConfigInput; readonly scenes: TrainSceneInput[] }
  | { readonly replay: TrainResult };

/** Reads the config and scenes of a stream within `limits` (`first` runs at the first message). */
async function readUpload(
  input: AsyncIterable<TrainRequestMsg>,
  o: {
    limits: TrainLimits;
    maxPoints: number;
    signal: AbortSignal;
    first: () => void;
    service: TrainService;
  },
): Promise<Upload> {
  const { limits: L, signal } = o;
  const it = input[Symbol.asyncIterator]();
  let config: TrainConfigInput | null = null;
  const scenes: TrainSceneInput[] = [];
  let bytes = 0, frames = 0;
  for (;;) {
    const r = await nextWithin(it, L.idleMs, signal);
    if (r.done) break;
    const m = r.value;
    o.first();
    bytes += approxMessageBytes(m);
    if (bytes > L.maxBytes) {
      throw exhausted(`The Train stream exceeds ${L.maxBytes} bytes (--max-train-bytes)`);
    }
    if (m.msg === "config" && m.config) {
      if (config) throw invalid("The stream has a second config message; send one, first");
      config = trainConfigFromMsg(m.config, L.maxSteps);
      if (config.requestId && o.service.replay) {
        const done = await o.service.replay(config.site, config.requestId);
        if (done) return { replay: done };
      }
    } else if (m.msg === "scene" && m.scene) {
      if (!config) throw invalid("The first message must be config, got a scene");
      if (scenes.length >= L.maxScenes) {
        throw exhausted(`The Train stream exceeds ${L.maxScenes} scenes (--max-train-scenes)`);
      }
      frames += m.scene.frames?.length ?? 0;
      if (frames > L.maxFrames) {
        throw exhausted(`The Train stream exceeds ${L.maxFrames} frames (--max-train-frames)`);
      }
      scenes.push(trainSceneFromMsg(m.scene, scenes.length, o.maxPoints));
    } else throw invalid("A TrainRequest has neither config nor scene");
  }
  if (!config) throw invalid("The stream ended without a config message");
  if (scenes.length === 0) throw invalid("The stream ended without any scene message");
  return { config, scenes };
}

const doneMsg = (r: TrainResult): TrainEventMsg => ({
  done: { model: r.model, version: r.version, summary: JSON.stringify(r.summary) },
});

/** The Train handler. */
export function makeTrainHandler(
  deps: TrainHandlerDeps,
): (
  input: AsyncIterable<TrainRequestMsg>,
  ctx: RpcContext,
  write: (m: TrainEventMsg) => void,
) => Promise<void> {
  const limits: TrainLimits = { ...DEFAULT_TRAIN_LIMITS, ...stripUndefined(deps.limits ?? {}) };
  let open = 0;
  return async (input, ctx, write) => {
    checkTrainAccess(ctx.metadata("authorization"), deps.token, deps.allowOpen ?? false);
    const service = deps.service;
    if (!service) throw new GeoError("unavailable", "Training is not available on this server");
    if (deps.stopSignal.aborted) throw new GeoError("unavailable", "The server is shutting down");
    if (open >= limits.maxStreams) {
      throw exhausted(
        `The server has ${limits.maxStreams} Train streams open (--max-train-streams); ` +
          `try again later`,
      );
    }
    open++;
    const wall = new AbortController();
    let clock: ReturnType<typeof setTimeout> | undefined;
    const first = () => {
      clock ??= setTimeout(() =>
        wall.abort(
          new GeoError(
            "deadline_exceeded",
            `The Train call took more than ${limits.maxSeconds} s (--max-train-seconds); ` +
              `nothing was published`,
          ),
        ), Math.min(limits.maxSeconds * 1000, MAX_TIMER_MS));
    };
    const callSignal = AbortSignal.any([ctx.signal, deps.stopSignal]);
    const signal = AbortSignal.any([callSignal, wall.signal]);
    try {
      const upload = await readUpload(input, {
        limits,
        maxPoints: deps.maxPoints,
        signal,
        first,
        service,
      });
      if ("replay" in upload) return write(doneMsg(upload.replay));
      let lastStep = 0;
      const result = await service.train(upload, signal, (e) => {
        if (e.type === "progress") {
          deps.metrics.trainingSteps.inc({}, Math.max(0, e.step - lastStep));
          lastStep = e.step;
        }
        write(trainEventToMsg(e));
      });
      callSignal.throwIfAborted();
      write(doneMsg(result));
    } catch (e) {
      // Training stopped by the wall clock reports the clock, not a cancellation.
      if (wall.signal.aborted && !callSignal.aborted) throw wall.signal.reason;
      throw e;
    } finally {
      open--;
      clearTimeout(clock);
    }
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
