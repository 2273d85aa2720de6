/**
 * Seeded pseudo-random generator used by everything random in GeoGuide.
 *
 * xoshiro128** over four 32-bit words, seeded through splitmix32 so that any
 * integer seed (including 0) gives a well-mixed state. Never use `Math.random`
 * in `src/`: pass an `Rng` explicitly so the same seed gives the same bytes.
 *
 * @module
 */

/** A deterministic random stream. */
export class Rng {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;
  #spare: number | undefined = undefined;

  /**
   * @param seed any integer (uses its low 32 bits); same seed → same stream.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * assert.equal(new Rng(7).nextU32(), new Rng(7).nextU32());
   * ```
   */
  constructor(seed: number) {
    let x = seed >>> 0;
    const mix = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#s0 = mix();
    this.#s1 = mix();
    this.#s2 = mix();
    this.#s3 = mix();
    if ((this.#s0 | this.#s1 | this.#s2 | this.#s3) === 0) this.#s0 = 1;
  }

  /** Next uniform unsigned 32-bit integer. */
  nextU32(): number {
    const s1 = this.#s1;
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    this.#s2 ^= this.#s0;
    this.#s3 ^= this.#s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotl(this.#s3 >>> 0, 11);
    this.#s0 >>>= 0;
    this.#s1 >>>= 0;
    this.#s2 >>>= 0;
    return result;
  }

  /** Uniform float in [0, 1) with 32 bits of randomness. */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [0, n); n must be a positive integer ≤ 2^32. */
  int(n: number): number {
    if (!(n > 0)) throw new RangeError(`Expected n > 0 but found ${n}`);
    return Math.floor(this.next() * n);
  }

  /** Standard normal sample (Box–Muller, caches the second value). */
  normal(): number {
    if (this.#spare !== undefined) {
      const v = this.#spare;
      this.#spare = undefined;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    return this.next() < p;
  }

  /** Fisher–Yates shuffle of `a` in place; returns `a`. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /**
   * `k` distinct indices from [0, n), uniformly, in increasing order
   * (all of them when k ≥ n). Int32Array of length min(k, n).
   */
  sample(n: number, k: number): Int32Array {
    if (k >= n) return Int32Array.from({ length: n }, (_, i) => i);
    // Floyd's algorithm: O(k) draws.
    const chosen = new Set<number>();
    for (let j = n - k; j < n; j++) {
      const t = this.int(j + 1);
      chosen.add(chosen.has(t) ? j : t);
    }
    return Int32Array.from(chosen).sort();
  }

  /** An independent child stream derived from this one (advances this stream). */
  fork(): Rng {
    return new Rng(this.nextU32() ^ 0x5bd1e995);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
