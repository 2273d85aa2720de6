/**
 * The default frozen geometric backbone: a deterministic, hand-designed,
 * multi-scale point descriptor (no learning, no randomness). Pure function of
 * the inputs: the same scene gives the same bytes.
 *
 * Output: Float32Array N×{@link DESCRIPTOR_DIM} (48), each column scaled to
 * roughly unit range. Scales: s0 = the point's own k-nearest neighbours;
 * s1, s2, s3 = voxels of 1/16, 1/8, 1/4 m with neighbourhood radii of
 * 0.15, 0.3, 0.6 m between voxel centroids (`coarse_eigen_features.ts`; a
 * radius of 2.4 voxels keeps the voxel neighbourhoods nearly round).
 * Power-of-two voxel sizes keep the features unchanged under translations
 * by whole multiples of 0.25 m. The seven eigen features per scale are those
 * of `eigen_features.ts` (linearity, planarity, scattering, omnivariance,
 * curvature, verticality, axisVerticality; all in [0, 1]). z is up; "floor"
 * and "top" are the 2 % and 98 % quantiles of z (`floor_height.ts`).
 *
 * | columns | feature | scaling |
 * |---------|---------|---------|
 * | 0–6   | eigen features at s0 (kNN)                 | [0, 1] |
 * | 7–13  | eigen features at s1 (1/16 m voxels, r 0.15 m) | [0, 1] |
 * | 14–20 | eigen features at s2 (1/8 m voxels, r 0.3 m)   | [0, 1] |
 * | 21–27 | eigen features at s3 (1/4 m voxels, r 0.6 m)    | [0, 1] |
 * | 28    | kNN radius: distance to the farthest listed neighbour | ÷ 0.1 m, clipped to [0, 2] |
 * | 29–31 | points in the s1, s2, s3 neighbourhood      | log10(1 + n) ÷ 4, clipped to [0, 2] |
 * | 32    | height above the floor, z − floor           | ÷ 3 m, clipped to [−1, 2] |
 * | 33    | depth below the top, top − z                | ÷ 3 m, clipped to [−1, 2] |
 * | 34    | \|n_z\| of the input normal                 | [0, 1] |
 * | 35    | z − superpoint centroid z                   | ÷ 1 m, clipped to [−2, 2] |
 * | 36–38 | colour r, g, b (0.5 when the cloud has none) | ÷ 255 |
 * | 39    | colour present flag                         | 0 or 1 |
 * | 40    | superpoint size (points)                    | log10(size) ÷ 4, clipped to [0, 2] |
 * | 41–43 | superpoint principal lengths √12·σ, descending | ÷ 2 m, clipped to [0, 3] |
 * | 44    | superpoint height span, zMax − zMin         | ÷ 2 m, clipped to [0, 3] |
 * | 45    | superpoint bottom above the floor, zMin − floor | ÷ 3 m, clipped to [−1, 2] |
 * | 46    | superpoint mean planarity at s0             | [0, 1] |
 * | 47    | superpoint mean \|n_z\|                     | [0, 1] |
 *
 * Points whose superpoint id is −1 get 0 in columns 35 and 40–47. With `input.density`
 * (`density_scale.ts`, descriptor version geodesc-5) the point counts of columns 29–31 and 40
 * are multiplied by `density.count` and the radius of column 28 by `density.radius` first;
 * with `density.weight` (`point_area.ts`, geodesc-6) those counts are sums of the points'
 * weights, the s1–s3 eigen features weight each point by the surface it stands for, and
 * column 28 is 0: a point's kNN radius says only how densely its region was sampled, which a
 * decimated mesh changes from region to region (flat surfaces sparse, details dense).
 *
 * @module
 */

import { coarseEigenFeatures, type CoarseScale } from "./coarse_eigen_features.ts";
import type { ContextInput } from "./context_descriptor.ts";
import { EIGEN_FEATURE_COUNT, EIGEN_FEATURE_NAMES, eigenFeatures } from "./eigen_features.ts";
import { invalid } from "./errors.ts";
import { floorHeight } from "./floor_height.ts";
import { segmentMean, segmentSum } from "./segment_pool.ts";
import { scratchFloat32 } from "./scratch.ts";
import { type SegmentShape, segmentShape } from "./segment_shape.ts";

