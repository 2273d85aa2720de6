/**
 * One scan of a stream → per-voxel unit semantic features in the map frame: pose
 * applied (or gravity-aligned like Segment when there is none) → the model's voxel
 * grid → geometry → backbone → the adapter's semantic head; plus, when asked, the
 * class-agnostic instance proposals of the voxels (objects). The map itself is fused
 * by the stream session (`stream_session.ts`), not here.
 *
 * @module
 */

import type { PointCloud } from "../kernels/point_cloud.ts";
import { transformPoints, withoutTranslation } from "../kernels/rigid_transform.ts";
import { scatterRows } from "../kernels/segment_pool.ts";
import type { LoadedModel } from "../models/bundle.ts";
import { throwIfAborted, voxelFeatures, voxelProposals } from "./inference.ts";
import { alignToGravity } from "./gravity.ts";
import { rotateCloud } from "../kernels/rotate_up.ts";

/** Options of {@link scanFeatures}. */
export interface ScanFeatureOptions {
  /** Sensor-to-map pose, 16 numbers row-major (checked by the caller); absent = as sent. */
  pose?: ArrayLike<number>;
  /** With a pose: the rotation (9, row-major) from the map frame to its gravity frame. */
  frame?: ArrayLike<number>;
  /** Whether to compute instance proposals of the voxels. */
  proposals?: boolean;
  /** Indices of the cloud's points among `total` decoded ones (absent: all). */
  kept?: Int32Array;
  /** Points decoded (default `cloud.count`). */
  total?: number;
  /** Stops between stages. */
  signal?: AbortSignal;
}

/** What {@link scanFeatures} returns (see `ScanOutput` in api.ts for the fields). */
export interface ScanFeatures {
  /** Float32Array total×3, metres: the map frame as the client has it when posed (NaN rows for dropped points). */
  positions: Float32Array;
  /** Int32Array total: voxel per point, −1 for dropped points. */
  voxelOf: Int32Array;
  /** Float32Array V×3 voxel centroids, metres: the gravity frame when posed. */
  voxelCenter: Float32Array;
  /** Float32Array V×C unit semantic features. */
  semantic: Float32Array;
  /** Int32Array V instance proposal per voxel (−1 none); empty unless asked. */
  proposal: Int32Array;
  /** Milliseconds: features (pose, voxels, geometry, backbone, proposals), adapter. */
  timing: { features: number; adapter: number };
}

/**
 * Computes the per-voxel features of one scan.
 *
 * @param model a loaded model
 * @param cloud the scan's points with finite coordinates, N ≥ 0, metres, sensor frame
 * @param options pose, proposals, dropped points (see {@link ScanFeatureOptions})
 */
export async function scanFeatures(
  model: LoadedModel,
  cloud: PointCloud,
  options: ScanFeatureOptions = {},
): Promise<ScanFeatures> {
  const t0 = performance.now();
  const total = options.total ?? cloud.count;
  let frame: PointCloud;
  let positions: Float32Array;
  if (options.pose) {
    const coord = transformPoints(cloud.coord, options.pose);
    // Normals turn with the points; the translation must not move them.
    const normal = cloud.normal
      ? transformPoints(cloud.normal, withoutTranslation(options.pose))
      : undefined;
    positions = coord;
    const map = { ...cloud, coord, normal };
    frame = options.frame ? rotateCloud(map, Float64Array.from(options.frame)) : map;
  } else {
    frame = alignToGravity(cloud).cloud;
    positions = cloud.coord;
  }
  throwIfAborted(options.signal);
  const voxelOfKept = new Int32Array(cloud.count);
  let voxelCenter: Float32Array = new Float32Array(0), semantic: Float32Array = new Float32Array(0);
  let proposal: Int32Array = new Int32Array(0);
  let adapter = 0;
  if (cloud.count > 0) {
    const vf = await voxelFeatures(frame, model, options.signal);
    voxelOfKept.set(vf.grid.voxelOf);
    voxelCenter = vf.grid.centroid;
    if (options.proposals) proposal = voxelProposals(vf.geometry);
    throwIfAborted(options.signal);
    const t1 = performance.now();
    semantic = await model.semantic(vf.features);
    adapter = performance.now() - t1;
  }
  const features = performance.now() - t0 - adapter;
  if (!options.kept) {
    return {
      positions,
      voxelOf: voxelOfKept,
      voxelCenter,
      semantic,
      proposal,
      timing: { features, adapter },
    };
  }
  return {
    positions: scatterRows(positions, 3, options.kept, total, NaN),
    voxelOf: scatterRows(voxelOfKept, 1, options.kept, total, -1),
    voxelCenter,
    semantic,
    proposal,
    timing: { features, adapter },
  };
}
