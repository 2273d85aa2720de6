import assert from "node:assert/strict";
import { knnOne, newKnnQuery, offerCandidate } from "./knn_shell.ts";
import { Rng } from "./random.ts";
import { buildGrid } from "./spatial_grid.ts";

Deno.test("knnOne from shell 0 matches brute force, near and far from the cloud", () => {
  const rng = new Rng(81);
  const n = 1500, k = 9;
  const points = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    const blob = i % 3;
    for (let a = 0; a < 3; a++) points[3 * i + a] = blob * 7 + 0.2 * rng.normal();
  }
  // A small cell makes far queries take the occupied-cell fallback.
  const g = buildGrid(points, 0.03);
  const a = newKnnQuery(k, Infinity);
  for (let t = 0; t < 200; t++) {
    const span = t < 100 ? 16 : 1e4;
    const q = [rng.uniform(-span, span), rng.uniform(-span, span), rng.uniform(-span, span)];
    a.qx = q[0];
    a.qy = q[1];
    a.qz = q[2];
    a.self = -1;
    a.cnt = 0;
    a.bound = Infinity;
    a.firstShell = 0;
    const cnt = knnOne(g, a);
    const ref = Array.from({ length: n }, (_, i) => {
      const dx = points[3 * i] - q[0], dy = points[3 * i + 1] - q[1], dz = points[3 * i + 2] - q[2];
      return { d: Math.fround(dx * dx + dy * dy + dz * dz), i };
    }).sort((x, y) => x.d - y.d || x.i - y.i).slice(0, k);
    assert.equal(cnt, k);
    assert.deepEqual(Array.from(a.candI), ref.map((r) => r.i));
    assert.deepEqual(Array.from(a.candD), ref.map((r) => r.d));
  }
});

Deno.test("offerCandidate keeps the k best of a random stream sorted, ties by lower index", () => {
  const rng = new Rng(7);
  for (const k of [1, 4, 9]) {
    const a = newKnnQuery(k, Infinity);
    const seen: [number, number][] = [];
    for (let idx = 0; idx < 200; idx++) {
      const d = Math.fround(rng.int(40) / 8); // many exact ties
      seen.push([d, idx]);
      if (d <= a.bound) offerCandidate(a, d, idx);
    }
    seen.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    const want = seen.slice(0, k);
    assert.equal(a.cnt, k);
    assert.deepEqual([...a.candD], want.map((w) => w[0]));
    assert.deepEqual([...a.candI], want.map((w) => w[1]));
    assert.equal(a.bound, want[k - 1][0]);
  }
});

Deno.test("offerCandidate edge cases: fewer than k offers, the query itself, radius bound", () => {
  const a = newKnnQuery(4, 2);
  offerCandidate(a, -1, 5); // the query itself ranks first
  offerCandidate(a, 1.5, 3);
  offerCandidate(a, 1.5, 1); // tie: the lower index first
  assert.equal(a.cnt, 3);
  assert.deepEqual([...a.candI.subarray(0, 3)], [5, 1, 3]);
  assert.deepEqual([...a.candD.subarray(0, 3)], [-1, 1.5, 1.5]);
  assert.equal(a.bound, 2); // not yet k: the radius limit stays the bound
  offerCandidate(a, 0.5, 9);
  assert.deepEqual([...a.candI], [5, 9, 1, 3]);
  assert.equal(a.bound, 1.5);
  offerCandidate(a, 1.5, 2); // ties the k-th with a lower index: replaces it
  assert.deepEqual([...a.candI], [5, 9, 1, 2]);
  offerCandidate(a, 1.5, 7); // ties the k-th with a higher index: dropped
  assert.deepEqual([...a.candI], [5, 9, 1, 2]);
  assert.equal(a.cnt, 4);
});
