import assert from "node:assert/strict";
import { knnOne, newKnnQuery } from "./knn_shell.ts";
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
