import assert from "node:assert/strict";
import { GeoError } from "../kernels/errors.ts";
import { Rng } from "../kernels/random.ts";
import { voxelGrid } from "../kernels/voxel_grid.ts";
import { orderedVoxelGrid, summarizeLabels, throwIfAborted, voxelCloud } from "./inference.ts";

function randomCloud(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: 3 * n }, () => rng.uniform(-0.3, 0.3));
}

const cell = (coord: Float32Array, i: number, s: number) =>
  [0, 1, 2].map((d) => Math.floor(coord[3 * i + d] / s));

Deno.test("orderedVoxelGrid: same voxels as voxelGrid, numbered in lexicographic cell order", () => {
  const s = 0.1;
  const coord = randomCloud(500, 1);
  const g = orderedVoxelGrid(coord, s);
  const ref = voxelGrid(coord, s);
  assert.equal(g.count, ref.count);
  // same partition: two points share a voxel in one iff they do in the other
  const map = new Map<number, number>();
  for (let i = 0; i < 500; i++) {
    const m = map.get(ref.voxelOf[i]);
    if (m === undefined) map.set(ref.voxelOf[i], g.voxelOf[i]);
    else assert.equal(m, g.voxelOf[i]);
  }
  assert.equal(new Set(map.values()).size, g.count);
  // brute-force lexicographic order of the cells
  const cells = new Map<number, number[]>();
  for (let i = 0; i < 500; i++) cells.set(g.voxelOf[i], cell(coord, i, s));
  for (let v = 1; v < g.count; v++) {
    const a = cells.get(v - 1)!, b = cells.get(v)!;
    const cmp = a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
    assert.ok(cmp < 0, `voxel ${v - 1} ${a} before ${v} ${b}`);
  }
  for (let v = 0; v < g.count; v++) {
    const members = [...g.voxelOf.keys()].filter((i) => g.voxelOf[i] === v);
    assert.equal(g.pointCount[v], members.length);
    assert.equal(g.representative[v], members[0]);
    for (let d = 0; d < 3; d++) {
      const mean = members.reduce((acc, i) => acc + coord[3 * i + d], 0) / members.length;
      assert.ok(Math.abs(g.centroid[3 * v + d] - mean) < 1e-6);
    }
  }
});

Deno.test("orderedVoxelGrid: permuting the points gives the same centroids; edge cases", () => {
  const coord = randomCloud(300, 2);
  const perm = new Rng(3).shuffle([...Array(300).keys()]);
  const shuffled = new Float32Array(900);
  perm.forEach((p, i) => shuffled.set(coord.subarray(3 * p, 3 * p + 3), 3 * i));
  const a = orderedVoxelGrid(coord, 0.07);
  const b = orderedVoxelGrid(shuffled, 0.07);
  assert.deepEqual(b.centroid, a.centroid);
  assert.deepEqual(b.pointCount, a.pointCount);
  perm.forEach((p, i) => assert.equal(b.voxelOf[i], a.voxelOf[p]));
  const empty = orderedVoxelGrid(new Float32Array(0), 0.1);
  assert.equal(empty.count, 0);
  const dup = orderedVoxelGrid(new Float32Array([1, 1, 1, 1, 1, 1, -1, 0, 0]), 0.5);
  assert.equal(dup.count, 2);
  assert.deepEqual([...dup.voxelOf], [1, 1, 0]);
  assert.deepEqual([...dup.pointCount], [1, 2]);
});

Deno.test("voxelCloud: centroids, mean colour (rounded), mean normal re-normalised", () => {
  const coord = new Float32Array([0.01, 0, 0, 0.03, 0, 0, 0.5, 0.5, 0.5]);
  const color = new Uint8Array([10, 20, 30, 11, 20, 255, 1, 2, 3]);
  const normal = new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  const g = orderedVoxelGrid(coord, 0.1);
  const v = voxelCloud({ count: 3, coord, color, normal }, g);
  assert.equal(v.count, 2);
  assert.deepEqual([...v.coord.subarray(0, 3)], [Math.fround(0.02), 0, 0]);
  assert.deepEqual([...v.color!], [11, 20, 143, 1, 2, 3]); // 10.5 rounds up, (30+255)/2 = 142.5 → 143
  const r = Math.SQRT1_2;
  assert.ok(Math.abs(v.normal![0] - r) < 1e-6 && Math.abs(v.normal![1] - r) < 1e-6);
  assert.deepEqual([...v.normal!.subarray(3)], [0, 0, 1]);
  // opposite normals in one voxel cancel: the voxel cloud gets no normals (estimated later)
  const cancel = voxelCloud(
    { count: 2, coord: coord.subarray(0, 6), normal: new Float32Array([0, 0, 1, 0, 0, -1]) },
    orderedVoxelGrid(coord.subarray(0, 6), 0.1),
  );
  assert.equal(cancel.normal, undefined);
  assert.equal(cancel.color, undefined);
});

Deno.test("summarizeLabels: counts and mean scores per label, unknown last", () => {
  const rng = new Rng(8);
  const n = 200;
  const labels = Int16Array.from({ length: n }, () => rng.int(4) - 1);
  const scores = Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
  const names = ["a", "b", "c", "never"];
  const out = summarizeLabels(labels, scores, names);
  assert.deepEqual(out.map((s) => s.label), ["a", "b", "c", "unknown"]);
  for (const s of out) {
    const k = s.label === "unknown" ? -1 : names.indexOf(s.label);
    const idx = [...labels.keys()].filter((i) => labels[i] === k);
    assert.equal(s.points, idx.length);
    assert.ok(
      Math.abs(s.meanScore - idx.reduce((acc, i) => acc + scores[i], 0) / idx.length) < 1e-12,
    );
  }
  assert.deepEqual(summarizeLabels(new Int16Array(0), new Float32Array(0), names), []);
});

Deno.test("throwIfAborted: cancelled, deadline_exceeded, or nothing", () => {
  throwIfAborted(undefined);
  throwIfAborted(new AbortController().signal);
  const a = new AbortController();
  a.abort();
  assert.throws(
    () => throwIfAborted(a.signal),
    (e: unknown) => e instanceof GeoError && e.kind === "cancelled",
  );
  assert.throws(
    () => throwIfAborted(AbortSignal.abort(new DOMException("t", "TimeoutError"))),
    (e: unknown) => e instanceof GeoError && e.kind === "deadline_exceeded",
  );
});
