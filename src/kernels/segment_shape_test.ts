import assert from "node:assert/strict";
import { bruteCovariance, jacobiEigen3 } from "./_brute_reference.ts";
import { Rng } from "./random.ts";
import { segmentShape } from "./segment_shape.ts";

Deno.test("segmentShape matches per-segment brute force", () => {
  const rng = new Rng(12);
  const n = 500, count = 7; // segment 6 stays empty
  const coord = new Float32Array(3 * n);
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    ids[i] = rng.int(7) - 1; // −1 … 5
    const s = Math.max(ids[i], 0);
    coord.set([
      100 + s + rng.normal() * (s + 1) * 0.1,
      rng.normal() * 0.05,
      s * 0.5 + rng.uniform(0, 1),
    ], 3 * i);
  }
  const got = segmentShape(coord, ids, count);
  for (let s = 0; s < count; s++) {
    const members = [...ids.keys()].filter((i) => ids[i] === s);
    assert.equal(got.size[s], members.length);
    if (members.length === 0) {
      assert.deepEqual([got.zMin[s], got.zMax[s], ...got.spread.subarray(3 * s, 3 * s + 3)], [
        0,
        0,
        0,
        0,
        0,
      ]);
      continue;
    }
    const zs = members.map((i) => coord[3 * i + 2]);
    assert.equal(got.zMin[s], Math.min(...zs));
    assert.equal(got.zMax[s], Math.max(...zs));
    for (let c = 0; c < 3; c++) {
      const mean = members.reduce((a, i) => a + coord[3 * i + c], 0) / members.length;
      assert.ok(Math.abs(got.centroid[3 * s + c] - mean) < 1e-4);
    }
    const { values } = jacobiEigen3(bruteCovariance(coord, members));
    for (let c = 0; c < 3; c++) {
      const want = Math.sqrt(Math.max(values[c], 0));
      assert.ok(Math.abs(got.spread[3 * s + c] - want) < 1e-5, `segment ${s} spread ${c}`);
    }
  }
});

Deno.test("segmentShape: a 2 m × 1 m rectangle has principal lengths √12·σ ≈ 2 and 1", () => {
  const coord: number[] = [];
  for (let u = 0; u < 200; u++) {
    for (let v = 0; v < 100; v++) coord.push(u * 0.01 + 0.005, 0, v * 0.01 + 0.005);
  }
  const shape = segmentShape(new Float32Array(coord), new Int32Array(20000), 1);
  assert.ok(Math.abs(Math.sqrt(12) * shape.spread[0] - 2) < 1e-3);
  assert.ok(Math.abs(Math.sqrt(12) * shape.spread[1] - 1) < 1e-3);
  assert.ok(shape.spread[2] < 1e-6);
});

Deno.test("segmentShape rejects bad ids and lengths", () => {
  assert.throws(() => segmentShape(new Float32Array(3), new Int32Array([2]), 2), /id 2/);
  assert.throws(() => segmentShape(new Float32Array(4), new Int32Array(1), 1), /coordinates/);
  assert.equal(segmentShape(new Float32Array(0), new Int32Array(0), 0).size.length, 0);
});
