/**
 * Order statistics of a Float32Array in expected O(N): quickselect with
 * median-of-three pivots, the same value a full sort would put at that rank.
 *
 * @module
 */

/**
 * The value of rank `r` (0-based, ascending) of `a[lo..hi]`. Reorders `a[lo..hi]`
 * in place: afterwards every element left of `r` is ≤ the result and every element right
 * of it is ≥ it, so a second, higher rank can be searched in `r..hi` only.
 *
 * @param a values (no NaN), reordered in place
 * @param r rank in `lo..hi`
 * @param lo first index of the range (default 0)
 * @param hi last index of the range (default a.length − 1)
 * @returns the r-th smallest value of the range
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(orderStatistic(new Float32Array([5, 1, 4, 2, 3]), 2), 3);
 * ```
 */
export function orderStatistic(
  a: Float32Array,
  r: number,
  lo = 0,
  hi: number = a.length - 1,
): number {
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < a[lo]) swap(a, mid, lo);
    if (a[hi] < a[lo]) swap(a, hi, lo);
    if (a[hi] < a[mid]) swap(a, hi, mid);
    const pivot = a[mid];
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) swap(a, i++, j--);
    }
    if (r <= j) hi = j;
    else if (r >= i) lo = i;
    else return a[r];
  }
  return a[r];
}

function swap(a: Float32Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}
