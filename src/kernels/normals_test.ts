import assert from "node:assert/strict";
import { eigenFeatures } from "./eigen_features.ts";
import { knnSearch, type Neighbors } from "./neighbor_search.ts";
import { estimateNormals } from "./normals.ts";
import { Rng } from "./random.ts";

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

function rowOf(a: Float32Array, i: number): number[] {
  return [a[3 * i], a[3 * i + 1], a[3 * i + 2]];
}

/** Neighbour lists of the given rows (one row a point, all of the same length k). */
function neighbors(rows: number[][]): Neighbors {
  const index = new Int32Array(rows.flat());
  return { k: rows[0].length, index, dist2: new Float32Array(index.length) };
}

/** Two-pass covariance of the valid neighbours of point i (reference). */
function covariance(coord: Float32Array, nb: Neighbors, i: number): number[][] | null {
  const pts = Array.from(nb.index.subarray(i * nb.k, (i + 1) * nb.k)).filter((j) => j >= 0)
    .map((j) => rowOf(coord, j));
  if (pts.length < 3) return null;
  const mean = [0, 1, 2].map((a) => pts.reduce((s, p) => s + p[a], 0) / pts.length);
  return [0, 1, 2].map((a) =>
    [0, 1, 2].map((b) =>
      pts.reduce((s, p) => s + (p[a] - mean[a]) * (p[b] - mean[b]), 0) / pts.length
    )
  );
}

/** Smallest eigenvalue by power iteration on (tr·I − C), and the trace. */
function smallest(c: number[][]): { value: number; trace: number } {
  const tr = c[0][0] + c[1][1] + c[2][2];
  let v = [0.3, -0.5, 0.8];
  for (let it = 0; it < 3000; it++) {
    const w = [0, 1, 2].map((r) => tr * v[r] - dot(c[r], v));
    const n = Math.hypot(...w);
    if (n === 0) break;
    v = w.map((x) => x / n);
  }
  return { value: dot([0, 1, 2].map((r) => dot(c[r], v)), v), trace: tr };
}

Deno.test("estimateNormals matches a brute-force covariance eigen solve", () => {
  const rng = new Rng(31);
  const n = 600;
  const coord = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    // A wavy surface with noise: well-defined but non-trivial normals.
    const x = rng.uniform(0, 2), y = rng.uniform(0, 2);
    coord.set([x, y, 0.2 * Math.sin(3 * x) + 0.01 * rng.normal()], 3 * i);
  }
  const nb = knnSearch(coord, 12);
  const { normal, curvature } = estimateNormals(coord, nb);
  for (let i = 0; i < n; i++) {
    const c = covariance(coord, nb, i)!;
    const nrm = rowOf(normal, i);
    assert.ok(Math.abs(Math.hypot(...nrm) - 1) < 1e-6);
    const { value, trace } = smallest(c);
    // n is an eigenvector of the smallest eigenvalue: C·n = λ0·n.
    const cn = [0, 1, 2].map((r) => dot(c[r], nrm));
    for (let r = 0; r < 3; r++) {
      assert.ok(Math.abs(cn[r] - value * nrm[r]) < 1e-5 * trace, `point ${i}`);
    }
    assert.ok(Math.abs(curvature[i] - value / trace) < 1e-5, `curvature ${i}`);
  }
});

