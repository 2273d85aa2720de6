/**
 * The geometry chain shared by inference and training: neighbours →
 * normals (unless the cloud has them) → local eigen features → superpoints,
 * plus the floor estimate, each stage timed.
 *
 * @module
 */

import {
  EIGEN_FEATURE_COUNT,
  EIGEN_FEATURE_NAMES,
  eigenFeatures,
} from "../kernels/eigen_features.ts";
import { invalid } from "../kernels/errors.ts";
import { floorHeight } from "../kernels/floor_height.ts";
import { instanceProposals, type ProposalOptions } from "../kernels/instance_proposals.ts";
import { knnSearch, type Neighbors } from "../kernels/neighbor_search.ts";
import { estimateNormals } from "../kernels/normals.ts";
import type { PointCloud } from "../kernels/point_cloud.ts";
import { type Segmentation, type SuperpointOptions, superpoints } from "../kernels/superpoints.ts";

/** Options of {@link analyzeScene}. */
export interface SceneGeometryOptions {
  /** Neighbours per point (the point itself included). Default 16. */
  k?: number;
  /** Sensor position for orienting estimated normals, metres. */
  viewpoint?: [number, number, number];
  /** Superpoint settings; by default the Segmentator's (k 0.01, minSize 20), see below. */
  superpoint?: SuperpointOptions;
  /** Superpoints given by the data (Int32Array N, ids ≥ 0); skips the segmentation. */
  superpointIds?: Int32Array;
}

/** Wall-clock milliseconds of each stage of {@link analyzeScene}. */
export interface GeometryTimings {
  /** k-nearest-neighbour search. */
  knn: number;
  /** Normal estimation (0 when the cloud had normals). */
  normals: number;
  /** Local eigen features. */
  local: number;
  /** Superpoint segmentation (or relabelling of given ids). */
  superpoints: number;
  /** Floor and top heights. */
  floor: number;
}

/** Everything later stages need to know about the geometry of one scene. */
export interface SceneGeometry {
  /** The input cloud, unchanged. */
  cloud: PointCloud;
  /** kNN lists of the cloud's points (Q = N rows of k). */
  neighbors: Neighbors;
  /** Float32Array N×3: unit normals, the cloud's own when it has them. */
  normal: Float32Array;
  /** Whether `normal` was estimated here (false: taken from the cloud). */
  normalsEstimated: boolean;
  /** Float32Array N: surface variation λ_min/Σλ of the kNN neighbourhood, [0, 1/3]. */
  curvature: Float32Array;
  /** Float32Array N×7: eigen features of the kNN neighbourhoods (`eigen_features.ts`). */
  local: Float32Array;
  /** Superpoints: ids Int32Array N (0..count−1) and count. */
  superpoints: Segmentation;
  /** Floor and top heights, metres (2 % and 98 % quantiles of z). */
  floor: { floor: number; top: number };
  /** Stage timings, milliseconds. */
  timings: GeometryTimings;
}

/**
 * Runs the geometry chain on one cloud. Estimated normals have no reliable
 * sign, so superpoints then compare them with `1 − |nₐ·n_b|`; a cloud's own
 * normals are taken as consistently oriented (the Segmentator's signed
 * weight), unless `options.superpoint.absoluteDot` says otherwise.
 *
 * @param cloud the scene (N ≥ 1 points, metres, z up)
 * @param options see {@link SceneGeometryOptions}
 * @returns the scene geometry with per-stage timings
 */
export function analyzeScene(cloud: PointCloud, options: SceneGeometryOptions = {}): SceneGeometry {
  const coord = cloud.coord;
  const n = cloud.count;
  const clock = stopwatch();
  const neighbors = knnSearch(coord, options.k ?? 16);
  const knnMs = clock();
  let normal = cloud.normal;
  const normalsEstimated = !normal;
  let local: Float32Array | undefined;
  if (!normal) {
    // One pass over the neighbourhoods gives both the normals and the local eigen features.
    const field = estimateNormals(coord, neighbors, {
      viewpoint: options.viewpoint,
      eigenFeatures: true,
    });
    normal = field.normal;
    local = field.features;
  }
  const normalsMs = clock();
  local ??= eigenFeatures(coord, neighbors);
  const curvature = new Float32Array(n);
  const col = EIGEN_FEATURE_NAMES.indexOf("curvature"); // holds 3·λ_min/Σλ
  for (let i = 0; i < n; i++) curvature[i] = local[i * EIGEN_FEATURE_COUNT + col] / 3;
  const localMs = clock();
  const sp = options.superpointIds
    ? denseIds(options.superpointIds, n)
    : superpoints(coord, normal, neighbors, {
      absoluteDot: normalsEstimated,
      ...options.superpoint,
    });
  const superpointMs = clock();
  const floor = floorHeight(coord);
  const floorMs = clock();
  return {
    cloud,
    neighbors,
    normal,
    normalsEstimated,
    curvature,
    local,
    superpoints: sp,
    floor,
    timings: {
      knn: knnMs,
      normals: normalsEstimated ? normalsMs : 0,
      local: localMs,
      superpoints: superpointMs,
      floor: floorMs,
    },
  };
}

/**
 * Class-agnostic instance proposals of an analysed scene (for training data
 * without instance masks): `instanceProposals` with this scene's normals,
 * curvature, neighbours, superpoints and floor height.
 *
 * @param geometry the output of {@link analyzeScene}
 * @param options thresholds of `instanceProposals` (defaults documented there)
 * @returns `{ ids: Int32Array N (−1 = none), count }`
 */
export function sceneInstanceProposals(
  geometry: SceneGeometry,
  options: ProposalOptions = {},
): { ids: Int32Array; count: number } {
  return instanceProposals({
    coord: geometry.cloud.coord,
    normal: geometry.normal,
    curvature: geometry.curvature,
    neighbors: geometry.neighbors,
    superpoints: geometry.superpoints,
  }, { floor: geometry.floor.floor, ...options });
}

/** Given superpoint ids relabelled densely (0..S−1, order of first appearance). */
function denseIds(given: Int32Array, n: number): Segmentation {
  if (given.length !== n) throw invalid(`Superpoints: expected ${n} ids, got ${given.length}`);
  const map = new Map<number, number>();
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const g = given[i];
    if (g < 0) throw invalid(`Superpoints: point ${i} has a negative id (${g})`);
    let d = map.get(g);
    if (d === undefined) map.set(g, d = map.size);
    ids[i] = d;
  }
  return { ids, count: map.size };
}

/** Returns a function giving the milliseconds since its previous call. */
function stopwatch(): () => number {
  let last = performance.now();
  return () => {
    const now = performance.now();
    const ms = now - last;
    last = now;
    return ms;
  };
}
