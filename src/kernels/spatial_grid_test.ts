import assert from "node:assert/strict";
import { Rng } from "./random.ts";
import { buildGrid, cellId, knnCellSize, occupiedCells, pointBounds } from "./spatial_grid.ts";

function cloud(rng: Rng, n: number, span: number): Float32Array {
  return Float32Array.from({ length: 3 * n }, () => rng.uniform(-span, span));
}

/** Every point sits in the cell its coordinates say, and each appears once. */
function checkGrid(points: Float32Array, cell: number) {
  const g = buildGrid(points, cell);
  const n = points.length / 3;
  const seen = new Uint8Array(n);
  const occ = occupiedCells(g);
  let total = 0;
  for (let j = 0; j < occ.count; j++) {
    const [ix, iy, iz] = occ.cell.subarray(3 * j, 3 * j + 3);
    const c = cellId(g, ix, iy, iz);
    assert.equal(c, occ.id[j]);
    for (let s = g.start[c]; s < g.start[c + 1]; s++) {
      const i = g.order[s];
      seen[i]++;
      total++;
      const p = [points[3 * i], points[3 * i + 1], points[3 * i + 2]];
      assert.deepEqual([g.xyz[3 * s], g.xyz[3 * s + 1], g.xyz[3 * s + 2]], p);
      const o = [g.ox, g.oy, g.oz], dims = [g.nx, g.ny, g.nz], at = [ix, iy, iz];
      for (let a = 0; a < 3; a++) {
        assert.equal(Math.min(Math.floor((p[a] - o[a]) * g.inv), dims[a] - 1), at[a]);
      }
    }
  }
  assert.equal(total, n);
  assert.ok(seen.every((v) => v === 1));
  return g;
}

Deno.test("buildGrid sorts every point into its cell (dense and hashed layouts)", () => {
  const rng = new Rng(71);
  const dense = checkGrid(cloud(rng, 2000, 1), 0.1);
  assert.equal(dense.dense, true);
  const sparse = cloud(rng, 500, 1);
  sparse.set([1e4, 1e4, 1e4], 0);
  const hashed = checkGrid(sparse, 0.05);
  assert.equal(hashed.dense, false);
  const tiny = checkGrid(cloud(rng, 100, 1e6), 1e-6); // axis cell cap
  assert.ok(tiny.cellSize > 1e-6 && tiny.nx < 2 ** 30 + 1);
  assert.equal(checkGrid(new Float32Array(0), 1).n, 0);
  assert.equal(checkGrid(new Float32Array([1, 1, 1, 1, 1, 1]), 1).nx, 1);
});

Deno.test("knnCellSize follows the point spacing of volumes and surfaces", () => {
  const rng = new Rng(72);
  // Uniform volume, 20K points in 1 m³: k = 16 neighbours lie within ~0.06 m.
  const h = knnCellSize(Float32Array.from({ length: 60000 }, () => rng.next()), 16);
  assert.ok(h > 0.03 && h < 0.15, `${h}`);
  // A plane of 20K points over 4 m²: k-th neighbour at ~0.03 m; a volume estimate would be far off.
  const plane = new Float32Array(60000);
  for (let i = 0; i < 20000; i++) plane.set([rng.uniform(0, 2), rng.uniform(0, 2), 0], 3 * i);
  plane[2] = 2; // one point lifts the box to 2 m tall
  const hp = knnCellSize(plane, 16);
  assert.ok(hp > 0.015 && hp < 0.08, `${hp}`);
  assert.equal(knnCellSize(new Float32Array([1, 1, 1, 1, 1, 1]), 4), 1);
  assert.deepEqual(Array.from(pointBounds(new Float32Array([1, 5, -2, 3, 0, 4]))), [
    1,
    0,
    -2,
    3,
    5,
    4,
  ]);
  assert.throws(() => pointBounds(new Float32Array([0, Infinity, 0])), /non-finite/);
});

Deno.test("buildGrid: dense up to 16 cells per point; hashed runs of points in one cell", () => {
  const rng = new Rng(73);
  // 1000 points over 20³ = 8000 cells (8 per point): dense.
  const spread = checkGrid(cloud(rng, 1000, 1), 0.1);
  assert.equal(spread.dense, true);
  // Runs of consecutive points in the same cell, cells far apart (hashed), then a
  // return to an earlier cell: each cell keeps all its points, in input order.
  const runs = new Float32Array(3 * 600);
  for (let i = 0; i < 600; i++) {
    const c = i < 500 ? Math.floor(i / 50) : 3;
    runs.set([c * 1000 + rng.uniform(0, 0.5), rng.uniform(0, 0.5), c * 7 + 0.25], 3 * i);
  }
  runs.set([0, 0], 0); // grid origin (0, 0, 0.25): cell x = c·1000
  const g = checkGrid(runs, 1);
  assert.equal(g.dense, false);
  assert.equal(occupiedCells(g).count, 10);
  const c3 = cellId(g, 3000, 0, 21);
  assert.deepEqual(
    Array.from(g.order.subarray(g.start[c3], g.start[c3 + 1])),
    [
      ...Array.from({ length: 50 }, (_, j) => 150 + j),
      ...Array.from({ length: 100 }, (_, j) => 500 + j),
    ],
  );
});

Deno.test("buildGrid with scratch memory gives the same grid, rebuilt on each call", () => {
  const rng = new Rng(74);
  for (const [points, cell] of [[cloud(rng, 3000, 1), 0.1], [cloud(rng, 200, 50), 0.5]] as const) {
    const fresh = buildGrid(points, cell);
    // A larger scratch grid first: the reused buffers hold stale entries.
    buildGrid(cloud(rng, 5000, 2), 0.05, { scratch: true });
    const tmp = buildGrid(points, cell, { scratch: true });
    assert.equal(tmp.dense, fresh.dense);
    assert.deepEqual(tmp.start, fresh.start);
    assert.deepEqual(tmp.order, fresh.order);
    assert.deepEqual(tmp.xyz, fresh.xyz);
  }
});
