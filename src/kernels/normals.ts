/**
 * Surface normals and curvature by local PCA over neighbour sets.
 *
 * @module
 */

import {
  covarianceOfMoments,
  EIGEN_FEATURE_COUNT,
  eigenFeaturesOfEigen,
  neighborMoments,
} from "./eigen_features.ts";
import { eigenSym3Into } from "./eigen_sym3.ts";
import { invalid } from "./errors.ts";
import type { Neighbors } from "./neighbor_search.ts";

/** Per-point unit normals and surface variation. */
export interface NormalField {
  /** Float32Array N×3: unit normals. */
  normal: Float32Array;
  /** Float32Array N: surface variation λ0 / (λ0 + λ1 + λ2) in [0, 1/3]; 0 when degenerate. */
  curvature: Float32Array;
  /**
   * Float32Array N×7: `eigenFeatures(coord, neighbors)` (same bytes), present
   * only when requested with `options.eigenFeatures`.
   */
  features?: Float32Array;
}

/** |nz| at or above which a surface counts as near-horizontal for orientation (≈ 25.8°). */
export const HORIZONTAL_NZ = 0.9;

/**
 * Normal of each point = eigenvector of the smallest eigenvalue of the
 * covariance of its neighbours (row i of `neighbors`, −1 entries skipped;
 * accumulated in Float64 relative to the point). Points with fewer than 3
 * valid neighbours, or whose neighbours all coincide, get normal (0, 0, 1)
 * (then oriented) and curvature 0.
 *
 * Orientation (deterministic): with `viewpoint`, each normal points towards
 * it (n·(v − p) ≥ 0). Without it, near-horizontal surfaces (|nz| ≥ 0.9) point
 * up (+z) and the others point away from the cloud centroid; exact ties keep
 * the first non-zero component positive.
 *
 * @param coord Float32Array N×3, metres
 * @param neighbors Q = N rows of neighbour indices (e.g. `knnSearch(coord, 16)`)
 * @param options.viewpoint sensor position [x, y, z], metres
 * @param options.eigenFeatures also return the local eigen features of the same neighbour
 *   sets (`features`, identical to `eigenFeatures(coord, neighbors)`): one pass over the
 *   neighbours, and one eigen-decomposition where both covariances round alike
 */
export function estimateNormals(
  coord: Float32Array,
  neighbors: Neighbors,
  options: { viewpoint?: [number, number, number]; eigenFeatures?: boolean } = {},
): NormalField {
  const n = coord.length / 3;
  const k = neighbors.k;
  if (neighbors.index.length !== n * k) {
    throw invalid(
      `Neighbour rows (${neighbors.index.length / k} of ${k}) do not match the ${n} points`,
    );
  }
  const normal = new Float32Array(3 * n);
  const curvature = new Float32Array(n);
  const features = options.eigenFeatures ? new Float32Array(n * EIGEN_FEATURE_COUNT) : undefined;
  const cov = new Float64Array(6);
  const covE = new Float64Array(6);
  const values = new Float64Array(3);
  const vectors = new Float64Array(9);
  const vp = options.viewpoint;
  let cx = 0, cy = 0, cz = 0;
  if (!vp) {
    for (let i = 0; i < n; i++) {
      cx += coord[3 * i];
      cy += coord[3 * i + 1];
      cz += coord[3 * i + 2];
    }
    cx /= n || 1;
    cy /= n || 1;
    cz /= n || 1;
  }
  for (let i = 0; i < n; i++) {
    const px = coord[3 * i], py = coord[3 * i + 1], pz = coord[3 * i + 2];
    const moments = neighborMoments(coord, neighbors, i);
    const m = moments[0];
    let nx = 0, ny = 0, nz = 1, curv = 0;
    let decomposed = false;
    if (m >= 3) {
      const im = 1 / m;
      const mx = moments[1] * im, my = moments[2] * im, mz = moments[3] * im;
      cov[0] = moments[4] * im - mx * mx;
      cov[1] = moments[5] * im - mx * my;
      cov[2] = moments[6] * im - mx * mz;
      cov[3] = moments[7] * im - my * my;
      cov[4] = moments[8] * im - my * mz;
      cov[5] = moments[9] * im - mz * mz;
      eigenSym3Into(cov, values, vectors);
      decomposed = true;
      const l0 = Math.max(values[0], 0);
      const total = l0 + Math.max(values[1], 0) + Math.max(values[2], 0);
      if (total > 0) {
        nx = vectors[0];
        ny = vectors[3];
        nz = vectors[6];
        curv = l0 / total;
      }
    }
    if (features && m >= 2) {
      // eigenFeatures' covariance divides by m (this one multiplies by 1/m): the
      // same bytes whenever m is a power of two, then one decomposition serves both.
      covarianceOfMoments(moments, covE);
      if (
        !decomposed || covE[0] !== cov[0] || covE[1] !== cov[1] || covE[2] !== cov[2] ||
        covE[3] !== cov[3] || covE[4] !== cov[4] || covE[5] !== cov[5]
      ) {
        eigenSym3Into(covE, values, vectors);
      }
      eigenFeaturesOfEigen(values, vectors, features, i * EIGEN_FEATURE_COUNT);
    }
    // Orientation.
    let s: number;
    if (vp) s = nx * (vp[0] - px) + ny * (vp[1] - py) + nz * (vp[2] - pz);
    else if (Math.abs(nz) >= HORIZONTAL_NZ) s = nz;
    else s = nx * (px - cx) + ny * (py - cy) + nz * (pz - cz);
    if (s === 0) s = nx !== 0 ? nx : ny !== 0 ? ny : nz;
    if (s < 0) {
      // 0 − x rather than −x: no negative zeros in the output.
      nx = 0 - nx;
      ny = 0 - ny;
      nz = 0 - nz;
    }
    normal[3 * i] = nx;
    normal[3 * i + 1] = ny;
    normal[3 * i + 2] = nz;
    curvature[i] = curv;
  }
  return features ? { normal, curvature, features } : { normal, curvature };
}
