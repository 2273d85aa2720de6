import assert from "node:assert/strict";
import { Rng } from "../kernels/random.ts";
import { firstPoints, toVoxels } from "./voxelize.ts";

Deno.test("toVoxels: mean of valid teacher rows, any-valid, first point's ids (brute force)", () => {
  const rng = new Rng(3);
  const n = 200, v = 37, c = 4;
  const voxelOf = Int32Array.from({ length: n }, (_, i) => (i < v ? i : rng.int(v)));
  const teacher = Float32Array.from({ length: n * c }, () => rng.normal());
  const valid = Uint8Array.from({ length: n }, () => (rng.next() < 0.6 ? 1 : 0));
  const superpoint = Int32Array.from({ length: n }, () => rng.int(9));
  const instance = Int32Array.from({ length: n }, () => rng.int(4) - 1);
  const out = toVoxels({ teacher, teacherDim: c, valid, superpoint, instance }, voxelOf, v);
  for (let q = 0; q < v; q++) {
    const members = [...voxelOf.keys()].filter((i) => voxelOf[i] === q);
    const ok = members.filter((i) => valid[i]);
    assert.equal(out.valid![q], ok.length > 0 ? 1 : 0);
    for (let t = 0; t < c; t++) {
      const want = ok.length ? ok.reduce((s, i) => s + teacher[i * c + t], 0) / ok.length : 0;
      assert.ok(Math.abs(out.teacher![q * c + t] - want) < 1e-6);
    }
    assert.equal(out.superpoint![q], superpoint[members[0]]);
    assert.equal(out.instance![q], instance[members[0]]);
  }
});

Deno.test("toVoxels / firstPoints: one point per voxel is the identity; absent fields stay absent", () => {
  const voxelOf = Int32Array.from([2, 0, 1]);
  assert.deepEqual(Array.from(firstPoints(voxelOf, 3)), [1, 2, 0]);
  const teacher = Float32Array.from([1, 2, 3, 4, 5, 6]);
  const out = toVoxels({ teacher, teacherDim: 2 }, voxelOf, 3);
  assert.deepEqual(Array.from(out.teacher!), [3, 4, 5, 6, 1, 2]);
  assert.deepEqual(Array.from(out.valid!), [1, 1, 1]);
  assert.equal(out.superpoint, undefined);
  assert.deepEqual(toVoxels({}, new Int32Array(0), 0), {});
});

Deno.test("toVoxels: the one-point-per-voxel path equals the general mean", () => {
  const rng = new Rng(4);
  const n = 30, c = 3;
  const perm = rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
  const teacher = Float32Array.from({ length: n * c }, () => rng.normal());
  const valid = Uint8Array.from({ length: n }, () => (rng.next() < 0.5 ? 1 : 0));
  const fast = toVoxels({ teacher, teacherDim: c, valid }, perm, n);
  // The same voxels plus one extra empty-handed point forces the general path.
  const slow = toVoxels(
    {
      teacher: Float32Array.from([...teacher, 0, 0, 0]),
      teacherDim: c,
      valid: Uint8Array.from([...valid, 0]),
    },
    Int32Array.from([...perm, perm[0]]),
    n,
  );
  assert.deepEqual(fast, slow);
});
