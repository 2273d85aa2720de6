/**
 * Thinning the flat surfaces of a scan, the way a decimated reconstruction mesh samples a
 * room: large flat walls and floors keep few vertices (big triangles), furniture and edges
 * keep many. Used to randomise the sampling of training rooms (`deno task cli decimate`)
 * and to measure how much a model minds it (`deno task bench invariance`).
 *
 * A point is flat when the surface variation λ3 / Σλ of its 16 nearest neighbours is at
 * most `flatness`; each flat point stays with probability `keep` (seeded), every other
 * point stays.
 *
 * @module
 */

import {
  EIGEN_FEATURE_COUNT,
  EIGEN_FEATURE_NAMES,
  eigenFeatures,
} from "../kernels/eigen_features.ts";
import { invalid } from "../kernels/errors.ts";
import type { PointCloud } from "../kernels/point_cloud.ts";
import { knnSearch } from "../kernels/neighbor_search.ts";
import type { Rng } from "../kernels/random.ts";
import { gatherRows, type RowArray } from "../kernels/segment_pool.ts";
import type { SceneArrays } from "../io/dataset.ts";

/** How flat surfaces are thinned. */
export interface ThinningOptions {
  /** Share of flat points kept, in (0, 1]. */
  keep: number;
  /** Largest surface variation (λ3 / Σλ, in [0, 1/3]) that counts as flat. Default 0.01. */
  flatness?: number;
}

/**
 * @param cloud the scan (metres, z up)
 * @param rng seeded generator, one draw per flat point in point order
 * @param options share kept and flatness
 * @returns Uint8Array N, 1 = the point stays
 * @throws GeoError invalid_argument when `keep` is outside (0, 1]
 */
export function flatThinningMask(
  cloud: PointCloud,
  rng: Rng,
  options: ThinningOptions,
): Uint8Array {
  const { keep } = options, flatness = options.flatness ?? 0.01;
  if (!(keep > 0 && keep <= 1)) throw invalid(`Thinning: keep must be in (0, 1], got ${keep}`);
  const mask = new Uint8Array(cloud.count);
  if (cloud.count === 0) return mask;
  // Surface variation λ3/Σλ of the 16 nearest neighbours, as `analyzeScene` gives it,
  // without the rest of the geometry chain.
  const local = eigenFeatures(cloud.coord, knnSearch(cloud.coord, 16));
  const E = EIGEN_FEATURE_COUNT, col = EIGEN_FEATURE_NAMES.indexOf("curvature"); // 3·λ3/Σλ
  for (let i = 0; i < mask.length; i++) {
    mask[i] = local[i * E + col] / 3 > flatness || rng.next() < keep ? 1 : 0;
  }
  return mask;
}

/**
 * The scene restricted to the points where `keep` is 1, every per-point array alike
 * (coordinates, colours, normals, teacher rows, valid, superpoint, instance and class ids).
 *
 * @param scene the arrays of N points
 * @param keep Uint8Array N
 * @returns a new scene of the kept points, in their order
 */
export function subsetScene<T extends SceneArrays>(scene: T, keep: Uint8Array): T {
  const n = scene.coord.length / 3;
  if (keep.length !== n) throw invalid(`Subset: ${keep.length} flags for ${n} points`);
  const idx: number[] = [];
  keep.forEach((k, i) => k && idx.push(i));
  const ids = Int32Array.from(idx);
  const out: T = { ...scene, coord: gatherRows(scene.coord, 3, ids) };
  if ("count" in scene) (out as T & { count: number }).count = ids.length;
  const fields: [keyof SceneArrays, number][] = [
    ["color", 3],
    ["normal", 3],
    ["teacher", scene.teacherDim ?? 0],
    ["valid", 1],
    ["superpoint", 1],
    ["instance", 1],
    ["segment", 1],
  ];
  for (const [field, per] of fields) {
    const values = scene[field] as RowArray | undefined;
    if (values !== undefined) {
      (out as Record<string, unknown>)[field] = gatherRows(values, per, ids);
    }
  }
  return out;
}
