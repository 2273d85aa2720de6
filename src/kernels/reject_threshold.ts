/**
 * The reject threshold of a calibrated "unknown": the lowest best-score threshold that
 * turns a given share of the wrong labels into −1.
 *
 * A point is rejected by a threshold t when `!(score >= t)`, exactly the test of the
 * inference path (`label = score >= minScore ? best : −1`): a score below t, or NaN, is
 * rejected; a score equal to t is kept.
 *
 * @module
 */

import { invalid } from "./errors.ts";

/** What {@link rejectThreshold} chose and the shares it achieves on its input. */
export interface RejectThreshold {
  /**
   * Threshold t on the best score (cosine): points with `!(score >= t)` are rejected.
   * −Infinity when nothing needs rejecting (q = 0, no wrong point, or the needed wrong
   * points all score NaN). A manifest stores a finite number: −Infinity is stored as −1,
   * the lowest cosine, which rejects the same points (only NaN) on cosine scores.
   */
  minScore: number;
  /** Share in [0, 1] of the wrong points rejected by t (0 when there is no wrong point). */
  wrongRejected: number;
  /** Share in [0, 1] of the right points kept by t (1 when there is no right point). */
  rightKept: number;
}

/**
 * The smallest threshold t such that the share of wrong points rejected by t is ≥ `q`.
 *
 * With the wrong scores sorted ascending (NaN first) as w₀ ≤ … ≤ w₍W−1₎ and k the least
 * integer with k / W ≥ q (computed in float64, as the check is), every t in
 * (w₍k−1₎, s⁺] rejects the same points, s⁺ being the smallest score of ANY point above
 * w₍k−1₎. The threshold returned is the midpoint (w₍k−1₎ + s⁺) / 2 of that interval (in
 * float64: strictly between two distinct float32 scores), so it keeps the same margin to
 * the last rejected and the first kept score. When no score lies above w₍k−1₎, t is the
 * next float64 above w₍k−1₎ or a little more (every point is rejected). When k = 0 or
 * w₍k−1₎ is NaN, t = −Infinity. Of the thresholds reaching the target, t therefore
 * rejects the fewest right points.
 *
 * O(N + W log W) time, W floats of scratch.
 *
 * @param scores Float32Array N: best score (cosine) of each point
 * @param correct Uint8Array N: 1 = the point's label is right, 0 = wrong (points to ignore
 *   are not passed)
 * @param q target share of the wrong points to reject, in [0, 1]
 * @returns the threshold and the shares it achieves on these points
 * @throws GeoError invalid_argument on a length mismatch or q outside [0, 1]
 */
export function rejectThreshold(
  scores: Float32Array,
  correct: Uint8Array,
  q: number,
): RejectThreshold {
  if (scores.length !== correct.length) {
    throw invalid(`Reject threshold: ${scores.length} scores but ${correct.length} flags`);
  }
  if (!(q >= 0 && q <= 1)) throw invalid(`Reject threshold: share must be in [0, 1], got ${q}`);
  const n = scores.length;
  let w = 0;
  for (let i = 0; i < n; i++) if (correct[i] === 0) w++;
  const wrong = new Float32Array(w);
  for (let i = 0, j = 0; i < n; i++) if (correct[i] === 0) wrong[j++] = scores[i];
  // Typed-array sort is numeric with NaN last; NaN counts as the lowest score here.
  wrong.sort();
  let nan = 0;
  while (nan < w && Number.isNaN(wrong[w - 1 - nan])) nan++;
  let k = Math.ceil(q * w);
  if (k > 0 && (k - 1) / w >= q) k--;
  let minScore = -Infinity;
  if (k > nan) {
    const last = wrong[k - 1 - nan];
    let above = Infinity;
    for (let i = 0; i < n; i++) {
      const s = scores[i];
      if (s > last && s < above) above = s;
    }
    minScore = above === Infinity
      ? last + Math.max(Math.abs(last) * Number.EPSILON, Number.MIN_VALUE)
      : (last + above) / 2;
  }
  return { minScore, ...rejectShares(scores, correct, minScore) };
}

/**
 * The shares a threshold achieves: wrong points rejected and right points kept.
 *
 * @param scores Float32Array N best scores
 * @param correct Uint8Array N: 1 = right, 0 = wrong
 * @param minScore threshold t (points with `!(score >= t)` are rejected)
 * @returns wrongRejected (0 without wrong points) and rightKept (1 without right points),
 *   both in [0, 1]
 * @throws GeoError invalid_argument on a length mismatch
 */
export function rejectShares(
  scores: Float32Array,
  correct: Uint8Array,
  minScore: number,
): { wrongRejected: number; rightKept: number } {
  if (scores.length !== correct.length) {
    throw invalid(`Reject shares: ${scores.length} scores but ${correct.length} flags`);
  }
  let wrong = 0, wrongOut = 0, right = 0, rightIn = 0;
  for (let i = 0; i < scores.length; i++) {
    const kept = scores[i] >= minScore;
    if (correct[i] === 0) {
      wrong++;
      if (!kept) wrongOut++;
    } else {
      right++;
      if (kept) rightIn++;
    }
  }
  return {
    wrongRejected: wrong === 0 ? 0 : wrongOut / wrong,
    rightKept: right === 0 ? 1 : rightIn / right,
  };
}
