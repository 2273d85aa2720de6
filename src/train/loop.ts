/**
 * The training loop: the adapter (and the reliability MLP) trained with the objective
 * runner (one onnxruntime session, losses + gradients per step) and AdamW with a cosine
 * schedule, warmup and gradient clipping.
 *
 * Step s draws everything from `stepRng(seed, s)`: the scene, the IMR visibility column,
 * then (inside the runner) the IMR candidates and the IIRC superpoints. The same seed
 * therefore gives the same weight bytes, and a run resumed from a checkpoint equals the
 * uninterrupted one (the runner's onnxruntime session is single-threaded for that: see
 * `objective/runner.ts`). Aborting the signal stops the run within the current step
 * (GeoError "cancelled"); nothing is written but complete checkpoints.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { AdamW } from "../kernels/adamw.ts";
import { GeoError, invalid } from "../kernels/errors.ts";
import { cosineSchedule } from "../kernels/lr_schedule.ts";
import { Rng } from "../kernels/random.ts";
import type { SegmentationMetrics } from "../kernels/segmentation_metrics.ts";
import { type AdapterWeights, initAdapterWeights } from "../features/adapter_graph.ts";
import { PARAM_NAMES, type ParamName } from "./objective/graph.ts";
import { ObjectiveRunner } from "./objective/runner.ts";
import type { TrainEventOutput } from "./api.ts";
import { adapterClassifier, scoreScenes } from "./classify.ts";
import { readCheckpoint, writeCheckpoint } from "./checkpoint.ts";
import { objectiveSpecOf, SCHEDULING_KEYS, type TrainConfig } from "./config.ts";
import { perClassScores } from "./metrics.ts";
import { formatDuration, ProgressMeter } from "./progress.ts";
import type { TrainScene } from "./scene.ts";
import { drawVisibility, stepRng } from "./visibility.ts";
import { cropScene } from "./crop.ts";

/** Losses of one step (a point of the loss curve). */
export interface LossPoint {
  /** 1-based step */
  step: number;
  sp: number;
  mask: number;
  sim: number;
  total: number;
}

/** One validation result. */
export interface ValidationPoint {
  /** step after which it ran */
  step: number;
  /** mean IoU, fraction */
  miou: number;
  /** mean accuracy, fraction */
  macc: number;
}

/** Scenes, class names and embeddings to validate on (ground truth per point). */
export interface ValidationSet {
  /** prepared scenes with `segment` */
  scenes: readonly TrainScene[];
  /** K class names the ground truth indexes */
  classNames: string[];
  /** Float32Array K×C class embeddings */
  embeddings: Float32Array;
}

/** Options of {@link trainAdapter}. */
export interface TrainLoopOptions {
  /** the resolved config */
  config: TrainConfig;
  /** training scenes (each with teacher rows) */
  scenes: readonly TrainScene[];
  /** Dg (backbone width) and C (teacher / text width) */
  dims: { dg: number; c: number };
  /** adapter to start from (fine-tuning); default a seeded fresh one */
  init?: AdapterWeights;
  /** stops the run within a step */
  signal?: AbortSignal;
  /** progress and validation events */
  onEvent?: (event: TrainEventOutput) => void;
  /** progress lines (stderr in the CLI) */
  log?: (line: string) => void;
  /** validation every `config.validateEvery` steps and at the end */
  validation?: ValidationSet;
  /** checkpoint file every `config.checkpointEvery` steps; `resume` starts from it */
  checkpoint?: { path: string; resume: boolean };
  /**
   * awaited before every optimiser step (before its abort check), e.g. to yield the CPU
   * to inference; it must not touch the run's state, so results do not depend on it
   */
  beforeStep?: () => Promise<void>;
}

/** What a finished run returns. */
export interface TrainOutcome {
  /** trained adapter weights (Dg×H, H, H×C, C) */
  adapter: AdapterWeights;
  /** trained reliability MLP (unchanged from its init unless USD with weights) */
  reliability: AdapterWeights;
  /** losses of every step */
  lossCurve: LossPoint[];
  /** validations run */
  validations: ValidationPoint[];
  /** final scores on the validation set, when there is one with ground truth */
  final?: { student: SegmentationMetrics; teacher?: SegmentationMetrics };
  /** step the run started from (0, or the checkpoint's) */
  resumedFrom: number;
  /** seconds of this process's steps */
  seconds: number;
  /** mean points per second over this process's steps */
  pointsPerSecond: number;
}

