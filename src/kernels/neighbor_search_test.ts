import assert from "node:assert/strict";
import { knnSearch, radiusSearch } from "./neighbor_search.ts";
import { Rng } from "./random.ts";

/**
 * Brute-force neighbour list of one query in (self first, dist2, index) order:
 * every point with dist2 ≤ r2, the first `limit` of them.
 */
function bruteOne(
  points: Float32Array,
  q: ArrayLike<number>,
  opts: { self: number; r2: number; limit?: number },
) {
  const { self, r2 } = opts;
  const limit = opts.limit ?? Infinity;
  const n = points.length / 3;
  const list: { d: number; i: number; key: number }[] = [];
  for (let i = 0; i < n; i++) {
    const dx = points[3 * i] - q[0], dy = points[3 * i + 1] - q[1], dz = points[3 * i + 2] - q[2];
    const d = Math.fround(dx * dx + dy * dy + dz * dz);
    if (!(d <= r2 || i === self)) continue;
    const key = i === self ? -1 : d;
    if (list.length >= limit) {
      const last = list[list.length - 1];
      if (key > last.key || (key === last.key && i > last.i)) continue;
      list.pop();
    }
    let j = list.length;
    list.push({ d, i, key });
    while (j > 0 && (list[j - 1].key > key || (list[j - 1].key === key && list[j - 1].i > i))) {
      list[j] = list[j - 1];
      list[j - 1] = { d, i, key };
      j--;
    }
  }
  return list;
}

/** `bruteOne` of every query: `queries` when given, else every point (itself first). */
function bruteAll(
  points: Float32Array,
  opts: { queries?: Float32Array; r2: number; limit?: number },
) {
  const qs = opts.queries ?? points;
  const wants: ReturnType<typeof bruteOne>[] = [];
  for (let j = 0; j < qs.length / 3; j++) {
    const q = [qs[3 * j], qs[3 * j + 1], qs[3 * j + 2]];
    wants.push(
      bruteOne(points, q, { self: opts.queries ? -1 : j, r2: opts.r2, limit: opts.limit }),
    );
  }
  return wants;
}

function checkKnn(
  points: Float32Array,
  k: number,
  opts: { queries?: Float32Array; radius?: number },
) {
  const res = knnSearch(points, k, opts);
  const r2 = opts.radius === undefined ? Infinity : opts.radius * opts.radius;
  const wants = bruteAll(points, { queries: opts.queries, r2, limit: k });
  assert.equal(res.k, k);
  assert.equal(res.index.length, wants.length * k);
  wants.forEach((want, j) => {
    for (let t = 0; t < k; t++) {
      const gotI = res.index[j * k + t], gotD = res.dist2[j * k + t];
      if (t < want.length) {
        assert.equal(gotI, want[t].i, `query ${j} rank ${t}`);
        assert.equal(gotD, want[t].d, `query ${j} rank ${t} dist2`);
      } else {
        assert.equal(gotI, -1);
        assert.equal(gotD, Infinity);
      }
    }
  });
}

function checkRadius(
  points: Float32Array,
  radius: number,
  opts: { queries?: Float32Array; maxK?: number },
) {
  const res = radiusSearch(points, radius, opts);
  const wants = bruteAll(points, { queries: opts.queries, r2: radius * radius, limit: opts.maxK });
  const nq = wants.length;
  assert.equal(res.offsets.length, nq + 1);
  assert.equal(res.offsets[0], 0);
  assert.equal(res.offsets[nq], res.index.length);
  assert.equal(res.dist2.length, res.index.length);
  wants.forEach((want, j) => {
    const a = res.offsets[j], b = res.offsets[j + 1];
    assert.equal(b - a, want.length, `query ${j} count`);
    for (let t = 0; t < want.length; t++) {
      assert.equal(res.index[a + t], want[t].i, `query ${j} rank ${t}`);
      assert.equal(res.dist2[a + t], want[t].d);
    }
  });
}

function uniformCloud(rng: Rng, n: number, size = [10, 10, 3]): Float32Array {
  const p = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let a = 0; a < 3; a++) p[3 * i + a] = rng.uniform(0, size[a]);
  return p;
}

