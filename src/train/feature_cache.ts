/**
 * Frozen per-scene features for training, computed once and cached on disk.
 *
 * For a cloud: the inference path's voxel grid and backbone features of the voxel cloud
 * (`voxelFeatures` of `inference.ts`, so training sees exactly what the served model
 * sees), its superpoints, and class-agnostic instance proposals when asked for. The
 * cache file `<cacheDir>/<sha256>.bin` is keyed by the sha256 of the coordinate / colour /
 * normal bytes, the voxel size, the backbone kind, version and width, and the options; it
 * is written aside and renamed (atomic), and a damaged file is recomputed. ONNX backbones
 * reach training with the content hash of their network in their version (`loadBackbone`
 * for backbone folders, `loadBaseModel` for a base version's `backbone.onnx`, both through
 * `contentVersion`), so two different networks never share entries.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../io/atomic_write.ts";
import { instanceProposals } from "../kernels/instance_proposals.ts";
import type { PointCloud } from "../kernels/point_cloud.ts";
import { defaultCacheDir } from "../text/glove_convert.ts";
import type { Backbone } from "../features/backbones/backbone.ts";
import { voxelFeatures } from "../infer/inference.ts";

/** Version of the cache layout and of what goes into it; part of every key. */
export const FEATURE_CACHE_VERSION = "train-features-2";

/** The frozen features of one cloud of N points grouped in V voxels. */
export interface SceneFeatures {
  /** Int32Array N: voxel of every point (the inference path's ordered voxel grid) */
  voxelOf: Int32Array;
  /** V */
  count: number;
  /** Float32Array V×3 voxel centroids, metres */
  coord: Float32Array;
  /** Float32Array V×Dg backbone features of the voxel cloud */
  geometric: Float32Array;
  /** Dg */
  dim: number;
  /** Int32Array V dense superpoint ids 0..S−1 of the voxel cloud */
  superpoint: Int32Array;
  /** Int32Array V instance proposals (−1 = none), when asked for */
  proposals?: Int32Array;
  /** whether the features came from the cache */
  cached: boolean;
}

/** Options of {@link sceneFeatures}. */
export interface SceneFeatureOptions {
  /** the frozen backbone */
  backbone: Backbone;
  /** voxel side, metres */
  voxelSize: number;
  /** compute instance proposals (scenes without instance ids) */
  proposals?: boolean;
  /** cache folder; default `<defaultCacheDir>/features`; null = no cache */
  cacheDir?: string | null;
}

/** Default feature cache folder. */
export function defaultFeatureCacheDir(): string {
  return join(defaultCacheDir(), "features");
}

/** sha256 hex of the inputs that determine the features. */
export function featureCacheKey(cloud: PointCloud, options: SceneFeatureOptions): string {
  const h = createHash("sha256");
  const { backbone } = options;
  const bytes = (a?: ArrayBufferView) =>
    a ? new Uint8Array(a.buffer, a.byteOffset, a.byteLength) : new Uint8Array(0);
  h.update(
    JSON.stringify({
      v: FEATURE_CACHE_VERSION,
      backbone: [backbone.kind, backbone.version, backbone.dim],
      n: cloud.count,
      voxel: options.voxelSize,
      color: !!cloud.color,
      normal: !!cloud.normal,
      proposals: !!options.proposals,
    }),
  );
  for (const a of [cloud.coord, cloud.color, cloud.normal]) {
    h.update(bytes(a));
  }
  return h.digest("hex");
}

const MAGIC = "GGFC1\n";

function encode(f: SceneFeatures): Uint8Array {
  const header = new TextEncoder().encode(
    MAGIC +
      JSON.stringify({ n: f.voxelOf.length, v: f.count, dim: f.dim, proposals: !!f.proposals }) +
      "\n",
  );
  const parts: ArrayBufferView[] = [f.voxelOf, f.coord, f.geometric, f.superpoint];
  if (f.proposals) parts.push(f.proposals);
  const pad = (4 - (header.length % 4)) % 4;
  const total = header.length + pad + parts.reduce((s, p) => s + p.byteLength, 0);
  const out = new Uint8Array(total);
  out.set(header);
  out.fill(32, header.length, header.length + pad);
  let o = header.length + pad;
  for (const p of parts) {
    out.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), o);
    o += p.byteLength;
  }
  return out;
}

function decode(bytes: Uint8Array, n: number, dim: number): SceneFeatures | null {
  const nl = bytes.indexOf(10, MAGIC.length);
  const text = new TextDecoder().decode(bytes.subarray(0, nl + 1));
  if (nl < 0 || !text.startsWith(MAGIC)) return null;
  const head = JSON.parse(text.slice(MAGIC.length)) as {
    n: number;
    v: number;
    dim: number;
    proposals: boolean;
  };
  if (head.n !== n || head.dim !== dim) return null;
  const o = nl + 1 + ((4 - ((nl + 1) % 4)) % 4);
  const v = head.v;
  if (bytes.length !== o + 4 * (n + 3 * v + v * dim + v + (head.proposals ? v : 0))) return null;
  const buf = new Uint8Array(bytes.subarray(o)).buffer;
  const at = (values: number) => 4 * values;
  return {
    voxelOf: new Int32Array(buf, 0, n),
    count: v,
    coord: new Float32Array(buf, at(n), 3 * v),
    geometric: new Float32Array(buf, at(n + 3 * v), v * dim),
    dim,
    superpoint: new Int32Array(buf, at(n + 3 * v + v * dim), v),
    proposals: head.proposals ? new Int32Array(buf, at(n + 4 * v + v * dim), v) : undefined,
    cached: true,
  };
}

/** Computes the features of a cloud (no cache), exactly as the inference path does. */
export async function computeSceneFeatures(
  cloud: PointCloud,
  options: SceneFeatureOptions,
): Promise<SceneFeatures> {
  const { grid, geometry, features } = await voxelFeatures(cloud, options);
  const proposals = options.proposals
    ? instanceProposals({
      coord: geometry.cloud.coord,
      normal: geometry.normal,
      curvature: geometry.curvature,
      neighbors: geometry.neighbors,
      superpoints: geometry.superpoints,
    }).ids
    : undefined;
  return {
    voxelOf: grid.voxelOf,
    count: grid.count,
    coord: geometry.cloud.coord,
    geometric: features,
    dim: options.backbone.dim,
    superpoint: geometry.superpoints.ids,
    proposals,
    cached: false,
  };
}

/**
 * The features of a cloud, from the cache when present there, else computed and stored.
 *
 * @param cloud V points (metres); the voxelised cloud the model sees
 * @param options backbone, given superpoints, proposals flag, cache folder
 */
export async function sceneFeatures(
  cloud: PointCloud,
  options: SceneFeatureOptions,
): Promise<SceneFeatures> {
  const dir = options.cacheDir === undefined ? defaultFeatureCacheDir() : options.cacheDir;
  if (dir === null) return await computeSceneFeatures(cloud, options);
  const path = join(dir, `${featureCacheKey(cloud, options)}.bin`);
  try {
    const hit = decode(await readFile(path), cloud.count, options.backbone.dim);
    if (hit && (hit.proposals !== undefined) === !!options.proposals) return hit;
  } catch (e) {
    if ((e as { code?: string }).code !== "ENOENT") throw e;
  }
  const f = await computeSceneFeatures(cloud, options);
  await writeFileAtomic(path, encode(f));
  return f;
}
