/**
 * Disjoint-set forest over the integers 0..n−1, stored in two typed arrays.
 *
 * Union by size and path halving: `find` and `union` run in amortised
 * near-constant time. The size of each set is kept at its root, which the
 * graph segmentations (superpoints, instance proposals) need.
 *
 * @module
 */

/** A disjoint-set forest over 0..n−1. */
export class UnionFind {
  /** Int32Array n: parent of each element; a root is its own parent. */
  readonly parent: Int32Array;
  /** Int32Array n: number of elements of the set, valid at roots only. */
  readonly size: Int32Array;
  #sets: number;

  /**
   * @param n number of elements (a non-negative integer); each starts in its own set
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * const uf = new UnionFind(3);
   * uf.union(0, 2);
   * assert.equal(uf.find(0), uf.find(2));
   * assert.equal(uf.sets, 2);
   * ```
   */
  constructor(n: number) {
    if (!Number.isInteger(n) || n < 0) {
      throw new RangeError(`Expected a non-negative integer element count but found ${n}`);
    }
    this.parent = new Int32Array(n);
    for (let i = 0; i < n; i++) this.parent[i] = i;
    this.size = new Int32Array(n).fill(1);
    this.#sets = n;
  }

  /** Number of disjoint sets. */
  get sets(): number {
    return this.#sets;
  }

  /** Root of the set holding `x` (path halving along the way). */
  find(x: number): number {
    const p = this.parent;
    while (p[x] !== x) {
      const g = p[p[x]];
      p[x] = g;
      x = g;
    }
    return x;
  }

  /**
   * Merges the sets of `a` and `b`; the larger set's root stays the root (on a
   * tie, the root of `b`'s set). Returns the root of the merged set.
   */
  union(a: number, b: number): number {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return ra;
    if (this.size[ra] > this.size[rb]) {
      const t = ra;
      ra = rb;
      rb = t;
    }
    this.parent[ra] = rb;
    this.size[rb] += this.size[ra];
    this.#sets--;
    return rb;
  }

  /** Size of the set holding `x`. */
  setSize(x: number): number {
    return this.size[this.find(x)];
  }

  /**
   * Dense labels: Int32Array n with values 0..sets−1, numbered in order of the
   * first element of each set (element 0's set is 0).
   */
  labels(): Int32Array {
    const n = this.parent.length;
    const rootLabel = new Int32Array(n).fill(-1);
    const out = new Int32Array(n);
    let next = 0;
    for (let i = 0; i < n; i++) {
      const r = this.find(i);
      if (rootLabel[r] < 0) rootLabel[r] = next++;
      out[i] = rootLabel[r];
    }
    return out;
  }
}
