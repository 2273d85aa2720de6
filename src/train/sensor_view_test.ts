import assert from "node:assert/strict";
import { GeoError } from "../kernels/errors.ts";
import { Rng } from "../kernels/random.ts";
import { sensorView, visibleFrom } from "./sensor_view.ts";

const OPTS = {
  fovH: (58 * Math.PI) / 180,
  fovV: (45 * Math.PI) / 180,
  maxRange: 5,
  minRange: 0.3,
  pointRadius: 0.015,
  resolution: 64,
  tolerance: 0.05,
};

/** A 2 cm grid on a rectangle of the plane x = const, y ∈ [y0, y1], z ∈ [z0, z1]. */
function plane(x: number, [y0, y1]: number[], [z0, z1]: number[]): number[] {
  const out: number[] = [];
  for (let y = y0; y <= y1 + 1e-9; y += 0.02) {
    for (let z = z0; z <= z1 + 1e-9; z += 0.02) out.push(x, y, z);
  }
  return out;
}

Deno.test("visibleFrom: a panel hides the wall behind it; behind, beyond range and outside the view are dropped", () => {
  const wall = plane(3, [-1, 1], [-0.8, 0.8]);
  const panel = plane(1.5, [-0.2, 0.2], [-0.2, 0.2]);
  const behind = [-1, 0, 0], far = [6, 0, 0], aside = [1, 3, 0];
  const coord = Float32Array.from([...wall, ...panel, ...behind, ...far, ...aside]);
  const keep = visibleFrom(coord, { position: [0, 0, 0], yaw: 0, pitch: 0 }, OPTS);
  const nw = wall.length / 3, np = panel.length / 3;
  for (let i = nw; i < nw + np; i++) assert.equal(keep[i], 1, `panel point ${i}`);
  assert.deepEqual([...keep.subarray(nw + np)], [0, 0, 0]);
  // Wall points straight behind the panel (its shadow, shrunk by a margin) are hidden,
  // wall points well clear of the shadow are seen.
  for (let i = 0; i < nw; i++) {
    const y = coord[3 * i + 1], z = coord[3 * i + 2];
    if (Math.abs(y) < 0.3 && Math.abs(z) < 0.3) assert.equal(keep[i], 0, `shadow ${y},${z}`);
    if (Math.abs(y) > 0.55 || Math.abs(z) > 0.55) assert.equal(keep[i], 1, `clear ${y},${z}`);
  }
});

Deno.test("visibleFrom agrees with a brute-force reference on random clouds", () => {
  const rng = new Rng(11);
  // Large squares, so that points hide each other often.
  const o = { ...OPTS, pointRadius: 0.3 };
  let hidden = 0;
  for (const n of [0, 1, 400]) {
    const coord = Float32Array.from({ length: 3 * n }, () => rng.uniform(-3, 3));
    const pose = {
      position: [0.1, -0.2, 0.3],
      yaw: rng.uniform(0, 6),
      pitch: rng.uniform(-0.3, 0.1),
    };
    const got = visibleFrom(coord, pose, o), want = bruteForce(coord, pose, o);
    assert.deepEqual([...got], want.map((w) => (w === 1 ? 1 : 0)));
    hidden += want.filter((w) => w === 2).length;
  }
  assert.ok(hidden > 5, `${hidden} points in view but hidden`);
});

/**
 * Each point against every other point's covered square, in the same pixel grid:
 * 0 out of view, 1 visible, 2 in view but hidden.
 */
function bruteForce(
  coord: Float32Array,
  pose: { position: number[]; yaw: number; pitch: number },
  o: typeof OPTS,
): number[] {
  const n = coord.length / 3;
  const f = [
    Math.cos(pose.pitch) * Math.cos(pose.yaw),
    Math.cos(pose.pitch) * Math.sin(pose.yaw),
    Math.sin(pose.pitch),
  ];
  const r = [Math.sin(pose.yaw), -Math.cos(pose.yaw), 0];
  const d = [f[1] * r[2] - f[2] * r[1], f[2] * r[0] - f[0] * r[2], f[0] * r[1] - f[1] * r[0]];
  const tanH = Math.tan(o.fovH / 2), tanV = Math.tan(o.fovV / 2);
  const W = o.resolution, H = Math.round((W * tanV) / tanH);
  const proj = Array.from({ length: n }, (_, i) => {
    const p = [0, 1, 2].map((k) => coord[3 * i + k] - pose.position[k]);
    const dot = (a: number[]) => p[0] * a[0] + p[1] * a[1] + p[2] * a[2];
    const depth = dot(f), range = Math.hypot(p[0], p[1], p[2]);
    const u = dot(r) / depth, v = dot(d) / depth;
    if (
      depth <= 0 || range < o.minRange || range > o.maxRange || Math.abs(u) > tanH ||
      Math.abs(v) > tanV
    ) {
      return null;
    }
    const c = Math.min(W - 1, Math.floor(((u + tanH) / (2 * tanH)) * W));
    const row = Math.min(H - 1, Math.floor(((v + tanV) / (2 * tanV)) * H));
    return { depth, c, row, k: Math.floor(o.pointRadius / (depth * ((2 * tanH) / W))) };
  });
  return proj.map((a) =>
    !a ? 0 : proj.every((b) =>
        !b || Math.abs(b.c - a.c) > b.k || Math.abs(b.row - a.row) > b.k ||
        b.depth >= a.depth - o.tolerance
      )
      ? 1
      : 2
  );
}

Deno.test("sensorView: seeded, clear of the room's points, and null when nothing can be seen", () => {
  // A 4 × 4 m room: floor, four walls 2.5 m high, a box in the middle.
  const pts: number[] = [];
  for (let x = 0; x <= 4; x += 0.04) for (let y = 0; y <= 4; y += 0.04) pts.push(x, y, 0);
  for (let t = 0; t <= 4; t += 0.04) {
    for (let z = 0; z <= 2.5; z += 0.04) pts.push(t, 0, z, t, 4, z, 0, t, z, 4, t, z);
  }
  for (let x = 1.8; x <= 2.2; x += 0.04) for (let y = 1.8; y <= 2.2; y += 0.04) pts.push(x, y, 0.8);
  const cloud = { count: pts.length / 3, coord: Float32Array.from(pts) };
  const a = sensorView(cloud, new Rng(3)), b = sensorView(cloud, new Rng(3));
  assert.ok(a && b);
  assert.deepEqual(a, b);
  assert.ok(a.count >= 2000 && a.count < cloud.count, `kept ${a.count} of ${cloud.count}`);
  assert.ok(a.position[2] >= 0.9 && a.position[2] <= 1.3);
  for (let i = 0; i < cloud.count; i++) {
    const dist = Math.hypot(...[0, 1, 2].map((k) => cloud.coord[3 * i + k] - a.position[k]));
    assert.ok(dist >= 0.3);
  }
  assert.equal(sensorView({ count: 0, coord: new Float32Array(0) }, new Rng(1)), null);
  assert.equal(sensorView({ count: 1, coord: new Float32Array(3) }, new Rng(1)), null);
  assert.throws(() => sensorView(cloud, new Rng(1), { fov: [0, 1] }), GeoError);
  assert.throws(() => sensorView(cloud, new Rng(1), { maxRange: 0.2 }), GeoError);
});
