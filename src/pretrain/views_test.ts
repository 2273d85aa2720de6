import assert from "node:assert/strict";
import { Rng } from "../kernels/random.ts";
import { drawView, type PretrainRoom, sharedSuperpoints, VIEW_DEFAULTS } from "./views.ts";

/** A 4 × 3 m floor of n random points with colour, in superpoints of 1 m² cells. */
function room(n: number, seed: number): PretrainRoom {
  const rng = new Rng(seed);
  const coord = new Float32Array(3 * n), color = new Uint8Array(3 * n);
  const superpoint = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    coord[3 * i] = rng.uniform(0, 4);
    coord[3 * i + 1] = rng.uniform(0, 3);
    coord[3 * i + 2] = rng.uniform(0, 0.01);
    for (let d = 0; d < 3; d++) color[3 * i + d] = rng.int(256);
    superpoint[i] = Math.floor(coord[3 * i]) + 4 * Math.floor(coord[3 * i + 1]);
  }
  return { name: "r", cloud: { count: n, coord, color }, superpoint, superpointCount: 12 };
}

Deno.test("drawView: a seeded view keeps distinct room points and moves them rigidly", () => {
  const r = room(3000, 1);
  const v = drawView(r, [2, 1.5], new Rng(7));
  const again = drawView(r, [2, 1.5], new Rng(7));
  assert.deepEqual(v.source, again.source);
  assert.deepEqual(v.cloud.coord, again.cloud.coord);
  assert.ok(v.source.length > 0 && v.source.length < 3000);
  assert.equal(new Set(v.source).size, v.source.length);
  assert.equal(v.cloud.count, v.source.length);
  // pairwise horizontal distances survive (rotation about z + shift), up to jitter
  const d = (c: Float32Array, i: number, j: number) =>
    Math.hypot(c[3 * i] - c[3 * j], c[3 * i + 1] - c[3 * j + 1]);
  for (let t = 0; t < 50; t++) {
    const i = t % v.source.length, j = (7 * t + 3) % v.source.length;
    const room = d(r.cloud.coord, v.source[i], v.source[j]);
    assert.ok(Math.abs(d(v.cloud.coord, i, j) - room) < 0.05, `${room}`);
  }
});

Deno.test("drawView: a crop larger than maxPoints shrinks to fit", () => {
  const r = room(5000, 2);
  const v = drawView(r, [2, 1.5], new Rng(3), { ...VIEW_DEFAULTS, maxPoints: 500, keep: [1, 1] });
  assert.ok(v.source.length <= 500 * 1.2, `${v.source.length}`);
  assert.ok(v.source.length > 50);
});

Deno.test("sharedSuperpoints numbers exactly the superpoints with enough points in both views", () => {
  const r = room(2000, 4);
  const rng = new Rng(9);
  for (let trial = 0; trial < 5; trial++) {
    const a = drawView(r, [2, 1.5], rng), b = drawView(r, [2, 1.5], rng);
    const s = sharedSuperpoints(r, a.source, b.source, 8);
    const count = (src: Int32Array, k: number) => src.filter((i) => r.superpoint[i] === k).length;
    const kept = Array.from({ length: 12 }, (_, k) => k).filter((k) =>
      count(a.source, k) >= 8 && count(b.source, k) >= 8
    );
    assert.equal(s.count, kept.length);
    assert.deepEqual(Array.from(s.roomOf), kept);
    // same room superpoint ↔ same shared id in both views; others 0
    const idOf = new Map<number, number>();
    a.source.forEach((i, j) => {
      const k = r.superpoint[i];
      if (!kept.includes(k)) return assert.equal(s.a[j], 0);
      assert.ok(s.a[j] >= 1 && s.a[j] <= s.count);
      if (!idOf.has(k)) idOf.set(k, s.a[j]);
      assert.equal(s.a[j], idOf.get(k));
    });
    b.source.forEach((i, j) => {
      const k = r.superpoint[i];
      assert.equal(s.b[j], kept.includes(k) ? idOf.get(k) : 0);
    });
  }
});

Deno.test("sharedSuperpoints of empty views is empty", () => {
  const r = room(100, 5);
  const s = sharedSuperpoints(r, new Int32Array(0), new Int32Array(0));
  assert.equal(s.count, 0);
  assert.equal(s.a.length, 0);
});
