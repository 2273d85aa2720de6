/**
 * Per-column standardisation of row-major feature matrices: the moments of
 * every column accumulated over many matrices (Float64, Chan's parallel
 * update, so the order of the matrices does not matter beyond rounding), and
 * the affine map x ↦ (x − mean) / scale applied with frozen constants.
 *
 * @module
 */

import { invalid } from "./errors.ts";

/** Running per-column moments of rows of width `dim`. */
export interface ColumnMoments {
  /** Row width D. */
  readonly dim: number;
  /** Rows seen so far. */
  rows: number;
  /** Float64Array D: mean of every column. */
  readonly mean: Float64Array;
  /** Float64Array D: sum of squared deviations from the mean (M2) of every column. */
  readonly m2: Float64Array;
}

/** Empty moments of rows of width `dim` (≥ 1). */
export function emptyMoments(dim: number): ColumnMoments {
  if (!Number.isInteger(dim) || dim < 1) {
    throw invalid(`Column moments: row width must be a positive integer, got ${dim}`);
  }
  return { dim, rows: 0, mean: new Float64Array(dim), m2: new Float64Array(dim) };
}

/**
 * Adds the rows of `values` to `acc` (in place) and returns it.
 *
 * @param acc moments so far
 * @param values Float32Array R×D, row-major, D = acc.dim
 */
export function addMoments(acc: ColumnMoments, values: Float32Array): ColumnMoments {
  const d = acc.dim;
  if (values.length % d !== 0) {
    throw invalid(`Column moments: ${values.length} values are not whole rows of ${d}`);
  }
  const rows = values.length / d;
  if (rows === 0) return acc;
  const mean = new Float64Array(d), m2 = new Float64Array(d);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < d; j++) mean[j] += values[i * d + j];
  }
  for (let j = 0; j < d; j++) mean[j] /= rows;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < d; j++) {
      const e = values[i * d + j] - mean[j];
      m2[j] += e * e;
    }
  }
  const total = acc.rows + rows;
  for (let j = 0; j < d; j++) {
    const delta = mean[j] - acc.mean[j];
    acc.m2[j] += m2[j] + (delta * delta * acc.rows * rows) / total;
    acc.mean[j] += (delta * rows) / total;
  }
  acc.rows = total;
  return acc;
}

/**
 * Population standard deviation of every column; a column whose deviation is at
 * most `floor` gets 1 (a constant column is only centred, never blown up).
 *
 * @returns Float64Array D
 */
export function momentScales(acc: ColumnMoments, floor = 1e-6): Float64Array {
  const out = new Float64Array(acc.dim);
  for (let j = 0; j < acc.dim; j++) {
    const sd = acc.rows > 0 ? Math.sqrt(acc.m2[j] / acc.rows) : 0;
    out[j] = sd > floor ? sd : 1;
  }
  return out;
}

/**
 * `(values − mean) / scale`, column by column, into a new array (or `out`).
 *
 * @param values Float32Array R×D, row-major
 * @param mean D column means
 * @param scale D column scales (each > 0)
 * @param out optional Float32Array R×D (may be `values` itself)
 * @returns Float32Array R×D
 */
export function standardizeColumns(
  values: Float32Array,
  mean: ArrayLike<number>,
  scale: ArrayLike<number>,
  out?: Float32Array,
): Float32Array {
  const d = mean.length;
  if (d === 0 || scale.length !== d) {
    throw invalid(`Standardise: ${d} means and ${scale.length} scales (need the same, ≥ 1)`);
  }
  if (values.length % d !== 0) {
    throw invalid(`Standardise: ${values.length} values are not whole rows of ${d}`);
  }
  for (let j = 0; j < d; j++) {
    if (!(scale[j] > 0) || !Number.isFinite(scale[j]) || !Number.isFinite(mean[j])) {
      throw invalid(`Standardise: column ${j} has mean ${mean[j]} and scale ${scale[j]}`);
    }
  }
  const result = out ?? new Float32Array(values.length);
  if (result.length !== values.length) {
    throw invalid(`Standardise: output holds ${result.length} values, need ${values.length}`);
  }
  const inv = Float64Array.from({ length: d }, (_, j) => 1 / scale[j]);
  for (let i = 0; i < values.length; i += d) {
    for (let j = 0; j < d; j++) result[i + j] = (values[i + j] - mean[j]) * inv[j];
  }
  return result;
}
