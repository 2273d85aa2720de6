/**
 * The in-process inference flow on a decoded cloud: voxel grid at the model's voxel
 * size (centroids, mean colours and normals) → scene geometry of the voxel cloud →
 * backbone features → adapter graph (best label and cosine per voxel) → labels of every
 * original point in its input order → `min_score` → −1.
 *
 * @module
 */

import { GeoError } from "../kernels/errors.ts";
import type { PointCloud } from "../kernels/point_cloud.ts";
import { radixArgsort } from "../kernels/radix_argsort.ts";
import { instanceProposals } from "../kernels/instance_proposals.ts";
import { type VoxelGrid, voxelGrid } from "../kernels/voxel_grid.ts";
import type { Backbone } from "../features/backbones/backbone.ts";
import type { LoadedModel } from "../models/bundle.ts";
import { analyzeScene, type SceneGeometry } from "../features/scene_geometry.ts";
import type { LabelCountOutput } from "./api.ts";

/** Label text of −1 in summaries. */
export const UNKNOWN_LABEL = "unknown";

/** Throws the abort reason as a GeoError (cancelled / deadline_exceeded) when `signal` is aborted. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (!signal?.aborted) return;
  const reason = signal.reason;
  throw reason === undefined
    ? new GeoError("cancelled", "The request was cancelled")
    : GeoError.from(reason);
}

/**
 * The voxel cloud of `grid`: centroids (metres), mean colour (rounded) when the cloud
 * has colour, mean normal re-normalised when the cloud has normals (dropped, to be
 * estimated, when some voxel's normals cancel out).
 *
 * @returns a PointCloud of V = grid.count points
 */
export function voxelCloud(cloud: PointCloud, grid: VoxelGrid): PointCloud {
  const v = grid.count;
  let color: Uint8Array | undefined;
  let normal: Float32Array | undefined;
  const sums = (src: ArrayLike<number>) => {
    const s = new Float64Array(3 * v);
    for (let i = 0; i < cloud.count; i++) {
      const c = 3 * grid.voxelOf[i];
      s[c] += src[3 * i];
      s[c + 1] += src[3 * i + 1];
      s[c + 2] += src[3 * i + 2];
    }
    return s;
  };
  if (cloud.color) {
    const s = sums(cloud.color);
    color = new Uint8Array(3 * v);
    for (let c = 0; c < v; c++) {
      for (let d = 0; d < 3; d++) color[3 * c + d] = Math.round(s[3 * c + d] / grid.pointCount[c]);
    }
  }
  if (cloud.normal) {
    const s = sums(cloud.normal);
    const nrm = new Float32Array(3 * v);
    let ok = true;
    for (let c = 0; c < v && ok; c++) {
      const len = Math.hypot(s[3 * c], s[3 * c + 1], s[3 * c + 2]);
      if (!(len > 1e-6)) ok = false;
      for (let d = 0; d < 3; d++) nrm[3 * c + d] = s[3 * c + d] / len;
    }
    if (ok) normal = nrm;
  }
  return { count: v, coord: grid.centroid, color, normal };
}

/**
 * `voxelGrid` with the voxels numbered in lexicographic order of their cells (x, then y,
 * then z) instead of order of first appearance, so that the voxel cloud — and hence the
 * result — does not depend on the order of the input points (Draco's kd-tree encoder
 * reorders them). Exact for cells within ±2^24 of the origin (335 km at 2 cm).
 *
 * @param coord Float32Array N×3, metres
 * @param voxelSize voxel side, metres
 */
export function orderedVoxelGrid(coord: Float32Array, voxelSize: number): VoxelGrid {
  const g = voxelGrid(coord, voxelSize);
  const v = g.count;
  let order = new Int32Array(v).map((_, j) => j);
  const keys = new Float32Array(v);
  for (let d = 2; d >= 0; d--) {
    for (let j = 0; j < v; j++) {
      keys[j] = Math.floor(coord[3 * g.representative[order[j]] + d] / voxelSize);
    }
    const o = radixArgsort(keys);
    order = o.map((j) => order[j]);
  }
  const rank = new Int32Array(v);
  for (let j = 0; j < v; j++) rank[order[j]] = j;
  const voxelOf = g.voxelOf.map((c) => rank[c]);
  const representative = order.map((c) => g.representative[c]);
  const pointCount = order.map((c) => g.pointCount[c]);
  const centroid = new Float32Array(3 * v);
  for (let j = 0; j < v; j++) {
    centroid.set(g.centroid.subarray(3 * order[j], 3 * order[j] + 3), 3 * j);
  }
  return { voxelOf, count: v, representative, centroid, pointCount };
}

/** Backbone features of a cloud's voxels. */
export interface VoxelFeatures {
  /** The voxel grouping of the input points. */
  grid: VoxelGrid;
  /** Geometry of the voxel cloud. */
  geometry: SceneGeometry;
  /** Float32Array V×Dg backbone features, row = voxel. */
  features: Float32Array;
}

