import assert from "node:assert/strict";
import { analyzeScene } from "../features/scene_geometry.ts";
import { Rng } from "../kernels/random.ts";
import { flatThinningMask, subsetScene } from "./decimate.ts";

/** A floor (flat) under a sphere of radius 0.5 m (curved), with labels naming the part. */
function scene(seed: number) {
  const rng = new Rng(seed);
  const c: number[] = [], seg: number[] = [];
  for (let i = 0; i < 1500; i++) c.push(rng.uniform(0, 3), rng.uniform(0, 3), 0), seg.push(1);
  for (let i = 0; i < 1500; i++) {
    const z = rng.uniform(-1, 1), a = rng.uniform(0, 2 * Math.PI), r = Math.sqrt(1 - z * z);
    c.push(1.5 + 0.5 * r * Math.cos(a), 1.5 + 0.5 * r * Math.sin(a), 1.2 + 0.5 * z), seg.push(4);
  }
  const n = seg.length, dim = 2;
  return {
    name: "s",
    count: n,
    coord: new Float32Array(c),
    color: Uint8Array.from({ length: 3 * n }, (_, j) => j % 251),
    teacher: Float32Array.from({ length: dim * n }, (_, j) => j),
    teacherDim: dim,
    valid: Uint8Array.from({ length: n }, (_, i) => i % 3 ? 1 : 0),
    instance: Int32Array.from({ length: n }, (_, i) => (i < 1500 ? -1 : 0)),
    segment: Int16Array.from(seg),
  };
}

Deno.test("flatThinningMask thins the flat points only, by the share asked, seeded", () => {
  const s = scene(1);
  const { curvature } = analyzeScene({ count: s.count, coord: s.coord });
  const mask = flatThinningMask(s, new Rng(7), { keep: 0.25 });
  assert.deepEqual(mask, flatThinningMask(s, new Rng(7), { keep: 0.25 }));
  let flat = 0, flatKept = 0;
  for (let i = 0; i < s.count; i++) {
    if (curvature[i] > 0.01) assert.equal(mask[i], 1, `curved point ${i} dropped`);
    else flat++, flatKept += mask[i];
  }
  assert.ok(flat >= 1400, `the floor is flat (${flat} flat points)`);
  assert.ok(Math.abs(flatKept / flat - 0.25) < 0.05, `kept ${flatKept} of ${flat}`);
  assert.ok(flatThinningMask(s, new Rng(7), { keep: 1 }).every((k) => k === 1));
  assert.equal(
    flatThinningMask({ count: 0, coord: new Float32Array(0) }, new Rng(1), { keep: 0.5 }).length,
    0,
  );
  assert.throws(() => flatThinningMask(s, new Rng(1), { keep: 0 }), /keep/);
});

Deno.test("subsetScene keeps every per-point array of the kept points together", () => {
  const s = scene(2);
  const keep = Uint8Array.from({ length: s.count }, (_, i) => (i % 7 === 0 ? 1 : 0));
  const t = subsetScene(s, keep);
  const idx = [...keep.keys()].filter((i) => keep[i]);
  assert.equal(t.count, idx.length);
  assert.equal(t.name, "s");
  idx.forEach((i, j) => {
    assert.deepEqual(
      Array.from(t.coord.subarray(3 * j, 3 * j + 3)),
      Array.from(s.coord.subarray(3 * i, 3 * i + 3)),
    );
    assert.deepEqual(
      Array.from(t.color!.subarray(3 * j, 3 * j + 3)),
      Array.from(s.color.subarray(3 * i, 3 * i + 3)),
    );
    assert.deepEqual(Array.from(t.teacher!.subarray(2 * j, 2 * j + 2)), [2 * i, 2 * i + 1]);
    assert.equal(t.valid![j], s.valid[i]);
    assert.equal(t.instance![j], s.instance[i]);
    assert.equal(t.segment![j], s.segment[i]);
  });
  assert.ok(t.segment instanceof Int16Array && t.instance instanceof Int32Array);
  assert.equal((t as { normal?: Float32Array }).normal, undefined);
  assert.throws(() => subsetScene(s, new Uint8Array(3)), /3 flags/);
});
