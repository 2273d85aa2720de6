/**
 * Scene-context columns of a point: what the object it belongs to looks like
 * as a whole, where it stands relative to walls, and what stands in its
 * vertical column. Deterministic (no learning, no randomness); together with
 * the 48 columns of `geometric_descriptor.ts` they form descriptor version
 * "geodesc-2" (48 + {@link CONTEXT_DIM} columns).
 *
 * The objects are the class-agnostic instance proposals of
 * `instance_proposals.ts` (floor, ceiling and wall superpoints removed, the
 * rest split into kNN-connected components); "structural" points are those
 * `structureMask` removes; wall points are structural points with |n_z| ≤ 0.3.
 * z is up; "floor" is the 2 % quantile of z (`floor_height.ts`).
 *
 * | columns | feature | scaling |
 * |---------|---------|---------|
 * | 0     | point belongs to a proposal                  | 0 or 1 |
 * | 1–14  | the proposal's `segment_context.ts` row (lengths, top, bottom, footprint, size, colour mean and spread, horizontal / vertical shares, planarity) | see there |
 * | 15    | height within the proposal, (z − zMin) / (zMax − zMin); 0.5 when the span is under 1 cm | [0, 1] |
 * | 16    | xy distance to the proposal centroid ÷ max(half its first principal length, 0.05 m) | clipped to [0, 2] |
 * | 17    | structural point (floor, ceiling, wall)      | 0 or 1 |
 * | 18    | xy distance to the nearest wall (`wall_distance.ts`, 1/8 m cells, capped at 2 m) | ÷ 2 m, [0, 1] |
 * | 19    | top of the non-structural points in the point's 0.5 m xy column, above the floor (0 when none) | ÷ 3 m, clipped to [−1, 2] |
 * | 20    | the same in the 1 m column                   | ÷ 3 m, clipped to [−1, 2] |
 * | 21    | non-structural points in the 0.5 m column    | log10(1 + n) ÷ 4, clipped to [0, 2] |
 * | 22    | the same in the 1 m column                   | log10(1 + n) ÷ 4, clipped to [0, 2] |
 *
 * Points outside every proposal get 0 in columns 1–16. With `input.density` the point counts
 * of columns 7 and 21–22 are multiplied by `density.count` first, or, with `density.weight`,
 * are the sums of the points' weights. Power-of-two cell
 * sizes keep the columns unchanged under xy translations by whole metres.
 *
 * @module
 */

import { columnStats } from "./column_stats.ts";
import { EIGEN_FEATURE_COUNT, eigenFeatures } from "./eigen_features.ts";
import { invalid } from "./errors.ts";
import { floorHeight } from "./floor_height.ts";
import { instanceProposals, type ProposalInput, structureMask } from "./instance_proposals.ts";
import type { Neighbors } from "./neighbor_search.ts";
import { SEGMENT_CONTEXT_COLUMNS, segmentContext } from "./segment_context.ts";
import { wallDistance } from "./wall_distance.ts";
import { wallEvidence } from "./wall_evidence.ts";

/** Width of the context columns. */
export const CONTEXT_DIM = 23;

/** Column names of the context columns, in order (length {@link CONTEXT_DIM}). */
export const CONTEXT_FEATURES: readonly string[] = [
  "inProposal",
  "prop.length1",
  "prop.length2",
  "prop.length3",
  "prop.topAboveFloor",
  "prop.bottomAboveFloor",
  "prop.footprint",
  "prop.size",
  "prop.red",
  "prop.green",
  "prop.blue",
  "prop.colorSpread",
  "prop.horizontalShare",
  "prop.verticalShare",
  "prop.planarity",
  "heightInProposal",
  "distanceToProposalCentre",
  "structural",
  "wallDistance",
  "col0.5.top",
  "col1.top",
  "col0.5.support",
  "col1.support",
];

/** What {@link contextDescriptor} reads. */
export interface ContextInput {
  /** Float32Array N×3, metres, z up. */
  coord: Float32Array;
  /** Float32Array N×3, unit normals (sign does not matter). */
  normal: Float32Array;
  /** Uint8Array N×3 RGB, when the cloud has colour. */
  color?: Uint8Array;
  /** k-nearest-neighbour lists of the N points (self included). */
  neighbors: Neighbors;
  /** Superpoint ids (Int32Array N, 0..count−1) and their count. */
  superpoints: { ids: Int32Array; count: number };
  /** Optional precomputed `eigenFeatures(coord, neighbors)` (Float32Array N×7). */
  local?: Float32Array;
  /** Optional precomputed `floorHeight(coord)`. */
  floor?: { floor: number; top: number };
  /**
   * Optional density normalisation (`density_scale.ts`): every point count a column
   * reports is multiplied by `count` and every neighbour radius by `radius` first, so
   * that counts are in points of the reference density. Absent: both 1. With `weight`
   * (Float32Array N, `point_area.ts`: the surface each point stands for, in reference
   * points) counts are sums of the points' weights instead and `count` is not used; the
   * coarse-scale eigen features are then weighted alike.
   */
  density?: { count: number; radius: number; weight?: Float32Array };
}

