import assert from "node:assert/strict";
import { bruteKnn } from "./_brute_reference.ts";
import { densityScale, REFERENCE_SPACING } from "./density_scale.ts";
import { knnSearch } from "./neighbor_search.ts";
import { Rng } from "./random.ts";

/** A plane z = 0 sampled on a square grid of `h` metres, slightly jittered. */
function grid(h: number, side: number, rng: Rng): Float32Array {
  const m = Math.round(side / h), out: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) out.push(i * h + rng.uniform(-0.05, 0.05) * h, j * h, 0);
  }
  return new Float32Array(out);
}

Deno.test("densityScale follows the brute-force median of the farthest neighbour", () => {
  const rng = new Rng(21);
  for (const n of [2, 9, 200]) {
    const coord = new Float32Array(3 * n);
    for (let i = 0; i < coord.length; i++) coord[i] = rng.uniform(0, 1);
    for (const k of [2, 8, 16]) {
      const nb = bruteKnn(coord, k);
      const far: number[] = [];
      for (let i = 0; i < n; i++) {
        const d = Array.from(nb.dist2.subarray(i * k, (i + 1) * k)).filter((x) => x !== Infinity);
        const f = Math.max(0, ...d);
        if (f > 0) far.push(Math.sqrt(f));
      }
      far.sort((a, b) => a - b);
      const median = far[(far.length - 1) >> 1];
      const got = densityScale(nb);
      const spacing = median * Math.sqrt(Math.PI / k);
      assert.ok(Math.abs(got.spacing - spacing) < 1e-6 * spacing, `n=${n} k=${k}`);
      assert.ok(Math.abs(got.count - (spacing / REFERENCE_SPACING) ** 2) < 1e-9 * got.count);
      assert.ok(Math.abs(got.radius * spacing - REFERENCE_SPACING) < 1e-12);
    }
  }
});

Deno.test("densityScale: a denser sampling of one surface gets the inverse factors", () => {
  const rng = new Rng(22);
  const coarse = densityScale(knnSearch(grid(0.04, 1.6, rng), 16));
  const fine = densityScale(knnSearch(grid(0.02, 1.6, rng), 16));
  // Half the spacing: a point count is worth a quarter, a radius twice as much.
  assert.ok(Math.abs(coarse.spacing / fine.spacing - 2) < 0.1, `${coarse.spacing} ${fine.spacing}`);
  assert.ok(Math.abs(coarse.count / fine.count - 4) < 0.4);
  assert.ok(Math.abs(fine.radius / coarse.radius - 2) < 0.1);
  // The estimate is near the true spacing on an even grid.
  assert.ok(Math.abs(fine.spacing - 0.02) < 0.005, `spacing ${fine.spacing}`);
});

Deno.test("densityScale: empty clouds, lone and duplicate points give factors 1", () => {
  const none = { spacing: REFERENCE_SPACING, count: 1, radius: 1 };
  assert.deepEqual(
    densityScale({ k: 4, index: new Int32Array(0), dist2: new Float32Array(0) }),
    none,
  );
  assert.deepEqual(densityScale(bruteKnn(new Float32Array([1, 2, 3]), 4)), none);
  assert.deepEqual(densityScale(bruteKnn(new Float32Array([1, 2, 3, 1, 2, 3]), 2)), none);
  assert.throws(() => densityScale(bruteKnn(new Float32Array(3), 1), 0), /positive/);
});
