import assert from "node:assert/strict";
import { Rng } from "./random.ts";
import { voxelGrid } from "./voxel_grid.ts";

/** Map-based reference: voxels by string key, numbered in order of first appearance. */
function reference(coord: Float32Array, size: number) {
  const ids = new Map<string, number>();
  const voxelOf: number[] = [], first: number[] = [], count: number[] = [], sums: number[][] = [];
  for (let i = 0; i < coord.length / 3; i++) {
    const key = [0, 1, 2].map((a) => Math.floor(coord[3 * i + a] / size)).join(",");
    let v = ids.get(key);
    if (v === undefined) {
      v = ids.size;
      ids.set(key, v);
      first.push(i);
      count.push(0);
      sums.push([0, 0, 0]);
    }
    voxelOf.push(v);
    count[v]++;
    for (let a = 0; a < 3; a++) sums[v][a] += coord[3 * i + a];
  }
  return { voxelOf, first, count, centroid: sums.map((s, v) => s.map((x) => x / count[v])) };
}

function check(coord: Float32Array, size: number) {
  const got = voxelGrid(coord, size);
  const want = reference(coord, size);
  assert.equal(got.count, want.count.length);
  assert.deepEqual(Array.from(got.voxelOf), want.voxelOf);
  assert.deepEqual(Array.from(got.representative), want.first);
  assert.deepEqual(Array.from(got.pointCount), want.count);
  for (let v = 0; v < got.count; v++) {
    for (let a = 0; a < 3; a++) {
      const w = want.centroid[v][a];
      assert.ok(Math.abs(got.centroid[3 * v + a] - w) <= 1e-6 * Math.max(1, Math.abs(w)));
    }
  }
}

Deno.test("voxelGrid matches a Map-based reference on random clouds", () => {
  const rng = new Rng(11);
  for (const [n, size, span] of [[3000, 0.1, 2], [2000, 0.5, 10], [500, 1e-3, 0.01]]) {
    const coord = new Float32Array(3 * n);
    for (let i = 0; i < coord.length; i++) coord[i] = rng.uniform(-span, span);
    check(coord, size);
  }
});

Deno.test("voxelGrid groups duplicates and clustered points; far coordinates work", () => {
  const rng = new Rng(12);
  const n = 1000;
  const coord = new Float32Array(3 * n);
  for (let i = 0; i < coord.length; i++) coord[i] = 1000 + rng.int(4) * 0.05 + rng.normal() * 1e-3;
  check(coord, 0.02);
  coord.set([5e5, -4e5, 300], 0);
  check(coord, 0.02);
});

Deno.test("voxelGrid hand-made case and edge cases", () => {
  const coord = new Float32Array([
    0.05,
    0.05,
    0.05,
    0.15,
    0.05,
    0.05,
    0.06,
    0.07,
    0.01,
    -0.05,
    0,
    0,
  ]);
  const g = voxelGrid(coord, 0.1);
  assert.equal(g.count, 3);
  assert.deepEqual(Array.from(g.voxelOf), [0, 1, 0, 2]);
  assert.deepEqual(Array.from(g.representative), [0, 1, 3]);
  assert.deepEqual(Array.from(g.pointCount), [2, 1, 1]);
  assert.ok(Math.abs(g.centroid[0] - 0.055) < 1e-7 && Math.abs(g.centroid[2] - 0.03) < 1e-7);
  const empty = voxelGrid(new Float32Array(0), 0.1);
  assert.equal(empty.count, 0);
  assert.equal(empty.voxelOf.length, 0);
  const one = voxelGrid(new Float32Array([1, 2, 3]), 0.1);
  assert.equal(one.count, 1);
  assert.deepEqual(Array.from(one.centroid), [1, 2, 3]);
  assert.throws(() => voxelGrid(coord, 0), RangeError);
  assert.throws(() => voxelGrid(coord, -1), RangeError);
  assert.throws(() => voxelGrid(coord, NaN), RangeError);
  assert.throws(() => voxelGrid(new Float32Array([0, NaN, 0]), 0.1), /not finite/);
  assert.throws(() => voxelGrid(new Float32Array([0, 0]), 0.1), /N×3/);
});