Deno.test("estimateNormals on planes: exact normal, zero curvature, towards the viewpoint", () => {
  const rng = new Rng(32);
  for (let t = 0; t < 5; t++) {
    const nrm = [rng.normal(), rng.normal(), rng.normal()];
    const len = Math.hypot(...nrm);
    const unit = nrm.map((x) => x / len);
    const u = Math.abs(unit[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0];
    const e1 = [
      unit[1] * u[2] - unit[2] * u[1],
      unit[2] * u[0] - unit[0] * u[2],
      unit[0] * u[1] - unit[1] * u[0],
    ];
    const l1 = Math.hypot(...e1);
    const a = e1.map((x) => x / l1);
    const b = [
      unit[1] * a[2] - unit[2] * a[1],
      unit[2] * a[0] - unit[0] * a[2],
      unit[0] * a[1] - unit[1] * a[0],
    ];
    const n = 800;
    const coord = new Float32Array(3 * n);
    for (let i = 0; i < n; i++) {
      const s = rng.uniform(-1, 1), r = rng.uniform(-1, 1);
      for (let k = 0; k < 3; k++) coord[3 * i + k] = 3 + s * a[k] + r * b[k];
    }
    const viewpoint: [number, number, number] = [3 + 5 * unit[0], 3 + 5 * unit[1], 3 + 5 * unit[2]];
    const nb = knnSearch(coord, 10);
    const { normal, curvature } = estimateNormals(coord, nb, { viewpoint });
    for (let i = 0; i < n; i++) {
      assert.ok(dot(rowOf(normal, i), unit) > 0.9999, `plane ${t} point ${i}`);
      assert.ok(curvature[i] < 1e-5);
    }
    const away = estimateNormals(coord, nb, { viewpoint: [3 - unit[0], 3 - unit[1], 3 - unit[2]] });
    for (let i = 0; i < n; i++) assert.ok(dot(rowOf(away.normal, i), unit) < -0.9999);
  }
});

Deno.test("estimateNormals on a sphere: radial, outward without a viewpoint, inward towards the centre", () => {
  const rng = new Rng(33);
  const n = 3000, c = [1, -2, 0.5], radius = 1.5;
  const coord = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    const v = [rng.normal(), rng.normal(), rng.normal()];
    const l = Math.hypot(...v);
    for (let k = 0; k < 3; k++) coord[3 * i + k] = c[k] + (radius * v[k]) / l;
  }
  const nb = knnSearch(coord, 16);
  const out = estimateNormals(coord, nb);
  const inward = estimateNormals(coord, nb, { viewpoint: [c[0], c[1], c[2]] });
  for (let i = 0; i < n; i++) {
    const radial = [0, 1, 2].map((k) => (coord[3 * i + k] - c[k]) / radius);
    const nrm = rowOf(out.normal, i);
    if (Math.abs(nrm[2]) < 0.9) assert.ok(dot(nrm, radial) > 0.98, `outward ${i}`);
    else assert.ok(Math.abs(dot(nrm, radial)) > 0.98 && nrm[2] > 0, `up ${i}`);
    assert.ok(dot(rowOf(inward.normal, i), radial) < -0.98, `inward ${i}`);
    assert.ok(out.curvature[i] > 0 && out.curvature[i] < 0.05);
  }
});

Deno.test("estimateNormals orientation heuristic: floor and ceiling up, walls away from the centroid", () => {
  const rng = new Rng(34);
  const pts: number[] = [];
  for (let i = 0; i < 1500; i++) pts.push(rng.uniform(0, 4), rng.uniform(0, 4), 0); // floor
  for (let i = 0; i < 1500; i++) pts.push(rng.uniform(0, 4), rng.uniform(0, 4), 2.5); // ceiling
  for (let i = 0; i < 1500; i++) pts.push(0, rng.uniform(0, 4), rng.uniform(0.2, 2.3)); // wall x = 0
  const coord = new Float32Array(pts);
  const { normal } = estimateNormals(coord, knnSearch(coord, 12));
  let floorUp = 0, ceilingUp = 0, wallOut = 0;
  for (let i = 0; i < 4500; i++) {
    const nrm = rowOf(normal, i);
    if (i < 1500 && nrm[2] > 0.999) floorUp++;
    else if (i >= 1500 && i < 3000 && nrm[2] > 0.999) ceilingUp++;
    else if (i >= 3000 && nrm[0] < -0.999) wallOut++;
  }
  // Points near the plane junctions mix surfaces; nearly all must follow the rule.
  assert.ok(
    floorUp > 1400 && ceilingUp > 1400 && wallOut > 1300,
    `${floorUp} ${ceilingUp} ${wallOut}`,
  );
});

