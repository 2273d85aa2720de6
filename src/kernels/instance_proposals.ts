/**
 * Class-agnostic instance proposals for training scenes that come without
 * instance masks.
 *
 * 1. Structure removal: a superpoint is taken for floor, ceiling or wall and
 *    its points removed when it is planar (mean curvature ≤ `maxCurvature`),
 *    large (principal lengths √12·σ₁ ≥ `minPlaneLength` and √12·σ₂ ≥
 *    `minPlaneWidth`) and either
 *    - horizontal (mean |n_z| ≥ `horizontalNz`) with its centroid within
 *      `floorBand` of the floor height (floor) or at least `minCeilingHeight`
 *      above it (ceiling), or
 *    - vertical (mean |n_z| ≤ `verticalNz`) and at least `minWallHeight` tall
 *      (z span) (wall).
 *    Single points on the floor (z − floor ≤ `floorBand`, |n_z| ≥
 *    `horizontalNz`) are removed too, so floor fragments do not bridge objects.
 * 2. Connected components of the remaining points over the kNN graph, an
 *    edge joining two remaining points at most `gap` apart.
 * 3. Components with fewer than `minPoints` points are dropped.
 *
 * Ids are numbered 0..K−1 in order of first appearance; removed and dropped
 * points get −1. Deterministic.
 *
 * @module
 */

import { invalid } from "./errors.ts";
import { floorHeight } from "./floor_height.ts";
import type { Neighbors } from "./neighbor_search.ts";
import { segmentMean } from "./segment_pool.ts";
import { segmentShape } from "./segment_shape.ts";
import { UnionFind } from "./union_find.ts";

/** What {@link instanceProposals} reads. */
export interface ProposalInput {
  /** Float32Array N×3, metres, z up. */
  coord: Float32Array;
  /** Float32Array N×3, unit normals (sign does not matter). */
  normal: Float32Array;
  /** Float32Array N: surface variation λ_min/Σλ in [0, 1/3]. */
  curvature: Float32Array;
  /** k-nearest-neighbour lists of the N points. */
  neighbors: Neighbors;
  /** Superpoints: ids Int32Array N (0..count−1) and count. */
  superpoints: { ids: Int32Array; count: number };
}

/** Options of {@link instanceProposals}; lengths in metres. */
export interface ProposalOptions {
  /** Floor height; default the 2 % quantile of z (`floorHeight`). */
  floor?: number;
  /** Mean |n_z| at or above which a superpoint is horizontal. Default 0.9. */
  horizontalNz?: number;
  /** Mean |n_z| at or below which a superpoint is vertical. Default 0.3. */
  verticalNz?: number;
  /** Largest mean curvature of a planar superpoint. Default 0.02. */
  maxCurvature?: number;
  /** Smallest first principal length of a structural plane. Default 1.0. */
  minPlaneLength?: number;
  /** Smallest second principal length of a structural plane. Default 0.5. */
  minPlaneWidth?: number;
  /** Height band above the floor holding floor surfaces. Default 0.15. */
  floorBand?: number;
  /** Smallest centroid height above the floor of a ceiling. Default 2.0. */
  minCeilingHeight?: number;
  /** Smallest z span of a wall. Default 1.2. */
  minWallHeight?: number;
  /** Largest distance between neighbours of one component. Default 0.05. */
  gap?: number;
  /** Smallest number of points of a proposal. Default 50. */
  minPoints?: number;
}

/**
 * @param input points, normals, curvature, neighbours and superpoints of one scene
 * @param options thresholds, see {@link ProposalOptions}
 * @returns `{ ids: Int32Array N (−1 = none, else 0..count−1), count }`
 */
export function instanceProposals(
  input: ProposalInput,
  options: ProposalOptions = {},
): { ids: Int32Array; count: number } {
  const { coord, normal, curvature, neighbors, superpoints } = input;
  const n = coord.length / 3;
  if (normal.length !== coord.length || curvature.length !== n || superpoints.ids.length !== n) {
    throw invalid(
      `Instance proposals: ${n} points need ${3 * n} normal values, ${n} curvatures and ${n} ` +
        `superpoint ids, got ${normal.length}, ${curvature.length} and ${superpoints.ids.length}`,
    );
  }
  if (neighbors.index.length !== n * neighbors.k) {
    throw invalid(`Instance proposals: expected ${n}×${neighbors.k} neighbour indices`);
  }
  const removed = structureMask(input, options);
  const gap = options.gap ?? 0.05;
  const minPoints = options.minPoints ?? 50;
  const uf = new UnionFind(n);
  const { k, index, dist2 } = neighbors;
  const gap2 = gap * gap;
  for (let i = 0; i < n; i++) {
    if (removed[i]) continue;
    for (let s = 0; s < k; s++) {
      const j = index[i * k + s];
      if (j < 0 || removed[j] || dist2[i * k + s] > gap2) continue;
      uf.union(i, j);
    }
  }
  const label = new Int32Array(n).fill(-1);
  const ids = new Int32Array(n).fill(-1);
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (removed[i]) continue;
    const r = uf.find(i);
    if (uf.size[r] < minPoints) continue;
    if (label[r] < 0) label[r] = count++;
    ids[i] = label[r];
  }
  return { ids, count };
}

/**
 * Uint8Array N: 1 for points taken as floor, ceiling or wall (step 1 of the
 * module doc), else 0.
 *
 * @param input as for {@link instanceProposals}
 * @param options as for {@link instanceProposals}
 */
export function structureMask(input: ProposalInput, options: ProposalOptions = {}): Uint8Array {
  const { coord, normal, curvature, superpoints } = input;
  const n = coord.length / 3;
  const horizontalNz = options.horizontalNz ?? 0.9;
  const verticalNz = options.verticalNz ?? 0.3;
  const maxCurvature = options.maxCurvature ?? 0.02;
  const minLength = options.minPlaneLength ?? 1.0;
  const minWidth = options.minPlaneWidth ?? 0.5;
  const floorBand = options.floorBand ?? 0.15;
  const minCeiling = options.minCeilingHeight ?? 2.0;
  const minWall = options.minWallHeight ?? 1.2;
  const floor = options.floor ?? floorHeight(coord).floor;
  const { ids, count } = superpoints;
  const shape = segmentShape(coord, ids, count);
  const pointPair = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    pointPair[2 * i] = Math.abs(normal[3 * i + 2]);
    pointPair[2 * i + 1] = curvature[i];
  }
  const spPair = segmentMean(pointPair, 2, ids, count);
  const structural = new Uint8Array(count);
  const l12 = Math.sqrt(12);
  for (let s = 0; s < count; s++) {
    const nz = spPair[2 * s], curv = spPair[2 * s + 1];
    const large = l12 * shape.spread[3 * s] >= minLength &&
      l12 * shape.spread[3 * s + 1] >= minWidth;
    if (!(large && curv <= maxCurvature)) continue;
    const h = shape.centroid[3 * s + 2] - floor;
    if (nz >= horizontalNz && (h <= floorBand || h >= minCeiling)) structural[s] = 1;
    if (nz <= verticalNz && shape.zMax[s] - shape.zMin[s] >= minWall) structural[s] = 1;
  }
  const removed = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const s = ids[i];
    if (s >= 0 && structural[s]) removed[i] = 1;
    else if (coord[3 * i + 2] - floor <= floorBand && pointPair[2 * i] >= horizontalNz) {
      removed[i] = 1;
    }
  }
  return removed;
}
