/**
 * Calibration of the "unknown" label: per point of labelled data, the model's best score
 * (cosine) and whether its label is right; the reject threshold (`min_score`) that turns
 * a share q of the wrong labels into −1 (`kernels/reject_threshold.ts`), as the
 * manifest's `calibration`.
 *
 * Two sources of points, both the served computation: a published model run through the
 * inference path on a dataset folder (`scoreModel`, what `eval` runs), and prepared
 * validation scenes scored with adapter weights through the served adapter graph
 * (`validationPointScores`, what training uses before it publishes). Points whose ground truth is
 * −1 are left out.
 *
 * @module
 */

import { invalid } from "../kernels/errors.ts";
import { rejectShares, rejectThreshold } from "../kernels/reject_threshold.ts";
import type { SegmentationMetrics } from "../kernels/segmentation_metrics.ts";
import { encodeModel } from "../onnx/onnx_proto.ts";
import { createSession } from "../onnx/session.ts";
import {
  type AdapterDims,
  type AdapterWeights,
  buildAdapterInferenceGraph,
  INFERENCE_IO,
} from "../features/adapter_graph.ts";
import { classifyWith } from "../models/adapter_session.ts";
import type { ManifestCalibration, ModelManifest } from "../models/manifest.ts";
import { runLabelledScenes } from "./evaluate.ts";
import type { ValidationSet } from "./loop.ts";
import { metricsOver, pointLabels } from "./metrics.ts";

/** Default share of the wrong labels to reject (`--reject-wrong`). */
export const DEFAULT_REJECT_WRONG = 0.5;

/** The lowest cosine: the stored threshold when nothing needs rejecting (−Infinity). */
export const LOWEST_SCORE = -1;

/** Per-point outcome on the N points with ground truth (≥ 0). */
export interface ScoredPoints {
  /** Float32Array N: best score (cosine) of each point */
  scores: Float32Array;
  /** Int16Array N: predicted class index in [0, K) */
  pred: Int16Array;
  /** Int16Array N: ground-truth class index in [0, K) */
  gt: Int16Array;
}

/**
 * The points with ground truth of several scenes, concatenated in order.
 *
 * @param scenes per scene: scores Float32Array n, pred Int16Array n, gt Int16Array n
 *   (−1 = ignore: left out)
 */
export function gatherPoints(scenes: readonly ScoredPoints[]): ScoredPoints {
  let n = 0;
  for (const s of scenes) {
    if (s.scores.length !== s.gt.length || s.pred.length !== s.gt.length) {
      throw invalid(`Scored points: ${s.scores.length}, ${s.pred.length}, ${s.gt.length} values`);
    }
    for (let i = 0; i < s.gt.length; i++) if (s.gt[i] >= 0) n++;
  }
  const out: ScoredPoints = {
    scores: new Float32Array(n),
    pred: new Int16Array(n),
    gt: new Int16Array(n),
  };
  let j = 0;
  for (const s of scenes) {
    for (let i = 0; i < s.gt.length; i++) {
      if (s.gt[i] < 0) continue;
      out.scores[j] = s.scores[i];
      out.pred[j] = s.pred[i];
      out.gt[j++] = s.gt[i];
    }
  }
  return out;
}

/** Uint8Array N: 1 where the predicted class is the ground truth. */
export function correctness(p: ScoredPoints): Uint8Array {
  return Uint8Array.from(p.gt, (g, i) => (p.pred[i] === g ? 1 : 0));
}

/**
 * The manifest calibration for share `q` of the wrong labels: the threshold of
 * `rejectThreshold`, stored as {@link LOWEST_SCORE} when it is −Infinity (nothing to
 * reject), and the shares measured again at the stored value.
 *
 * @param points the scored points (N ≥ 0)
 * @param q target share of the wrong labels to reject, in [0, 1]
 * @param data where the points came from (dataset folders as given)
 */
export function calibrationOf(points: ScoredPoints, q: number, data: string): ManifestCalibration {
  const correct = correctness(points);
  const t = rejectThreshold(points.scores, correct, q).minScore;
  const minScore = Number.isFinite(t) ? t : LOWEST_SCORE;
  const shares = rejectShares(points.scores, correct, minScore);
  return {
    min_score: minScore,
    wrong_rejected: shares.wrongRejected,
    right_kept: shares.rightKept,
    points: points.gt.length,
    data,
  };
}

