/**
 * The training side of the server (`TrainService` of `train/api.ts`, behind the gRPC
 * Train RPC): checks every scene before the first step, fuses camera views into teacher
 * features when those are sent instead, fine-tunes the adapter from `base_model` /
 * `base_version` (or, when none is named, from the registry's default model; from a
 * seeded initialisation when the registry is empty), streams progress and validation
 * events, and publishes the result atomically as the next version of `site` when asked,
 * with the reject threshold calibrated on the scenes that carry ground truth when they
 * can be validated (`calibrate.ts`; the summary repeats it).
 * Cancelling stops the run within a step and publishes nothing. Calls run at once and side
 * by side: limiting them is the job of the server's admission (`runtime/admission.ts`). A
 * `requestId` is recorded in the published manifest, and `replay` finds it again.
 *
 * @module
 */

import { GeoError } from "../kernels/errors.ts";
import type { TextEncoder } from "../text/text_encoder.ts";
import { GLOVE_SG_100D_ID } from "../text/glove_convert.ts";
import type { Backbone } from "../features/backbones/backbone.ts";
import { loadBackbone } from "../features/backbones/load.ts";
import { sharedGloveEncoder } from "../infer/label_embeddings.ts";
import { CLIENT_EMBEDDINGS_ENCODER } from "../models/bundle.ts";
import type { ManifestCalibration } from "../models/manifest.ts";
import { listModels, resolveDefaultModel } from "../models/registry.ts";
import type {
  TrainConfigInput,
  TrainEventOutput,
  TrainResult,
  TrainSceneInput,
  TrainService,
} from "./api.ts";
import { type BaseModel, baseRef, loadBaseModel, trainFromBase } from "./base_model.ts";
import { resolveTrainConfig, type TrainConfig } from "./config.ts";
import { calibrateScenes, DEFAULT_REJECT_WRONG } from "./calibrate.ts";
import type { ValidationSet } from "./loop.ts";
import { findPublishedRun, metricsRecord, publishTrained, REQUEST_ID_FIELD } from "./publish.ts";
import { decodeTrainScenes } from "./request_scenes.ts";
import { prepareScene, type TrainScene } from "./scene.ts";

/** Options of {@link createTrainService}. */
export interface TrainServiceOptions {
  /** registry root (`models/`) */
  modelsDir: string;
  /** default model name ("" = `resolveDefaultModel`'s choice) */
  defaultModel?: string;
  /** feature cache folder (default `.cache/features`; null = none) */
  cacheDir?: string | null;
  /** most points per scene (default 10 million) */
  maxPoints?: number;
  /** settings the request does not carry (e.g. validateEvery, hidden for scratch runs) */
  defaults?: Partial<TrainConfig>;
  /** GloVe encoder for validation class names (default the process-wide one) */
  glove?: () => Promise<TextEncoder>;
  /** log lines */
  log?: (line: string) => void;
  /** awaited before every optimiser step (see `TrainLoopOptions.beforeStep`) */
  beforeStep?: () => Promise<void>;
  /**
   * Share in [0, 1] of the wrong labels that the published version's calibrated
   * `min_score` rejects, measured on the request's scenes with ground truth (the
   * validation scenes); default 0.5, 0 = no calibration.
   */
  rejectWrong?: number;
  /**
   * A shared cell (Int32Array over a SharedArrayBuffer, survives `workerData`): once
   * non-zero, every call of this service is cancelled. Read before every step and
   * scene, so a cancel set by another thread reaches the loop within one step even
   * when this thread's message queue lags behind its training.
   */
  cancelFlag?: Int32Array;
}

const cancelled = () => new GeoError("cancelled", "Training was cancelled");

/** `calibration.data` of a version published by the Train RPC (its scenes with gt_labels). */
export const CALIBRATION_DATA = "Train RPC: the request's scenes with gt_labels";