/** Gaussian blobs of very different spreads plus a few far outliers. */
function clusteredCloud(rng: Rng, n: number): Float32Array {
  const p = new Float32Array(3 * n);
  const centers = Array.from(
    { length: 6 },
    () => [rng.uniform(-20, 20), rng.uniform(-20, 20), rng.uniform(0, 5)],
  );
  const spreads = [0.001, 0.01, 0.05, 0.3, 1, 3];
  for (let i = 0; i < n; i++) {
    if (i % 97 === 0) {
      for (let a = 0; a < 3; a++) p[3 * i + a] = rng.uniform(-100, 100);
      continue;
    }
    const c = rng.int(6);
    for (let a = 0; a < 3; a++) p[3 * i + a] = centers[c][a] + spreads[c] * rng.normal();
  }
  return p;
}

/** Points on a planar surface (z = 0.3x + noise-free), a typical scan layout. */
function planarCloud(rng: Rng, n: number): Float32Array {
  const p = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    const x = rng.uniform(0, 8), y = rng.uniform(0, 8);
    p[3 * i] = x;
    p[3 * i + 1] = y;
    p[3 * i + 2] = 0.3 * x;
  }
  return p;
}

Deno.test("knnSearch matches brute force on a uniform cloud (k = 16)", () => {
  checkKnn(uniformCloud(new Rng(1), 2000), 16, {});
});

Deno.test("knnSearch matches brute force on clustered and planar clouds", () => {
  const rng = new Rng(2);
  checkKnn(clusteredCloud(rng, 2000), 10, {});
  checkKnn(clusteredCloud(rng, 1500), 1, {});
  checkKnn(planarCloud(rng, 2000), 16, {});
});

Deno.test("knnSearch with explicit queries, including far outside the cloud", () => {
  const rng = new Rng(3);
  const points = clusteredCloud(rng, 2000);
  const queries = uniformCloud(rng, 300, [60, 60, 10]).map((v) => v - 30);
  queries.set([1e4, -1e4, 5e3, -3e5, 0, 0], 0);
  checkKnn(points, 8, { queries });
});

Deno.test("knnSearch hybrid radius keeps only neighbours within the radius", () => {
  const rng = new Rng(4);
  const points = uniformCloud(rng, 2000, [3, 3, 3]);
  checkKnn(points, 12, { radius: 0.2 });
  checkKnn(points, 12, { radius: 0.2, queries: uniformCloud(rng, 200, [4, 4, 4]) });
});

Deno.test("knnSearch handles exact ties and duplicate points by (dist2, index), self first", () => {
  const rng = new Rng(5);
  const n = 1500;
  const p = new Float32Array(3 * n);
  // Coarse lattice positions: many duplicates and equal distances.
  for (let i = 0; i < 3 * n; i++) p[i] = rng.int(6) * 0.25;
  checkKnn(p, 16, {});
  checkKnn(p, 5, { queries: uniformCloud(rng, 50, [1.5, 1.5, 1.5]) });
  const res = knnSearch(p, 4);
  for (let i = 0; i < n; i++) {
    assert.equal(res.index[4 * i], i);
    assert.equal(res.dist2[4 * i], 0);
  }
});

Deno.test("knnSearch golden grid with 0.1 m spacing", () => {
  const side = 5;
  const p = new Float32Array(3 * side ** 3);
  const at = (x: number, y: number, z: number) => x + side * (y + side * z);
  for (let z = 0; z < side; z++) {
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) p.set([x * 0.1, y * 0.1, z * 0.1], 3 * at(x, y, z));
    }
  }
  const res = knnSearch(p, 7);
  const c = at(2, 2, 2);
  const row = Array.from(res.index.subarray(7 * c, 7 * c + 7));
  assert.equal(row[0], c);
  const faces = [at(1, 2, 2), at(3, 2, 2), at(2, 1, 2), at(2, 3, 2), at(2, 2, 1), at(2, 2, 3)];
  assert.deepEqual(row.slice(1).sort((a, b) => a - b), faces.sort((a, b) => a - b));
  for (let t = 1; t < 7; t++) assert.ok(Math.abs(res.dist2[7 * c + t] - 0.01) < 1e-6);
  // Corner point: itself, 3 face neighbours, then 3 edge neighbours at √2·0.1.
  const corner = knnSearch(p, 7, { queries: new Float32Array([0, 0, 0]) });
  assert.deepEqual(
    Array.from(corner.index.subarray(0, 4)).sort((a, b) => a - b),
    [at(0, 0, 0), at(1, 0, 0), at(0, 1, 0), at(0, 0, 1)],
  );
  assert.deepEqual(
    Array.from(corner.index.subarray(4)).sort((a, b) => a - b),
    [at(1, 1, 0), at(1, 0, 1), at(0, 1, 1)].sort((a, b) => a - b),
  );
  for (let t = 4; t < 7; t++) assert.ok(Math.abs(corner.dist2[t] - 0.02) < 1e-6);
  // Radius counts around the centre: faces at 0.1, edges at 0.141, corners at 0.173.
  const q = new Float32Array([0.2, 0.2, 0.2]);
  const count = (r: number) => radiusSearch(p, r, { queries: q }).index.length;
  assert.equal(count(0.105), 7);
  assert.equal(count(0.15), 19);
  assert.equal(count(0.18), 27);
  assert.equal(count(0.05), 1);
});

