/**
 * One scene ready for training and evaluation: voxelised like the served model sees it,
 * with frozen features (cached), superpoints, instances (given or proposed), the teacher
 * at voxel level, and the per-point ground truth and teacher labels for metrics.
 *
 * @module
 */

import { invalid } from "../kernels/errors.ts";
import type { Backbone } from "../features/backbones/backbone.ts";
import { sceneFeatures } from "./feature_cache.ts";
import { cosineArgmax } from "./metrics.ts";
import type { PointCloud } from "../kernels/point_cloud.ts";
import { type PointLabels, toVoxels } from "./voxelize.ts";

/** A prepared scene: V voxels from N points. */
export interface TrainScene {
  /** scene name (folder or request name) */
  name: string;
  /** V, voxels the model sees */
  count: number;
  /** N, points of the input */
  points: number;
  /** Float32Array V×3 voxel centroids, metres */
  coord: Float32Array;
  /** Float32Array V×Dg frozen geometric features */
  geometric: Float32Array;
  /** Float32Array V×C teacher rows (mean over each voxel's valid points); absent without teacher */
  teacher?: Float32Array;
  /** Uint8Array V: 1 = teacher row valid */
  valid: Uint8Array;
  /** Int32Array V superpoint ids ≥ 0 */
  superpoint: Int32Array;
  /** Int32Array V instance ids (given or proposed), −1 = none */
  instance: Int32Array;
  /** Int32Array N: voxel of each point */
  voxelOf: Int32Array;
  /** Int16Array N ground-truth class per point (−1 = ignore), when known */
  segment?: Int16Array;
  /** Int16Array N teacher label per point (argmax cosine to the class embeddings; −1 = unseen) */
  teacherLabel?: Int16Array;
  /** whether the features came from the cache */
  cached: boolean;
}

/** A scene's per-point input. */
export type SceneInput = PointLabels & {
  /** scene name */
  name: string;
  /** the cloud (coord Float32Array N×3 metres, optional color / normal N×3) */
  cloud: PointCloud;
  /** Int16Array N ground truth (−1 = ignore) */
  segment?: Int16Array;
};

/** Options of {@link prepareScene}. */
export interface PrepareSceneOptions {
  /** the frozen backbone */
  backbone: Backbone;
  /** voxel side, metres */
  voxelSize: number;
  /** feature cache folder (default `.cache/features`; null = none) */
  cacheDir?: string | null;
  /** Float32Array L×C class embeddings: fills `teacherLabel` (and checks C) */
  embeddings?: Float32Array;
  /** C, the teacher / embedding width */
  dim?: number;
}

/**
 * Voxelises a scene and computes (or loads) everything the trainer needs.
 *
 * @throws GeoError invalid_argument naming the scene when the teacher width differs from `dim`
 */
export async function prepareScene(
  input: SceneInput,
  options: PrepareSceneOptions,
): Promise<TrainScene> {
  const n = input.cloud.count;
  if (input.teacher && options.dim !== undefined && input.teacherDim !== options.dim) {
    throw invalid(
      `Scene ${input.name}: teacher features have ${input.teacherDim} columns, the class ` +
        `embeddings ${options.dim}`,
    );
  }
  const f = await sceneFeatures(input.cloud, {
    backbone: options.backbone,
    voxelSize: options.voxelSize,
    proposals: !input.instance,
    cacheDir: options.cacheDir,
  });
  const vox = toVoxels(input, f.voxelOf, f.count);
  const scene: TrainScene = {
    name: input.name,
    count: f.count,
    points: n,
    coord: f.coord,
    geometric: f.geometric,
    teacher: vox.teacher,
    valid: vox.valid ?? new Uint8Array(f.count),
    superpoint: vox.superpoint ?? f.superpoint,
    instance: vox.instance ?? f.proposals!,
    voxelOf: f.voxelOf,
    segment: input.segment,
    cached: f.cached,
  };
  if (input.teacher && input.teacherDim && options.embeddings) {
    const label = cosineArgmax(input.teacher, input.teacherDim, options.embeddings);
    const valid = input.valid;
    scene.teacherLabel = Int16Array.from(label, (l, i) => (valid && !valid[i] ? -1 : l));
  }
  return scene;
}
