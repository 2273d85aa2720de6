/**
 * 1-D Wasserstein-1 (earth mover's) distance between the empirical distributions of two
 * samples of possibly different sizes: W1 = ∫ |F_a(x) − F_b(x)| dx, the area between
 * the two step CDFs, computed by one merge of the sorted samples (O((n + m) log(n + m))).
 *
 * @module
 */

import { invalid } from "./errors.ts";

/** Float64Array sorted ascending copy of `values`; throws on a non-finite value. */
function sortedCopy(values: ArrayLike<number>, what: string): Float64Array {
  const out = Float64Array.from(values);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) {
      throw invalid(`Wasserstein-1: ${what} value ${i} is ${out[i]}, expected a finite number`);
    }
  }
  return out.sort();
}

/**
 * W1 between two samples already sorted ascending (finite, each non-empty).
 *
 * @param a sorted sample, n ≥ 1 values
 * @param b sorted sample, m ≥ 1 values
 * @returns the distance, in the samples' unit (≥ 0; 0 for equal multisets)
 */
export function wasserstein1Sorted(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length, m = b.length;
  if (n === 0 || m === 0) {
    throw invalid(`Wasserstein-1: both samples need a value, got ${n} and ${m}`);
  }
  // Walk the merged breakpoints; between consecutive ones both CDFs are constant.
  let i = 0, j = 0, sum = 0;
  let x = Math.min(a[0], b[0]);
  while (i < n || j < m) {
    const next = j >= m || (i < n && a[i] <= b[j]) ? a[i] : b[j];
    sum += Math.abs(i / n - j / m) * (next - x);
    x = next;
    while (i < n && a[i] === x) i++;
    while (j < m && b[j] === x) j++;
  }
  return sum;
}

/**
 * W1 between the empirical distributions of `a` and `b` (sorted copies; inputs untouched).
 *
 * @param a sample, n ≥ 1 finite values
 * @param b sample, m ≥ 1 finite values
 * @throws GeoError invalid_argument for an empty sample or a non-finite value
 */
export function wasserstein1(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return wasserstein1Sorted(sortedCopy(a, "first sample"), sortedCopy(b, "second sample"));
}
