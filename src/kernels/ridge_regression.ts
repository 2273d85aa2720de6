/**
 * Multi-output ridge regression onto one-hot class targets, in closed form: with X̃ = [X 1]
 * (a bias column) and Y the one-hot labels, it solves (X̃ᵀX̃ + λ·diag(1, …, 1, 0)) W = X̃ᵀY
 * (the bias is not regularised) by a Cholesky factorisation in Float64. X̃ᵀX̃ and X̃ᵀY are
 * accumulated in Float64 over batches of rows, so millions of rows of width D ≲ 200 fit
 * in (D+1)² + (D+1)·C numbers.
 *
 * @module
 */

import { invalid } from "./errors.ts";

/** The normal equations accumulated so far (see {@link addRidgeRows}). */
export interface RidgeSums {
  /** Row width D. */
  readonly dim: number;
  /** Number of classes C (the output width). */
  readonly classes: number;
  /** Labelled rows added so far (rows labelled −1 are skipped). */
  rows: number;
  /** Float64Array C: rows of every class. */
  readonly counts: Float64Array;
  /** Float64Array (D+1)×(D+1): X̃ᵀX̃, upper triangle only (bias last). */
  readonly gram: Float64Array;
  /** Float64Array (D+1)×C: X̃ᵀY (bias row last). */
  readonly xty: Float64Array;
}

/**
 * Empty sums for rows of width `dim` (≥ 1) and `classes` (≥ 1) classes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(emptyRidgeSums(3, 2).gram.length, 16);
 * ```
 */
export function emptyRidgeSums(dim: number, classes: number): RidgeSums {
  for (const [name, v] of [["row width", dim], ["class count", classes]] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw invalid(`Ridge: ${name} must be a positive integer, got ${v}`);
    }
  }
  const e = dim + 1;
  return {
    dim,
    classes,
    rows: 0,
    counts: new Float64Array(classes),
    gram: new Float64Array(e * e),
    xty: new Float64Array(e * classes),
  };
}

/**
 * Adds rows to `acc` (in place) and returns it. Rows labelled −1 are skipped.
 *
 * @param acc sums so far
 * @param x Float32Array R×D, row-major, D = acc.dim
 * @param labels Int16Array R: class in [0, C) or −1 (ignore)
 * @throws GeoError invalid_argument on a size mismatch or a label outside [−1, C)
 */
export function addRidgeRows(acc: RidgeSums, x: Float32Array, labels: Int16Array): RidgeSums {
  const d = acc.dim, e = d + 1, c = acc.classes;
  if (x.length !== labels.length * d) {
    throw invalid(`Ridge: ${x.length} values are not ${labels.length} rows of ${d}`);
  }
  const row = new Float64Array(e);
  row[d] = 1;
  const { gram, xty } = acc;
  for (let i = 0; i < labels.length; i++) {
    const k = labels[i];
    if (k === -1) continue;
    if (k < -1 || k >= c) throw invalid(`Ridge: row ${i} has label ${k}, outside [−1, ${c})`);
    for (let a = 0; a < d; a++) row[a] = x[i * d + a];
    for (let a = 0; a < e; a++) {
      const v = row[a], base = a * e;
      if (v === 0) continue;
      for (let b = a; b < e; b++) gram[base + b] += v * row[b];
      xty[a * c + k] += v;
    }
    acc.counts[k]++;
    acc.rows++;
  }
  return acc;
}

/**
 * Solves the ridge system of `acc`. Without rows the weights are all zero; a class
 * without rows gets a zero column.
 *
 * @param acc accumulated sums
 * @param lambda λ ≥ 0, added to the diagonal of the D feature columns (not the bias)
 * @returns Float64Array (D+1)×C, row-major: W[a·C + c] is the weight of column a for
 *   class c, row D the bias; score of class c for row x = Σₐ xₐ·W[a·C + c] + W[D·C + c]
 * @throws GeoError invalid_argument when λ < 0 or the system is singular (e.g. λ = 0 with
 *   a constant or duplicated column)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const acc = addRidgeRows(emptyRidgeSums(1, 2), Float32Array.from([-1, 1]), Int16Array.from([0, 1]));
 * const w = solveRidge(acc, 0); // class 1 score = (x + 1) / 2
 * assert.deepEqual(Array.from(w, (v) => Math.round(v * 1e9) / 1e9), [-0.5, 0.5, 0.5, 0.5]);
 * ```
 */
export function solveRidge(acc: RidgeSums, lambda: number): Float64Array {
  if (!(lambda >= 0) || !Number.isFinite(lambda)) {
    throw invalid(`Ridge: λ must be a finite number ≥ 0, got ${lambda}`);
  }
  const d = acc.dim, e = d + 1, c = acc.classes;
  const w = new Float64Array(e * c);
  if (acc.rows === 0) return w;
  // Lower-triangular Cholesky factor L (A = L Lᵀ) of the regularised, symmetrised gram.
  const l = new Float64Array(e * e);
  for (let j = 0; j < e; j++) {
    const diag = acc.gram[j * e + j] + (j < d ? lambda : 0);
    let s = diag;
    for (let k = 0; k < j; k++) s -= l[j * e + k] * l[j * e + k];
    if (!(s > 1e-12 * diag)) {
      throw invalid(`Ridge: the normal matrix is singular at column ${j}; use a λ > 0`);
    }
    const ljj = Math.sqrt(s);
    l[j * e + j] = ljj;
    for (let i = j + 1; i < e; i++) {
      let t = acc.gram[j * e + i]; // A[i][j] = A[j][i], upper triangle
      for (let k = 0; k < j; k++) t -= l[i * e + k] * l[j * e + k];
      l[i * e + j] = t / ljj;
    }
  }
  const y = new Float64Array(e);
  for (let col = 0; col < c; col++) {
    for (let i = 0; i < e; i++) { // L y = b
      let s = acc.xty[i * c + col];
      for (let k = 0; k < i; k++) s -= l[i * e + k] * y[k];
      y[i] = s / l[i * e + i];
    }
    for (let i = e - 1; i >= 0; i--) { // Lᵀ w = y
      let s = y[i];
      for (let k = i + 1; k < e; k++) s -= l[k * e + i] * w[k * c + col];
      w[i * c + col] = s / l[i * e + i];
    }
  }
  return w;
}

/**
 * One-shot ridge fit: {@link emptyRidgeSums}, {@link addRidgeRows}, {@link solveRidge}.
 *
 * @param x Float32Array N×D, row-major
 * @param labels Int16Array N: class in [0, C) or −1 (ignore)
 * @param options.dim D; options.classes C; options.lambda λ ≥ 0
 * @returns Float64Array (D+1)×C weights, bias row last (see {@link solveRidge})
 */
export function ridgeRegression(
  x: Float32Array,
  labels: Int16Array,
  options: { dim: number; classes: number; lambda: number },
): Float64Array {
  const acc = addRidgeRows(emptyRidgeSums(options.dim, options.classes), x, labels);
  return solveRidge(acc, options.lambda);
}
