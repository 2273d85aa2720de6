/**
 * In-place sort of parallel (key, index) arrays, the order used by neighbour
 * lists.
 *
 * @module
 */

/**
 * Sorts entries 0..n−1 of `key` (Float64Array) and `index` (Int32Array)
 * together by (key, index) ascending; quicksort with insertion sort for short
 * ranges, no allocation beyond a small sorter object.
 */
export function sortPairs(key: Float64Array, index: Int32Array, n: number): void {
  new PairSorter(key, index).sort(0, n - 1);
}

class PairSorter {
  constructor(readonly key: Float64Array, readonly index: Int32Array) {}

  /** True when entry i sorts before (kv, iv). */
  before(i: number, kv: number, iv: number): boolean {
    const d = this.key[i];
    return d < kv || (d === kv && this.index[i] < iv);
  }

  /** True when entry i sorts after (kv, iv). */
  after(i: number, kv: number, iv: number): boolean {
    const d = this.key[i];
    return d > kv || (d === kv && this.index[i] > iv);
  }

  swap(i: number, j: number): void {
    const key = this.key, index = this.index;
    const k = key[i];
    key[i] = key[j];
    key[j] = k;
    const t = index[i];
    index[i] = index[j];
    index[j] = t;
  }

  sort(lo: number, hi: number): void {
    const key = this.key, index = this.index;
    while (hi - lo > 16) {
      const mid = (lo + hi) >>> 1;
      // Median of three as pivot.
      if (this.before(mid, key[lo], index[lo])) this.swap(mid, lo);
      if (this.before(hi, key[lo], index[lo])) this.swap(hi, lo);
      if (this.before(hi, key[mid], index[mid])) this.swap(hi, mid);
      const pk = key[mid], pi = index[mid];
      let i = lo, j = hi;
      while (i <= j) {
        while (this.before(i, pk, pi)) i++;
        while (this.after(j, pk, pi)) j--;
        if (i <= j) this.swap(i++, j--);
      }
      if (j - lo < hi - i) {
        this.sort(lo, j);
        lo = i;
      } else {
        this.sort(i, hi);
        hi = j;
      }
    }
    for (let i = lo + 1; i <= hi; i++) {
      const kv = key[i], iv = index[i];
      let j = i - 1;
      while (j >= lo && this.after(j, kv, iv)) {
        key[j + 1] = key[j];
        index[j + 1] = index[j];
        j--;
      }
      key[j + 1] = kv;
      index[j + 1] = iv;
    }
  }
}
