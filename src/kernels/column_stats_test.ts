import assert from "node:assert/strict";
import { columnStats } from "./column_stats.ts";
import { GeoError } from "./errors.ts";
import { Rng } from "./random.ts";

function scene(rng: Rng, n: number) {
  const coord = new Float32Array(3 * n), select = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    coord.set([rng.uniform(-2, 2), rng.uniform(-1, 3), rng.uniform(-0.5, 2.5)], 3 * i);
    select[i] = rng.bernoulli(0.6) ? 1 : 0;
  }
  return { coord, select };
}

Deno.test("columnStats equals a brute-force scan of the points sharing the xy cell", () => {
  const rng = new Rng(12);
  for (const cell of [0.5, 1, 0.3]) {
    const n = 500;
    const { coord, select } = scene(rng, n);
    const weight = Float32Array.from({ length: n }, () => rng.uniform(0, 4));
    const s = columnStats(coord, select, cell, { weight });
    const key = (i: number) =>
      `${Math.floor(coord[3 * i] / cell)},${Math.floor(coord[3 * i + 1] / cell)}`;
    assert.equal(s.count, new Set(Array.from({ length: n }, (_, i) => key(i))).size);
    for (let i = 0; i < n; i++) {
      let count = 0, mass = 0, top = -Infinity;
      for (let j = 0; j < n; j++) {
        if (key(j) !== key(i)) continue;
        assert.equal(s.columnOf[j], s.columnOf[i]);
        if (!select[j]) continue;
        count++;
        mass += weight[j];
        top = Math.max(top, coord[3 * j + 2]);
      }
      assert.equal(s.selected[s.columnOf[i]], count);
      assert.ok(Math.abs(s.mass[s.columnOf[i]] - mass) < 1e-9 * Math.max(1, mass));
      assert.equal(s.zMax[s.columnOf[i]], top);
    }
  }
});

Deno.test("columnStats: per-point values do not depend on the point order", () => {
  const rng = new Rng(3);
  const n = 300;
  const { coord, select } = scene(rng, n);
  const perm = rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
  const c2 = new Float32Array(3 * n), s2 = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    c2.set(coord.subarray(3 * perm[i], 3 * perm[i] + 3), 3 * i);
    s2[i] = select[perm[i]];
  }
  const a = columnStats(coord, select, 0.5), b = columnStats(c2, s2, 0.5);
  for (let i = 0; i < n; i++) {
    assert.equal(b.selected[b.columnOf[i]], a.selected[a.columnOf[perm[i]]]);
    assert.equal(b.zMax[b.columnOf[i]], a.zMax[a.columnOf[perm[i]]]);
  }
});

Deno.test("columnStats edge cases: empty cloud, nothing selected, duplicates, bad input", () => {
  const empty = columnStats(new Float32Array(0), new Uint8Array(0), 1);
  assert.equal(empty.count, 0);
  const dup = new Float32Array([0.2, 0.2, 1, 0.2, 0.2, 1, 0.7, 0.2, 3]);
  const none = columnStats(dup, new Uint8Array(3), 0.5);
  assert.deepEqual([...none.columnOf], [0, 0, 1]);
  assert.deepEqual([...none.selected], [0, 0]);
  assert.deepEqual([...none.zMax], [-Infinity, -Infinity]);
  const some = columnStats(dup, new Uint8Array([1, 1, 0]), 1);
  assert.deepEqual([...some.columnOf], [0, 0, 0]);
  assert.deepEqual([...some.selected], [2]);
  assert.deepEqual([...some.zMax], [1]);
  assert.deepEqual([...some.mass], [2]);
  const weighted = columnStats(dup, new Uint8Array([1, 1, 0]), 1, {
    weight: new Float32Array([0.5, 2, 9]),
  });
  assert.deepEqual([...weighted.mass], [2.5]);
  const bad = (f: () => unknown) =>
    assert.throws(f, (e) => e instanceof GeoError && e.kind === "invalid_argument");
  bad(() => columnStats(dup, new Uint8Array(2), 1));
  bad(() => columnStats(dup, new Uint8Array(3), -1));
  bad(() => columnStats(dup, new Uint8Array(3), 1, { weight: new Float32Array(2) }));
});
