/**
 * Gravity alignment before features: the model expects z up (floor near the
 * bottom, metres). A request's `up` (the direction opposite gravity, in the
 * cloud's frame) is used as given; without one the up direction is estimated
 * (`kernels/estimate_up.ts`) on an 8 cm voxel cloud, and the cloud is turned
 * only when the estimate is confident and more than {@link KEEP_WITHIN_DEGREES}
 * away from +z, so gravity-aligned scans go through untouched. A turned cloud is
 * also turned about z so that its walls are ∥ x or y (the synthetic training
 * rooms are: a 30° heading costs the default model about 2 mIoU points). With
 * `heading: true` (what Segment asks) a z-up cloud is turned about z the same way
 * when its wall heading is clear and more than {@link HEADING_WITHIN_DEGREES} off the
 * axes: reconstructions are gravity-aligned but face wherever the capture started.
 * Streams leave it off, so that their scans keep one frame.
 *
 * @module
 */

import { estimateUp, type UpEstimate, wallHeading } from "../kernels/estimate_up.ts";
import { knnSearch } from "../kernels/neighbor_search.ts";
import { estimateNormals } from "../kernels/normals.ts";
import type { PointCloud } from "../kernels/point_cloud.ts";
import {
  compose,
  isIdentity,
  rotateCloud,
  rotateRows,
  type Rotation3,
  rotationAboutZ,
  rotationToUp,
  tiltDegrees,
} from "../kernels/rotate_up.ts";
import { voxelGrid } from "../kernels/voxel_grid.ts";
import { voxelCloud } from "./inference.ts";

/** An estimate within this many degrees of +z leaves the cloud as it is. */
export const KEEP_WITHIN_DEGREES = 10;

/** Estimates below this confidence leave the cloud as it is. */
export const MIN_UP_CONFIDENCE = 0.2;

/** Voxel side of the cloud the up direction is estimated on, metres. */
const ESTIMATE_VOXEL = 0.08;

/** Wall headings weaker than this leave the heading as it is (`wallHeading`). */
const MIN_HEADING_STRENGTH = 0.2;

/** With `heading`, a z-up cloud whose walls are within this many degrees of x / y is kept. */
export const HEADING_WITHIN_DEGREES = 2;

/** Options of {@link alignToGravity}. */
export interface AlignOptions {
  /** Also turn a cloud that is z up already about z so that its walls run along x or y. */
  heading?: boolean;
}

/** What {@link alignToGravity} did. */
export interface GravityAlignment {
  /** The cloud to compute features on (the input itself when not turned). */
  cloud: PointCloud;
  /** The up direction used or estimated, unit, in the input's frame. */
  up: [number, number, number];
  /** "given" (the request's), "estimated" (turned by the estimate) or "kept" (not turned). */
  source: "given" | "estimated" | "kept";
  /** The rotation applied (row-major 3×3; the identity when not turned). */
  rotation: Rotation3;
  /** The estimate, when one was made. */
  estimate?: UpEstimate;
}

/**
 * The 8 cm voxel cloud of `cloud` with normals: the voxels' mean normals when the
 * cloud has normals (and none cancel out), else normals estimated over 16 neighbours.
 */
export function gravitySample(cloud: PointCloud): { coord: Float32Array; normal: Float32Array } {
  if (cloud.count < 3) return { coord: new Float32Array(0), normal: new Float32Array(0) };
  const vox = voxelCloud(cloud, voxelGrid(cloud.coord, ESTIMATE_VOXEL));
  const normal = vox.normal ??
    estimateNormals(vox.coord, knnSearch(vox.coord, Math.min(16, vox.count))).normal;
  return { coord: vox.coord, normal };
}

/** The up direction of `cloud` estimated on its {@link gravitySample}. */
export function estimateCloudUp(cloud: PointCloud): UpEstimate {
  const s = gravitySample(cloud);
  return estimateUp(s.coord, s.normal);
}

/**
 * The cloud turned so that up is +z (see the module doc). When it is turned (the
 * up rotation is not the identity), it is also turned about z by at most 45° so
 * that its dominant walls are ∥ x or y, as in the training scenes.
 *
 * @param cloud the decoded cloud
 * @param up the request's up direction (3 finite numbers, not all zero), or undefined to estimate
 */
export function alignToGravity(
  cloud: PointCloud,
  up?: readonly number[],
  options: AlignOptions = {},
): GravityAlignment {
  let unit: [number, number, number];
  let estimate: UpEstimate | undefined;
  let sample: ReturnType<typeof gravitySample> | undefined;
  if (up && up.length === 3) {
    const len = Math.hypot(up[0], up[1], up[2]);
    unit = [up[0] / len, up[1] / len, up[2] / len];
  } else {
    sample = gravitySample(cloud);
    estimate = estimateUp(sample.coord, sample.normal);
    unit = estimate.up;
    const turn = estimate.confidence >= MIN_UP_CONFIDENCE &&
      tiltDegrees(unit) > KEEP_WITHIN_DEGREES;
    if (!turn) {
      return upKept(cloud, sample, { up: unit, source: "kept", estimate }, options);
    }
  }
  const source = estimate ? "estimated" : "given";
  let rotation = rotationToUp(unit);
  if (isIdentity(rotation)) return upKept(cloud, sample, { up: unit, source, estimate }, options);
  sample ??= gravitySample(cloud);
  const heading = wallHeading(rotateRows(sample.normal, rotation));
  if (heading.strength >= MIN_HEADING_STRENGTH) {
    rotation = compose(rotationAboutZ(-heading.angle), rotation);
  }
  return { cloud: rotateCloud(cloud, rotation), up: unit, source, rotation, estimate };
}

/** What an alignment says besides the cloud and the rotation. */
type AlignmentBase = Omit<GravityAlignment, "cloud" | "rotation">;

/** The cloud as it is, with the identity rotation. */
function unturned(cloud: PointCloud, base: AlignmentBase): GravityAlignment {
  return { ...base, cloud, rotation: rotationToUp([0, 0, 1]) };
}

/** A cloud that is z up already: as it is, or with `heading` turned about z. */
function upKept(
  cloud: PointCloud,
  sample: ReturnType<typeof gravitySample> | undefined,
  base: AlignmentBase,
  options: AlignOptions,
): GravityAlignment {
  return options.heading ? alignHeading(cloud, sample, base) : unturned(cloud, base);
}

/** A z-up cloud turned about z so that its walls run along x or y, when they are clear. */
function alignHeading(
  cloud: PointCloud,
  sample: ReturnType<typeof gravitySample> | undefined,
  base: AlignmentBase,
): GravityAlignment {
  const heading = wallHeading((sample ?? gravitySample(cloud)).normal);
  const off = (Math.abs(heading.angle) * 180) / Math.PI;
  if (heading.strength < MIN_HEADING_STRENGTH || off <= HEADING_WITHIN_DEGREES) {
    return unturned(cloud, base);
  }
  const rotation = rotationAboutZ(-heading.angle);
  return { ...base, cloud: rotateCloud(cloud, rotation), rotation };
}
