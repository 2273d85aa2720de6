/**
 * How much surface each point of a scan stands for, in points of a reference
 * sampling, so that a column that counts points measures area instead: on a
 * decimated mesh a flat wall keeps a few large triangles' vertices while a chair
 * keeps many, and a plain count then says "small" for the wall.
 *
 * A surface sampled evenly at spacing h puts m points in a disc of radius r when
 * m ≈ π r² / h². Each point's own estimate follows from its k-nearest-neighbour
 * list: r = distance to its farthest listed neighbour, m = the neighbours listed (self
 * included), h² = π r² / m (1 reference area for a point with nothing listed). On an
 * irregular sampling one point's estimate is noisy, so point i stands for the mean of
 * the estimates over its own list (self included), in reference points (/ h_ref²),
 * clipped to [{@link MIN_POINT_AREA}, {@link MAX_POINT_AREA}] so that duplicates and
 * lone outliers cannot dominate a sum. On an even sampling at the reference spacing
 * every weight is about 1 and sums equal counts.
 *
 * Unlike `density_scale.ts` (one factor per scan) the weight follows the local
 * sampling: a scan whose flat surfaces were thinned gets larger weights there only.
 *
 * @module
 */

import { invalid } from "./errors.ts";
import type { Neighbors } from "./neighbor_search.ts";

/** Smallest weight: a point at ¼ of the reference spacing or closer (duplicates). */
export const MIN_POINT_AREA = 1 / 16;

/** Largest weight: a point 8 reference spacings from its neighbours (16 cm at 2 cm). */
export const MAX_POINT_AREA = 64;

/**
 * @param neighbors k-nearest-neighbour lists (self first, −1/+Infinity padded), squared
 *   distances in m²
 * @param reference reference spacing h_ref, metres (> 0; default 0.02)
 * @returns Float32Array N: reference points each point stands for (1 for a point with no
 *   other neighbour listed and no neighbours to borrow from: nothing to measure)
 * @throws GeoError invalid_argument when `reference` is not positive or the lists are
 *   not N×k
 */
export function pointArea(neighbors: Neighbors, reference = 0.02): Float32Array {
  if (!(reference > 0) || !Number.isFinite(reference)) {
    throw invalid(`Point area: reference spacing must be positive, got ${reference}`);
  }
  const { k, dist2 } = neighbors;
  if (k <= 0 ? dist2.length !== 0 : dist2.length % k !== 0) {
    throw invalid(`Point area: ${dist2.length} neighbour distances are not rows of ${k}`);
  }
  const n = k > 0 ? dist2.length / k : 0;
  // Each point's own estimate, in reference points (unclipped).
  const own = new Float64Array(n);
  const href2 = reference * reference;
  for (let i = 0; i < n; i++) {
    let far = 0, listed = 0;
    for (let j = i * k; j < (i + 1) * k; j++) {
      const d = dist2[j];
      if (d === Infinity) continue;
      listed++;
      if (d > far) far = d;
    }
    own[i] = listed <= 1 ? 1 : (far * Math.PI) / listed / href2;
  }
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0, listed = 0;
    for (let j = i * k; j < (i + 1) * k; j++) {
      const q = neighbors.index[j];
      if (q < 0) continue;
      sum += own[q];
      listed++;
    }
    const w = listed > 0 ? sum / listed : own[i];
    out[i] = w < MIN_POINT_AREA ? MIN_POINT_AREA : w > MAX_POINT_AREA ? MAX_POINT_AREA : w;
  }
  return out;
}
