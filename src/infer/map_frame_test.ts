import assert from "node:assert/strict";
import { Rng } from "../kernels/random.ts";
import { rotationToUp } from "../kernels/rotate_up.ts";
import { MapFrame } from "./map_frame.ts";
import { StreamSession } from "./stream_session.ts";

const round = (v: number[]) => v.map((x) => Math.round(x * 1e6) / 1e6 + 0);

Deno.test("MapFrame: z up by default leaves points as they are", () => {
  const f = new MapFrame();
  assert.deepEqual(round(f.up), [0, 0, 1]);
  const p = Float32Array.of(1, 2, 3);
  assert.equal(f.toGravity(p), p);
  assert.equal(f.toClient(p), p);
});

Deno.test("MapFrame: a given up goes to +z and back; up is the rotation's third row", () => {
  const rng = new Rng(3);
  for (const up of [[0, -2, 0], [1, 1, 0], [0.2, -0.3, -1]]) {
    const f = new MapFrame(up);
    const len = Math.hypot(up[0], up[1], up[2]);
    assert.deepEqual(round(f.up), round(up.map((v) => v / len)));
    assert.deepEqual(Array.from(f.rotation), Array.from(rotationToUp(up)));
    const u = f.toGravity(Float32Array.from(up.map((v) => v / len)));
    assert.ok(Math.abs(u[2] - 1) < 1e-5 && Math.abs(u[0]) < 1e-5 && Math.abs(u[1]) < 1e-5);
    const p = new Float32Array(60).map(() => rng.uniform(-5, 5));
    assert.ok(f.toClient(f.toGravity(p)).every((v, i) => Math.abs(v - p[i]) < 1e-4));
  }
});

Deno.test("StreamSession with map_up: radius eviction and map queries use the client's frame", () => {
  // y-down map: the gravity frame turns (x, y, z) into (x, z, −y).
  const s = new StreamSession({
    dim: 2,
    voxelSize: 0.1,
    mapRadius: 2,
    maxMapVoxels: 10,
    minScore: -1,
    mapUp: [0, -1, 0],
  });
  s.setLabels(Float32Array.of(1, 0, 0, 1));
  const g = s.frame.toGravity(Float32Array.of(0, 0, 0, 0, 0, 5)); // the second 5 m ahead
  const scan = {
    model: "m",
    version: 1,
    count: 2,
    positions: Float32Array.of(0, 0, 0, 0, 0, 5),
    voxelOf: Int32Array.of(0, 1),
    voxelCenter: g,
    semantic: Float32Array.of(1, 0, 1, 0),
    proposal: Int32Array.of(0, 0),
    timing: { decode: 0, features: 0, adapter: 0 },
  };
  const at = (z: number) => Float64Array.of(1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, z, 0, 0, 0, 1);
  s.labelScan(scan, { pose: at(0), timestamp: 0, objects: true, changes: false });
  assert.equal(s.mapVoxels, 2);
  const [o] = s.query(Float32Array.of(1, 0), { maxObjects: 5, minScore: -1 });
  // Voxel centres: within half a voxel (0.05 m) of the points, in the client's frame.
  const want = [0, 0, 2.5];
  assert.ok(o.centroid.every((v, i) => Math.abs(v - want[i]) <= 0.0501), `${o.centroid}`);
  // The sensor moves 5 m along the client's z: the voxel at the origin is now 5 m away.
  s.labelScan({
    ...scan,
    count: 0,
    voxelOf: new Int32Array(0),
    positions: new Float32Array(0),
    voxelCenter: new Float32Array(0),
    semantic: new Float32Array(0),
    proposal: new Int32Array(0),
  }, { pose: at(5), timestamp: 1, objects: false, changes: false });
  assert.equal(s.mapVoxels, 1, "radius measured in the same frame as the voxels");
});
