/**
 * Covariance (eigenvalue) shape features of local neighbourhoods.
 *
 * With λ1 ≥ λ2 ≥ λ3 ≥ 0 the eigenvalues of the neighbourhood covariance
 * (negative round-off clamped to 0), Σ = λ1 + λ2 + λ3, e1 the eigenvector of
 * λ1 and e3 that of λ3 (the surface normal), the seven features, each in
 * [0, 1], are, in this order:
 *
 * | # | name            | definition            | plane | line | blob |
 * |---|-----------------|-----------------------|-------|------|------|
 * | 0 | linearity       | (λ1 − λ2) / λ1        | 0     | 1    | 0    |
 * | 1 | planarity       | (λ2 − λ3) / λ1        | 1     | 0    | 0    |
 * | 2 | scattering      | λ3 / λ1               | 0     | 0    | 1    |
 * | 3 | omnivariance    | 3·∛(λ1λ2λ3) / Σ       | 0     | 0    | 1    |
 * | 4 | curvature       | 3·λ3 / Σ              | 0     | 0    | 1    |
 * | 5 | verticality     | 1 − \|e3·z\|          | 1 wall, 0 floor | – | – |
 * | 6 | axisVerticality | \|e1·z\|              | –     | 1 vertical line | – |
 *
 * A degenerate neighbourhood (fewer than two distinct points: λ1 ≤ 1e-12 m²)
 * gives all seven features 0. When the axis a direction feature needs is
 * undefined (λ2 − λ3 ≤ 0.001·λ1 for e3, λ1 − λ2 ≤ 0.001·λ1 for e1), that
 * feature is 0.5.
 *
 * @module
 */

import { eigenSym3Into } from "./eigen_sym3.ts";
import { invalid } from "./errors.ts";
import type { Neighbors } from "./neighbor_search.ts";

/** Names of the eigen features, in column order. */
export const EIGEN_FEATURE_NAMES = [
  "linearity",
  "planarity",
  "scattering",
  "omnivariance",
  "curvature",
  "verticality",
  "axisVerticality",
] as const;

/** Number of eigen features per neighbourhood (7). */
export const EIGEN_FEATURE_COUNT = EIGEN_FEATURE_NAMES.length;

const TIE = 1e-3;
const VALUES = new Float64Array(3);
const VECTORS = new Float64Array(9);

/**
 * Writes the seven features of one covariance matrix into `out[offset ..
 * offset+7)`.
 *
 * @param cov the covariance, 6 values xx, xy, xz, yy, yz, zz (m²)
 * @param out destination, Float32Array
 * @param offset first index written
 */
export function eigenFeaturesOfCovariance(
  cov: ArrayLike<number>,
  out: Float32Array,
  offset: number,
): void {
  eigenSym3Into(cov, VALUES, VECTORS);
  eigenFeaturesOfEigen(VALUES, VECTORS, out, offset);
}

/**
 * Writes the seven features of a decomposed covariance into `out[offset ..
 * offset+7)` (the second half of {@link eigenFeaturesOfCovariance}).
 *
 * @param values Float64Array 3: eigenvalues ascending, m² (as `eigenSym3Into` gives them)
 * @param vectors Float64Array 9: row-major 3×3, column i = unit eigenvector of values[i]
 * @param out destination, Float32Array
 * @param offset first index written
 */
export function eigenFeaturesOfEigen(
  values: Float64Array,
  vectors: Float64Array,
  out: Float32Array,
  offset: number,
): void {
  const l3 = Math.max(values[0], 0), l2 = Math.max(values[1], 0), l1 = Math.max(values[2], 0);
  if (!(l1 > 1e-12)) {
    out.fill(0, offset, offset + EIGEN_FEATURE_COUNT);
    return;
  }
  const sum = l1 + l2 + l3;
  out[offset] = (l1 - l2) / l1;
  out[offset + 1] = (l2 - l3) / l1;
  out[offset + 2] = l3 / l1;
  out[offset + 3] = (3 * Math.cbrt(l1 * l2 * l3)) / sum;
  out[offset + 4] = (3 * l3) / sum;
  // Row-major 3×3, column i = eigenvector i: z components are in row 2. An
  // axis whose eigenvalue is (nearly) repeated is undefined: its feature is 0.5.
  const tie = TIE * l1;
  out[offset + 5] = l2 - l3 <= tie ? 0.5 : 1 - Math.min(1, Math.abs(vectors[6]));
  out[offset + 6] = l1 - l2 <= tie ? 0.5 : Math.min(1, Math.abs(vectors[8]));
}

/**
 * Eigen features of each point's neighbour list (all valid entries, the
 * point itself included), covariance normalised by the entry count.
 *
 * @param coord Float32Array N×3, metres
 * @param neighbors neighbour lists of the N points (−1 entries skipped)
 * @returns Float32Array N×7, columns as in {@link EIGEN_FEATURE_NAMES}
 */
export function eigenFeatures(coord: Float32Array, neighbors: Neighbors): Float32Array {
  const n = coord.length / 3;
  const k = neighbors.k;
  if (neighbors.index.length !== n * k) {
    throw invalid(
      `Eigen features: expected ${n}×${k} neighbour indices, got ${neighbors.index.length}`,
    );
  }
  const out = new Float32Array(n * EIGEN_FEATURE_COUNT);
  const cov = new Float64Array(6);
  const nb = neighbors.index;
  for (let i = 0; i < n; i++) {
    // Moments relative to the query point keep precision far from the origin.
    const ox = coord[3 * i], oy = coord[3 * i + 1], oz = coord[3 * i + 2];
    let c = 0, sx = 0, sy = 0, sz = 0, xx = 0, xy = 0, xz = 0, yy = 0, yz = 0, zz = 0;
    for (let s = 0; s < k; s++) {
      const j = nb[i * k + s];
      if (j < 0) continue;
      const x = coord[3 * j] - ox, y = coord[3 * j + 1] - oy, z = coord[3 * j + 2] - oz;
      c++;
      sx += x;
      sy += y;
      sz += z;
      xx += x * x;
      xy += x * y;
      xz += x * z;
      yy += y * y;
      yz += y * z;
      zz += z * z;
    }
    if (c < 2) continue; // stays all-zero: degenerate
    const mx = sx / c, my = sy / c, mz = sz / c;
    cov[0] = xx / c - mx * mx;
    cov[1] = xy / c - mx * my;
    cov[2] = xz / c - mx * mz;
    cov[3] = yy / c - my * my;
    cov[4] = yz / c - my * mz;
    cov[5] = zz / c - mz * mz;
    eigenFeaturesOfCovariance(cov, out, i * EIGEN_FEATURE_COUNT);
  }
  return out;
}
