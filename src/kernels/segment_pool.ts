/**
 * Pooling of per-point rows into segments (superpoints, voxels, instances)
 * and scattering segment rows back to points.
 *
 * @module
 */

import { invalid } from "./errors.ts";

function checkIds(ids: Int32Array, count: number, what: string): void {
  if (!Number.isInteger(count) || count < 0) {
    throw invalid(`${what}: segment count must be a non-negative integer, got ${count}`);
  }
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s < -1 || s >= count) {
      throw invalid(`${what}: segment id ${s} at row ${i} is outside −1..${count - 1}`);
    }
  }
}

function checkRows(values: Float32Array, shape: { rows: number; dim: number }, what: string): void {
  const { rows, dim } = shape;
  if (!Number.isInteger(dim) || dim <= 0) {
    throw invalid(`${what}: row width must be a positive integer, got ${dim}`);
  }
  if (values.length !== rows * dim) {
    throw invalid(`${what}: expected ${rows}×${dim} values, got ${values.length}`);
  }
}

/**
 * Number of rows in each segment.
 *
 * @param ids Int32Array N: segment of each row in 0..count−1, or −1 (skipped)
 * @param count number of segments S
 * @returns Int32Array S
 */
export function segmentSizes(ids: Int32Array, count: number): Int32Array {
  checkIds(ids, count, "segmentSizes");
  const sizes = new Int32Array(count);
  for (let i = 0; i < ids.length; i++) if (ids[i] >= 0) sizes[ids[i]]++;
  return sizes;
}

/**
 * Mean row of each segment (accumulated in Float64); empty segments get zeros.
 *
 * @param values Float32Array N×D
 * @param dim row width D
 * @param ids Int32Array N: segment in 0..count−1, or −1 (skipped)
 * @param count number of segments S
 * @returns Float32Array S×D
 */
export function segmentMean(
  values: Float32Array,
  dim: number,
  ids: Int32Array,
  count: number,
): Float32Array {
  checkRows(values, { rows: ids.length, dim }, "segmentMean");
  const sizes = segmentSizes(ids, count);
  const sum = accumulate(values, dim, ids, count);
  const out = new Float32Array(count * dim);
  for (let s = 0; s < count; s++) {
    if (sizes[s] === 0) continue;
    const inv = 1 / sizes[s];
    for (let d = 0; d < dim; d++) out[s * dim + d] = sum[s * dim + d] * inv;
  }
  return out;
}

/**
 * Sum of the rows of each segment, in Float64 (a segment's total weight, mass or area).
 *
 * @param values Float32Array N×D
 * @param dim row width D
 * @param ids Int32Array N: segment in 0..count−1, or −1 (skipped)
 * @param count number of segments S
 * @returns Float64Array S×D; zeros for empty segments
 */
export function segmentSum(
  values: Float32Array,
  dim: number,
  ids: Int32Array,
  count: number,
): Float64Array {
  checkRows(values, { rows: ids.length, dim }, "segmentSum");
  checkIds(ids, count, "segmentSum");
  return accumulate(values, dim, ids, count);
}

/** Float64Array S×D of per-segment row sums (arguments already checked). */
function accumulate(values: Float32Array, dim: number, ids: Int32Array, count: number) {
  const sum = new Float64Array(count * dim);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s < 0) continue;
    const o = s * dim, r = i * dim;
    for (let d = 0; d < dim; d++) sum[o + d] += values[r + d];
  }
  return sum;
}

/**
 * Element-wise maximum row of each segment; empty segments get zeros.
 *
 * @param values Float32Array N×D
 * @param dim row width D
 * @param ids Int32Array N: segment in 0..count−1, or −1 (skipped)
 * @param count number of segments S
 * @returns Float32Array S×D
 */
export function segmentMax(
  values: Float32Array,
  dim: number,
  ids: Int32Array,
  count: number,
): Float32Array {
  checkRows(values, { rows: ids.length, dim }, "segmentMax");
  checkIds(ids, count, "segmentMax");
  const out = new Float32Array(count * dim).fill(-Infinity);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s < 0) continue;
    const o = s * dim, r = i * dim;
    for (let d = 0; d < dim; d++) {
      const v = values[r + d];
      if (v > out[o + d]) out[o + d] = v;
    }
  }
  for (let j = 0; j < out.length; j++) if (out[j] === -Infinity) out[j] = 0;
  return out;
}

/**
 * Row ids[i] of `values` for each i (segment → point scatter, or the points of a subset).
 *
 * @param values S×D rows ({@link RowArray}: Float32Array, Int32Array, Int16Array or Uint8Array)
 * @param dim row width D
 * @param ids Int32Array N: row of `values` in 0..S−1, or −1 (zero row)
 * @returns an array of the same type as `values`, N×D
 */
export function gatherRows<A extends RowArray>(values: A, dim: number, ids: Int32Array): A {
  if (!Number.isInteger(dim) || dim <= 0) {
    throw invalid(`gatherRows: row width must be a positive integer, got ${dim}`);
  }
  if (values.length % dim !== 0) {
    throw invalid(`gatherRows: ${values.length} values are not rows of width ${dim}`);
  }
  const rows = values.length / dim;
  checkIds(ids, rows, "gatherRows");
  const out = new (values.constructor as new (n: number) => A)(ids.length * dim);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s >= 0) out.set(values.subarray(s * dim, s * dim + dim), i * dim);
  }
  return out;
}

/** The typed arrays {@link gatherRows} and {@link scatterRows} handle. */
export type RowArray = Float32Array | Int32Array | Int16Array | Uint8Array;

/**
 * Row i of `values` into row index[i] of a new array of `total` rows, every other row
 * filled with `fill` (point subset → all points; the inverse of a gather).
 *
 * @param values R×D rows ({@link RowArray})
 * @param dim row width D
 * @param index Int32Array R: distinct destination rows in 0..total−1
 * @param total rows of the result
 * @param fill value of the rows nobody writes
 * @returns an array of the same type as `values`, total×D
 */
export function scatterRows<A extends RowArray>(
  values: A,
  dim: number,
  index: Int32Array,
  total: number,
  fill: number,
): A {
  if (!Number.isInteger(dim) || dim <= 0 || values.length !== index.length * dim) {
    throw invalid(
      `scatterRows: ${values.length} values are not ${index.length} rows of width ${dim}`,
    );
  }
  checkIds(index, total, "scatterRows");
  const out = new (values.constructor as new (n: number) => A)(total * dim).fill(fill) as A;
  for (let i = 0; i < index.length; i++) {
    const to = index[i];
    if (to < 0) throw invalid(`scatterRows: index ${i} is negative`);
    for (let d = 0; d < dim; d++) out[to * dim + d] = values[i * dim + d];
  }
  return out;
}