/** Float32 parameter tensors by input name. */
type Params = Record<ParamName, Float32Array>;

/** Initial parameters: the given or a seeded adapter, and a seeded reliability MLP. */
function initialParams(o: TrainLoopOptions): Params {
  const { config: c, dims } = o;
  const rng = new Rng(c.seed);
  const fresh = initAdapterWeights({ dg: dims.dg, hidden: c.hidden, dim: dims.c }, rng);
  const a = o.init ?? fresh;
  const r = initAdapterWeights({ dg: dims.dg + dims.c, hidden: c.reliabilityHidden, dim: 1 }, rng);
  const copy = (x: Float32Array) => Float32Array.from(x);
  return {
    adapter_w1: copy(a.w1),
    adapter_b1: copy(a.b1),
    adapter_w2: copy(a.w2),
    adapter_b2: copy(a.b2),
    reliability_w1: r.w1,
    reliability_b1: r.b1,
    reliability_w2: r.w2,
    reliability_b2: r.b2,
  };
}

/** sha256 of the config (scheduling keys aside), the scenes and the initial parameters. */
export function runFingerprint(o: TrainLoopOptions, params: Params): string {
  const h = createHash("sha256");
  const cfg = Object.fromEntries(
    Object.entries(o.config).filter(([k]) => !SCHEDULING_KEYS.includes(k as keyof TrainConfig)),
  );
  h.update(JSON.stringify({ cfg, dims: o.dims, scenes: o.scenes.map((s) => [s.name, s.count]) }));
  const feed = (a?: ArrayBufferView) =>
    a && h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  for (const s of o.scenes) {
    [s.geometric, s.teacher, s.valid, s.superpoint, s.instance].forEach(feed);
  }
  for (const n of PARAM_NAMES) feed(params[n]);
  return h.digest("hex");
}

const cancelled = () => new GeoError("cancelled", "Training was cancelled");

/**
 * Trains the adapter.
 *
 * @throws GeoError cancelled when `signal` aborts; failed_precondition for a checkpoint of
 *   another run
 */
