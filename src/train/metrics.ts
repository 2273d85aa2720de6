/**
 * Evaluation helpers of the trainer: cosine argmax against class embeddings, voxel → point
 * labels, and mIoU / mAcc over several scenes (confusion matrices summed).
 *
 * @module
 */

import { confusionMatrix } from "../kernels/confusion_matrix.ts";
import { invalid } from "../kernels/errors.ts";
import { type SegmentationMetrics, segmentationMetrics } from "../kernels/segmentation_metrics.ts";

/**
 * Index of the class embedding with the largest cosine for every row.
 *
 * @param rows Float32Array N×C
 * @param c C
 * @param embeddings Float32Array L×C (need not be normalised)
 * @returns Int32Array N in [0, L); ties → lowest index; an all-zero row → 0
 */
export function cosineArgmax(rows: Float32Array, c: number, embeddings: Float32Array): Int32Array {
  if (embeddings.length === 0 || embeddings.length % c !== 0 || rows.length % c !== 0) {
    throw invalid(
      `Cosine argmax: ${rows.length} and ${embeddings.length} values are not rows of ${c}`,
    );
  }
  const l = embeddings.length / c, n = rows.length / c;
  const unit = new Float64Array(embeddings.length);
  for (let k = 0; k < l; k++) {
    let s = 0;
    for (let t = 0; t < c; t++) s += embeddings[k * c + t] ** 2;
    const len = Math.max(Math.sqrt(s), 1e-8);
    for (let t = 0; t < c; t++) unit[k * c + t] = embeddings[k * c + t] / len;
  }
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = -Infinity, arg = 0;
    for (let k = 0; k < l; k++) {
      let s = 0;
      for (let t = 0; t < c; t++) s += rows[i * c + t] * unit[k * c + t];
      if (s > best) {
        best = s;
        arg = k;
      }
    }
    out[i] = arg;
  }
  return out;
}

/** Int16Array N: the label of each point's voxel. */
export function pointLabels(voxelLabels: ArrayLike<number>, voxelOf: Int32Array): Int16Array {
  return Int16Array.from(voxelOf, (q) => voxelLabels[q]);
}

/** One scene's predictions against its ground truth. */
export interface LabelledPoints {
  /** Int16Array | Int32Array N predicted class (−1 = unknown) */
  pred: Int16Array | Int32Array;
  /** Int16Array N ground truth (−1 = ignore) */
  gt: Int16Array;
}

/**
 * mIoU, mAcc and per-class scores over scenes (their confusion matrices summed).
 *
 * @param scenes predictions and ground truth per scene
 * @param classNames the K class names
 */
export function metricsOver(
  scenes: readonly LabelledPoints[],
  classNames: string[],
): SegmentationMetrics {
  const k = classNames.length;
  const total = new Float64Array(k * (k + 1));
  for (const s of scenes) {
    const m = confusionMatrix(s.pred, s.gt, k);
    for (let i = 0; i < m.length; i++) total[i] += m[i];
  }
  const gtPoints = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    for (let j = 0; j <= k; j++) gtPoints[c] += total[c * (k + 1) + j];
  }
  return segmentationMetrics(total, classNames, { groups: frequencyGroups(gtPoints, classNames) });
}

/**
 * Long-tail views: the classes present in the ground truth ranked by point count and cut
 * into thirds, "head" (most frequent), "common" and "tail". Empty when fewer than 6
 * classes are present (a third would hold one class or none).
 *
 * @param gtPoints Float64Array K, ground-truth points per class
 * @param classNames the K class names
 */
export function frequencyGroups(
  gtPoints: Float64Array,
  classNames: readonly string[],
): Record<string, string[]> {
  const present = classNames.map((_, c) => c).filter((c) => gtPoints[c] > 0)
    .sort((a, b) => gtPoints[b] - gtPoints[a] || a - b);
  if (present.length < 6) return {};
  const cut1 = Math.round(present.length / 3), cut2 = Math.round((2 * present.length) / 3);
  const names = (ids: number[]) => ids.map((c) => classNames[c]);
  return {
    head: names(present.slice(0, cut1)),
    common: names(present.slice(cut1, cut2)),
    tail: names(present.slice(cut2)),
  };
}

/** Per-class IoU / accuracy as plain objects (NaN → 0 for absent classes is NOT applied). */
export function perClassScores(
  m: SegmentationMetrics,
): { label: string; iou: number; acc: number }[] {
  return m.classNames.map((label, c) => ({ label, iou: m.iou[c], acc: m.acc[c] }));
}
