/**
 * Column samples and the per-column domain-shift table of `bench realism`
 * (pure functions over typed arrays).
 *
 * @module
 */

import { wasserstein1Sorted } from "../src/kernels/wasserstein1.ts";

/** Column-major samples of a feature matrix: one Float64Array per column. */
export type ColumnSamples = Float64Array[];

/**
 * Columns of the rows of `features` (R×dim), every `stride`-th row from the first.
 *
 * @returns dim arrays of ⌈R / stride⌉ values
 */
export function columnsOf(features: Float32Array, dim: number, stride = 1): ColumnSamples {
  const rows = features.length / dim, kept = Math.ceil(rows / stride);
  const out = Array.from({ length: dim }, () => new Float64Array(kept));
  for (let r = 0, k = 0; r < rows; r += stride, k++) {
    for (let c = 0; c < dim; c++) out[c][k] = features[r * dim + c];
  }
  return out;
}

/** Concatenates per-scene column samples. */
export function concatColumns(parts: readonly ColumnSamples[]): ColumnSamples {
  return parts[0].map((_, c) => {
    const out = new Float64Array(parts.reduce((s, p) => s + p[c].length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p[c], o);
      o += p[c].length;
    }
    return out;
  });
}

/** One real cloud's shift on one column. */
export interface ColumnShift {
  /** Wasserstein-1 in the column's own units. */
  w1: number;
  /** W1 / synthetic standard deviation (W1 itself when that is 0). */
  distance: number;
  /** Real mean. */
  mean: number;
}

/** One row of the shift table. */
export interface ShiftRow {
  /** Column name. */
  column: string;
  /** Column index in the backbone's features. */
  index: number;
  /** Synthetic mean. */
  synthMean: number;
  /** Synthetic standard deviation. */
  synthStd: number;
  /** Per real cloud, in the order given. */
  real: ColumnShift[];
}

function meanStd(v: Float64Array): { mean: number; std: number } {
  let s = 0;
  for (const x of v) s += x;
  const mean = s / v.length;
  let q = 0;
  for (const x of v) q += (x - mean) ** 2;
  return { mean, std: Math.sqrt(q / v.length) };
}

/**
 * The per-column domain-shift table, sorted by the largest distance over the real
 * clouds (descending; ties by column order). Sorts the samples in place.
 *
 * @param names dim column names
 * @param synth synthetic column samples
 * @param real per real cloud, its column samples
 */
export function shiftTable(
  names: readonly string[],
  synth: ColumnSamples,
  real: readonly ColumnSamples[],
): ShiftRow[] {
  const rows = names.map((column, c): ShiftRow => {
    const s = synth[c].sort();
    const { mean, std } = meanStd(s);
    return {
      column,
      index: c,
      synthMean: mean,
      synthStd: std,
      real: real.map((r) => {
        const w1 = wasserstein1Sorted(s, r[c].sort());
        return { w1, distance: std > 1e-12 ? w1 / std : w1, mean: meanStd(r[c]).mean };
      }),
    };
  });
  const worst = (r: ShiftRow) => Math.max(...r.real.map((x) => x.distance));
  return rows.sort((a, b) => worst(b) - worst(a) || a.index - b.index);
}

/** Mean distance and columns over 1.0 of real cloud `k`. */
export function shiftSummary(
  rows: readonly ShiftRow[],
  k: number,
): { mean: number; over1: number } {
  const d = rows.map((r) => r.real[k].distance);
  return { mean: d.reduce((s, x) => s + x, 0) / d.length, over1: d.filter((x) => x > 1).length };
}

/** Point share (0..1) of each label index 0..L−1 (−1 skipped from the counts, kept in N). */
export function labelShares(labels: ArrayLike<number>, L: number): number[] {
  const count = new Array<number>(L).fill(0);
  for (let i = 0; i < labels.length; i++) if (labels[i] >= 0) count[labels[i]]++;
  return count.map((c) => c / Math.max(1, labels.length));
}

/** Coordinates seen from the side: (x, z, −y), so that a top-down render looks along +y. */
export function sideView(coord: Float32Array): Float32Array {
  const out = new Float32Array(coord.length);
  for (let i = 0; i < coord.length; i += 3) {
    out[i] = coord[i];
    out[i + 1] = coord[i + 2];
    out[i + 2] = -coord[i + 1];
  }
  return out;
}
