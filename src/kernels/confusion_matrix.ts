/**
 * Confusion matrix of per-point semantic labels.
 *
 * @module
 */

import { invalid } from "./errors.ts";

/**
 * Counts (ground truth, prediction) pairs.
 *
 * Ground truth −1 means "ignore": the point is not counted. Prediction −1 ("unknown") is
 * counted in an extra last column, so it is a miss for the point's ground-truth class
 * (a false negative) without being a false positive of any class.
 *
 * @param pred Int32Array | Int16Array N: predicted class in [−1, K)
 * @param gt Int16Array | Int32Array N: ground-truth class in [−1, K)
 * @param numClasses K ≥ 1
 * @returns Float64Array K×(K+1), row = ground-truth class, column = predicted class,
 *   column K = predicted unknown; entries are point counts. Matrices of several scenes
 *   add element-wise.
 * @throws GeoError invalid_argument on a length mismatch or a label outside [−1, K)
 */
export function confusionMatrix(
  pred: Int32Array | Int16Array,
  gt: Int16Array | Int32Array,
  numClasses: number,
): Float64Array {
  const k = numClasses;
  if (!Number.isInteger(k) || k < 1) throw invalid(`Number of classes must be ≥ 1 (got ${k})`);
  if (pred.length !== gt.length) {
    throw invalid(`Predictions have ${pred.length} points but ground truth has ${gt.length}`);
  }
  const cols = k + 1;
  const out = new Float64Array(k * cols);
  for (let i = 0; i < gt.length; i++) {
    const g = gt[i];
    const p = pred[i];
    if (g < -1 || g >= k) {
      throw invalid(`Ground-truth label ${g} at point ${i} is outside [-1, ${k})`);
    }
    if (p < -1 || p >= k) throw invalid(`Predicted label ${p} at point ${i} is outside [-1, ${k})`);
    if (g === -1) continue;
    out[g * cols + (p === -1 ? k : p)] += 1;
  }
  return out;
}
