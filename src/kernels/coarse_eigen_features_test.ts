import assert from "node:assert/strict";
import { bruteCovariance, bruteEigenFeatures } from "./_brute_reference.ts";
import { coarseEigenFeatures } from "./coarse_eigen_features.ts";
import { EIGEN_FEATURE_COUNT } from "./eigen_features.ts";
import { Rng } from "./random.ts";

const E = EIGEN_FEATURE_COUNT;

/** Direct definition: voxels, their centroids, every point of every voxel within the radius. */
function reference(coord: Float32Array, voxelSize: number, radius: number, i: number) {
  const members = neighbourhood(coord, { voxelSize, radius }, i);
  const features = members.length < 2
    ? new Array(E).fill(0)
    : bruteEigenFeatures(bruteCovariance(coord, members));
  return { features, support: members.length };
}

Deno.test("coarseEigenFeatures match the direct voxel-neighbourhood covariance", () => {
  const rng = new Rng(77);
  const n = 600;
  const coord = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    // A tilted, noisy surface plus scattered clutter.
    const x = rng.uniform(-1, 1), y = rng.uniform(-1, 1);
    const z = i % 5 === 0 ? rng.uniform(0, 1) : 0.3 * x - 0.2 * y + 0.01 * rng.normal();
    coord.set([x + 50, y - 20, z], 3 * i);
  }
  for (const scale of [{ voxelSize: 0.125, radius: 0.25 }, { voxelSize: 0.25, radius: 0.6 }]) {
    const got = coarseEigenFeatures(coord, scale);
    for (const i of [0, 1, 5, 250, 599]) {
      const want = reference(coord, scale.voxelSize, scale.radius, i);
      const v = got.voxelOf[i];
      assert.equal(got.support[v], want.support, `support of ${i}`);
      for (let f = 0; f < E; f++) {
        const a = got.features[v * E + f], b = want.features[f];
        assert.ok(Math.abs(a - b) < 1e-4, `point ${i} feature ${f}: ${a} vs ${b}`);
      }
    }
  }
});

Deno.test("coarseEigenFeatures: a large floor is planar and horizontal at 0.6 m", () => {
  const rng = new Rng(3);
  const n = 4000;
  const coord = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    coord.set([rng.uniform(0, 4), rng.uniform(0, 4), 0.005 * rng.normal()], 3 * i);
  }
  const { features: voxelFeatures, voxelOf } = coarseEigenFeatures(coord, {
    voxelSize: 0.25,
    radius: 0.6,
  });
  const features = new Float32Array(n * E);
  for (let i = 0; i < n; i++) {
    features.set(voxelFeatures.subarray(voxelOf[i] * E, (voxelOf[i] + 1) * E), i * E);
  }
  let planarity = 0, interior = 0;
  for (let i = 0; i < n; i++) {
    const x = coord[3 * i], y = coord[3 * i + 1];
    if (x < 1 || x > 3 || y < 1 || y > 3) continue; // away from the border
    interior++;
    planarity += features[i * E + 1];
    assert.ok(features[i * E + 5] < 0.05, `verticality of point ${i}`);
    assert.ok(features[i * E + 2] < 0.01, `scattering of point ${i}`);
  }
  assert.ok(planarity / interior > 0.85, `mean planarity ${planarity / interior}`);
});

/** Weighted population covariance (xx, xy, xz, yy, yz, zz) of the listed points. */
function weightedCovariance(coord: Float32Array, members: number[], w: (p: number) => number) {
  const total = members.reduce((a, p) => a + w(p), 0);
  const mean = [0, 1, 2].map((c) =>
    members.reduce((a, p) => a + w(p) * coord[3 * p + c], 0) / total
  );
  return [[0, 0], [0, 1], [0, 2], [1, 1], [1, 2], [2, 2]].map(([a, b]) =>
    members.reduce(
      (acc, p) => acc + w(p) * (coord[3 * p + a] - mean[a]) * (coord[3 * p + b] - mean[b]),
      0,
    ) / total
  );
}

