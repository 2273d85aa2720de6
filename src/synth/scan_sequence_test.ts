import assert from "node:assert/strict";
import { generateSequence, type SequenceOptions } from "./scan_sequence.ts";

const TINY: SequenceOptions = { scans: 8, points: 400, scale: 0.1 };
const spec = { type: "office" as const, seed: 11, name: "t" };

/** R(pose) · p + t(pose) for point j of a sensor-frame cloud. */
function toWorld(pose: Float64Array, c: Float32Array, j: number): [number, number, number] {
  const [x, y, z] = [c[j * 3], c[j * 3 + 1], c[j * 3 + 2]];
  return [0, 1, 2].map((r) =>
    pose[r * 4] * x + pose[r * 4 + 1] * y + pose[r * 4 + 2] * z + pose[r * 4 + 3]
  ) as [number, number, number];
}

Deno.test("generateSequence: seeded scans in the sensor frame with ground truth, reported and true poses", async () => {
  const seen: number[] = [];
  const a = await generateSequence(spec, TINY, (_s, i, total) => {
    seen.push(i);
    assert.equal(total, 8);
  });
  const b = await generateSequence(spec, TINY);
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(a.scans, b.scans, "same seed, same scans");
  const c = await generateSequence({ ...spec, seed: 12 }, TINY);
  assert.notDeepEqual(a.scans[0].coord, c.scans[0].coord);
  const { w, d, h } = a.room.size;
  for (const [i, s] of a.scans.entries()) {
    const n = s.segment.length;
    assert.equal(n, 400, "the subsample has the requested size");
    assert.equal(s.name, String(i).padStart(6, "0"));
    assert.ok(Math.abs(s.timestamp - 0.2 * i) < 1e-9);
    assert.ok(s.coord.length === n * 3 && s.color.length === n * 3 && s.instance.length === n);
    for (let j = 0; j < n; j++) {
      // Sensor frame: in front of the camera, within range; world frame: inside the room.
      assert.ok(s.coord[j * 3 + 2] > 0 && s.coord[j * 3 + 2] < 5.1);
      const [x, y, z] = toWorld(s.poseTrue, s.coord, j);
      assert.ok(x > -0.15 && x < w + 0.15 && y > -0.15 && y < d + 0.15 && z > -0.1 && z < h + 0.1);
      assert.equal(s.segment[j], a.room.objects[s.instance[j]].cls);
    }
  }
  assert.deepEqual(a.scans[0].pose, a.scans[0].poseTrue, "odometry starts at the true pose");
  assert.notDeepEqual(a.scans[7].pose, a.scans[7].poseTrue, "then drifts");
  assert.equal(a.record.type, "office");
  assert.equal((a.record.objects as unknown[]).length, a.room.objects.length);
});

Deno.test("generateSequence: pose noise 0 reports the true poses and leaves the points as they were", async () => {
  const noisy = await generateSequence(spec, TINY);
  const exact = await generateSequence(spec, { ...TINY, poseNoise: 0 });
  for (const [i, s] of exact.scans.entries()) {
    assert.deepEqual(s.pose, s.poseTrue);
    assert.deepEqual(s.coord, noisy.scans[i].coord);
    assert.deepEqual(s.poseTrue, noisy.scans[i].poseTrue);
  }
  assert.deepEqual(exact.drift, { translation: 0, yaw: 0 });
});

Deno.test("generateSequence: the drift is a random walk of the stated steps in x, y and yaw about the robot", async () => {
  const noise = { translation: 0.02, yaw: 0.01 };
  const { scans } = await generateSequence(spec, {
    scans: 300,
    points: 10,
    scale: 0.03,
    poseNoise: noise,
  });
  // D = reported · true⁻¹ is planar: yaw θ, translation t; the robot's reported position is
  // D applied to its true one, moved by the step (the yaw step turns about it).
  const planar = (rep: Float64Array, tru: Float64Array) => {
    const th = Math.atan2(
      rep[4] * tru[0] + rep[5] * tru[1] + rep[6] * tru[2],
      rep[0] * tru[0] + rep[1] * tru[1] + rep[2] * tru[2],
    );
    return { th, x: rep[3], y: rep[7], tx: tru[3], ty: tru[7] };
  };
  const dTh: number[] = [], dXY: number[] = [];
  for (let i = 1; i < scans.length; i++) {
    const p = planar(scans[i - 1].pose, scans[i - 1].poseTrue);
    const q = planar(scans[i].pose, scans[i].poseTrue);
    assert.ok(Math.abs(scans[i].pose[11] - scans[i].poseTrue[11]) < 1e-12, "no drift in z");
    dTh.push(q.th - p.th);
    // Where D_{i−1} alone would put the robot now, and the step on top.
    const c = Math.cos(p.th), s = Math.sin(p.th), ux = q.tx - p.tx, uy = q.ty - p.ty;
    dXY.push(q.x - (p.x + c * ux - s * uy), q.y - (p.y + s * ux + c * uy));
  }
  const rms = (v: number[]) => Math.sqrt(v.reduce((a, x) => a + x * x, 0) / v.length);
  assert.ok(Math.abs(rms(dTh) / noise.yaw - 1) < 0.15, `yaw step rms ${rms(dTh)}`);
  assert.ok(Math.abs(rms(dXY) / noise.translation - 1) < 0.15, `xy step rms ${rms(dXY)}`);
});

Deno.test("generateSequence: several views per scan widen the field of view about the sensor frame", async () => {
  const one = await generateSequence(spec, { ...TINY, scans: 2, points: 1e6 });
  const three = await generateSequence(spec, { ...TINY, scans: 2, points: 1e6, views: 3 });
  const spread = (c: Float32Array) => {
    let m = 0;
    for (let j = 0; j < c.length; j += 3) m = Math.max(m, Math.abs(Math.atan2(c[j], c[j + 2])));
    return m;
  };
  const fov = 2 * Math.atan(32 / (577.87 * 0.1));
  assert.ok(spread(one.scans[0].coord) < fov / 2 + 0.01);
  assert.ok(spread(three.scans[0].coord) > fov, `${spread(three.scans[0].coord)} vs ${fov}`);
  assert.ok(three.scans[0].coord.length > 2 * one.scans[0].coord.length);
  assert.deepEqual(one.scans[1].poseTrue, three.scans[1].poseTrue);
});