/**
 * Voxelises `cloud` at `voxelSize` metres and computes the backbone features of the
 * voxel cloud (shared by inference and anything that must see the same features).
 */
export async function voxelFeatures(
  cloud: PointCloud,
  model: { voxelSize: number; backbone: Backbone },
  signal?: AbortSignal,
): Promise<VoxelFeatures> {
  const grid = orderedVoxelGrid(cloud.coord, model.voxelSize);
  throwIfAborted(signal);
  const geometry = analyzeScene(voxelCloud(cloud, grid));
  throwIfAborted(signal);
  const features = await model.backbone.features(geometry);
  if (features.length !== grid.count * model.backbone.dim) {
    throw new GeoError(
      "internal",
      `The backbone returned ${features.length} values for ${grid.count} voxels`,
    );
  }
  return { grid, geometry, features };
}

/** Options of {@link segmentCloud}. */
export interface SegmentCloudOptions {
  /** Points whose best cosine is below this get −1 (default −Infinity: none). */
  minScore?: number;
  /** Stops between stages when aborted. */
  signal?: AbortSignal;
  /** Also compute the instance proposals of the voxels (objects). */
  proposals?: boolean;
}

/** Result of {@link segmentCloud}. */
export interface SegmentCloudResult {
  /** Int16Array N: label index per input point, −1 = below `minScore`. */
  labels: Int16Array;
  /** Float32Array N: best cosine per input point. */
  scores: Float32Array;
  /** Number of voxels V that were classified. */
  voxels: number;
  /** Milliseconds: voxels + geometry + backbone (`features`), adapter + mapping (`adapter`). */
  timing: { features: number; adapter: number };
  /** Int32Array N: voxel of each point. */
  voxelOf: Int32Array;
  /** Int32Array V: instance proposal of each voxel (−1 none); empty unless asked. */
  proposal: Int32Array;
}

/**
 * Labels every point of `cloud` with the best of the L label embeddings.
 *
 * @param model a loaded model
 * @param cloud decoded cloud, N ≥ 1 points, metres
 * @param embeddings Float32Array L×C label embeddings (C = model feature dim)
 */
export async function segmentCloud(
  model: LoadedModel,
  cloud: PointCloud,
  embeddings: Float32Array,
  options: SegmentCloudOptions = {},
): Promise<SegmentCloudResult> {
  const L = embeddings.length / model.dims.dim;
  if (!Number.isInteger(L) || L < 1 || L > 32767) {
    throw new GeoError(
      "invalid_argument",
      `Expected 1 to 32767 label embeddings of ${model.dims.dim} values`,
    );
  }
  throwIfAborted(options.signal);
  const t0 = performance.now();
  const vf = await voxelFeatures(cloud, model, options.signal);
  throwIfAborted(options.signal);
  const proposal = options.proposals ? voxelProposals(vf.geometry) : new Int32Array(0);
  const t1 = performance.now();
  const { label, score } = await model.classify(vf.features, embeddings);
  throwIfAborted(options.signal);
  const n = cloud.count;
  const labels = new Int16Array(n);
  const scores = new Float32Array(n);
  const minScore = options.minScore ?? -Infinity;
  const voxelOf = vf.grid.voxelOf;
  for (let i = 0; i < n; i++) {
    const v = voxelOf[i];
    const s = score[v];
    scores[i] = s;
    labels[i] = s >= minScore ? label[v] : -1;
  }
  const t2 = performance.now();
  return {
    labels,
    scores,
    voxels: vf.grid.count,
    timing: { features: t1 - t0, adapter: t2 - t1 },
    voxelOf,
    proposal,
  };
}

/**
 * Class-agnostic instance proposals of a voxel cloud (`kernels/instance_proposals.ts`
 * with the floor of its geometry).
 *
 * @returns Int32Array V: proposal per voxel, −1 none
 */
export function voxelProposals(g: SceneGeometry): Int32Array {
  return instanceProposals({
    coord: g.cloud.coord,
    normal: g.normal,
    curvature: g.curvature,
    neighbors: g.neighbors,
    superpoints: g.superpoints,
  }, { floor: g.floor.floor }).ids;
}

/**
 * Points and mean score per label that occurs, in label order, "unknown" (−1) last.
 *
 * @param labels Int16Array N label indices (−1 = unknown)
 * @param scores Float32Array N best cosines
 * @param names L label texts
 */
export function summarizeLabels(
  labels: Int16Array,
  scores: Float32Array,
  names: readonly string[],
): LabelCountOutput[] {
  const L = names.length;
  const count = new Float64Array(L + 1);
  const sum = new Float64Array(L + 1);
  for (let i = 0; i < labels.length; i++) {
    const k = labels[i] < 0 ? L : labels[i];
    count[k]++;
    sum[k] += scores[i];
  }
  const out: LabelCountOutput[] = [];
  for (let k = 0; k <= L; k++) {
    if (count[k] === 0) continue;
    out.push({
      label: k === L ? UNKNOWN_LABEL : names[k],
      points: count[k],
      meanScore: sum[k] / count[k],
    });
  }
  return out;
}
