import assert from "node:assert/strict";
import { bruteKnn } from "./_brute_reference.ts";
import { GeoError } from "./errors.ts";
import { knnSearch } from "./neighbor_search.ts";
import { MAX_POINT_AREA, MIN_POINT_AREA, pointArea } from "./point_area.ts";
import { Rng } from "./random.ts";

/** Brute force: (r·√(π/m) / h)² from the point's own sorted distances, clipped. */
function reference(coord: Float32Array, k: number, h: number): number[] {
  const n = coord.length / 3, out: number[] = [];
  for (let i = 0; i < n; i++) {
    const d: number[] = [];
    for (let j = 0; j < n; j++) {
      d.push(Math.hypot(
        coord[3 * i] - coord[3 * j],
        coord[3 * i + 1] - coord[3 * j + 1],
        coord[3 * i + 2] - coord[3 * j + 2],
      ));
    }
    d.sort((a, b) => a - b);
    const listed = d.slice(0, k);
    if (listed.length <= 1) {
      out.push(1);
      continue;
    }
    const r = listed[listed.length - 1];
    const w = (r * r * Math.PI) / listed.length / (h * h);
    out.push(Math.min(Math.max(w, MIN_POINT_AREA), MAX_POINT_AREA));
  }
  return out;
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
