import assert from "node:assert/strict";
import { eigenSym3, eigenSym3Into } from "./eigen_sym3.ts";
import { Rng } from "./random.ts";

type M3 = number[][];

function full(c: number[]): M3 {
  return [[c[0], c[1], c[2]], [c[1], c[3], c[4]], [c[2], c[4], c[5]]];
}

/** Cyclic Jacobi reference eigenvalues (ascending). */
function jacobiValues(c: number[]): number[] {
  const a = full(c);
  for (let sweep = 0; sweep < 50; sweep++) {
    for (const [p, q] of [[0, 1], [0, 2], [1, 2]]) {
      if (Math.abs(a[p][q]) < 1e-300) continue;
      const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const cs = 1 / Math.sqrt(t * t + 1), sn = t * cs;
      for (let k = 0; k < 3; k++) {
        const akp = a[k][p], akq = a[k][q];
        a[k][p] = cs * akp - sn * akq;
        a[k][q] = sn * akp + cs * akq;
      }
      for (let k = 0; k < 3; k++) {
        const apk = a[p][k], aqk = a[q][k];
        a[p][k] = cs * apk - sn * aqk;
        a[q][k] = sn * apk + cs * aqk;
      }
    }
  }
  return [a[0][0], a[1][1], a[2][2]].sort((x, y) => x - y);
}

/** Checks A·v = λ·v, orthonormality, right-handedness and the values against Jacobi. */
function checkDecomposition(c: number[], tol = 1e-9) {
  const { values, vectors } = eigenSym3(c);
  const a = full(c);
  const scale = Math.max(1e-300, ...c.map(Math.abs));
  assert.ok(values[0] <= values[1] && values[1] <= values[2], `ascending ${values}`);
  const ref = jacobiValues(c);
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(values[i] - ref[i]) <= tol * scale, `λ${i}`);
  const col = (i: number) => [vectors[i], vectors[3 + i], vectors[6 + i]];
  for (let i = 0; i < 3; i++) {
    const v = col(i);
    for (let r = 0; r < 3; r++) {
      const av = a[r][0] * v[0] + a[r][1] * v[1] + a[r][2] * v[2];
      assert.ok(Math.abs(av - values[i] * v[r]) <= tol * scale, `A·v = λ·v for ${c}`);
    }
    for (let j = 0; j < 3; j++) {
      const u = col(j);
      const dot = v[0] * u[0] + v[1] * u[1] + v[2] * u[2];
      assert.ok(Math.abs(dot - (i === j ? 1 : 0)) < 1e-12, `orthonormal for ${c}`);
    }
  }
  const [v0, v1, v2] = [col(0), col(1), col(2)];
  const det = v0[0] * (v1[1] * v2[2] - v1[2] * v2[1]) - v0[1] * (v1[0] * v2[2] - v1[2] * v2[0]) +
    v0[2] * (v1[0] * v2[1] - v1[1] * v2[0]);
  assert.ok(Math.abs(det - 1) < 1e-12, "right-handed basis");
}

/** Q·diag(λ)·Qᵀ for a random rotation Q, as the 6-entry upper triangle. */
function withSpectrum(rng: Rng, lambda: number[]): number[] {
  let q = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
  const n = Math.hypot(...q);
  q = q.map((x) => x / n);
  const [w, x, y, z] = q;
  const r = [
    [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
    [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
    [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
  ];
  const m = (i: number, j: number) =>
    r[i][0] * lambda[0] * r[j][0] + r[i][1] * lambda[1] * r[j][1] +
    r[i][2] * lambda[2] * r[j][2];
  return [m(0, 0), m(0, 1), m(0, 2), m(1, 1), m(1, 2), m(2, 2)];
}

Deno.test("eigenSym3 matches Jacobi and satisfies A·v = λ·v on random symmetric matrices", () => {
  const rng = new Rng(21);
  for (let t = 0; t < 2000; t++) {
    const s = Math.pow(10, rng.uniform(-6, 6));
    checkDecomposition(Array.from({ length: 6 }, () => s * rng.normal()));
  }
});

Deno.test("eigenSym3 is robust for repeated and near-repeated eigenvalues", () => {
  const rng = new Rng(22);
  // [spectrum, tolerance]: a pair split below √ε mixes its eigenvectors, so
  // values are only good to the split there.
  const spectra: [number[], number][] = [
    [[1, 1, 1], 1e-13],
    [[0, 0, 1], 1e-13],
    [[0, 1, 1], 1e-13],
    [[2, 2, -3], 1e-13],
    [[1, 1 + 1e-9, 2], 2e-9],
    [[1e-8, 1, 1], 1e-13],
    [[0, 0, 0], 0],
    [[5, 5, 5 + 1e-7], 1e-13],
    [[-1, -1, -1], 1e-13],
  ];
  for (const [lambda, tol] of spectra) {
    for (let t = 0; t < 200; t++) {
      const c = withSpectrum(rng, lambda);
      checkDecomposition(c, Math.max(tol, 1e-12));
      const { values } = eigenSym3(c);
      const sorted = [...lambda].sort((x, y) => x - y);
      const s = Math.max(1, ...lambda.map(Math.abs));
      for (let i = 0; i < 3; i++) {
        assert.ok(Math.abs(values[i] - sorted[i]) <= tol * s, `${lambda}`);
      }
    }
  }
  // Covariance of a flat patch: the normal is the smallest eigenvector.
  const { values, vectors } = eigenSym3([1, 0, 0, 1, 0, 0]);
  assert.deepEqual(Array.from(values), [0, 1, 1]);
  assert.equal(Math.abs(vectors[6]), 1);
});

Deno.test("eigenSym3 hand-made cases and the allocation-free variant", () => {
  const { values } = eigenSym3([2, 1, 0, 2, 0, 3]);
  assert.ok(
    Math.abs(values[0] - 1) < 1e-14 && Math.abs(values[1] - 3) < 1e-14 &&
      Math.abs(values[2] - 3) < 1e-14,
  );
  const diag = eigenSym3([3, 0, 0, 1, 0, 2]);
  assert.deepEqual(Array.from(diag.values), [1, 2, 3]);
  assert.deepEqual(Array.from(diag.vectors), [0, 0, 1, 1, 0, 0, 0, 1, 0]);
  const vals = new Float64Array(3), vecs = new Float64Array(9);
  eigenSym3Into([4, 1, 1, 4, 1, 4], vals, vecs);
  assert.ok(Math.abs(vals[2] - 6) < 1e-13 && Math.abs(vals[0] - 3) < 1e-13);
  const zero = eigenSym3([0, 0, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(zero.values), [0, 0, 0]);
  const bad = eigenSym3([NaN, 0, 0, 1, 0, 1]);
  assert.ok(bad.values.every(Number.isNaN));
});
