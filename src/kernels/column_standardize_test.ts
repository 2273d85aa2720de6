import assert from "node:assert/strict";
import {
  addMoments,
  emptyMoments,
  momentScales,
  standardizeColumns,
} from "./column_standardize.ts";
import { Rng } from "./random.ts";

function bruteMoments(blocks: Float32Array[], d: number) {
  const all = blocks.flatMap((b) => [...b]);
  const rows = all.length / d;
  const mean = Array.from({ length: d }, (_, j) => {
    let s = 0;
    for (let i = 0; i < rows; i++) s += all[i * d + j];
    return s / rows;
  });
  const sd = mean.map((m, j) => {
    let s = 0;
    for (let i = 0; i < rows; i++) s += (all[i * d + j] - m) ** 2;
    return Math.sqrt(s / rows);
  });
  return { mean, sd };
}

Deno.test("column moments over several blocks match one brute-force pass", () => {
  const rng = new Rng(7);
  for (const [d, sizes] of [[3, [10, 1, 0, 57]], [17, [200, 3, 90]], [1, [5]]] as const) {
    const blocks = sizes.map((r) =>
      Float32Array.from({ length: r * d }, (_, k) => 100 + 5 * rng.normal() + (k % d))
    );
    const acc = emptyMoments(d);
    for (const b of blocks) addMoments(acc, b);
    const ref = bruteMoments(blocks, d);
    const scales = momentScales(acc);
    assert.equal(acc.rows, sizes.reduce((a: number, b: number) => a + b, 0));
    for (let j = 0; j < d; j++) {
      assert.ok(Math.abs(acc.mean[j] - ref.mean[j]) < 1e-9 * Math.abs(ref.mean[j]) + 1e-9);
      assert.ok(Math.abs(scales[j] - ref.sd[j]) < 1e-7 * ref.sd[j]);
    }
  }
});

Deno.test("constant and unseen columns get scale 1; bad shapes are refused", () => {
  const acc = addMoments(emptyMoments(2), Float32Array.from([1, 4, 1, 6, 1, 8]));
  assert.deepEqual([...momentScales(acc)], [1, Math.sqrt(8 / 3)]);
  assert.deepEqual([...momentScales(emptyMoments(3))], [1, 1, 1]);
  assert.throws(() => addMoments(emptyMoments(2), new Float32Array(3)), /whole rows/);
  assert.throws(() => emptyMoments(0), /positive integer/);
});

Deno.test("standardised columns have mean 0 and deviation 1; in place works", () => {
  const rng = new Rng(3);
  const d = 5, rows = 400;
  const x = Float32Array.from(
    { length: rows * d },
    (_, k) => (k % d) * 10 + (1 + k % d) * rng.normal(),
  );
  const acc = addMoments(emptyMoments(d), x);
  const z = standardizeColumns(x, acc.mean, momentScales(acc));
  const after = addMoments(emptyMoments(d), z);
  for (let j = 0; j < d; j++) {
    assert.ok(Math.abs(after.mean[j]) < 1e-5);
    assert.ok(Math.abs(momentScales(after)[j] - 1) < 1e-5);
  }
  standardizeColumns(x, acc.mean, momentScales(acc), x);
  assert.deepEqual(x, z);
  assert.deepEqual(standardizeColumns(new Float32Array(0), [1], [2]), new Float32Array(0));
  assert.deepEqual([...standardizeColumns(Float32Array.from([3, 5]), [1, 1], [2, 4])], [1, 1]);
  assert.throws(() => standardizeColumns(new Float32Array(3), [0, 0], [1, 1]), /whole rows/);
  assert.throws(() => standardizeColumns(new Float32Array(2), [0, 0], [1, 0]), /scale 0/);
});
