import assert from "node:assert/strict";
import { GeoError } from "./errors.ts";
import { Rng } from "./random.ts";
import { wasserstein1, wasserstein1Sorted } from "./wasserstein1.ts";

/**
 * Brute force through quantile functions: repeat every value of `a` m times and every
 * value of `b` n times (both then have n·m values, equal weights), sort, and average the
 * absolute differences of the matched order statistics.
 */
function reference(a: number[], b: number[]): number {
  const n = a.length, m = b.length;
  const ea = a.flatMap((x) => Array(m).fill(x)).sort((p, q) => p - q);
  const eb = b.flatMap((x) => Array(n).fill(x)).sort((p, q) => p - q);
  return ea.reduce((s, x, k) => s + Math.abs(x - eb[k]), 0) / (n * m);
}

Deno.test("wasserstein1 equals the quantile brute force on seeded samples with ties", () => {
  const rng = new Rng(7);
  for (let t = 0; t < 60; t++) {
    const n = 1 + Math.floor(rng.uniform(0, 40)), m = 1 + Math.floor(rng.uniform(0, 40));
    const draw = (k: number, shift: number) =>
      Array.from(
        { length: k },
        () => t % 3 === 0 ? Math.round(rng.uniform(0, 5)) + shift : rng.normal() * 2 + shift,
      );
    const a = draw(n, 0), b = draw(m, rng.uniform(-1, 1));
    const a32 = Float32Array.from(a);
    const got = wasserstein1(a32, b);
    const want = reference(Array.from(a32), b);
    assert.ok(Math.abs(got - want) < 1e-9 * (1 + want), `n=${n} m=${m}: ${got} vs ${want}`);
    assert.ok(Math.abs(wasserstein1(b, a32) - got) < 1e-9 * (1 + got), "symmetric");
  }
});

Deno.test("wasserstein1: identical multisets give 0, a shift gives its size, inputs untouched", () => {
  const a = Float32Array.from([3, 1, 2, 2]);
  assert.equal(wasserstein1(a, [2, 1, 2, 3]), 0);
  assert.equal(wasserstein1(a, [1, 1, 2, 2, 2, 2, 3, 3]), 0);
  assert.equal(wasserstein1(a, Array.from(a, (x) => x + 1.5)), 1.5);
  assert.equal(wasserstein1Sorted([0], [4]), 4);
  assert.deepEqual(Array.from(a), [3, 1, 2, 2]);
});

Deno.test("wasserstein1 rejects empty samples and non-finite values", () => {
  assert.throws(() => wasserstein1([], [1]), GeoError);
  assert.throws(() => wasserstein1([1, NaN], [1]), GeoError);
  assert.throws(() => wasserstein1([1], [Infinity]), GeoError);
});
