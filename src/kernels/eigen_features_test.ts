import assert from "node:assert/strict";
import { bruteCovariance, bruteEigenFeatures, bruteKnn, jacobiEigen3 } from "./_brute_reference.ts";
import {
  covarianceOfMoments,
  EIGEN_FEATURE_COUNT,
  eigenFeatures,
  neighborMoments,
} from "./eigen_features.ts";
import { Rng } from "./random.ts";

const E = EIGEN_FEATURE_COUNT;

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i] - b[i]) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
  }
}

Deno.test("jacobiEigen3 reference diagonalises a symmetric matrix", () => {
  const cov = [2, 0.3, -0.4, 1, 0.2, 0.5];
  const m = [[2, 0.3, -0.4], [0.3, 1, 0.2], [-0.4, 0.2, 0.5]];
  const { values, vectors } = jacobiEigen3(cov);
  for (let i = 0; i < 3; i++) {
    const av = m.map((row) =>
      row[0] * vectors[i][0] + row[1] * vectors[i][1] + row[2] * vectors[i][2]
    );
    close(av, vectors[i].map((x) => x * values[i]), 1e-12, `A·v${i}`);
  }
  assert.ok(values[0] >= values[1] && values[1] >= values[2]);
});

Deno.test("eigenFeatures match a direct covariance + Jacobi computation", () => {
  const rng = new Rng(31);
  const n = 300;
  const coord = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    // Anisotropic clusters far from the origin (precision check).
    coord[3 * i] = 1000 + rng.normal() * 0.3;
    coord[3 * i + 1] = -500 + rng.normal() * 0.1;
    coord[3 * i + 2] = rng.normal() * 0.02 + 0.2 * coord[3 * i];
  }
  for (const k of [3, 8, 20]) {
    const nb = bruteKnn(coord, k);
    const got = eigenFeatures(coord, nb);
    for (const i of [0, 17, 123, 299]) {
      const members = [...nb.index.subarray(i * k, (i + 1) * k)].filter((j) => j >= 0);
      const want = bruteEigenFeatures(bruteCovariance(coord, members));
      close(got.subarray(i * E, (i + 1) * E), want, 2e-4, `k=${k} point ${i}`);
    }
  }
});

function shape(
  rng: Rng,
  n: number,
  f: (u: number, v: number, w: number) => number[],
): Float32Array {
  const coord = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) coord.set(f(rng.next(), rng.next(), rng.normal() * 1e-3), 3 * i);
  return coord;
}

/** A 20×20 jittered grid on the unit square, mapped by `f` (the scans are voxel-sampled). */
function grid(rng: Rng, f: (u: number, v: number, w: number) => number[]): Float32Array {
  const coord = new Float32Array(3 * 400);
  for (let i = 0; i < 400; i++) {
    const u = (i % 20) / 20 + rng.normal() * 0.005,
      v = Math.floor(i / 20) / 20 + rng.normal() * 0.005;
    coord.set(f(u, v, rng.normal() * 1e-3), 3 * i);
  }
  return coord;
}

function meanColumn(features: Float32Array, c: number): number {
  let s = 0;
  for (let i = c; i < features.length; i += E) s += features[i];
  return s / (features.length / E);
}

Deno.test("eigenFeatures of known shapes: planes, lines, blobs", () => {
  const rng = new Rng(4);
  const floor = eigenFeatures(...withKnn(grid(rng, (u, v, w) => [u, v, w])));
  // kNN neighbourhoods on a grid are not round: planarity ≈ 0.64 with k = 12.
  assert.ok(meanColumn(floor, 1) > 0.55, "floor planarity");
  assert.ok(meanColumn(floor, 1) > meanColumn(floor, 0) + 0.2, "floor planarity vs linearity");
  assert.ok(meanColumn(floor, 2) < 0.01, "floor scattering");
  assert.ok(meanColumn(floor, 5) < 0.05, "floor verticality");
  const wall = eigenFeatures(...withKnn(grid(rng, (u, v, w) => [u, w, v])));
  assert.ok(meanColumn(wall, 1) > 0.55, "wall planarity");
  assert.ok(meanColumn(wall, 5) > 0.95, "wall verticality");
  const pole = eigenFeatures(...withKnn(shape(rng, 300, (u, _v, w) => [w, w * 0.5, u])));
  assert.ok(meanColumn(pole, 0) > 0.9, "pole linearity");
  assert.ok(meanColumn(pole, 6) > 0.95, "pole axis verticality");
  const rail = eigenFeatures(...withKnn(shape(rng, 300, (u, _v, w) => [u, w, w * 0.5])));
  assert.ok(meanColumn(rail, 6) < 0.05, "horizontal line axis verticality");
  const blob = eigenFeatures(
    ...withKnn(shape(rng, 400, () => [rng.normal(), rng.normal(), rng.normal()])),
  );
  assert.ok(meanColumn(blob, 2) > meanColumn(floor, 2) + 0.2, "blob scattering");
  assert.ok(meanColumn(blob, 3) > 0.5, "blob omnivariance");
  // Every feature in [0, 1].
  for (const f of [floor, wall, pole, blob]) assert.ok(f.every((x) => x >= 0 && x <= 1));
});

