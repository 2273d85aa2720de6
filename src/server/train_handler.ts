/**
 * Training.Train: reads the config and scenes of the client stream,
 * translates them to service_api types, runs the TrainService and streams
 * its events back. Cancelling the call (or server shutdown) aborts training.
 *
 * @module
 */

import { GeoError, invalid } from "../kernels/errors.ts";
import type {
  TensorDtype,
  TrainConfigInput,
  TrainEventOutput,
  TrainSceneInput,
  TrainService,
  ViewFrameInput,
} from "../pipeline/service_api.ts";
import { bytesToFloat32, bytesToInt16, bytesToInt32 } from "../pipeline/typed_bytes.ts";
import { checkBearer } from "./auth.ts";
import type { TrainConfigMsg, TrainEventMsg, TrainRequestMsg, TrainSceneMsg } from "./messages.ts";
import type { ServerMetrics } from "./metrics.ts";
import type { RpcContext } from "./rpc_context.ts";
import { cloudFromMsg } from "./segment_handler.ts";

/** What the Training handler needs. */
export interface TrainHandlerDeps {
  /** The training side; absent = UNAVAILABLE. */
  readonly service?: TrainService;
  /** Bearer token; "" = open. */
  readonly token: string;
  /** Most points per scene. */
  readonly maxPoints: number;
  /** Metrics to update. */
  readonly metrics: ServerMetrics;
  /** Aborts every training run (server shutdown). */
  readonly stopSignal: AbortSignal;
}

const nz = (v: number | undefined) => (v ? v : undefined);

/** Translates a TrainConfig; 0 numbers mean "default". */
export function trainConfigFromMsg(c: TrainConfigMsg): TrainConfigInput {
  const site = c.site ?? "";
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(site)) {
    throw invalid(
      `config.site '${site}' must be 1-64 letters, digits, '_', '.', '-' (a model name)`,
    );
  }
  return {
    site,
    baseModel: c.base_model ?? "",
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
  const src = `scene[${i}]${s.name ? ` '${s.name}'` : ""}`;
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

/** The Train handler. */
export function makeTrainHandler(
  deps: TrainHandlerDeps,
): (
  input: AsyncIterable<TrainRequestMsg>,
  ctx: RpcContext,
  write: (m: TrainEventMsg) => void,
) => Promise<void> {
  return async (input, ctx, write) => {
    checkBearer(ctx.metadata("authorization"), deps.token, "Training");
    const service = deps.service;
    if (!service) throw new GeoError("unavailable", "Training is not available on this server");
    if (deps.stopSignal.aborted) throw new GeoError("unavailable", "The server is shutting down");
    let config: TrainConfigInput | null = null;
    const scenes: TrainSceneInput[] = [];
    for await (const m of input) {
      if (m.msg === "config" && m.config) {
        if (config) throw invalid("The stream has a second config message; send one, first");
        config = trainConfigFromMsg(m.config);
      } else if (m.msg === "scene" && m.scene) {
        if (!config) throw invalid("The first message must be config, got a scene");
        scenes.push(trainSceneFromMsg(m.scene, scenes.length, deps.maxPoints));
      } else throw invalid("A TrainRequest has neither config nor scene");
    }
    if (!config) throw invalid("The stream ended without a config message");
    if (scenes.length === 0) throw invalid("The stream ended without any scene message");
    const signal = AbortSignal.any([ctx.signal, deps.stopSignal]);
    let lastStep = 0;
    const result = await service.train({ config, scenes }, signal, (e) => {
      if (e.type === "progress") {
        deps.metrics.trainingSteps.inc({}, Math.max(0, e.step - lastStep));
        lastStep = e.step;
      }
      write(trainEventToMsg(e));
    });
    signal.throwIfAborted();
    write({
      done: {
        model: result.model,
        version: result.version,
        summary: JSON.stringify(result.summary),
      },
    });
  };
}