Deno.test("estimateNormals degenerate neighbourhoods and argument checks", () => {
  const coord = new Float32Array([0, 0, 0, 1, 0, 0, 1, 1, 0, 5, 5, 5, 5, 5, 5, 5, 5, 5]);
  // Too few neighbours: the default normal (+z), curvature 0.
  const two = estimateNormals(coord, knnSearch(coord, 2));
  for (let i = 0; i < 6; i++) {
    assert.deepEqual(rowOf(two.normal, i), [0, 0, 1]);
    assert.equal(two.curvature[i], 0);
  }
  // Three coincident points: no covariance, default normal; default orients towards a viewpoint.
  const dup = neighbors([[0, 1, 2], [1, 0, 2], [2, 0, 1], [3, 4, 5], [4, 3, 5], [5, 4, 3]]);
  const d = estimateNormals(coord, dup, { viewpoint: [5, 5, -10] });
  assert.deepEqual(rowOf(d.normal, 4), [0, 0, -1]);
  assert.equal(d.curvature[4], 0);
  // Three non-collinear points: the plane z = 0, padded rows ignored.
  const padded = neighbors([
    [0, 1, 2, -1],
    [1, 0, 2, -1],
    [2, 0, 1, -1],
    [3, -1, -1, -1],
    [4, -1, -1, -1],
    [5, -1, -1, -1],
  ]);
  const p = estimateNormals(coord, padded);
  for (let i = 0; i < 3; i++) assert.deepEqual(rowOf(p.normal, i), [0, 0, 1]);
  assert.throws(() => estimateNormals(coord, knnSearch(coord.subarray(0, 9), 2)), /do not match/);
  const wide: Neighbors = { k: 3, index: new Int32Array(18).fill(0), dist2: new Float32Array(18) };
  wide.index[17] = 99;
  assert.throws(() => estimateNormals(coord, wide), /out of range/);
  const empty = estimateNormals(new Float32Array(0), knnSearch(new Float32Array(0), 4));
  assert.equal(empty.normal.length, 0);
});

Deno.test("estimateNormals with eigenFeatures: the same bytes as the separate kernels", () => {
  const rng = new Rng(32);
  const n = 700;
  const coord = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    const x = rng.uniform(0, 2), y = rng.uniform(0, 2);
    coord.set([x, y, 0.1 * Math.cos(2 * y) + 0.005 * rng.normal()], 3 * i);
  }
  // Duplicates and a far cluster of three coincident points.
  coord.copyWithin(30, 0, 30);
  coord.fill(9, 3 * (n - 3));
  for (const k of [16, 7, 1, 2]) {
    const nb = knnSearch(coord, k, { radius: k === 7 ? 0.08 : undefined });
    // Rows of every length 0..k: some counts are powers of two (one decomposition serves
    // both), others not (the features' covariance rounds differently).
    for (let i = 0; i < n; i += 5) nb.index.fill(-1, i * k + (i % (k + 1)), (i + 1) * k);
    for (const viewpoint of [undefined, [1, 1, 5] as [number, number, number]]) {
      const fused = estimateNormals(coord, nb, { viewpoint, eigenFeatures: true });
      const plain = estimateNormals(coord, nb, { viewpoint });
      assert.equal(plain.features, undefined);
      assert.deepEqual(fused.normal, plain.normal);
      assert.deepEqual(fused.curvature, plain.curvature);
      assert.deepEqual(fused.features, eigenFeatures(coord, nb), `k = ${k}`);
    }
  }
  const empty = estimateNormals(new Float32Array(0), knnSearch(new Float32Array(0), 4), {
    eigenFeatures: true,
  });
  assert.equal(empty.features?.length, 0);
});