Deno.test("coarseEigenFeatures with weights: the weighted covariance and total weight", () => {
  const rng = new Rng(78);
  const n = 500, scale = { voxelSize: 0.125, radius: 0.3 };
  const coord = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    const x = rng.uniform(-1, 1), y = rng.uniform(-1, 1);
    coord.set([x, y, i % 4 === 0 ? rng.uniform(0, 1) : 0.2 * x + 0.01 * rng.normal()], 3 * i);
  }
  // Weights that are the same inside a voxel: then the voxel moments are exact.
  const cell = (p: number, c: number) => Math.floor(coord[3 * p + c] / scale.voxelSize);
  const w = (p: number) => 0.25 + ((cell(p, 0) * 7 + cell(p, 1) * 3 + cell(p, 2)) & 3) * 1.5;
  const weight = Float32Array.from({ length: n }, (_, p) => w(p));
  const got = coarseEigenFeatures(coord, scale, weight);
  const plain = coarseEigenFeatures(coord, scale);
  for (const i of [0, 3, 100, 257, 499]) {
    const v = got.voxelOf[i];
    const all = neighbourhood(coord, scale, i);
    const want = bruteEigenFeatures(weightedCovariance(coord, all, w));
    const total = all.reduce((a, p) => a + weight[p], 0);
    assert.ok(Math.abs(got.support[v] - total) < 1e-4 * total, `support of ${i}`);
    for (let f = 0; f < E; f++) {
      assert.ok(Math.abs(got.features[v * E + f] - want[f]) < 1e-4, `point ${i} feature ${f}`);
    }
  }
  // Equal weights change no feature and scale the support.
  const twice = coarseEigenFeatures(coord, scale, new Float32Array(n).fill(2));
  for (let v = 0; v < plain.support.length; v++) {
    assert.equal(twice.support[v], 2 * plain.support[v]);
    for (let f = 0; f < E; f++) {
      assert.ok(Math.abs(twice.features[v * E + f] - plain.features[v * E + f]) < 1e-6);
    }
  }
  assert.throws(() => coarseEigenFeatures(coord, scale, new Float32Array(3)), /weights/);
  assert.throws(() => coarseEigenFeatures(coord, scale, weight.map((x) => -x)), /weight/);
});

/** The points of every voxel whose centroid lies within the radius of point i's voxel centroid. */
function neighbourhood(
  coord: Float32Array,
  scale: { voxelSize: number; radius: number },
  i: number,
) {
  const n = coord.length / 3;
  const key = (p: number) =>
    [0, 1, 2].map((c) => Math.floor(coord[3 * p + c] / scale.voxelSize)).join(",");
  const voxels = new Map<string, number[]>();
  for (let p = 0; p < n; p++) {
    if (!voxels.has(key(p))) voxels.set(key(p), []);
    voxels.get(key(p))!.push(p);
  }
  const centroid = (ps: number[]) =>
    [0, 1, 2].map((c) => Math.fround(ps.reduce((a, p) => a + coord[3 * p + c], 0) / ps.length));
  const mine = centroid(voxels.get(key(i))!);
  const members: number[] = [];
  for (const ps of voxels.values()) {
    const c = centroid(ps);
    const d2 = Math.fround((c[0] - mine[0]) ** 2 + (c[1] - mine[1]) ** 2 + (c[2] - mine[2]) ** 2);
    if (d2 <= scale.radius * scale.radius) members.push(...ps);
  }
  return members;
}

Deno.test("coarseEigenFeatures: empty input, single point, bad radius", () => {
  const empty = coarseEigenFeatures(new Float32Array(0), { voxelSize: 0.1, radius: 0.2 });
  assert.equal(empty.features.length, 0);
  const one = coarseEigenFeatures(new Float32Array([1, 2, 3]), { voxelSize: 0.1, radius: 0.2 });
  assert.deepEqual([...one.features], new Array(E).fill(0));
  assert.deepEqual([...one.support], [1]);
  assert.throws(
    () => coarseEigenFeatures(new Float32Array(3), { voxelSize: 0.1, radius: 0 }),
    /radius/,
  );
});