/** The run's config from the request (undefined numbers take the defaults). */
function configOf(
  c: TrainConfigInput,
  base: BaseModel | undefined,
  defaults: Partial<TrainConfig>,
): TrainConfig {
  return resolveTrainConfig({
    ...defaults,
    steps: c.steps ?? defaults.steps,
    learningRate: c.learningRate ?? defaults.learningRate,
    lambda: [c.lambdaSp ?? 1, c.lambdaMask ?? 1, c.lambdaSim ?? 1],
    maskRatio: c.maskRatio ?? defaults.maskRatio,
    seed: c.seed,
    useReliability: c.useReliability ?? defaults.useReliability,
    objective: c.objective,
    ...(base ? { hidden: base.dims.hidden, voxelSize: base.voxelSize ?? defaults.voxelSize } : {}),
  }, { fineTune: base !== undefined });
}

/**
 * The named base model, its load errors told without server paths (the cause keeps them
 * for the log).
 */
async function namedBase(o: TrainServiceOptions, name: string, version: number) {
  try {
    return await loadBaseModel(o.modelsDir, name, version);
  } catch (e) {
    const g = GeoError.from(e);
    const what = `Base model '${name}'${version ? ` version ${version}` : ""}`;
    if (g.kind === "not_found") {
      throw new GeoError("not_found", `${what} is not in the registry`, { cause: e });
    }
    if (g.kind === "failed_precondition") {
      throw new GeoError("failed_precondition", `${what} cannot be loaded (see the server log)`, {
        cause: e,
      });
    }
    throw g;
  }
}

/** The base model of a request: the named one, else the registry's default, else none. */
async function baseOf(c: TrainConfigInput, o: TrainServiceOptions): Promise<BaseModel | undefined> {
  if (c.baseModel) return await namedBase(o, c.baseModel, c.baseVersion);
  const names = (await listModels(o.modelsDir)).map((m) => m.name);
  const name = resolveDefaultModel(names, o.defaultModel ?? "");
  return name ? await loadBaseModel(o.modelsDir, name, 0) : undefined;
}

/** Validation set of the scenes with ground truth, when their class names can be embedded. */
async function validationOf(
  set: { scenes: TrainScene[]; classNames: string[]; encoder: { name: string; dim: number } },
  o: TrainServiceOptions,
): Promise<ValidationSet | undefined> {
  const { scenes, classNames, encoder } = set;
  if (classNames.length === 0 || encoder.name !== GLOVE_SG_100D_ID) return undefined;
  try {
    const glove = await (o.glove ?? sharedGloveEncoder)();
    if (glove.dim !== encoder.dim) return undefined;
    return { scenes, classNames, embeddings: await glove.encode(classNames) };
  } catch (e) {
    o.log?.(`no validation: ${GeoError.from(e).message}`);
    return undefined;
  }
}

/** One call's signal, event sink and hooks. */
interface TrainCall {
  signal: AbortSignal;
  onEvent: (event: TrainEventOutput) => void;
  beforeStep?: () => Promise<void>;
  poll?: () => void;
}

/** Trains one request (see the module doc). */
async function trainOnce(
  o: TrainServiceOptions,
  request: { config: TrainConfigInput; scenes: readonly TrainSceneInput[] },
  call: TrainCall,
): Promise<TrainResult> {
  const { signal } = call;
  const t0 = performance.now();
  if (signal.aborted) throw cancelled();
  const base = await baseOf(request.config, o);
  const config = configOf(request.config, base, o.defaults ?? {});
  const decoded = await decodeTrainScenes(request.scenes, {
    dim: base?.dims.dim,
    maxPoints: o.maxPoints ?? 10_000_000,
  });
  // The request names no backbone: a path from a client would name files on the server,
  // so only the server's own settings (`defaults.backbone`: a descriptor version or a
  // backbone folder) or the base model choose it.
  const backbone = base?.backbone ?? await loadBackbone(config.backbone);
  try {
    return await trainWithBackbone(o, call, { request, t0, base, config, decoded, backbone });
  } finally {
    await backbone.release?.();
  }
}