/** Width Dg of the descriptor (columns per point). */
export const DESCRIPTOR_DIM = 48;

/** Version of the descriptor definition; changes whenever any column changes. */
export const DESCRIPTOR_VERSION = "geodesc-1";

/** The three coarse scales s1, s2, s3 (metres). */
export const DESCRIPTOR_SCALES: readonly CoarseScale[] = [
  { voxelSize: 0.0625, radius: 0.15 },
  { voxelSize: 0.125, radius: 0.3 },
  { voxelSize: 0.25, radius: 0.6 },
];

/** Column names of the descriptor, in order (length {@link DESCRIPTOR_DIM}). */
export const DESCRIPTOR_FEATURES: readonly string[] = [
  ...["s0", "s1", "s2", "s3"].flatMap((s) => EIGEN_FEATURE_NAMES.map((f) => `${s}.${f}`)),
  "knnRadius",
  "s1.support",
  "s2.support",
  "s3.support",
  "heightAboveFloor",
  "depthBelowTop",
  "absNormalZ",
  "heightInSuperpoint",
  "red",
  "green",
  "blue",
  "hasColor",
  "sp.size",
  "sp.length1",
  "sp.length2",
  "sp.length3",
  "sp.heightSpan",
  "sp.bottomAboveFloor",
  "sp.planarity",
  "sp.absNormalZ",
];

/**
 * What {@link geometricDescriptor} reads: the {@link ContextInput} fields (its
 * `neighbors` are the s0 neighbourhoods) and an optional output buffer.
 */
export interface DescriptorInput extends ContextInput {
  /**
   * Optional destination, Float32Array N×{@link DESCRIPTOR_DIM}: every entry is
   * overwritten and it is returned. Reusing one buffer across calls spares the
   * cost of fresh memory (page faults) for the large output.
   */
  out?: Float32Array;
}

/**
 * Computes the descriptor of every point.
 *
 * @param input points, normals, optional colour, neighbours, superpoints, optional `out`
 * @returns Float32Array N×DESCRIPTOR_DIM, row i = point i (columns in the module table);
 *   `input.out` when given
 */
