import assert from "node:assert/strict";
import { bruteKnn } from "./_brute_reference.ts";
import { GeoError } from "./errors.ts";
import { knnSearch } from "./neighbor_search.ts";
import { MAX_POINT_AREA, MIN_POINT_AREA, pointArea } from "./point_area.ts";
import { Rng } from "./random.ts";

/** Brute force: each point's (r²·π/m) / h² from its own sorted distances, then the mean over its k nearest, clipped. */
function reference(coord: Float32Array, k: number, h: number): number[] {
  const n = coord.length / 3;
  const dist = (i: number, j: number) =>
    Math.hypot(
      coord[3 * i] - coord[3 * j],
      coord[3 * i + 1] - coord[3 * j + 1],
      coord[3 * i + 2] - coord[3 * j + 2],
    );
  const nearest = (i: number) =>
    Array.from({ length: n }, (_, j) => j)
      .sort((a, b) => dist(i, a) - dist(i, b) || a - b)
      .slice(0, k);
  const own = Array.from({ length: n }, (_, i) => {
    const list = nearest(i);
    if (list.length <= 1) return 1;
    const r = dist(i, list[list.length - 1]);
    return (r * r * Math.PI) / list.length / (h * h);
  });
  return Array.from({ length: n }, (_, i) => {
    const list = nearest(i);
    const w = list.reduce((a, j) => a + own[j], 0) / list.length;
    return Math.min(Math.max(w, MIN_POINT_AREA), MAX_POINT_AREA);
  });
}

Deno.test("pointArea follows a brute-force spacing on seeded random clouds", () => {
  const rng = new Rng(5);
  for (const [n, k, side] of [[1, 4, 1], [3, 8, 0.1], [60, 8, 0.5], [200, 16, 2]]) {
    const coord = Float32Array.from({ length: 3 * n }, () => rng.uniform(0, side));
    for (const h of [0.02, 0.05]) {
      const got = pointArea(knnSearch(coord, k), h), want = reference(coord, k, h);
      for (let i = 0; i < n; i++) {
        assert.ok(Math.abs(got[i] - want[i]) <= 1e-4 * want[i], `n=${n} k=${k} i=${i}`);
      }
    }
  }
});

/** A z = 0 plane on a jittered square lattice of spacing `h`, `side` metres across. */
function plane(h: number, side: number, rng: Rng): Float32Array {
  const m = Math.round(side / h), out: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) out.push((i + rng.uniform(-0.1, 0.1)) * h, j * h, 0);
  }
  return new Float32Array(out);
}

Deno.test("pointArea: a plane's total weight is its area at any sampling density", () => {
  const rng = new Rng(6);
  const totals = [0.02, 0.04, 0.08].map((h) => {
    const coord = plane(h, 1.6, rng);
    const w = pointArea(knnSearch(coord, 16));
    // Inner points only: the plane's rim sees neighbours on one side.
    let sum = 0, count = 0;
    for (let i = 0; i < w.length; i++) {
      const x = coord[3 * i], y = coord[3 * i + 1];
      if (x < 0.4 || x > 1.2 || y < 0.4 || y > 1.2) continue;
      sum += w[i];
      count++;
    }
    // Each inner point stands for about (h / 2 cm)² reference points.
    assert.ok(Math.abs(sum / count / (h / 0.02) ** 2 - 1) < 0.3, `h=${h}: ${sum / count}`);
    return sum;
  });
  // The same 0.8 × 0.8 m patch weighs the same, within the estimate's bias, at 2, 4 and 8 cm.
  for (const t of totals) assert.ok(Math.abs(t / totals[0] - 1) < 0.15, `${totals}`);
});

Deno.test("pointArea: a random half of a lattice weighs 2 points each, with little spread", () => {
  const rng = new Rng(7), pts: number[] = [];
  for (let i = 0; i < 80; i++) {
    for (let j = 0; j < 80; j++) if (rng.next() < 0.5) pts.push(i * 0.02, j * 0.02, 0);
  }
  const coord = new Float32Array(pts), w = pointArea(knnSearch(coord, 16));
  const inner = [...w].filter((_, i) =>
    Math.min(coord[3 * i], coord[3 * i + 1]) > 0.3 &&
    Math.max(coord[3 * i], coord[3 * i + 1]) < 1.3
  );
  const mean = inner.reduce((a, x) => a + x, 0) / inner.length;
  const spread = Math.sqrt(inner.reduce((a, x) => a + (x - mean) ** 2, 0) / inner.length) / mean;
  // Irregular sampling: each weight is a mean over the point's neighbours (measured 1.90 ± 10 %).
  assert.ok(Math.abs(mean - 2) < 0.3, `mean ${mean}`);
  assert.ok(spread < 0.15, `spread ${spread}`);
});

Deno.test("pointArea edge cases: empty, duplicates, lone points, k > n, bad input", () => {
  assert.equal(pointArea({ k: 4, index: new Int32Array(0), dist2: new Float32Array(0) }).length, 0);
  // Duplicates have no spacing: the smallest weight. A lone point: 1.
  assert.deepEqual([...pointArea(bruteKnn(new Float32Array([1, 2, 3, 1, 2, 3]), 2))], [
    MIN_POINT_AREA,
    MIN_POINT_AREA,
  ]);
  assert.deepEqual([...pointArea(bruteKnn(new Float32Array([1, 2, 3]), 4))], [1]);
  // k > n: only the listed points count (two points 10 m apart: the largest weight).
  assert.deepEqual([...pointArea(bruteKnn(new Float32Array([0, 0, 0, 10, 0, 0]), 8))], [
    MAX_POINT_AREA,
    MAX_POINT_AREA,
  ]);
  const bad = (f: () => unknown) =>
    assert.throws(f, (e) => e instanceof GeoError && e.kind === "invalid_argument");
  bad(() => pointArea(bruteKnn(new Float32Array(6), 2), 0));
  bad(() => pointArea({ k: 3, index: new Int32Array(4), dist2: new Float32Array(4) }));
});