Deno.test("knnSearch edge cases: empty cloud, k > n, single point, bad k", () => {
  const empty = knnSearch(new Float32Array(0), 3);
  assert.equal(empty.index.length, 0);
  const none = knnSearch(new Float32Array(0), 2, { queries: new Float32Array([1, 2, 3]) });
  assert.deepEqual(Array.from(none.index), [-1, -1]);
  assert.deepEqual(Array.from(none.dist2), [Infinity, Infinity]);
  const rng = new Rng(6);
  const five = uniformCloud(rng, 5);
  checkKnn(five, 8, {});
  checkKnn(five, 8, { queries: uniformCloud(rng, 4) });
  const one = knnSearch(new Float32Array([1, 2, 3]), 3);
  assert.deepEqual(Array.from(one.index), [0, -1, -1]);
  assert.deepEqual(Array.from(one.dist2), [0, Infinity, Infinity]);
  assert.throws(() => knnSearch(five, 0), RangeError);
  assert.throws(() => knnSearch(five, -2), RangeError);
  assert.throws(() => knnSearch(five, 1.5), RangeError);
  assert.throws(() => knnSearch(five, 2, { radius: 0 }), RangeError);
  assert.throws(() => knnSearch(new Float32Array([0, 0, NaN]), 2), /not finite|non-finite/);
});

Deno.test("knnSearch on a sparse cloud spread over a huge box (hashed grid)", () => {
  const rng = new Rng(7);
  const p = clusteredCloud(rng, 1000);
  for (let i = 0; i < 1000; i += 2) p[3 * i] += 5e4; // two far-apart halves
  checkKnn(p, 6, {});
  checkRadius(p, 0.05, {});
});

Deno.test("radiusSearch matches brute force on uniform, clustered and tied clouds", () => {
  const rng = new Rng(8);
  checkRadius(uniformCloud(rng, 2000, [3, 3, 3]), 0.15, {});
  checkRadius(clusteredCloud(rng, 2000), 0.2, {});
  checkRadius(clusteredCloud(rng, 2000), 0.02, { maxK: 5 });
  const tied = new Float32Array(3 * 800);
  for (let i = 0; i < tied.length; i++) tied[i] = rng.int(5) * 0.1;
  checkRadius(tied, 0.1, {});
  checkRadius(tied, 0.1, { maxK: 3 });
});

Deno.test("radiusSearch with explicit queries, far queries and edge cases", () => {
  const rng = new Rng(9);
  const points = uniformCloud(rng, 1500, [2, 2, 2]);
  const queries = uniformCloud(rng, 200, [3, 3, 3]);
  queries.set([1e5, 1e5, 1e5], 0);
  checkRadius(points, 0.25, { queries });
  const far = radiusSearch(points, 0.5, { queries: new Float32Array([-1e6, 0, 0]) });
  assert.deepEqual(Array.from(far.offsets), [0, 0]);
  const empty = radiusSearch(new Float32Array(0), 1, { queries: new Float32Array([0, 0, 0]) });
  assert.deepEqual(Array.from(empty.offsets), [0, 0]);
  assert.equal(radiusSearch(new Float32Array(0), 1).offsets.length, 1);
  const one = radiusSearch(new Float32Array([1, 1, 1]), 1);
  assert.deepEqual(Array.from(one.index), [0]);
  assert.throws(() => radiusSearch(points, 0), RangeError);
  assert.throws(() => radiusSearch(points, -1), RangeError);
  assert.throws(() => radiusSearch(points, 1, { maxK: 0 }), RangeError);
  // A radius larger than the whole cloud returns everything.
  checkRadius(uniformCloud(rng, 50), 100, {});
});
