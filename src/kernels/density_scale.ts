/**
 * How densely a scan is sampled, relative to a reference point spacing, so that
 * descriptor columns that count points or measure neighbour radii mean the same on a
 * sparse robot scan, a dense mesh and the synthetic training rooms.
 *
 * The spacing h of a surface sampled evenly follows from its k-nearest-neighbour
 * radius r: a disc of radius r holds k ≈ π r² / h² points, so h = r·√(π/k). The
 * scan's spacing is that of its median point (the median, over points with at least
 * one other neighbour listed, of the distance to the farthest listed neighbour).
 * A count of points n is then worth n·(h / h_ref)² reference points, and a radius r
 * is worth r·(h_ref / h) reference radii.
 *
 * @module
 */

import { invalid } from "./errors.ts";
import type { Neighbors } from "./neighbor_search.ts";
import { orderStatistic } from "./order_statistic.ts";

/** Reference point spacing, metres: the 2 cm voxel grid models read scans on. */
export const REFERENCE_SPACING = 0.02;

/** Factors that bring a scan's counts and radii to the reference density. */
export interface DensityScale {
  /** Estimated point spacing of the scan, metres (the reference when nothing is known). */
  spacing: number;
  /** Multiplies a point count: (spacing / reference)². */
  count: number;
  /** Multiplies a neighbour radius, metres: reference / spacing. */
  radius: number;
}

/**
 * @param neighbors k-nearest-neighbour lists (self first), squared distances in m²
 * @param reference reference spacing, metres (> 0; default {@link REFERENCE_SPACING})
 * @returns the scan's spacing and the two factors; factors 1 (spacing = reference) when
 *   no point has a neighbour other than itself at a positive distance
 * @throws GeoError invalid_argument when `reference` is not positive
 */
export function densityScale(
  neighbors: Neighbors,
  reference: number = REFERENCE_SPACING,
): DensityScale {
  if (!(reference > 0)) {
    throw invalid(`Density scale: reference spacing must be positive, got ${reference}`);
  }
  const { k, dist2 } = neighbors;
  const n = k > 0 ? dist2.length / k : 0;
  const far = new Float32Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    let f = 0;
    for (let j = i * k; j < (i + 1) * k; j++) {
      const d = dist2[j];
      if (d !== Infinity && d > f) f = d;
    }
    if (f > 0) far[m++] = f;
  }
  if (m === 0) return { spacing: reference, count: 1, radius: 1 };
  const median = Math.sqrt(orderStatistic(far, (m - 1) >> 1, 0, m - 1));
  const spacing = median * Math.sqrt(Math.PI / k);
  return { spacing, count: (spacing / reference) ** 2, radius: reference / spacing };
}