/** mIoU / mAcc when the points below `minScore` are counted as wrong, and when ignored. */
export function rejectMetrics(
  points: ScoredPoints,
  minScore: number,
  classNames: string[],
): { asWrong: SegmentationMetrics; ignored: SegmentationMetrics; rejected: number } {
  const pred = new Int16Array(points.pred.length), gt = new Int16Array(points.gt.length);
  let rejected = 0;
  for (let i = 0; i < pred.length; i++) {
    const keep = points.scores[i] >= minScore;
    if (!keep) rejected++;
    pred[i] = keep ? points.pred[i] : -1;
    gt[i] = keep ? points.gt[i] : -1;
  }
  return {
    asWrong: metricsOver([{ pred, gt: points.gt }], classNames),
    ignored: metricsOver([{ pred: points.pred, gt }], classNames),
    rejected: pred.length === 0 ? 0 : rejected / pred.length,
  };
}

/** What {@link scoreModel} measured. */
export interface ModelScores {
  /** the points with ground truth */
  points: ScoredPoints;
  /** the K class names (labels.txt) */
  classNames: string[];
  /** scenes with ground truth */
  scenes: number;
  /** the model's manifest */
  manifest: ModelManifest;
}

/**
 * Runs a published model through the inference path on every scene of `dataDir` with
 * ground truth (class embeddings as `eval` makes them) and keeps each point's best score
 * and label, no point rejected.
 *
 * @param modelDir a version folder (`models/default/4`) or a model folder (latest version)
 * @param dataDir a dataset folder, or several separated by commas (same labels.txt)
 * @throws GeoError failed_precondition when no scene has segment.npy
 */
export async function scoreModel(
  modelDir: string,
  dataDir: string,
  options: { log?: (line: string) => void; signal?: AbortSignal } = {},
): Promise<ModelScores> {
  const scenes: ScoredPoints[] = [];
  const { info, manifest } = await runLabelledScenes(
    modelDir,
    dataDir,
    ({ scene, result, index, total }) => {
      scenes.push({ scores: result.scores, pred: result.labels, gt: scene.segment });
      options.log?.(`scene ${index + 1}/${total} ${scene.name}: ${scene.count} points`);
    },
    { signal: options.signal },
  );
  return { points: gatherPoints(scenes), classNames: info.labels, scenes: scenes.length, manifest };
}

/**
 * The calibration of a published model on a labelled dataset (see {@link calibrationOf}).
 *
 * @param modelDir a version folder or a model folder (latest version)
 * @param dataDir dataset folder(s), commas between; recorded as `data`
 * @param options.q share of the wrong labels to reject (default 0.5)
 */
export async function calibrateModel(
  modelDir: string,
  dataDir: string,
  options: { q?: number; log?: (line: string) => void; signal?: AbortSignal } = {},
): Promise<ManifestCalibration> {
  const r = await scoreModel(modelDir, dataDir, options);
  return calibrationOf(r.points, options.q ?? DEFAULT_REJECT_WRONG, dataDir);
}

/**
 * Scores prepared validation scenes with adapter weights through the served adapter
 * graph: per point the best score and label of its voxel (scenes without ground truth
 * are skipped).
 *
 * @param v the validation scenes, class names and K×C class embeddings
 * @param dims adapter sizes
 * @param weights adapter weights
 */
export async function validationPointScores(
  v: ValidationSet,
  dims: AdapterDims,
  weights: AdapterWeights,
): Promise<ScoredPoints> {
  const graph = buildAdapterInferenceGraph({ ...dims, weights });
  const session = await createSession(encodeModel(graph), { provider: "cpu" });
  try {
    const scenes: ScoredPoints[] = [];
    for (const s of v.scenes) {
      if (!s.segment) continue;
      const c = await classifyWith(session, INFERENCE_IO, dims, s.geometric, v.embeddings);
      scenes.push({
        scores: Float32Array.from(s.voxelOf, (q) => c.score[q]),
        pred: pointLabels(c.label, s.voxelOf),
        gt: s.segment,
      });
    }
    return gatherPoints(scenes);
  } finally {
    await session.release();
  }
}

/**
 * The calibration of trained weights on validation scenes; null when `q` is 0 (no
 * calibration wanted) or no scene has ground truth.
 *
 * @param q share of the wrong labels to reject, in [0, 1]
 * @param data where the scenes came from (recorded as `data`)
 */
export async function calibrateScenes(
  v: ValidationSet,
  trained: { dims: AdapterDims; weights: AdapterWeights },
  q: number,
  data: string,
): Promise<ManifestCalibration | null> {
  if (!(q >= 0 && q <= 1)) throw invalid(`The share of wrong labels to reject must be in [0, 1]`);
  if (q === 0 || !v.scenes.some((s) => s.segment)) return null;
  return calibrationOf(await validationPointScores(v, trained.dims, trained.weights), q, data);
}