/** Variants of {@link contextDescriptor}. */
export interface ContextOptions {
  /**
   * "structure" (default, geodesc-2/3): wall points are the structural points with
   * |n_z| ≤ 0.3; "evidence" (geodesc-4): the points `wall_evidence.ts` finds from local
   * vertical evidence, which survives walls seen in part.
   */
  walls?: "structure" | "evidence";
}

/**
 * Computes the context columns of every point.
 *
 * @param input points, normals, optional colour, neighbours, superpoints
 * @param options which wall points column 18 measures to
 * @returns Float32Array N×{@link CONTEXT_DIM}, row i = point i (columns in the module table)
 */
export function contextDescriptor(
  input: ContextInput,
  options: ContextOptions = {},
): Float32Array {
  const { coord, normal, color, neighbors, superpoints } = input;
  const n = coord.length / 3;
  if (normal.length !== coord.length || (color && color.length !== coord.length)) {
    throw invalid(
      `Context descriptor: expected ${coord.length} normal values (and colour bytes), got ` +
        `${normal.length} (${color?.length ?? "no colour"})`,
    );
  }
  const local = input.local ?? eigenFeatures(coord, neighbors);
  const E = EIGEN_FEATURE_COUNT;
  if (local.length !== n * E) {
    throw invalid(`Context descriptor: expected ${n}×${E} local features, got ${local.length}`);
  }
  const floor = (input.floor ?? floorHeight(coord)).floor;
  const planarity = new Float32Array(n), curvature = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    planarity[i] = local[i * E + 1];
    curvature[i] = local[i * E + 4] / 3;
  }
  const proposalInput: ProposalInput = { coord, normal, curvature, neighbors, superpoints };
  const structural = structureMask(proposalInput, { floor });
  const proposals = instanceProposals(proposalInput, { floor });
  const countScale = input.density?.count ?? 1, weight = input.density?.weight;
  const { rows, shape } = segmentContext({
    coord,
    normal,
    color,
    planarity,
    segments: proposals,
    floor,
    countScale,
    weight,
  });
  const wall = new Uint8Array(n), rest = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    wall[i] = structural[i] && Math.abs(normal[3 * i + 2]) <= 0.3 ? 1 : 0;
    rest[i] = structural[i] ? 0 : 1;
  }
  const wallMask = options.walls === "evidence" ? wallEvidence(coord, normal, floor) : wall;
  const toWall = wallDistance(coord, wallMask, { cell: 0.125, maxDistance: 2 });
  const columns = [0.5, 1].map((cell) => columnStats(coord, rest, cell, { weight }));
  const D = CONTEXT_DIM, W = SEGMENT_CONTEXT_COLUMNS;
  const out = new Float32Array(n * D);
  for (let i = 0; i < n; i++) {
    const o = i * D, s = proposals.ids[i];
    const x = coord[3 * i], y = coord[3 * i + 1], z = coord[3 * i + 2];
    if (s >= 0) {
      out[o] = 1;
      for (let c = 0; c < W; c++) out[o + 1 + c] = rows[s * W + c];
      const span = shape.zMax[s] - shape.zMin[s];
      out[o + 15] = span < 0.01 ? 0.5 : clip((z - shape.zMin[s]) / span, 0, 1);
      const half = Math.max((Math.sqrt(12) * shape.spread[3 * s]) / 2, 0.05);
      const dx = x - shape.centroid[3 * s], dy = y - shape.centroid[3 * s + 1];
      out[o + 16] = clip(Math.sqrt(dx * dx + dy * dy) / half, 0, 2);
    }
    out[o + 17] = structural[i];
    out[o + 18] = toWall[i] / 2;
    for (let k = 0; k < 2; k++) {
      const col = columns[k], c = col.columnOf[i];
      out[o + 19 + k] = col.selected[c] > 0 ? clip((col.zMax[c] - floor) / 3, -1, 2) : 0;
      const mass = weight ? col.mass[c] : col.selected[c] * countScale;
      out[o + 21 + k] = clip(Math.log10(1 + mass) / 4, 0, 2);
    }
  }
  return out;
}

function clip(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
