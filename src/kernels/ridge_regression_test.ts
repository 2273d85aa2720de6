import assert from "node:assert/strict";
import { GeoError } from "./errors.ts";
import { Rng } from "./random.ts";
import { addRidgeRows, emptyRidgeSums, ridgeRegression, solveRidge } from "./ridge_regression.ts";

/** The full normal equations built row by row, solved by Gaussian elimination with pivoting. */
function bruteRidge(x: number[][], labels: number[], c: number, lambda: number): number[][] {
  const d = x[0]?.length ?? 0, e = d + 1;
  const a = Array.from({ length: e }, () => new Array<number>(e + c).fill(0));
  labels.forEach((k, r) => {
    if (k < 0) return;
    const row = [...x[r], 1];
    for (let i = 0; i < e; i++) {
      for (let j = 0; j < e; j++) a[i][j] += row[i] * row[j];
      a[i][e + k] += row[i];
    }
  });
  for (let i = 0; i < d; i++) a[i][i] += lambda;
  for (let col = 0; col < e; col++) {
    let p = col;
    for (let r = col + 1; r < e; r++) if (Math.abs(a[r][col]) > Math.abs(a[p][col])) p = r;
    [a[col], a[p]] = [a[p], a[col]];
    for (let r = 0; r < e; r++) {
      if (r === col) continue;
      const f = a[r][col] / a[col][col];
      for (let j = col; j < e + c; j++) a[r][j] -= f * a[col][j];
    }
  }
  return a.map((row, i) => row.slice(e).map((v) => v / a[i][i]));
}

function randomData(rng: Rng, n: number, d: number, c: number) {
  const x = Array.from({ length: n }, () => Array.from({ length: d }, () => 3 + rng.normal()));
  const labels = Array.from({ length: n }, () => rng.int(c + 1) - 1); // −1 sometimes
  return { x, labels, flat: Float32Array.from(x.flat()), lab: Int16Array.from(labels) };
}

Deno.test("ridge weights match a brute-force normal-equation solve on seeded data", () => {
  const rng = new Rng(11);
  for (
    const [n, d, c, lambda] of [[200, 5, 3, 0.5], [60, 12, 6, 0], [40, 1, 2, 10], [9, 8, 4, 2]]
  ) {
    const { x, labels, flat, lab } = randomData(rng, n, d, c);
    const xr = x.map((row) => row.map((v) => Math.fround(v)));
    const ref = bruteRidge(xr, labels, c, lambda);
    const w = ridgeRegression(flat, lab, { dim: d, classes: c, lambda });
    assert.equal(w.length, (d + 1) * c);
    for (let a = 0; a <= d; a++) {
      for (let k = 0; k < c; k++) {
        const err = Math.abs(w[a * c + k] - ref[a][k]);
        assert.ok(err < 1e-8 * (1 + Math.abs(ref[a][k])), `n=${n} d=${d} W[${a},${k}]`);
      }
    }
  }
});

Deno.test("ridge sums over several batches equal one pass; skipped rows do not count", () => {
  const rng = new Rng(5);
  const { flat, lab } = randomData(rng, 67, 4, 3);
  const one = addRidgeRows(emptyRidgeSums(4, 3), flat, lab);
  const many = emptyRidgeSums(4, 3);
  for (const [s, t] of [[0, 10], [10, 10], [10, 67]]) {
    addRidgeRows(many, flat.subarray(4 * s, 4 * t), lab.subarray(s, t));
  }
  assert.equal(one.rows, lab.filter((k) => k >= 0).length);
  assert.equal(many.rows, one.rows);
  assert.deepEqual(Array.from(many.counts), Array.from(one.counts));
  const a = solveRidge(one, 1), b = solveRidge(many, 1);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-10));
});

