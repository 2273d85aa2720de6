/**
 * What a multi-input ONNX backbone is fed: each graph input declares a role, and
 * {@link backboneFeeds} computes it from the scene geometry with our kernels (the
 * network itself stays standard ONNX: neighbour gathering and grid pooling read these
 * index tensors).
 *
 * Roles (N = points of the analysed cloud, i.e. voxels when serving):
 * - `points`: float32 N×9, the columns of `ONNX_BACKBONE_COLUMNS` (onnx.ts): x, y
 *   relative to the bounding-box centre and z to the floor height (metres), colour / 255,
 *   unit normal.
 * - `descriptor` (`version`, e.g. "geodesc-4"): float32 N×D, that descriptor backbone's
 *   features (the hybrid input).
 * - `knn` (`k` ≤ the geometry's k, 16): int64 N×k, the k nearest points of each point,
 *   itself first; rows shorter than k (clouds of fewer than k points) repeat the point.
 * - `grid` (`size`, metres): int64 N, the cell of each point in a cubic grid of side
 *   `size` (dense ids 0..M−1 in order of first appearance).
 * - `grid_count` (`size`): int64 [1], M of that grid (the pooled row count).
 *
 * @module
 */

import { invalid } from "../../kernels/errors.ts";
import { voxelGrid } from "../../kernels/voxel_grid.ts";
import type { SceneGeometry } from "../scene_geometry.ts";

/** One declared input of a multi-input backbone: its graph input name and role. */
export type BackboneInput =
  | { name: string; role: "points" }
  | { name: string; role: "descriptor"; version: string }
  | { name: string; role: "knn"; k: number }
  | { name: string; role: "grid"; size: number }
  | { name: string; role: "grid_count"; size: number };

/** The role names, in documentation order. */
export const BACKBONE_INPUT_ROLES = ["points", "descriptor", "knn", "grid", "grid_count"] as const;

/** A computed feed: row-major data and dims. */
export interface BackboneFeed {
  /** Float32Array (points, descriptor) or BigInt64Array (knn, grid, grid_count) */
  data: Float32Array | BigInt64Array;
  /** dims */
  dims: number[];
}

/**
 * Checks one declared input (as parsed from JSON) and returns it typed.
 *
 * @param raw the declaration
 * @param where label for error messages, e.g. `backbone.inputs[2]`
 * @throws GeoError invalid_argument naming the field
 */
export function parseBackboneInput(raw: unknown, where: string): BackboneInput {
  const o = raw as Record<string, unknown>;
  if (!o || typeof o !== "object") throw invalid(`${where} must be an object`);
  const name = o.name;
  if (typeof name !== "string" || name === "") throw invalid(`${where}.name must be a string`);
  const num = (key: string, ok: (x: number) => boolean, what: string): number => {
    const v = o[key];
    if (typeof v !== "number" || !ok(v)) throw invalid(`${where}.${key} must be ${what}`);
    return v;
  };
  switch (o.role) {
    case "points":
      return { name, role: "points" };
    case "descriptor": {
      if (typeof o.version !== "string") throw invalid(`${where}.version must be a string`);
      return { name, role: "descriptor", version: o.version };
    }
    case "knn":
      return {
        name,
        role: "knn",
        k: num("k", (x) => Number.isInteger(x) && x >= 1 && x <= 16, "an integer in 1..16"),
      };
    case "grid":
    case "grid_count":
      return {
        name,
        role: o.role,
        size: num("size", (x) => Number.isFinite(x) && x > 0, "a positive number of metres"),
      };
    default:
      throw invalid(`${where}.role must be one of ${BACKBONE_INPUT_ROLES.join(", ")}`);
  }
}

/** int64 N×k neighbour indices: the first k of each kNN row, −1 padding replaced by the point. */
export function knnFeed(geometry: SceneGeometry, k: number): BackboneFeed {
  const nb = geometry.neighbors;
  if (k > nb.k) throw invalid(`A backbone asks for ${k} neighbours, the geometry has ${nb.k}`);
  const n = geometry.cloud.count;
  const out = new BigInt64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) {
      const v = nb.index[i * nb.k + j];
      out[i * k + j] = BigInt(v < 0 ? i : v);
    }
  }
  return { data: out, dims: [n, k] };
}

/** Cell ids (int64 N) and cell count (int64 [1]) of a grid of side `size` metres. */
export function gridFeeds(
  geometry: SceneGeometry,
  size: number,
): { ids: BackboneFeed; count: BackboneFeed } {
  const g = voxelGrid(geometry.cloud.coord, size);
  const ids = new BigInt64Array(g.voxelOf.length);
  for (let i = 0; i < ids.length; i++) ids[i] = BigInt(g.voxelOf[i]);
  return {
    ids: { data: ids, dims: [ids.length] },
    count: { data: BigInt64Array.of(BigInt(g.count)), dims: [1] },
  };
}

/** Functions computing the float roles (points, descriptor) that live beside their backbones. */
export interface FloatRoles {
  /** float32 N×9 `points` matrix */
  points(geometry: SceneGeometry): Float32Array;
  /** float32 N×D features of descriptor `version`, and D */
  descriptor(
    geometry: SceneGeometry,
    version: string,
  ): Promise<{ data: Float32Array; dim: number }>;
}

/**
 * The feeds of every declared input, by input name (grids of one size computed once).
 *
 * @param geometry the analysed cloud
 * @param inputs the declared inputs
 * @param roles how to compute the float roles
 */
export async function backboneFeeds(
  geometry: SceneGeometry,
  inputs: readonly BackboneInput[],
  roles: FloatRoles,
): Promise<Record<string, BackboneFeed>> {
  const n = geometry.cloud.count;
  const grids = new Map<number, { ids: BackboneFeed; count: BackboneFeed }>();
  const grid = (size: number) => {
    let g = grids.get(size);
    if (!g) grids.set(size, g = gridFeeds(geometry, size));
    return g;
  };
  const out: Record<string, BackboneFeed> = {};
  for (const inp of inputs) {
    switch (inp.role) {
      case "points":
        out[inp.name] = { data: roles.points(geometry), dims: [n, 9] };
        break;
      case "descriptor": {
        const d = await roles.descriptor(geometry, inp.version);
        out[inp.name] = { data: d.data, dims: [n, d.dim] };
        break;
      }
      case "knn":
        out[inp.name] = knnFeed(geometry, inp.k);
        break;
      case "grid":
        out[inp.name] = grid(inp.size).ids;
        break;
      case "grid_count":
        out[inp.name] = grid(inp.size).count;
        break;
    }
  }
  return out;
}
