/**
 * Robust floor and top heights of a z-up scene, from low and high quantiles
 * of z (a few stray points below the floor or above the ceiling do not move
 * them).
 *
 * @module
 */

import { invalid } from "./errors.ts";
import { orderStatistic } from "./order_statistic.ts";

/** Options of {@link floorHeight}. */
export interface FloorHeightOptions {
  /** Quantile of z taken as the floor, in [0, 1]. Default 0.02. */
  lowQuantile?: number;
  /** Quantile of z taken as the top of the scene, in [0, 1]. Default 0.98. */
  highQuantile?: number;
}

/**
 * Floor and top heights: the `lowQuantile` and `highQuantile` order
 * statistics of z (element ⌊q·(N−1)⌋ of the sorted z values). Exact, O(N),
 * independent of the point order. Both are 0 for an empty cloud.
 *
 * @param coord Float32Array N×3, metres, z up
 * @param options see {@link FloorHeightOptions}
 * @returns `{ floor, top }` in metres (floor ≤ top)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const coord = new Float32Array([0, 0, 1, 0, 0, 2, 0, 0, 3]);
 * assert.deepEqual(floorHeight(coord, { lowQuantile: 0, highQuantile: 1 }), { floor: 1, top: 3 });
 * ```
 */
export function floorHeight(
  coord: Float32Array,
  options: FloorHeightOptions = {},
): { floor: number; top: number } {
  const lo = options.lowQuantile ?? 0.02;
  const hi = options.highQuantile ?? 0.98;
  if (!(lo >= 0 && lo <= 1 && hi >= lo && hi <= 1)) {
    throw invalid(`Floor height: quantiles must satisfy 0 ≤ low ≤ high ≤ 1, got ${lo} and ${hi}`);
  }
  const n = Math.floor(coord.length / 3);
  if (n === 0) return { floor: 0, top: 0 };
  const z = new Float32Array(n);
  for (let i = 0; i < n; i++) z[i] = coord[3 * i + 2];
  const rankLo = Math.floor(lo * (n - 1));
  const rankHi = Math.floor(hi * (n - 1));
  const floor = orderStatistic(z, rankLo, 0, n - 1);
  // Elements above rankLo are now ≥ floor: the high rank is searched there only.
  const top = orderStatistic(z, rankHi, rankLo, n - 1);
  return { floor, top };
}