function withKnn(coord: Float32Array): [Float32Array, ReturnType<typeof bruteKnn>] {
  return [coord, bruteKnn(coord, 12)];
}

Deno.test("eigenFeatures: degenerate neighbourhoods give zeros; empty input; bad rows", () => {
  const single = new Float32Array([1, 2, 3]);
  assert.deepEqual([...eigenFeatures(single, bruteKnn(single, 4))], new Array(E).fill(0));
  const dup = new Float32Array([1, 1, 1, 1, 1, 1, 1, 1, 1]);
  assert.ok(eigenFeatures(dup, bruteKnn(dup, 3)).every((x) => x === 0));
  // Two distinct points: a perfect vertical line (k > N); its normal is undefined.
  const two = new Float32Array([0, 0, 0, 0, 0, 1]);
  const f = eigenFeatures(two, bruteKnn(two, 5));
  close(f.subarray(0, E), [1, 0, 0, 0, 0, 0.5, 1], 1e-6, "two points");
  // Three points of an equilateral triangle: planar, main axis undefined.
  const tri = new Float32Array([1, 0, 0, -0.5, Math.sqrt(3) / 2, 0, -0.5, -Math.sqrt(3) / 2, 0]);
  close(
    eigenFeatures(tri, bruteKnn(tri, 3)).subarray(0, E),
    [0, 1, 0, 0, 0, 0, 0.5],
    1e-6,
    "triangle",
  );
  assert.equal(eigenFeatures(new Float32Array(0), bruteKnn(new Float32Array(0), 3)).length, 0);
  assert.throws(
    () => eigenFeatures(two, { k: 3, index: new Int32Array(3), dist2: new Float32Array(3) }),
    /neighbour/,
  );
});

Deno.test("neighborMoments and covarianceOfMoments match brute-force sums and covariance", () => {
  const rng = new Rng(31);
  const n = 60, k = 7;
  const coord = new Float32Array(3 * n).map(() => 1000 + rng.uniform(-1, 1));
  const index = new Int32Array(n * k).map(() => rng.int(n + 2) - 2); // some −1/−2 entries
  const neighbors = { k, index, dist2: new Float32Array(n * k) };
  const cov = new Float64Array(6);
  for (let i = 0; i < n; i++) {
    const members = [...index.subarray(i * k, (i + 1) * k)].filter((j) => j >= 0);
    const got = [...neighborMoments(coord, neighbors, i)];
    const rel = (j: number, c: number) => coord[3 * j + c] - coord[3 * i + c];
    const sum = (f: (j: number) => number) => members.reduce((s, j) => s + f(j), 0);
    const pairs = [[0, 0], [0, 1], [0, 2], [1, 1], [1, 2], [2, 2]];
    const want = [
      members.length,
      ...[0, 1, 2].map((c) => sum((j) => rel(j, c))),
      ...pairs.map(([a, b]) => sum((j) => rel(j, a) * rel(j, b))),
    ];
    close(got, want, 1e-9, `moments of ${i}`);
    if (members.length === 0) continue;
    covarianceOfMoments(got, cov);
    close(cov, bruteCovariance(coord, members), 1e-9, `covariance of ${i}`);
  }
});

Deno.test("neighborMoments edge cases: empty row, duplicates, out-of-range index", () => {
  const coord = new Float32Array([1, 2, 3, 1, 2, 3, 4, 6, 3]);
  const nb = (index: number[]) => ({
    k: 3,
    index: Int32Array.from(index),
    dist2: new Float32Array(9),
  });
  assert.deepEqual(
    [...neighborMoments(coord, nb([-1, -1, -1, 0, 1, 2, 0, 0, 0]), 0)],
    new Array(10).fill(0),
  );
  // duplicates of the point itself and one point at (3, 4, 0) relative
  assert.deepEqual([...neighborMoments(coord, nb([0, 0, 0, 0, 1, 2, 0, 0, 0]), 1)], [
    3,
    3,
    4,
    0,
    9,
    12,
    0,
    16,
    0,
    0,
  ]);
  assert.throws(
    () => neighborMoments(coord, nb([0, 3, -1, 0, 1, 2, 0, 0, 0]), 0),
    /Neighbour index 3 of point 0 is out of range 0..2/,
  );
});
