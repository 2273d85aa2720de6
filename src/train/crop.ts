/**
 * Per-step crops of a training scene: the `max` points nearest (in the horizontal plane)
 * to a seeded random centre point, so that a step costs at most `max` points however
 * large the scene. Superpoints and instances cut by the crop keep their ids (the
 * objective only sees the cropped part).
 *
 * @module
 */

import type { ObjectiveScene } from "./objective/types.ts";
import type { Rng } from "../kernels/random.ts";

/** The per-point arrays a crop selects from (N points). */
export interface CroppableScene {
  /** N */
  count: number;
  /** Float32Array N×3 positions, metres */
  coord: Float32Array;
  /** Float32Array N×Dg */
  geometric: Float32Array;
  /** Float32Array N×C */
  teacher: Float32Array;
  /** Uint8Array N */
  valid: Uint8Array;
  /** Int32Array N */
  superpoint: Int32Array;
  /** Int32Array N */
  instance: Int32Array;
}

/**
 * Indices of the `max` points nearest to point `center` in x, y (ascending index order;
 * ties broken by index).
 *
 * @param coord Float32Array N×3
 * @param center index of the centre point
 * @param max most points kept (all when N ≤ max)
 * @returns Int32Array of min(N, max) point indices
 */
export function nearestInPlane(coord: Float32Array, center: number, max: number): Int32Array {
  const n = coord.length / 3;
  if (n <= max) return Int32Array.from({ length: n }, (_, i) => i);
  const cx = coord[3 * center], cy = coord[3 * center + 1];
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = (coord[3 * i] - cx) ** 2 + (coord[3 * i + 1] - cy) ** 2;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => d[a] - d[b] || a - b);
  return order.subarray(0, max).sort();
}

/**
 * The step's scene: the whole scene when it has at most `max` points, else a crop around
 * a point drawn from `rng`.
 *
 * @param scene the prepared scene (with voxel coordinates)
 * @param max most points per step (0 = no limit)
 * @param rng the step's Rng (one draw when cropping)
 * @returns the objective's scene without its `visible` column
 */
export function cropScene(
  scene: CroppableScene,
  max: number,
  rng: Rng,
): Omit<ObjectiveScene, "visible"> & { instance: Int32Array } {
  const n = scene.count;
  if (max <= 0 || n <= max) {
    const { count, geometric, teacher, valid, superpoint, instance } = scene;
    return { count, geometric, teacher, valid, superpoint, instance };
  }
  const keep = nearestInPlane(scene.coord, rng.int(n), max);
  const rows = (a: Float32Array, d: number) => {
    const out = new Float32Array(keep.length * d);
    keep.forEach((i, r) => out.set(a.subarray(i * d, i * d + d), r * d));
    return out;
  };
  return {
    count: keep.length,
    geometric: rows(scene.geometric, scene.geometric.length / n),
    teacher: rows(scene.teacher, scene.teacher.length / n),
    valid: Uint8Array.from(keep, (i) => scene.valid[i]),
    superpoint: Int32Array.from(keep, (i) => scene.superpoint[i]),
    instance: Int32Array.from(keep, (i) => scene.instance[i]),
  };
}
