import assert from "node:assert/strict";
import { floorHeight } from "./floor_height.ts";
import { Rng } from "./random.ts";

Deno.test("floorHeight equals the sorted order statistics on random clouds", () => {
  const rng = new Rng(8);
  for (const n of [1, 2, 3, 10, 101, 2000]) {
    const coord = new Float32Array(3 * n);
    for (let i = 0; i < 3 * n; i++) coord[i] = rng.int(4) === 0 ? rng.int(3) : rng.normal();
    const zs = Array.from({ length: n }, (_, i) => coord[3 * i + 2]).sort((a, b) => a - b);
    for (const [lo, hi] of [[0, 1], [0.02, 0.98], [0.5, 0.5], [0.3, 0.9]]) {
      const got = floorHeight(coord, { lowQuantile: lo, highQuantile: hi });
      assert.equal(got.floor, zs[Math.floor(lo * (n - 1))], `n=${n} lo=${lo}`);
      assert.equal(got.top, zs[Math.floor(hi * (n - 1))], `n=${n} hi=${hi}`);
    }
  }
});

Deno.test("floorHeight ignores a few outliers and leaves the input untouched", () => {
  const rng = new Rng(1);
  const n = 1000;
  const coord = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    coord[3 * i] = rng.uniform(0, 5);
    coord[3 * i + 1] = rng.uniform(0, 5);
    coord[3 * i + 2] = i < 500 ? 0.1 : rng.uniform(0.1, 2.5); // half the points on the floor
  }
  coord[2] = -3; // a stray point below the floor
  coord[5] = 40; // and one far above
  const copy = coord.slice();
  const { floor, top } = floorHeight(coord);
  assert.equal(floor, Math.fround(0.1));
  assert.ok(top > 2.3 && top < 2.5, `top ${top}`);
  assert.deepEqual(coord, copy);
});

Deno.test("floorHeight: empty cloud and bad quantiles", () => {
  assert.deepEqual(floorHeight(new Float32Array(0)), { floor: 0, top: 0 });
  assert.throws(
    () => floorHeight(new Float32Array(3), { lowQuantile: 0.9, highQuantile: 0.1 }),
    /quantiles/,
  );
});
