/**
 * Object-level aggregates of point segments (class-agnostic instance
 * proposals): size and shape of the whole segment, its heights above the
 * floor, footprint, colour statistics and the share of horizontal / vertical
 * surfaces. One row of {@link SEGMENT_CONTEXT_COLUMNS} values per segment,
 * each scaled to roughly unit range:
 *
 * | column | feature | scaling |
 * |--------|---------|---------|
 * | 0–2  | principal lengths √12·σ, descending        | ÷ 2 m, clipped to [0, 3] |
 * | 3    | top above the floor, zMax − floor          | ÷ 3 m, clipped to [−1, 2] |
 * | 4    | bottom above the floor, zMin − floor       | ÷ 3 m, clipped to [−1, 2] |
 * | 5    | footprint: product of the two xy principal lengths √12·σ | ÷ 4 m², clipped to [0, 3] |
 * | 6    | points (their total weight, with `weight`) | log10(size) ÷ 4, clipped to [0, 2] |
 * | 7–9  | mean colour r, g, b (0.5 without colour)   | ÷ 255 |
 * | 10   | colour standard deviation, mean of r, g, b (0 without colour) | ÷ 128, clipped to [0, 1] |
 * | 11   | share of points with \|n_z\| ≥ 0.9 (horizontal surfaces) | [0, 1] |
 * | 12   | share of points with \|n_z\| ≤ 0.3 (vertical surfaces)   | [0, 1] |
 * | 13   | mean planarity of the points               | [0, 1] |
 *
 * Sums are accumulated in Float64 about the segment centroid; segments
 * without points get zeros.
 *
 * @module
 */

import { invalid } from "./errors.ts";
import { type SegmentShape, segmentShape } from "./segment_shape.ts";

/** Width of a row of {@link segmentContext}. */
export const SEGMENT_CONTEXT_COLUMNS = 14;

/** What {@link segmentContext} reads. */
export interface SegmentContextInput {
  /** Float32Array N×3, metres, z up. */
  coord: Float32Array;
  /** Float32Array N×3, unit normals (sign does not matter). */
  normal: Float32Array;
  /** Uint8Array N×3 RGB, when the cloud has colour. */
  color?: Uint8Array;
  /** Float32Array N: planarity of each point, [0, 1]. */
  planarity: Float32Array;
  /** Segments: ids Int32Array N (0..count−1, −1 = none) and their count S. */
  segments: { ids: Int32Array; count: number };
  /** Floor height, metres. */
  floor: number;
  /** Multiplies the point count of column 6 (density normalisation); default 1. */
  countScale?: number;
  /**
   * Optional Float32Array N of point weights (`point_area.ts`): column 6 is then the
   * segment's total weight (its area in reference points) and `countScale` is not used.
   */
  weight?: Float32Array;
}

/**
 * @param input points, normals, optional colour, planarity, segments and floor height
 * @returns `rows`: Float32Array S×{@link SEGMENT_CONTEXT_COLUMNS} (module table) and the
 *   segments' `shape` (`segmentShape`)
 */
export function segmentContext(
  input: SegmentContextInput,
): { rows: Float32Array; shape: SegmentShape } {
  const { coord, normal, color, planarity, floor } = input;
  const { ids, count } = input.segments;
  const countScale = input.countScale ?? 1;
  const n = ids.length;
  const weight = input.weight;
  if (
    coord.length !== 3 * n || normal.length !== 3 * n || planarity.length !== n ||
    (color && color.length !== 3 * n) || (weight && weight.length !== n)
  ) {
    throw invalid(
      `Segment context: ${n} ids need ${3 * n} coordinates, normal values (and colour bytes) ` +
        `and ${n} planarities (and weights), got ${coord.length}, ${normal.length}, ` +
        `${color?.length ?? "no"} and ${planarity.length} (${weight?.length ?? "no"} weights)`,
    );
  }
  const shape = segmentShape(coord, ids, count);
  // Per segment: xx, xy, yy about the centroid; r, g, b, r², g², b²; horizontal, vertical,
  // planarity; total weight.
  const A = 13;
  const acc = new Float64Array(A * count);
  for (let i = 0; i < n; i++) {
    const s = ids[i];
    if (s < 0) continue;
    const o = A * s;
    const x = coord[3 * i] - shape.centroid[3 * s],
      y = coord[3 * i + 1] - shape.centroid[3 * s + 1];
    acc[o] += x * x;
    acc[o + 1] += x * y;
    acc[o + 2] += y * y;
    if (color) {
      for (let c = 0; c < 3; c++) {
        const v = color[3 * i + c];
        acc[o + 3 + c] += v;
        acc[o + 6 + c] += v * v;
      }
    }
    const nz = Math.abs(normal[3 * i + 2]);
    if (nz >= 0.9) acc[o + 9]++;
    if (nz <= 0.3) acc[o + 10]++;
    acc[o + 11] += planarity[i];
    if (weight) acc[o + 12] += weight[i];
  }
  const W = SEGMENT_CONTEXT_COLUMNS;
  const rows = new Float32Array(W * count);
  const l12 = Math.sqrt(12);
  for (let s = 0; s < count; s++) {
    const size = shape.size[s];
    if (size === 0) continue;
    const o = W * s, a = A * s;
    for (let c = 0; c < 3; c++) rows[o + c] = clip((l12 * shape.spread[3 * s + c]) / 2, 0, 3);
    rows[o + 3] = clip((shape.zMax[s] - floor) / 3, -1, 2);
    rows[o + 4] = clip((shape.zMin[s] - floor) / 3, -1, 2);
    const sxx = acc[a] / size, sxy = acc[a + 1] / size, syy = acc[a + 2] / size;
    // Eigenvalues of the 2×2 xy covariance: product = determinant.
    const det = Math.max(sxx * syy - sxy * sxy, 0);
    rows[o + 5] = clip((12 * Math.sqrt(det)) / 4, 0, 3);
    const mass = weight ? acc[a + 12] : size * countScale;
    rows[o + 6] = clip(Math.log10(mass) / 4, 0, 2);
    let std = 0;
    for (let c = 0; c < 3; c++) {
      const mean = color ? acc[a + 3 + c] / size : 127.5;
      rows[o + 7 + c] = mean / 255;
      if (color) std += Math.sqrt(Math.max(acc[a + 6 + c] / size - mean * mean, 0));
    }
    rows[o + 10] = clip(std / 3 / 128, 0, 1);
    rows[o + 11] = acc[a + 9] / size;
    rows[o + 12] = acc[a + 10] / size;
    rows[o + 13] = acc[a + 11] / size;
  }
  return { rows, shape };
}

function clip(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
