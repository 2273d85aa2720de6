import assert from "node:assert/strict";
import { radixArgsort, radixSortBy } from "./radix_argsort.ts";
import { Rng } from "./random.ts";

function referenceArgsort(keys: Float32Array): number[] {
  const idx = Array.from({ length: keys.length }, (_, i) => i);
  const key = (v: number) => (Number.isNaN(v) ? Infinity : v);
  return idx.sort((a, b) => {
    const ka = keys[a], kb = keys[b];
    if (Number.isNaN(ka) !== Number.isNaN(kb)) return Number.isNaN(ka) ? 1 : -1;
    return key(ka) - key(kb) || a - b;
  });
}

Deno.test("radixArgsort matches a stable comparison sort on random keys with ties", () => {
  const rng = new Rng(11);
  for (const m of [0, 1, 2, 17, 1000, 5000]) {
    const keys = new Float32Array(m);
    for (let i = 0; i < m; i++) {
      // A mix of negatives, many exact ties, zeros and wide magnitudes.
      const r = rng.next();
      keys[i] = r < 0.3 ? rng.int(5) - 2 : r < 0.9 ? rng.normal() * 10 ** rng.int(6) : -0;
    }
    assert.deepEqual([...radixArgsort(keys)], referenceArgsort(keys));
  }
});

Deno.test("radixArgsort puts NaN last and treats -0 as 0", () => {
  const keys = new Float32Array([NaN, 1, -0, 0, -Infinity, Infinity, -2]);
  assert.deepEqual([...radixArgsort(keys)], [4, 6, 2, 3, 1, 5, 0]);
});

Deno.test("radixArgsort handles keys equal in the low digits only", () => {
  // Same low 22 bits, different high bits: only the last pass moves them.
  const keys = new Float32Array([4, 2, 1, 0.5, 8]);
  assert.deepEqual([...radixArgsort(keys)], [3, 2, 1, 0, 4]);
});

Deno.test("radixSortBy sorts keys and carries payload columns stably", () => {
  const rng = new Rng(5);
  const m = 3000;
  const keys = new Float32Array(m);
  for (let i = 0; i < m; i++) keys[i] = rng.bernoulli(0.5) ? rng.int(10) / 4 : rng.normal();
  const a = Int32Array.from({ length: m }, (_, i) => i);
  const b = Int32Array.from({ length: m }, (_, i) => 7 * i);
  const original = keys.slice();
  const order = referenceArgsort(original);
  const [sorted, [pa, pb]] = radixSortBy(keys, [a, b]);
  assert.deepEqual([...sorted], order.map((i) => original[i]));
  assert.deepEqual([...pa], order);
  assert.deepEqual([...pb], order.map((i) => 7 * i));
  assert.throws(() => radixSortBy(original, [new Int32Array(2)]), RangeError);
  // One payload column takes the general path; NaN keys come back as NaN, last.
  const [k1, [p1col]] = radixSortBy(new Float32Array([NaN, 3, -1]), [new Int32Array([0, 1, 2])]);
  assert.deepEqual([...k1], [-1, 3, NaN]);
  assert.deepEqual([...p1col], [2, 1, 0]);
  const [one, [p1]] = radixSortBy(new Float32Array([2]), [new Int32Array([9])]);
  assert.deepEqual([...one, ...p1], [2, 9]);
});
