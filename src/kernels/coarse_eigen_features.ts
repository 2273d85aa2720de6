/**
 * Eigen features at a coarse scale, computed per voxel instead of per point.
 *
 * The points are grouped into voxels of side `voxelSize` (anchored at the
 * origin); each voxel keeps its point count, centroid and scatter matrix.
 * The neighbourhood of a voxel is every voxel whose centroid lies within
 * `radius` of its centroid; the neighbourhood covariance is combined exactly
 * from those moments (parallel-axis rule), so a 0.5 m neighbourhood of a
 * million points costs a few dozen voxel lookups, not thousands of points.
 * Every point has the features of its voxel (results are per voxel, with the
 * point → voxel map, to spare N×7 copies).
 *
 * With per-point weights (`point_area.ts`: the surface each point stands for) a
 * voxel's mass is the sum of its points' weights instead of their count, its
 * scatter is scaled by its mean weight, and the support is the neighbourhood's
 * total weight: features and support then follow surface area, not sampling
 * density.
 *
 * @module
 */

import { EIGEN_FEATURE_COUNT, eigenFeaturesOfCovariance } from "./eigen_features.ts";
import { invalid } from "./errors.ts";
import { groupScatter } from "./group_scatter.ts";
import { radiusSearch } from "./neighbor_search.ts";
import { voxelGrid } from "./voxel_grid.ts";

/** Scale of {@link coarseEigenFeatures}. */
export interface CoarseScale {
  /** Voxel side, metres (> 0). */
  voxelSize: number;
  /** Neighbourhood radius between voxel centroids, metres (> 0). */
  radius: number;
}

/** Coarse-scale features per voxel, and the voxel of each point. */
export interface CoarseFeatures {
  /** Int32Array N: voxel of each point (0..V−1). */
  voxelOf: Int32Array;
  /** Float32Array V×7: the eigen features of `eigen_features.ts` of each voxel's neighbourhood. */
  features: Float32Array;
  /** Float32Array V: number of points (total weight, with weights) in each voxel's neighbourhood. */
  support: Float32Array;
}

/**
 * @param coord Float32Array N×3, metres
 * @param scale voxel size and neighbourhood radius, metres
 * @param weight optional Float32Array N of non-negative point weights (absent: all 1)
 * @returns voxel map (N), voxel eigen features (V×7) and neighbourhood supports (V)
 */
export function coarseEigenFeatures(
  coord: Float32Array,
  scale: CoarseScale,
  weight?: Float32Array,
): CoarseFeatures {
  if (!(scale.radius > 0)) {
    throw invalid(`Coarse features: radius must be positive, got ${scale.radius}`);
  }
  if (weight && weight.length * 3 !== coord.length) {
    throw invalid(`Coarse features: expected ${coord.length / 3} weights, got ${weight.length}`);
  }
  const grid = voxelGrid(coord, scale.voxelSize);
  const v = grid.count;
  const { voxelOf, centroid, pointCount } = grid;
  // Scatter Σ (p − c)(p − c)ᵀ of each voxel about its own centroid (Float64).
  const scatter = groupScatter(coord, voxelOf, centroid);
  const mass = voxelMass(pointCount, voxelOf, weight);
  if (weight) {
    for (let u = 0; u < v; u++) {
      const f = pointCount[u] > 0 ? mass[u] / pointCount[u] : 0;
      for (let c = 0; c < 6; c++) scatter[6 * u + c] *= f;
    }
  }
  const voxelFeatures = new Float32Array(v * EIGEN_FEATURE_COUNT);
  const voxelSupport = new Float32Array(v);
  if (v > 0) {
    const nb = radiusSearch(centroid, scale.radius);
    const cov = new Float64Array(6);
    for (let q = 0; q < v; q++) {
      const qx = centroid[3 * q], qy = centroid[3 * q + 1], qz = centroid[3 * q + 2];
      // First and second moments about the query centroid.
      let points = 0, m = 0, sx = 0, sy = 0, sz = 0, xx = 0, xy = 0, xz = 0, yy = 0, yz = 0, zz = 0;
      for (let t = nb.offsets[q]; t < nb.offsets[q + 1]; t++) {
        const u = nb.index[t];
        const w = mass[u];
        points += pointCount[u];
        const dx = centroid[3 * u] - qx, dy = centroid[3 * u + 1] - qy;
        const dz = centroid[3 * u + 2] - qz;
        const o = 6 * u;
        m += w;
        sx += w * dx;
        sy += w * dy;
        sz += w * dz;
        xx += scatter[o] + w * dx * dx;
        xy += scatter[o + 1] + w * dx * dy;
        xz += scatter[o + 2] + w * dx * dz;
        yy += scatter[o + 3] + w * dy * dy;
        yz += scatter[o + 4] + w * dy * dz;
        zz += scatter[o + 5] + w * dz * dz;
      }
      voxelSupport[q] = m;
      if (points < 2 || !(m > 0)) continue;
      const mx = sx / m, my = sy / m, mz = sz / m;
      cov[0] = xx / m - mx * mx;
      cov[1] = xy / m - mx * my;
      cov[2] = xz / m - mx * mz;
      cov[3] = yy / m - my * my;
      cov[4] = yz / m - my * mz;
      cov[5] = zz / m - mz * mz;
      eigenFeaturesOfCovariance(cov, voxelFeatures, q * EIGEN_FEATURE_COUNT);
    }
  }
  return { voxelOf, features: voxelFeatures, support: voxelSupport };
}

/** Float64Array V: points per voxel, or the sum of their weights. */
function voxelMass(
  pointCount: ArrayLike<number>,
  voxelOf: Int32Array,
  weight: Float32Array | undefined,
): Float64Array {
  const mass = Float64Array.from(pointCount);
  if (!weight) return mass;
  mass.fill(0);
  for (let i = 0; i < voxelOf.length; i++) {
    const w = weight[i];
    if (!(w >= 0) || w === Infinity) {
      throw invalid(`Coarse features: weight ${i} must be finite and non-negative, got ${w}`);
    }
    mass[voxelOf[i]] += w;
  }
  return mass;
}
