import assert from "node:assert/strict";
import { estimateUp, wallHeading } from "./estimate_up.ts";
import { Rng } from "./random.ts";
import { randomRotation, rotateRows, rotationToUp } from "./rotate_up.ts";

/** Points on the axis-aligned rectangle `lo..hi` (one of its extents 0), normal along that axis. */
function rect(rng: Rng, lo: number[], hi: number[], density: number, out: number[][]): void {
  const flat = [0, 1, 2].find((d) => hi[d] === lo[d])!;
  const area = [0, 1, 2].filter((d) => d !== flat).reduce((a, d) => a * (hi[d] - lo[d]), 1);
  const count = Math.round(area * density);
  for (let i = 0; i < count; i++) {
    const p = [0, 1, 2].map((d) => lo[d] + (hi[d] - lo[d]) * rng.uniform(0, 1));
    const n = [0, 0, 0];
    n[flat] = rng.int(2) === 0 ? 1 : -1; // normals of any sign
    for (let d = 0; d < 3; d++) n[d] += 0.03 * rng.normal();
    out.push([...p, ...n]);
  }
}

/** A z-up room: floor, walls (3 of 4 scanned), furniture boxes, optionally a ceiling. */
function room(seed: number, ceiling = false): { coord: Float32Array; normal: Float32Array } {
  const rng = new Rng(seed);
  const w = rng.uniform(3, 6), d = rng.uniform(3, 6), h = rng.uniform(2.4, 3);
  const rows: number[][] = [];
  const density = 400;
  rect(rng, [0, 0, 0], [w, d, 0], density, rows);
  if (ceiling) rect(rng, [0, 0, h], [w, d, h], density * 0.7, rows);
  rect(rng, [0, 0, 0], [w, 0, h], density, rows);
  rect(rng, [0, d, 0], [w, d, h], density, rows);
  rect(rng, [0, 0, 0], [0, d, h], density, rows);
  for (let b = 0; b < 5; b++) {
    const x = rng.uniform(0.3, w - 1.5), y = rng.uniform(0.3, d - 1.5);
    const bx = rng.uniform(0.4, 1.2), by = rng.uniform(0.4, 1.2), bz = rng.uniform(0.4, 1.1);
    rect(rng, [x, y, bz], [x + bx, y + by, bz], density, rows); // top
    rect(rng, [x, y, 0], [x + bx, y, bz], density, rows);
    rect(rng, [x, y, 0], [x, y + by, bz], density, rows);
  }
  const coord = new Float32Array(rows.flatMap((r) => r.slice(0, 3)));
  const normal = new Float32Array(rows.flatMap((r) => r.slice(3)));
  return { coord, normal };
}

const angleDeg = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Math.acos(Math.max(-1, Math.min(1, a[0] * b[0] + a[1] * b[1] + a[2] * b[2]))) * 180 / Math.PI;

Deno.test("estimateUp recovers up of rooms under seeded random rotations", () => {
  const rng = new Rng(42);
  for (let seed = 0; seed < 6; seed++) {
    const { coord, normal } = room(seed, seed % 2 === 1);
    for (let t = 0; t < 4; t++) {
      const r = t === 0 ? Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1) : randomRotation(rng);
      const got = estimateUp(rotateRows(coord, r), rotateRows(normal, r));
      const truth = [r[2], r[5], r[8]]; // R·z
      const err = angleDeg(got.up, truth);
      assert.ok(err < 3, `room ${seed} rotation ${t}: ${err.toFixed(1)}° off`);
      assert.ok(got.confidence > 0.2, `room ${seed} rotation ${t}: confidence ${got.confidence}`);
      assert.ok(Math.abs(Math.hypot(...got.up) - 1) < 1e-9);
    }
  }
});

Deno.test("estimateUp: upside-down room is turned back", () => {
  const { coord, normal } = room(7);
  const flip = Float64Array.of(1, 0, 0, 0, -1, 0, 0, 0, -1);
  const got = estimateUp(rotateRows(coord, flip), rotateRows(normal, flip));
  assert.ok(angleDeg(got.up, [0, 0, -1]) < 3, `up ${got.up}`);
});

Deno.test("estimateUp: the first frame axis matches a brute-force search of the sphere", () => {
  const rng = new Rng(3);
  const { coord, normal } = room(11);
  const r = randomRotation(rng);
  const n = rotateRows(normal, r);
  const got = estimateUp(rotateRows(coord, r), n);
  // Brute force: the direction (3° grid) with the most normals within 12°. The cone count
  // is flat near its peak, so the frame's first axis must hold as many normals (to 1 %)
  // and lie within a few degrees of it.
  const cosA = Math.cos((12 * Math.PI) / 180);
  let best = -1, dir = [0, 0, 1];
  for (let th = 0; th <= 90; th += 3) {
    for (let ph = 0; ph < 360; ph += 3) {
      const t = (th * Math.PI) / 180, p = (ph * Math.PI) / 180;
      const d = [Math.sin(t) * Math.cos(p), Math.sin(t) * Math.sin(p), Math.cos(t)];
      let s = 0;
      for (let i = 0; i < n.length; i += 3) {
        const l = Math.hypot(n[i], n[i + 1], n[i + 2]);
        if (Math.abs(n[i] * d[0] + n[i + 1] * d[1] + n[i + 2] * d[2]) / l >= cosA) s++;
      }
      if (s > best) [best, dir] = [s, d];
    }
  }
  const nearest = Math.min(...got.candidates.map((c) => angleDeg(c.axis, dir)));
  assert.ok(nearest < 6, `brute-force axis ${dir} is ${nearest.toFixed(1)}° from the frame`);
  const m = n.length / 3;
  assert.ok(got.support[0] * m >= 0.99 * best, `support ${got.support[0] * m} < ${best}`);
});

