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

const MOMENTS = new Float64Array(10);

/**
 * First and second moments of the valid entries of row `i` of `neighbors`
 * (−1 entries skipped), relative to point i and accumulated in Float64 in row
 * order (relative moments keep precision far from the origin).
 *
 * @param coord Float32Array N×3, metres
 * @param neighbors neighbour lists of the N points
 * @param i the point (row) whose neighbours are summed
 * @returns Float64Array 10, shared and overwritten by the next call: count m,
 *   Σx, Σy, Σz (metres), Σxx, Σxy, Σxz, Σyy, Σyz, Σzz (m²)
 */
export function neighborMoments(
  coord: Float32Array,
  neighbors: Neighbors,
  i: number,
): Float64Array {
  const n = coord.length / 3;
  const k = neighbors.k;
  const idx = neighbors.index;
  const px = coord[3 * i], py = coord[3 * i + 1], pz = coord[3 * i + 2];
  let m = 0, sx = 0, sy = 0, sz = 0, sxx = 0, sxy = 0, sxz = 0, syy = 0, syz = 0, szz = 0;
  const row = i * k;
  for (let j = 0; j < k; j++) {
    const q = idx[row + j];
    if (q < 0) continue;
    if (q >= n) throw invalid(`Neighbour index ${q} of point ${i} is out of range 0..${n - 1}`);
    const x = coord[3 * q] - px, y = coord[3 * q + 1] - py, z = coord[3 * q + 2] - pz;
    m++;
    sx += x;
    sy += y;
    sz += z;
    sxx += x * x;
    sxy += x * y;
    sxz += x * z;
    syy += y * y;
    syz += y * z;
    szz += z * z;
  }
  const out = MOMENTS;
  out[0] = m;
  out[1] = sx;
  out[2] = sy;
  out[3] = sz;
  out[4] = sxx;
  out[5] = sxy;
  out[6] = sxz;
  out[7] = syy;
  out[8] = syz;
  out[9] = szz;
  return out;
}

/**
 * Covariance of a set from its moments, every sum divided by the count m
 * (Σxx / m − (Σx / m)², …).
 *
 * @param moments 10 values as {@link neighborMoments} returns them (m > 0)
 * @param cov destination Float64Array 6: xx, xy, xz, yy, yz, zz, m²
 */
export function covarianceOfMoments(moments: ArrayLike<number>, cov: Float64Array): void {
  const m = moments[0];
  const mx = moments[1] / m, my = moments[2] / m, mz = moments[3] / m;
  cov[0] = moments[4] / m - mx * mx;
  cov[1] = moments[5] / m - mx * my;
  cov[2] = moments[6] / m - mx * mz;
  cov[3] = moments[7] / m - my * my;
  cov[4] = moments[8] / m - my * mz;
  cov[5] = moments[9] / m - mz * mz;
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
  for (let i = 0; i < n; i++) {
    const moments = neighborMoments(coord, neighbors, i);
    if (moments[0] < 2) continue; // stays all-zero: degenerate
    covarianceOfMoments(moments, cov);
    eigenFeaturesOfCovariance(cov, out, i * EIGEN_FEATURE_COUNT);
  }
  return out;
}
