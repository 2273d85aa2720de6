import assert from "node:assert/strict";
import { Rng } from "./random.ts";
import {
  gatherRows,
  scatterRows,
  segmentMax,
  segmentMean,
  segmentSizes,
  segmentSum,
} from "./segment_pool.ts";

function randomCase(rng: Rng, n: number, dim: number, count: number) {
  const values = new Float32Array(n * dim);
  for (let i = 0; i < values.length; i++) values[i] = rng.normal() * 10;
  // Ids skip the last segment (always empty) and include −1 rows.
  const ids = Int32Array.from({ length: n }, () => (rng.bernoulli(0.1) ? -1 : rng.int(count - 1)));
  return { values, ids };
}

Deno.test("segment pooling matches naive loops on random input with −1 ids and empty segments", () => {
  const rng = new Rng(41);
  for (const [n, dim, count] of [[500, 3, 20], [1000, 7, 300], [50, 1, 5]]) {
    const { values, ids } = randomCase(rng, n, dim, count);
    const sizes = segmentSizes(ids, count);
    const mean = segmentMean(values, dim, ids, count);
    const max = segmentMax(values, dim, ids, count);
    const sum = segmentSum(values, dim, ids, count);
    for (let s = 0; s < count; s++) {
      const rows = [...ids.keys()].filter((i) => ids[i] === s);
      assert.equal(sizes[s], rows.length);
      for (let d = 0; d < dim; d++) {
        const col = rows.map((i) => values[i * dim + d]);
        const total = col.reduce((a, b) => a + b, 0);
        const m = col.length ? total / col.length : 0;
        assert.ok(Math.abs(sum[s * dim + d] - total) <= 1e-9 * Math.max(1, Math.abs(total)));
        assert.ok(Math.abs(mean[s * dim + d] - m) <= 1e-5 * Math.max(1, Math.abs(m)));
        assert.equal(max[s * dim + d], col.length ? Math.max(...col) : 0);
      }
    }
    assert.equal(sizes[count - 1], 0);
    const back = gatherRows(mean, dim, ids);
    for (let i = 0; i < n; i++) {
      for (let d = 0; d < dim; d++) {
        assert.equal(back[i * dim + d], ids[i] < 0 ? 0 : mean[ids[i] * dim + d]);
      }
    }
  }
});

Deno.test("segment pooling hand-made case", () => {
  const values = new Float32Array([1, 10, 3, 30, -5, -50, 7, 70]);
  const ids = new Int32Array([0, 0, -1, 2]);
  assert.deepEqual(Array.from(segmentSizes(ids, 3)), [2, 0, 1]);
  assert.deepEqual(Array.from(segmentMean(values, 2, ids, 3)), [2, 20, 0, 0, 7, 70]);
  assert.deepEqual(Array.from(segmentMax(values, 2, ids, 3)), [3, 30, 0, 0, 7, 70]);
  assert.deepEqual(Array.from(segmentSum(values, 2, ids, 3)), [4, 40, 0, 0, 7, 70]);
  const neg = segmentMax(new Float32Array([-3, -1]), 1, new Int32Array([0, 0]), 1);
  assert.deepEqual(Array.from(neg), [-1]);
  assert.deepEqual(
    Array.from(gatherRows(new Float32Array([1, 2, 3, 4]), 2, new Int32Array([1, -1, 0, 1]))),
    [3, 4, 0, 0, 1, 2, 3, 4],
  );
});

Deno.test("segment pooling edge cases and argument checks", () => {
  assert.equal(segmentSizes(new Int32Array(0), 0).length, 0);
  assert.deepEqual(
    Array.from(segmentMean(new Float32Array(0), 4, new Int32Array(0), 2)),
    new Array(8).fill(0),
  );
  assert.deepEqual(Array.from(segmentMax(new Float32Array(0), 1, new Int32Array(0), 2)), [0, 0]);
  assert.equal(gatherRows(new Float32Array(0), 3, new Int32Array(0)).length, 0);
  assert.throws(() => segmentSizes(new Int32Array([3]), 3), /outside/);
  assert.throws(() => segmentSizes(new Int32Array([-2]), 3), /outside/);
  assert.throws(() => segmentMean(new Float32Array(5), 2, new Int32Array(3), 1), /expected 3×2/);
  assert.throws(() => segmentMax(new Float32Array(4), 0, new Int32Array(4), 1), /row width/);
  assert.throws(() => segmentSum(new Float32Array(2), 1, new Int32Array([0, 1]), 1), /outside/);
  assert.deepEqual(Array.from(segmentSum(new Float32Array(0), 2, new Int32Array(0), 1)), [0, 0]);
  assert.throws(() => gatherRows(new Float32Array(4), 2, new Int32Array([2])), /outside/);
  assert.throws(() => gatherRows(new Float32Array(5), 2, new Int32Array([0])), /rows of width/);
});

Deno.test("scatterRows: the inverse of gatherRows on a subset, brute force; types and fills kept", () => {
  const rng = new Rng(21);
  for (const [total, dim] of [[20, 3], [7, 1], [1, 2]]) {
    const index = Int32Array.from(
      Array.from({ length: total }, (_, i) => i).filter(() => rng.uniform(0, 1) < 0.6),
    );
    const values = new Float32Array(index.length * dim).map(() => rng.uniform(-1, 1));
    const out = scatterRows(values, dim, index, total, NaN);
    assert.equal(out.length, total * dim);
    for (let r = 0; r < total; r++) {
      const j = index.indexOf(r);
      for (let d = 0; d < dim; d++) {
        if (j < 0) assert.ok(Number.isNaN(out[r * dim + d]));
        else assert.equal(out[r * dim + d], values[j * dim + d]);
      }
    }
    assert.deepEqual(Array.from(gatherRows(out, dim, index)), Array.from(values));
  }
  const labels = scatterRows(Int16Array.of(4, 5), 1, Int32Array.of(2, 0), 3, -1);
  assert.ok(labels instanceof Int16Array);
  assert.deepEqual(Array.from(labels), [5, -1, 4]);
  assert.equal(scatterRows(new Int32Array(0), 1, new Int32Array(0), 2, 7).join(), "7,7");
  assert.throws(() => scatterRows(new Float32Array(3), 2, Int32Array.of(0), 2, 0), /rows/);
  assert.throws(() => scatterRows(new Float32Array(1), 1, Int32Array.of(5), 2, 0), /outside/);
  assert.throws(() => scatterRows(new Float32Array(1), 1, Int32Array.of(-1), 2, 0), /negative/);
});

Deno.test("gatherRows keeps the array type: integer and byte rows of a subset", () => {
  const bytes = new Uint8Array([1, 2, 3, 4, 5, 6]);
  const got = gatherRows(bytes, 3, new Int32Array([1, 0, 1]));
  assert.ok(got instanceof Uint8Array);
  assert.deepEqual(Array.from(got), [4, 5, 6, 1, 2, 3, 4, 5, 6]);
  const labels = gatherRows(new Int16Array([-1, 7, 3]), 1, new Int32Array([2, -1, 0]));
  assert.ok(labels instanceof Int16Array);
  assert.deepEqual(Array.from(labels), [3, 0, -1]);
});
