import assert from "node:assert/strict";
import { orderStatistic } from "./order_statistic.ts";
import { Rng } from "./random.ts";

Deno.test("orderStatistic equals the sorted array's element on random input with ties", () => {
  const rng = new Rng(5);
  for (const n of [1, 2, 3, 7, 64, 1000]) {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = rng.int(3) === 0 ? rng.int(4) : rng.normal();
    const sorted = Array.from(a).sort((x, y) => x - y);
    for (const r of [0, n - 1, (n - 1) >> 1, rng.int(n)]) {
      assert.equal(orderStatistic(a.slice(), r), sorted[r], `n=${n} r=${r}`);
    }
  }
});

Deno.test("orderStatistic partitions around the rank and searches a sub-range", () => {
  const rng = new Rng(6);
  const a = new Float32Array(500);
  for (let i = 0; i < a.length; i++) a[i] = rng.uniform(-1, 1);
  const sorted = Array.from(a).sort((x, y) => x - y);
  const v = orderStatistic(a, 100);
  for (let i = 0; i < 100; i++) assert.ok(a[i] <= v);
  for (let i = 101; i < a.length; i++) assert.ok(a[i] >= v);
  // A higher rank found in the right part only.
  assert.equal(orderStatistic(a, 400, 100, a.length - 1), sorted[400]);
  // All equal values.
  assert.equal(orderStatistic(new Float32Array([2, 2, 2, 2]), 3), 2);
});