Deno.test("ridge: the bias is not regularised (shifting every column moves only the bias)", () => {
  const rng = new Rng(8);
  const { flat: raw, lab } = randomData(rng, 50, 3, 3);
  const flat = raw.map((v) => Math.round(v * 64) / 64); // + 4 stays exact in float32
  const shifted = flat.map((v) => v + 4);
  const w = ridgeRegression(flat, lab, { dim: 3, classes: 3, lambda: 5 });
  const v = ridgeRegression(shifted, lab, { dim: 3, classes: 3, lambda: 5 });
  for (let i = 0; i < 9; i++) assert.ok(Math.abs(w[i] - v[i]) < 1e-9, `W[${i}]`);
  for (let k = 0; k < 3; k++) {
    const moved = w[9 + k] - 4 * (w[k] + w[3 + k] + w[6 + k]);
    assert.ok(Math.abs(v[9 + k] - moved) < 1e-8, `bias ${k}`);
  }
});

Deno.test("ridge separates three clusters at the corners of a triangle", () => {
  const rng = new Rng(3);
  const corners = [[0, 0], [4, 0], [0, 4]];
  const draw = (n: number) => {
    const labels = Int16Array.from({ length: n }, (_, i) => i % 3);
    const x = Float32Array.from(
      Array.from(labels).flatMap((k) => corners[k].map((c) => c + rng.uniform(-0.5, 0.5))),
    );
    return { x, labels };
  };
  const train = draw(90), test = draw(30);
  const w = ridgeRegression(train.x, train.labels, { dim: 2, classes: 3, lambda: 1e-3 });
  for (const { x, labels } of [train, test]) {
    labels.forEach((k, i) => {
      const s = [0, 1, 2].map((c) => x[2 * i] * w[c] + x[2 * i + 1] * w[3 + c] + w[6 + c]);
      assert.equal(s.indexOf(Math.max(...s)), k, `row ${i}`);
    });
  }
});

Deno.test("ridge edge cases: no rows, only ignored rows, a class without rows, duplicates", () => {
  const none = ridgeRegression(new Float32Array(0), new Int16Array(0), {
    dim: 2,
    classes: 3,
    lambda: 1,
  });
  assert.deepEqual(Array.from(none), new Array(9).fill(0));
  const ignored = addRidgeRows(
    emptyRidgeSums(1, 2),
    Float32Array.from([1, 2]),
    Int16Array.of(-1, -1),
  );
  assert.equal(ignored.rows, 0);
  assert.deepEqual(Array.from(solveRidge(ignored, 0)), [0, 0, 0, 0]);
  // class 1 has no rows: its column is exactly zero
  const x = Float32Array.from([0, 1, 2, 3]), lab = Int16Array.of(0, 2, 0, 2);
  const w = ridgeRegression(x, lab, { dim: 1, classes: 3, lambda: 0.1 });
  assert.equal(w[1], 0);
  assert.equal(w[4], 0);
  // every row twice = the same fit with λ doubled
  const twice = addRidgeRows(addRidgeRows(emptyRidgeSums(1, 3), x, lab), x, lab);
  const w2 = solveRidge(twice, 0.2);
  w.forEach((v, i) => assert.ok(Math.abs(v - w2[i]) < 1e-12));
});

Deno.test("ridge rejects bad sizes, labels and λ, and a singular system without λ", () => {
  const is = (e: unknown) => e instanceof GeoError && e.kind === "invalid_argument";
  assert.throws(() => emptyRidgeSums(0, 2), is);
  assert.throws(
    () => addRidgeRows(emptyRidgeSums(2, 2), new Float32Array(3), new Int16Array(2)),
    is,
  );
  assert.throws(
    () => addRidgeRows(emptyRidgeSums(1, 2), new Float32Array(1), Int16Array.of(2)),
    is,
  );
  assert.throws(
    () => addRidgeRows(emptyRidgeSums(1, 2), new Float32Array(1), Int16Array.of(-2)),
    is,
  );
  const dup = addRidgeRows(
    emptyRidgeSums(2, 2),
    Float32Array.from([1, 1, 2, 2, 3, 3]), // two equal columns
    Int16Array.of(0, 1, 0),
  );
  assert.throws(() => solveRidge(dup, 0), (e: unknown) => is(e) && /singular/.test(String(e)));
  assert.throws(() => solveRidge(dup, -1), is);
  assert.equal(solveRidge(dup, 1e-3).length, 6);
});
