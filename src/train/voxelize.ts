/**
 * Per-point training arrays brought to the voxels the served model sees (the inference
 * path's ordered voxel grid, `voxelOf` from `feature_cache.ts`): per voxel the mean teacher
 * row over its valid points (valid = at least one valid point), and the superpoint /
 * instance id of its first point (input order).
 *
 * @module
 */

/** Per-point arrays of a scene, N points. */
export interface PointLabels {
  /** Float32Array N×C teacher rows */
  teacher?: Float32Array;
  /** C of `teacher` */
  teacherDim?: number;
  /** Uint8Array N, 1 = teacher row valid (default: all valid) */
  valid?: Uint8Array;
  /** Int32Array N superpoint ids ≥ 0 */
  superpoint?: Int32Array;
  /** Int32Array N instance ids, −1 = none */
  instance?: Int32Array;
}

/** The same arrays at voxel level (V voxels). */
export interface VoxelLabels {
  /** Float32Array V×C mean valid teacher row (zeros where none is valid) */
  teacher?: Float32Array;
  /** Uint8Array V: 1 when at least one of the voxel's points is valid */
  valid?: Uint8Array;
  /** Int32Array V: superpoint id of the voxel's first point */
  superpoint?: Int32Array;
  /** Int32Array V: instance id of the voxel's first point */
  instance?: Int32Array;
}

/**
 * Int32Array V: the first point (input order) of every voxel.
 *
 * @param voxelOf Int32Array N voxel ids in [0, V)
 * @param v V
 */
export function firstPoints(voxelOf: Int32Array, v: number): Int32Array {
  const first = new Int32Array(v).fill(-1);
  for (let i = 0; i < voxelOf.length; i++) if (first[voxelOf[i]] < 0) first[voxelOf[i]] = i;
  return first;
}

/**
 * Aggregates a scene's per-point arrays to its voxels.
 *
 * @param points per-point arrays (N points)
 * @param voxelOf Int32Array N: voxel of each point
 * @param v number of voxels V
 */
export function toVoxels(points: PointLabels, voxelOf: Int32Array, v: number): VoxelLabels {
  const n = voxelOf.length;
  const out: VoxelLabels = {};
  if (points.teacher && points.teacherDim && v === n) {
    // One point per voxel: a permutation of the rows.
    const c = points.teacherDim, t = points.teacher, valid = points.valid;
    out.teacher = new Float32Array(v * c);
    out.valid = new Uint8Array(v);
    for (let i = 0; i < n; i++) {
      if (valid && !valid[i]) continue;
      const q = voxelOf[i];
      out.valid[q] = 1;
      out.teacher.set(t.subarray(i * c, i * c + c), q * c);
    }
  } else if (points.teacher && points.teacherDim) {
    const c = points.teacherDim, t = points.teacher, valid = points.valid;
    const sum = new Float64Array(v * c), count = new Float64Array(v);
    for (let i = 0; i < n; i++) {
      if (valid && !valid[i]) continue;
      const q = voxelOf[i];
      count[q]++;
      for (let k = 0; k < c; k++) sum[q * c + k] += t[i * c + k];
    }
    out.teacher = new Float32Array(v * c);
    out.valid = new Uint8Array(v);
    for (let q = 0; q < v; q++) {
      if (count[q] === 0) continue;
      out.valid[q] = 1;
      for (let k = 0; k < c; k++) out.teacher[q * c + k] = sum[q * c + k] / count[q];
    }
  }
  const first = firstPoints(voxelOf, v);
  if (points.superpoint) out.superpoint = Int32Array.from(first, (i) => points.superpoint![i]);
  if (points.instance) out.instance = Int32Array.from(first, (i) => points.instance![i]);
  return out;
}
