import assert from "node:assert/strict";
import { KnnBatch, queryGroups, selfGroups } from "./knn_batch.ts";
import { clampCell, newKnnQuery } from "./knn_shell.ts";
import { Rng } from "./random.ts";
import { buildGrid } from "./spatial_grid.ts";

Deno.test("query groups partition the queries by their clamped grid cell", () => {
  const rng = new Rng(91);
  const points = Float32Array.from({ length: 3000 }, () => rng.uniform(0, 2));
  const g = buildGrid(points, 0.25);
  const queries = Float32Array.from({ length: 900 }, () => rng.uniform(-1, 3));
  const groups = queryGroups(g, queries);
  const seen = new Uint8Array(300);
  for (let j = 0; j < groups.count; j++) {
    for (let m = groups.start[j]; m < groups.start[j + 1]; m++) {
      const q = groups.member[m];
      seen[q]++;
      const o = [g.ox, g.oy, g.oz], dims = [g.nx, g.ny, g.nz];
      for (let a = 0; a < 3; a++) {
        const c = clampCell(Math.floor((queries[3 * q + a] - o[a]) * g.inv), dims[a]);
        assert.equal(c, groups.cell[3 * j + a]);
      }
    }
  }
  assert.ok(seen.every((v) => v === 1));
  const own = selfGroups(g);
  assert.equal(own.start[0], 0);
  assert.equal(own.start[own.count], 1000);
});

Deno.test("KnnBatch rows match brute force for explicit queries", () => {
  const rng = new Rng(92);
  const n = 800, k = 5;
  const points = Float32Array.from({ length: 3 * n }, () => rng.uniform(0, 1));
  const queries = Float32Array.from({ length: 300 }, () => rng.uniform(-0.5, 1.5));
  const g = buildGrid(points, 0.1);
  const index = new Int32Array(100 * k).fill(-1), dist2 = new Float32Array(100 * k);
  const groups = queryGroups(g, queries);
  const batch = new KnnBatch(g, newKnnQuery(k, Infinity), { groups, queries, index, dist2 });
  for (let j = 0; j < groups.count; j++) batch.group(j);
  for (let q = 0; q < 100; q++) {
    const ref = Array.from({ length: n }, (_, i) => {
      const dx = points[3 * i] - queries[3 * q], dy = points[3 * i + 1] - queries[3 * q + 1];
      const dz = points[3 * i + 2] - queries[3 * q + 2];
      return { d: Math.fround(dx * dx + dy * dy + dz * dz), i };
    }).sort((x, y) => x.d - y.d || x.i - y.i).slice(0, k);
    assert.deepEqual(Array.from(index.subarray(q * k, q * k + k)), ref.map((r) => r.i));
    assert.deepEqual(Array.from(dist2.subarray(q * k, q * k + k)), ref.map((r) => r.d));
  }
});
