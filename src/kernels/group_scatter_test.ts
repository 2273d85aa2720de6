import assert from "node:assert/strict";
import { groupScatter } from "./group_scatter.ts";
import { Rng } from "./random.ts";

/** Reference: per group, the members listed first, then the outer products summed. */
function bruteScatter(coord: Float32Array, groupOf: Int32Array, center: ArrayLike<number>) {
  const g = center.length / 3;
  const out: number[] = [];
  for (let s = 0; s < g; s++) {
    const m = new Array(6).fill(0);
    for (let i = 0; i < groupOf.length; i++) {
      if (groupOf[i] !== s) continue;
      const d = [0, 1, 2].map((c) => coord[3 * i + c] - center[3 * s + c]);
      const pairs = [[0, 0], [0, 1], [0, 2], [1, 1], [1, 2], [2, 2]];
      pairs.forEach(([a, b], t) => m[t] += d[a] * d[b]);
    }
    out.push(...m);
  }
  return out;
}

Deno.test("groupScatter matches the brute-force sum on random groups", () => {
  const rng = new Rng(5);
  const n = 300, g = 6; // group 5 stays empty
  const coord = new Float32Array(3 * n).map(() => rng.uniform(-3, 3));
  const groupOf = new Int32Array(n).map(() => rng.int(6) - 1); // −1 … 4
  const center32 = new Float32Array(3 * g).map(() => rng.uniform(-1, 1));
  const center64 = Float64Array.from(center32, (v) => v + 0.25);
  for (const center of [center32, center64]) {
    const got = groupScatter(coord, groupOf, center);
    assert.equal(got.length, 6 * g);
    const want = bruteScatter(coord, groupOf, center);
    for (let t = 0; t < want.length; t++) {
      assert.ok(Math.abs(got[t] - want[t]) <= 1e-9 * (1 + Math.abs(want[t])), `entry ${t}`);
    }
    assert.deepEqual([...got.subarray(30, 36)], [0, 0, 0, 0, 0, 0]);
  }
});

Deno.test("groupScatter edge cases: empty input, skipped points, duplicates", () => {
  assert.deepEqual(
    groupScatter(new Float32Array(0), new Int32Array(0), new Float32Array(0)),
    new Float64Array(0),
  );
  // no points but two groups: all zero
  assert.deepEqual(
    [...groupScatter(new Float32Array(0), new Int32Array(0), new Float32Array(6))],
    new Array(12).fill(0),
  );
  // duplicate points, one skipped point far away
  const coord = new Float32Array([1, 2, 3, 1, 2, 3, 100, 100, 100]);
  const got = groupScatter(coord, new Int32Array([0, 0, -1]), new Float32Array([0, 0, 1]));
  // each duplicate contributes (1, 2, 2)(1, 2, 2)ᵀ
  assert.deepEqual([...got], [2, 4, 4, 8, 8, 8]);
});
