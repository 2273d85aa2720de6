import assert from "node:assert/strict";
import { Rng } from "../kernels/random.ts";
import { cropScene, nearestInPlane } from "./crop.ts";

function scene(n: number, seed: number) {
  const rng = new Rng(seed);
  return {
    count: n,
    coord: Float32Array.from({ length: 3 * n }, () => rng.uniform(0, 4)),
    geometric: Float32Array.from({ length: 2 * n }, () => rng.normal()),
    teacher: Float32Array.from({ length: 3 * n }, () => rng.normal()),
    valid: Uint8Array.from({ length: n }, () => rng.int(2)),
    superpoint: Int32Array.from({ length: n }, () => rng.int(5)),
    instance: Int32Array.from({ length: n }, () => rng.int(4) - 1),
  };
}

Deno.test("nearestInPlane: the k smallest x-y distances (brute force), ascending indices", () => {
  const s = scene(300, 1);
  for (const [center, k] of [[0, 10], [17, 150], [299, 1]]) {
    const got = nearestInPlane(s.coord, center, k);
    const d = (i: number) =>
      (s.coord[3 * i] - s.coord[3 * center]) ** 2 +
      (s.coord[3 * i + 1] - s.coord[3 * center + 1]) ** 2;
    const want = [...Array(300).keys()].sort((a, b) => d(a) - d(b) || a - b).slice(0, k).sort((
      a,
      b,
    ) => a - b);
    assert.deepEqual(Array.from(got), want);
    assert.ok(got.includes(center));
  }
  assert.deepEqual(Array.from(nearestInPlane(s.coord, 3, 1000)).length, 300);
  // Duplicate points: ties broken by index.
  const dup = new Float32Array(12);
  assert.deepEqual(Array.from(nearestInPlane(dup, 2, 2)), [0, 1]);
});

Deno.test("cropScene: small scenes pass whole; large ones give consistent rows of a crop", () => {
  const s = scene(200, 2);
  const whole = cropScene(s, 0, new Rng(0));
  assert.equal(whole.geometric, s.geometric);
  assert.equal(cropScene(s, 200, new Rng(0)).count, 200);
  const c = cropScene(s, 50, new Rng(3));
  assert.equal(c.count, 50);
  const keep = nearestInPlane(s.coord, new Rng(3).int(200), 50);
  keep.forEach((i, r) => {
    assert.deepEqual(
      c.geometric.subarray(2 * r, 2 * r + 2),
      s.geometric.subarray(2 * i, 2 * i + 2),
    );
    assert.deepEqual(c.teacher.subarray(3 * r, 3 * r + 3), s.teacher.subarray(3 * i, 3 * i + 3));
    assert.equal(c.valid[r], s.valid[i]);
    assert.equal(c.superpoint[r], s.superpoint[i]);
    assert.equal(c.instance[r], s.instance[i]);
  });
  assert.deepEqual(cropScene(s, 50, new Rng(3)), c);
});
