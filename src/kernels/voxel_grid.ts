/**
 * Voxel-grid grouping of a point cloud (the usual voxel down-sampling step).
 *
 * @module
 */

import { CellHash } from "./cell_hash.ts";
import { invalid } from "./errors.ts";

/** Points grouped by cubic voxel. */
export interface VoxelGrid {
  /** Int32Array N: voxel index of each input point (0..V−1). */
  voxelOf: Int32Array;
  /** Number of occupied voxels V. */
  count: number;
  /** Int32Array V: index of the first input point (in input order) of each voxel. */
  representative: Int32Array;
  /** Float32Array V×3: mean position of each voxel's points, metres (accumulated in Float64). */
  centroid: Float32Array;
  /** Int32Array V: number of points in each voxel. */
  pointCount: Int32Array;
}

/**
 * Groups points into cubic voxels of side `voxelSize` anchored at the origin:
 * point (x, y, z) falls in voxel (⌊x/s⌋, ⌊y/s⌋, ⌊z/s⌋) (computed in Float64).
 * Voxels are numbered in order of first appearance in the input, so the
 * result is deterministic and independent of the hash layout.
 *
 * @param coord Float32Array N×3 positions, metres (finite)
 * @param voxelSize voxel side s, metres (> 0, finite; RangeError otherwise)
 * @returns the grouping; empty arrays when N = 0
 */
export function voxelGrid(coord: Float32Array, voxelSize: number): VoxelGrid {
  if (!(voxelSize > 0) || !Number.isFinite(voxelSize)) {
    throw new RangeError(`Voxel size must be a positive finite number of metres, got ${voxelSize}`);
  }
  if (coord.length % 3 !== 0) {
    throw invalid(`Coordinates must be N×3 values, got a length of ${coord.length}`);
  }
  const n = coord.length / 3;
  const voxelOf = new Int32Array(n);
  const hash = new CellHash(Math.min(n, 1 << 20));
  const limit = 2147483647;
  for (let i = 0; i < n; i++) {
    const fx = Math.floor(coord[3 * i] / voxelSize);
    const fy = Math.floor(coord[3 * i + 1] / voxelSize);
    const fz = Math.floor(coord[3 * i + 2] / voxelSize);
    if (!(Math.abs(fx) < limit && Math.abs(fy) < limit && Math.abs(fz) < limit)) {
      throw invalid(
        `Point ${i} (${coord[3 * i]}, ${coord[3 * i + 1]}, ${coord[3 * i + 2]}) is not finite ` +
          `or too far from the origin for a voxel size of ${voxelSize} m`,
      );
    }
    voxelOf[i] = hash.insert(fx, fy, fz);
  }
  const v = hash.count;
  const representative = new Int32Array(v).fill(-1);
  const pointCount = new Int32Array(v);
  const sum = new Float64Array(3 * v);
  for (let i = 0; i < n; i++) {
    const c = voxelOf[i];
    if (pointCount[c]++ === 0) representative[c] = i;
    sum[3 * c] += coord[3 * i];
    sum[3 * c + 1] += coord[3 * i + 1];
    sum[3 * c + 2] += coord[3 * i + 2];
  }
  const centroid = new Float32Array(3 * v);
  for (let c = 0; c < v; c++) {
    const inv = 1 / pointCount[c];
    centroid[3 * c] = sum[3 * c] * inv;
    centroid[3 * c + 1] = sum[3 * c + 1] * inv;
    centroid[3 * c + 2] = sum[3 * c + 2] * inv;
  }
  return { voxelOf, count: v, representative, centroid, pointCount };
}
