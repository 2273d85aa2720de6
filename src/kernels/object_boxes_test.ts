import assert from "node:assert/strict";
import { objectBoxes } from "./object_boxes.ts";
import { Rng } from "./random.ts";

/** Reference: per-group point lists, eigenvector of the 2×2 covariance via its largest eigenvalue. */
function reference(coord: Float32Array, group: Int32Array, count: number) {
  const out = [];
  for (let g = 0; g < count; g++) {
    const pts: number[][] = [];
    for (let i = 0; i < group.length; i++) {
      const p = Array.from(coord.subarray(3 * i, 3 * i + 3));
      if (group[i] === g && p.every(Number.isFinite)) pts.push(p);
    }
    if (pts.length === 0) {
      out.push(null);
      continue;
    }
    const m = [0, 1, 2].map((a) => pts.reduce((s, p) => s + p[a], 0) / pts.length);
    let a = 0, b = 0, c = 0;
    for (const p of pts) {
      a += (p[0] - m[0]) ** 2;
      b += (p[0] - m[0]) * (p[1] - m[1]);
      c += (p[1] - m[1]) ** 2;
    }
    const lambda = (a + c) / 2 + Math.sqrt(((a - c) / 2) ** 2 + b * b);
    let yaw: number;
    if (Math.abs(b) > 1e-12 * (a + c)) yaw = Math.atan((lambda - a) / b);
    else yaw = a >= c ? 0 : Math.PI / 2;
    const u = pts.map((p) => p[0] * Math.cos(yaw) + p[1] * Math.sin(yaw));
    const v = pts.map((p) => -p[0] * Math.sin(yaw) + p[1] * Math.cos(yaw));
    const z = pts.map((p) => p[2]);
    const [u0, u1, v0, v1] = [Math.min(...u), Math.max(...u), Math.min(...v), Math.max(...v)];
    const mu = (u0 + u1) / 2, mv = (v0 + v1) / 2;
    out.push({
      n: pts.length,
      mean: m,
      min: [0, 1, 2].map((k) => Math.min(...pts.map((p) => p[k]))),
      max: [0, 1, 2].map((k) => Math.max(...pts.map((p) => p[k]))),
      center: [mu * Math.cos(yaw) - mv * Math.sin(yaw), mu * Math.sin(yaw) + mv * Math.cos(yaw)],
      zMid: (Math.min(...z) + Math.max(...z)) / 2,
      size: [u1 - u0, v1 - v0, Math.max(...z) - Math.min(...z)],
      yaw,
    });
  }
  return out;
}

/** Difference of two angles modulo π, in [0, π/2]. */
function angleGap(a: number, b: number): number {
  const d = (((a - b) % Math.PI) + Math.PI) % Math.PI;
  return Math.min(d, Math.PI - d);
}

function near(got: number, want: number, tol: number, what: string): void {
  assert.ok(Math.abs(got - want) <= tol, `${what}: ${got} vs ${want}`);
}

Deno.test("objectBoxes matches a per-group reference on random elongated groups", () => {
  const rng = new Rng(501);
  const count = 40, coords: number[] = [], groups: number[] = [];
  for (let g = 0; g < count - 3; g++) {
    // Group count − 3.. stay empty; a few groups get one or two points.
    const size = g % 9 === 0 ? 1 + (g % 2) : 5 + rng.int(60);
    const [cx, cy, cz] = [rng.uniform(-20, 20), rng.uniform(-20, 20), rng.uniform(0, 3)];
    const theta = rng.uniform(-Math.PI, Math.PI), long = rng.uniform(0.5, 3);
    const wide = long * rng.uniform(0.05, 0.5);
    for (let k = 0; k < size; k++) {
      const s = rng.normal() * long, t = rng.normal() * wide;
      coords.push(
        cx + s * Math.cos(theta) - t * Math.sin(theta),
        cy + s * Math.sin(theta) + t * Math.cos(theta),
        cz + rng.normal() * 0.3,
      );
      groups.push(g);
    }
  }
  for (let k = 0; k < 30; k++) {
    coords.push(rng.normal(), rng.normal(), rng.normal());
    groups.push(-1);
  }
  const coord = new Float32Array(coords), group = new Int32Array(groups);
  const order = rng.shuffle(Array.from(group.keys()));
  const sc = new Float32Array(coord.length), sg = new Int32Array(group.length);
  order.forEach((from, to) => {
    sc.set(coord.subarray(3 * from, 3 * from + 3), 3 * to);
    sg[to] = group[from];
  });
  sc[3 * 7 + 1] = NaN;
  sc[3 * 50 + 2] = -Infinity;
  const got = objectBoxes(sc, sg, count);
  const want = reference(sc, sg, count);
  for (let g = 0; g < count; g++) {
    const w = want[g];
    if (!w) {
      assert.equal(got.pointCount[g], 0);
      assert.ok(got.centroid.subarray(3 * g, 3 * g + 3).every((x) => x === 0));
      assert.ok(got.box.subarray(6 * g, 6 * g + 6).every((x) => x === 0));
      assert.ok(got.yawBox.subarray(7 * g, 7 * g + 7).every((x) => x === 0));
      continue;
    }
    assert.equal(got.pointCount[g], w.n);
    for (let a = 0; a < 3; a++) {
      near(got.centroid[3 * g + a], w.mean[a], 1e-5 * (1 + Math.abs(w.mean[a])), "centroid");
      assert.equal(got.box[6 * g + a], w.min[a]);
      assert.equal(got.box[6 * g + 3 + a], w.max[a]);
    }
    const b = got.yawBox.subarray(7 * g, 7 * g + 7);
    assert.ok(b[6] > -Math.PI / 2 && b[6] <= Math.fround(Math.PI / 2));
    assert.ok(angleGap(b[6], w.yaw) < 1e-4, `group ${g}: yaw ${b[6]} vs ${w.yaw}`);
    const tol = 1e-3;
    near(b[0], w.center[0], tol, "cx");
    near(b[1], w.center[1], tol, "cy");
    near(b[2], w.zMid, 1e-5, "cz");
    // A yaw off by π swaps nothing: sizes along and across are the same.
    for (let a = 0; a < 3; a++) near(b[3 + a], w.size[a], tol, `size ${a}`);
    if (w.n === 1) assert.deepEqual([b[3], b[4], b[5], b[6]], [0, 0, 0, 0]);
  }
});

