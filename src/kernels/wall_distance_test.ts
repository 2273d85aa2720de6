import assert from "node:assert/strict";
import { GeoError } from "./errors.ts";
import { Rng } from "./random.ts";
import { wallDistance } from "./wall_distance.ts";

/** Brute force: distance between the centres of the point's cell and of every wall point's cell. */
function reference(coord: Float32Array, isWall: Uint8Array, cell: number, cap: number): number[] {
  const n = isWall.length, out: number[] = [];
  const ix = (i: number) => Math.floor(coord[3 * i] / cell);
  const iy = (i: number) => Math.floor(coord[3 * i + 1] / cell);
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    for (let j = 0; j < n; j++) {
      if (!isWall[j]) continue;
      best = Math.min(best, Math.hypot(ix(i) - ix(j), iy(i) - iy(j)) * cell);
    }
    out.push(Math.min(best, cap));
  }
  return out;
}

function randomScene(rng: Rng, n: number, wallShare: number) {
  const coord = new Float32Array(3 * n), isWall = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    coord.set([rng.uniform(-3, 4), rng.uniform(-1, 2.5), rng.uniform(0, 3)], 3 * i);
    isWall[i] = rng.bernoulli(wallShare) ? 1 : 0;
  }
  return { coord, isWall };
}

Deno.test("wallDistance equals a brute-force distance between cell centres on seeded scenes", () => {
  const rng = new Rng(31);
  for (
    const [n, share, cell, cap] of [[400, 0.02, 0.125, 2], [300, 0.2, 0.25, 1], [
      200,
      0.005,
      0.1,
      5,
    ]]
  ) {
    const { coord, isWall } = randomScene(rng, n, share);
    const got = wallDistance(coord, isWall, { cell, maxDistance: cap });
    const want = reference(coord, isWall, cell, cap);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-5, `point ${i}`);
  }
});

Deno.test("wallDistance doubles the cell until the grid fits maxCells", () => {
  const { coord, isWall } = randomScene(new Rng(4), 250, 0.05);
  // 7 m × 3.5 m at 1/8 m is 56 × 28 cells; 100 cells force 1/2 m cells (14 × 7 = 98).
  const got = wallDistance(coord, isWall, { cell: 0.125, maxCells: 100, maxDistance: 10 });
  const want = reference(coord, isWall, 0.5, 10);
  for (let i = 0; i < 250; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-5, `point ${i}`);
});

Deno.test("wallDistance edge cases: empty, no walls, all walls, a hand-made line wall", () => {
  assert.equal(wallDistance(new Float32Array(0), new Uint8Array(0)).length, 0);
  const coord = new Float32Array([0.01, 0.01, 0, 1.01, 0.01, 0, 0.01, 3.01, 0, 0.01, 0.01, 2]);
  assert.deepEqual([...wallDistance(coord, new Uint8Array(4), { maxDistance: 1.5 })], [
    1.5,
    1.5,
    1.5,
    1.5,
  ]);
  assert.deepEqual([...wallDistance(coord, new Uint8Array(4).fill(1))], [0, 0, 0, 0]);
  // Wall = point 0 only; point 3 shares its cell (height ignored), point 1 is 8 cells away.
  const d = wallDistance(coord, new Uint8Array([1, 0, 0, 0]), { cell: 0.125, maxDistance: 2 });
  assert.deepEqual([...d], [0, 1, 2, 0]);
  assert.throws(
    () => wallDistance(coord, new Uint8Array(3)),
    (e) => e instanceof GeoError && e.kind === "invalid_argument",
  );
  assert.throws(() => wallDistance(coord, new Uint8Array(4), { cell: 0 }), /positive/);
});