export async function trainAdapter(o: TrainLoopOptions): Promise<TrainOutcome> {
  const { config: c, scenes } = o;
  if (o.signal?.aborted) throw cancelled();
  if (scenes.length === 0) throw invalid("Training needs at least one scene");
  const untaught = scenes.find((s) => !s.teacher || s.teacher.length !== s.count * o.dims.c);
  if (untaught) throw invalid(`Scene ${untaught.name} has no ${o.dims.c}-wide teacher features`);
  const params = initialParams(o);
  const fingerprint = runFingerprint(o, params);
  const spec = objectiveSpecOf(c, o.dims);
  const runner = await ObjectiveRunner.create(spec);
  try {
    const trained = runner.objective.params;
    const decay = trained.map((n) => n.endsWith("w1") || n.endsWith("w2"));
    const opt = new AdamW(trained.map((n) => params[n]), {
      lr: c.learningRate,
      weightDecay: c.weightDecay,
      maxGradNorm: Number.isFinite(c.maxGradNorm) ? c.maxGradNorm : undefined,
      decay,
    });
    let lossCurve: LossPoint[] = [];
    let validations: ValidationPoint[] = [];
    let start = 0;
    if (o.checkpoint?.resume) {
      const ck = await readCheckpoint(o.checkpoint.path);
      if (ck) {
        if (ck.fingerprint !== fingerprint) {
          throw new GeoError(
            "failed_precondition",
            `${o.checkpoint.path} belongs to another training run (different data, config or ` +
              `start weights); remove it or train without --resume`,
          );
        }
        for (const n of PARAM_NAMES) params[n].set(ck.params[n]);
        opt.load(ck.optimizer);
        start = ck.step;
        lossCurve = ck.history.lossCurve as LossPoint[];
        validations = ck.history.validations as ValidationPoint[];
        o.log?.(`resuming from step ${start} (${o.checkpoint.path})`);
      } else o.log?.(`no checkpoint at ${o.checkpoint.path}: starting from step 0`);
    }
    const schedule = cosineSchedule({
      base: c.learningRate,
      total: c.steps,
      warmup: Math.min(c.warmup, Math.max(0, c.steps - 1)),
    });
    const meter = new ProgressMeter(c.steps - start);
    const validate = async (step: number) => {
      if (!o.validation) return undefined;
      const scores = await scoresOf(o.validation, params, o.dims, c.hidden);
      if (!scores) return undefined;
      const m = scores.student;
      validations.push({ step, miou: m.mIoU, macc: m.mAcc });
      o.onEvent?.({
        type: "validation",
        step,
        miou: m.mIoU,
        macc: m.mAcc,
        perClass: perClassScores(m),
      });
      o.log?.(
        `validation step ${step}: mIoU ${(100 * m.mIoU).toFixed(1)} mAcc ${
          (100 * m.mAcc).toFixed(1)
        }`,
      );
      return scores;
    };
    for (let step = start; step < c.steps; step++) {
      await o.beforeStep?.();
      if (o.signal?.aborted) throw cancelled();
      const rng = stepRng(c.seed, step);
      const t0 = performance.now();
      const whole = scenes[rng.int(scenes.length)];
      const scene = cropScene({ ...whole, teacher: whole.teacher! }, c.maxPointsPerStep, rng);
      const visible = drawVisibility(scene.instance, c.maskRatio, rng);
      const r = await runner.step({ ...scene, visible }, params, rng);
      if (o.signal?.aborted) throw cancelled();
      if (!Number.isFinite(r.loss.total)) {
        throw new GeoError(
          "internal",
          `Training diverged at step ${step + 1}: loss ${r.loss.total}`,
        );
      }
      opt.step(trained.map((n: ParamName) => r.grads[n]), schedule(step));
      const seconds = (performance.now() - t0) / 1000;
      const point = { step: step + 1, ...r.loss };
      lossCurve.push(point);
      const rate = meter.tick(scene.count, seconds);
      o.onEvent?.({
        type: "progress",
        step: step + 1,
        totalSteps: c.steps,
        lossSp: r.loss.sp,
        lossMask: r.loss.mask,
        lossSim: r.loss.sim,
        lossTotal: r.loss.total,
        pointsPerSecond: rate.pointsPerSecond,
        elapsedS: rate.elapsed,
      });
      o.log?.(
        `step ${step + 1}/${c.steps} loss ${r.loss.total.toFixed(4)} (sp ${r.loss.sp.toFixed(4)} ` +
          `mask ${r.loss.mask.toFixed(4)} sim ${r.loss.sim.toFixed(4)}) ` +
          `${Math.round(rate.pointsPerSecond)} pts/s ETA ${formatDuration(rate.eta)}`,
      );
      const done = step + 1;
      if (c.validateEvery > 0 && done % c.validateEvery === 0 && done < c.steps) {
        await validate(done);
      }
      if (
        o.checkpoint && c.checkpointEvery > 0 && done % c.checkpointEvery === 0 && done < c.steps
      ) {
        if (o.signal?.aborted) throw cancelled();
        await writeCheckpoint(o.checkpoint.path, {
          fingerprint,
          step: done,
          params,
          optimizer: opt.state,
          history: { lossCurve, validations },
        });
      }
    }
    const final = await validate(c.steps);
    const split = (p: "adapter" | "reliability"): AdapterWeights => ({
      w1: params[`${p}_w1`],
      b1: params[`${p}_b1`],
      w2: params[`${p}_w2`],
      b2: params[`${p}_b2`],
    });
    return {
      adapter: split("adapter"),
      reliability: split("reliability"),
      lossCurve,
      validations,
      final,
      resumedFrom: start,
      seconds: meter.elapsed,
      pointsPerSecond: meter.pointsPerSecond,
    };
  } finally {
    await runner.close();
  }
}

/** Student / teacher scores of the validation set with the current adapter. */
async function scoresOf(
  v: ValidationSet,
  params: Params,
  dims: { dg: number; c: number },
  hidden: number,
) {
  const weights = {
    w1: params.adapter_w1,
    b1: params.adapter_b1,
    w2: params.adapter_w2,
    b2: params.adapter_b2,
  };
  const cls = await adapterClassifier({ dg: dims.dg, hidden, dim: dims.c }, weights, v.embeddings);
  try {
    return await scoreScenes(v.scenes, cls.classify, v.classNames);
  } finally {
    await cls.release();
  }
}
