/**
 * Shape statistics of point segments (superpoints, instances): size,
 * centroid, principal spreads and vertical span.
 *
 * @module
 */

import { eigenSym3Into } from "./eigen_sym3.ts";
import { invalid } from "./errors.ts";
import { groupScatter } from "./group_scatter.ts";

/** Per-segment shape statistics; segments without points get zeros. */
export interface SegmentShape {
  /** Int32Array S: points per segment. */
  size: Int32Array;
  /** Float32Array S×3: mean position, metres. */
  centroid: Float32Array;
  /** Float32Array S×3: standard deviations along the principal axes, descending, metres. */
  spread: Float32Array;
  /** Float32Array S: lowest z, metres. */
  zMin: Float32Array;
  /** Float32Array S: highest z, metres. */
  zMax: Float32Array;
}

/**
 * Two passes over the points (mean, then scatter about the mean, in Float64)
 * and one 3×3 eigen-decomposition per segment.
 *
 * @param coord Float32Array N×3, metres
 * @param ids Int32Array N: segment of each point, 0..count−1, or −1 (skipped)
 * @param count number of segments S
 * @returns the statistics of the S segments
 */
export function segmentShape(coord: Float32Array, ids: Int32Array, count: number): SegmentShape {
  const n = ids.length;
  if (coord.length !== 3 * n) {
    throw invalid(`Segment shape: expected ${3 * n} coordinates for ${n} ids, got ${coord.length}`);
  }
  const size = new Int32Array(count);
  const sum = new Float64Array(3 * count);
  const zMin = new Float32Array(count).fill(Infinity);
  const zMax = new Float32Array(count).fill(-Infinity);
  for (let i = 0; i < n; i++) {
    const s = ids[i];
    if (s < 0) continue;
    if (s >= count) throw invalid(`Segment shape: point ${i} has id ${s}, expected < ${count}`);
    size[s]++;
    const z = coord[3 * i + 2];
    sum[3 * s] += coord[3 * i];
    sum[3 * s + 1] += coord[3 * i + 1];
    sum[3 * s + 2] += z;
    if (z < zMin[s]) zMin[s] = z;
    if (z > zMax[s]) zMax[s] = z;
  }
  const mean = new Float64Array(3 * count);
  for (let s = 0; s < count; s++) {
    if (size[s] === 0) {
      zMin[s] = 0;
      zMax[s] = 0;
      continue;
    }
    for (let c = 0; c < 3; c++) mean[3 * s + c] = sum[3 * s + c] / size[s];
  }
  const scatter = groupScatter(coord, ids, mean);
  const spread = new Float32Array(3 * count);
  const cov = new Float64Array(6);
  const values = new Float64Array(3), vectors = new Float64Array(9);
  for (let s = 0; s < count; s++) {
    if (size[s] < 2) continue;
    for (let c = 0; c < 6; c++) cov[c] = scatter[6 * s + c] / size[s];
    eigenSym3Into(cov, values, vectors);
    spread[3 * s] = Math.sqrt(Math.max(values[2], 0));
    spread[3 * s + 1] = Math.sqrt(Math.max(values[1], 0));
    spread[3 * s + 2] = Math.sqrt(Math.max(values[0], 0));
  }
  return { size, centroid: Float32Array.from(mean), spread, zMin, zMax };
}