Deno.test("estimateUp: degenerate inputs fall back to z with confidence 0", () => {
  const fallback = (coord: Float32Array, normal: Float32Array) => {
    const got = estimateUp(coord, normal);
    assert.deepEqual(got.up, [0, 0, 1]);
    assert.equal(got.confidence, 0);
  };
  fallback(new Float32Array(0), new Float32Array(0));
  const rng = new Rng(1);
  const m = 2000;
  // One tilted plane.
  const plane = new Float32Array(3 * m), pn = new Float32Array(3 * m);
  const r = randomRotation(rng);
  for (let i = 0; i < m; i++) plane.set([rng.uniform(0, 3), rng.uniform(0, 3), 0], 3 * i);
  for (let i = 0; i < m; i++) pn.set([0, 0, 1], 3 * i);
  fallback(rotateRows(plane, r), rotateRows(pn, r));
  // A plane with a little noise off it: still one supported axis.
  const noisy = plane.map((v, i) => (i % 3 === 2 ? 0.001 * rng.normal() : v));
  fallback(noisy, pn);
  // Colinear points.
  const line = new Float32Array(3 * m), ln = new Float32Array(3 * m);
  for (let i = 0; i < m; i++) {
    const t = rng.uniform(0, 5);
    line.set([t, 2 * t, -t], 3 * i);
    ln.set([rng.normal(), rng.normal(), rng.normal()], 3 * i);
  }
  fallback(line, ln);
  // Too few points, zero and non-finite normals.
  fallback(new Float32Array(30), new Float32Array(30));
  fallback(rotateRows(room(2).coord, r), new Float32Array(room(2).coord.length));
  fallback(room(2).coord, new Float32Array(room(2).coord.length).fill(NaN));
});

Deno.test("rotationToUp is the minimal proper rotation taking up to +z", () => {
  const rng = new Rng(9);
  const ups = [[0, 0, 1], [0, 0, -1], [1, 0, 0], [0, -3, 0], [1e-9, 0, -1]];
  for (let i = 0; i < 20; i++) ups.push([rng.normal(), rng.normal(), rng.normal()]);
  for (const up of ups) {
    const r = rotationToUp(up);
    const l = Math.hypot(...up);
    const z = [0, 1, 2].map((i) =>
      (r[3 * i] * up[0] + r[3 * i + 1] * up[1] + r[3 * i + 2] * up[2]) / l
    );
    assert.ok(angleDeg(z, [0, 0, 1]) < 1e-5, `up ${up} → ${z}`);
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        const dot = r[3 * a] * r[3 * b] + r[3 * a + 1] * r[3 * b + 1] + r[3 * a + 2] * r[3 * b + 2];
        assert.ok(Math.abs(dot - (a === b ? 1 : 0)) < 1e-12);
      }
    }
    const det = r[0] * (r[4] * r[8] - r[5] * r[7]) - r[1] * (r[3] * r[8] - r[5] * r[6]) +
      r[2] * (r[3] * r[7] - r[4] * r[6]);
    assert.ok(Math.abs(det - 1) < 1e-12);
    // Minimal: the rotation angle (from the trace) equals the tilt of up.
    const angle = Math.acos(Math.max(-1, Math.min(1, (r[0] + r[4] + r[8] - 1) / 2)));
    assert.ok(Math.abs(angle - Math.acos(up[2] / l)) < 1e-6, `up ${up}`);
  }
  assert.throws(() => rotationToUp([0, 0, 0]), /up must be/);
  assert.throws(() => rotationToUp([NaN, 0, 1]), /up must be/);
});

Deno.test("wallHeading finds the walls' heading modulo 90°", () => {
  const { normal } = room(5);
  for (const deg of [0, 17, -30, 44]) {
    const a = (deg * Math.PI) / 180;
    const r = Float64Array.of(Math.cos(a), -Math.sin(a), 0, Math.sin(a), Math.cos(a), 0, 0, 0, 1);
    const got = wallHeading(rotateRows(normal, r));
    assert.ok(Math.abs(got.angle - a) < 0.02, `${deg}°: ${(got.angle * 180) / Math.PI}`);
    assert.ok(got.strength > 0.8);
  }
  assert.deepEqual(wallHeading(new Float32Array([0, 0, 1])), { angle: 0, strength: 0 });
});