Deno.test("objectBoxes recovers a rotated rectangle's yaw, sizes and centre", () => {
  for (const [deg, wantDeg] of [[30, 30], [120, -60], [90, 90], [-90, 90], [0, 0], [-45, -45]]) {
    const t = (deg * Math.PI) / 180, coords: number[] = [];
    for (let i = 0; i <= 40; i++) {
      for (let j = 0; j <= 10; j++) {
        const s = -2 + 0.1 * i, r = -0.5 + 0.1 * j;
        coords.push(3 + s * Math.cos(t) - r * Math.sin(t), -1 + s * Math.sin(t) + r * Math.cos(t));
        coords.push(j % 2 ? 0.5 : 1.5);
      }
    }
    const n = coords.length / 3;
    const { yawBox, pointCount } = objectBoxes(new Float32Array(coords), new Int32Array(n), 1);
    assert.equal(pointCount[0], n);
    assert.ok(angleGap(yawBox[6], t) < 1e-5);
    near(yawBox[6], (wantDeg * Math.PI) / 180, 1e-5, `yaw at ${deg}°`);
    const want = [3, -1, 1, 4, 1, 1];
    for (let a = 0; a < 6; a++) near(yawBox[a], want[a], 2e-5, `box ${a} at ${deg}°`);
  }
});

Deno.test("objectBoxes edge cases: empty input, single points, duplicates, −1 and argument checks", () => {
  const empty = objectBoxes(new Float32Array(0), new Int32Array(0), 0);
  assert.equal(empty.yawBox.length, 0);
  const none = objectBoxes(new Float32Array(0), new Int32Array(0), 2);
  assert.deepEqual(Array.from(none.pointCount), [0, 0]);
  assert.ok(none.yawBox.every((x) => x === 0));
  const coord = new Float32Array([1, 2, 3, 5, 5, 5, 5, 5, 5, NaN, 0, 0, 9, 9, 9]);
  const r = objectBoxes(coord, new Int32Array([0, 1, 1, 0, -1]), 3);
  assert.deepEqual(Array.from(r.pointCount), [1, 2, 0]);
  assert.deepEqual(Array.from(r.centroid.subarray(0, 6)), [1, 2, 3, 5, 5, 5]);
  assert.deepEqual(Array.from(r.box.subarray(0, 12)), [1, 2, 3, 1, 2, 3, 5, 5, 5, 5, 5, 5]);
  assert.deepEqual(Array.from(r.yawBox), [
    1,
    2,
    3,
    0,
    0,
    0,
    0,
    5,
    5,
    5,
    0,
    0,
    0,
    0,
    ...new Array(7).fill(0),
  ]);
  // Isotropic spread (a square's corners): yaw 0, sizes along x and y.
  const sq = objectBoxes(
    new Float32Array([0, 0, 0, 2, 0, 0, 0, 2, 0, 2, 2, 1]),
    new Int32Array(4),
    1,
  );
  assert.deepEqual(Array.from(sq.yawBox), [1, 1, 0.5, 2, 2, 1, 0]);
  // Almost along y with a tiny negative tilt: the Float32 yaw is π/2, never −π/2.
  const tilt = new Float32Array([1e-9, -1, 0, 0, 0, 0, -1e-9, 1, 0]);
  assert.equal(objectBoxes(tilt, new Int32Array(3), 1).yawBox[6], Math.fround(Math.PI / 2));
  assert.throws(() => objectBoxes(new Float32Array(3), new Int32Array([1]), 1), /outside/);
  assert.throws(() => objectBoxes(new Float32Array(3), new Int32Array([-2]), 1), /outside/);
  assert.throws(() => objectBoxes(new Float32Array(4), new Int32Array([0]), 1), /1×3/);
  assert.throws(() => objectBoxes(new Float32Array(0), new Int32Array(0), -1), /non-negative/);
});