/** The rest of {@link trainOnce}, once the backbone is open (released by the caller). */
async function trainWithBackbone(
  o: TrainServiceOptions,
  call: TrainCall,
  run: {
    request: { config: TrainConfigInput; scenes: readonly TrainSceneInput[] };
    t0: number;
    base: BaseModel | undefined;
    config: TrainConfig;
    decoded: Awaited<ReturnType<typeof decodeTrainScenes>>;
    backbone: Backbone;
  },
): Promise<TrainResult> {
  const { signal, onEvent, beforeStep } = call;
  const { request, t0, base, config, decoded, backbone } = run;
  const checkCancelled = () => {
    call.poll?.();
    if (signal.aborted) throw cancelled();
  };
  const textEncoder = base?.textEncoder ??
    (decoded.dim === 100 ? GLOVE_SG_100D_ID : CLIENT_EMBEDDINGS_ENCODER);
  const scenes: TrainScene[] = [];
  for (const s of decoded.scenes) {
    checkCancelled();
    scenes.push(
      await prepareScene(s, {
        backbone,
        voxelSize: config.voxelSize,
        cacheDir: o.cacheDir,
        dim: decoded.dim,
      }),
    );
  }
  const validation = await validationOf(
    { scenes, classNames: decoded.classNames, encoder: { name: textEncoder, dim: decoded.dim } },
    o,
  );
  const { outcome, dims } = await trainFromBase({
    config,
    scenes,
    backbone,
    classDim: decoded.dim,
    base,
    signal,
    onEvent,
    validation,
    log: o.log,
    beforeStep,
  });
  checkCancelled();
  const metrics = metricsRecord(outcome.final, "train");
  const baseVersion = baseRef(base);
  let version = 0;
  let calibration: ManifestCalibration | null = null;
  if (request.config.publish) {
    calibration = validation
      ? await calibrateScenes(
        validation,
        { dims, weights: outcome.adapter },
        o.rejectWrong ?? DEFAULT_REJECT_WRONG,
        CALIBRATION_DATA,
      )
      : null;
    checkCancelled();
    const manifest = await publishTrained({
      root: o.modelsDir,
      name: request.config.site,
      outcome,
      config,
      dims,
      backbone,
      classNames: base?.loaded.manifest.default_labels.length
        ? base.loaded.manifest.default_labels
        : decoded.classNames,
      textEncoder,
      provenance: {
        base: baseVersion,
        scenes: scenes.map((s) => s.name),
        source: "Train RPC",
        ...(request.config.requestId ? { [REQUEST_ID_FIELD]: request.config.requestId } : {}),
      },
      signal,
      calibration,
    }, metrics);
    version = manifest.version;
  }
  const last = outcome.lossCurve[outcome.lossCurve.length - 1];
  return {
    model: request.config.site,
    version,
    summary: {
      steps: config.steps,
      learning_rate: config.learningRate,
      seconds: Math.round((performance.now() - t0) / 100) / 10,
      scenes: scenes.length,
      points: scenes.reduce((s, x) => s + x.points, 0),
      base: baseVersion,
      final_loss: last ?? null,
      points_per_second: Math.round(outcome.pointsPerSecond),
      ...metrics,
      ...(calibration ? { calibration } : {}),
    },
  };
}

/**
 * Creates the training service over the registry at `options.modelsDir`.
 *
 * @param options registry, cache, limits and defaults
 */
export function createTrainService(options: TrainServiceOptions): TrainService {
  return {
    async train(request, signal, onEvent) {
      const flag = options.cancelFlag;
      if (!flag) {
        return await trainOnce(options, request, {
          signal,
          onEvent,
          beforeStep: options.beforeStep,
        });
      }
      // The call's own signal, also aborted when the shared flag is seen set.
      const ac = new AbortController();
      const follow = () => ac.abort(signal.reason);
      signal.addEventListener("abort", follow, { once: true });
      if (signal.aborted) follow();
      const poll = () => {
        if (!ac.signal.aborted && Atomics.load(flag, 0) !== 0) ac.abort(cancelled());
      };
      try {
        poll();
        return await trainOnce(options, request, {
          signal: ac.signal,
          poll,
          onEvent: (e) => {
            onEvent(e);
            poll();
          },
          beforeStep: async () => {
            poll();
            await options.beforeStep?.();
            poll();
          },
        });
      } finally {
        signal.removeEventListener("abort", follow);
      }
    },
    replay: (site, requestId) => findPublishedRun(options.modelsDir, site, requestId),
  };
}