export function geometricDescriptor(input: DescriptorInput): Float32Array {
  const { coord, normal, color, neighbors, superpoints } = input;
  const n = coord.length / 3;
  if (normal.length !== coord.length) {
    throw invalid(`Descriptor: expected ${coord.length} normal values, got ${normal.length}`);
  }
  if (color && color.length !== coord.length) {
    throw invalid(`Descriptor: expected ${coord.length} colour bytes, got ${color.length}`);
  }
  if (superpoints.ids.length !== n) {
    throw invalid(`Descriptor: expected ${n} superpoint ids, got ${superpoints.ids.length}`);
  }
  if (neighbors.dist2.length !== n * neighbors.k) {
    throw invalid(
      `Descriptor: expected ${n}×${neighbors.k} neighbour distances, got ${neighbors.dist2.length}`,
    );
  }
  if (input.out && input.out.length !== n * DESCRIPTOR_DIM) {
    throw invalid(
      `Descriptor: output buffer must hold ${n}×${DESCRIPTOR_DIM} values, got ${input.out.length}`,
    );
  }
  const local = input.local ?? eigenFeatures(coord, neighbors);
  if (local.length !== n * EIGEN_FEATURE_COUNT) {
    throw invalid(`Descriptor: expected ${n}×7 local features, got ${local.length}`);
  }
  const { floor, top } = input.floor ?? floorHeight(coord);
  const weight = input.density?.weight;
  const coarse = DESCRIPTOR_SCALES.map((scale) => coarseEigenFeatures(coord, scale, weight));
  // Per-superpoint aggregates: shape, plus the mean of s0 planarity and |n_z|.
  const { ids, count } = superpoints;
  const shape = segmentShape(coord, ids, count);
  const E = EIGEN_FEATURE_COUNT;
  const pointPair = scratchFloat32("geometricDescriptor.pointPair", 2 * n);
  for (let i = 0; i < n; i++) {
    pointPair[2 * i] = local[i * E + 1];
    pointPair[2 * i + 1] = Math.abs(normal[3 * i + 2]);
  }
  const spPair = segmentMean(pointPair, 2, ids, count);
  // A count × countScale, or the points' total weight: sizes in reference points.
  const countScale = weight ? 1 : input.density?.count ?? 1;
  const radiusScale = input.density?.radius ?? 1;
  const spMass = weight ? segmentSum(weight, 1, ids, count) : shape.size;
  const spRow = superpointColumns({ shape, spPair, spMass }, floor, countScale);
  // One sequential pass over the output, row by row.
  const D = DESCRIPTOR_DIM, SP = SUPERPOINT_COLUMNS;
  const out = input.out ?? new Float32Array(n * D);
  const [c1, c2, c3] = coarse.map((c) => c.features);
  const [v1, v2, v3] = coarse.map((c) => c.voxelOf);
  const [n1, n2, n3] = coarse.map((c) =>
    c.support.map((x) => clip(Math.log10(1 + x * countScale) / 4, 0, 2))
  );
  const { k, dist2 } = neighbors;
  for (let i = 0; i < n; i++) {
    const o = i * D, e = i * E;
    const a = v1[i], b = v2[i], c = v3[i];
    for (let f = 0; f < E; f++) {
      out[o + f] = local[e + f];
      out[o + E + f] = c1[a * E + f];
      out[o + 2 * E + f] = c2[b * E + f];
      out[o + 3 * E + f] = c3[c * E + f];
    }
    let far = 0;
    for (let j = i * k; j < (i + 1) * k; j++) {
      const d = dist2[j];
      if (d !== Infinity && d > far) far = d;
    }
    out[o + 28] = weight ? 0 : clip((Math.sqrt(far) * radiusScale) / 0.1, 0, 2);
    out[o + 29] = n1[a];
    out[o + 30] = n2[b];
    out[o + 31] = n3[c];
    const z = coord[3 * i + 2], s = ids[i];
    out[o + 32] = clip((z - floor) / 3, -1, 2);
    out[o + 33] = clip((top - z) / 3, -1, 2);
    out[o + 34] = pointPair[2 * i + 1];
    if (color) {
      out[o + 36] = color[3 * i] / 255;
      out[o + 37] = color[3 * i + 1] / 255;
      out[o + 38] = color[3 * i + 2] / 255;
      out[o + 39] = 1;
    } else {
      out[o + 36] = out[o + 37] = out[o + 38] = 0.5;
      out[o + 39] = 0;
    }
    if (s < 0) {
      // Reused buffers hold old values: write the zeros explicitly.
      out[o + 35] = 0;
      for (let c = 0; c < SP; c++) out[o + 40 + c] = 0;
      continue;
    }
    out[o + 35] = clip(z - shape.centroid[3 * s + 2], -2, 2);
    for (let c = 0; c < SP; c++) out[o + 40 + c] = spRow[s * SP + c];
  }
  return out;
}

/** Columns 40–47, the same for every point of a superpoint. */
const SUPERPOINT_COLUMNS = 8;

/**
 * Float32Array S×8: columns 40–47 of each superpoint (module table); the size column is
 * `spMass` (point counts or total weights) × `countScale`.
 */
function superpointColumns(
  sp: { shape: SegmentShape; spPair: Float32Array; spMass: ArrayLike<number> },
  floor: number,
  countScale: number,
): Float32Array {
  const { shape, spPair, spMass } = sp;
  const count = shape.size.length, SP = SUPERPOINT_COLUMNS;
  const rows = new Float32Array(count * SP);
  for (let s = 0; s < count; s++) {
    if (shape.size[s] === 0) continue;
    const o = s * SP;
    rows[o] = clip(Math.log10(spMass[s] * countScale) / 4, 0, 2);
    for (let c = 0; c < 3; c++) {
      rows[o + 1 + c] = clip((Math.sqrt(12) * shape.spread[3 * s + c]) / 2, 0, 3);
    }
    rows[o + 4] = clip((shape.zMax[s] - shape.zMin[s]) / 2, 0, 3);
    rows[o + 5] = clip((shape.zMin[s] - floor) / 3, -1, 2);
    rows[o + 6] = spPair[2 * s];
    rows[o + 7] = spPair[2 * s + 1];
  }
  return rows;
}

function clip(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
