import assert from "node:assert/strict";
import { Rng } from "../kernels/random.ts";
import { randomRotation, rotationToUp } from "../kernels/rotate_up.ts";
import { MapFrame, MAX_FRAME_TRIES } from "./map_frame.ts";
import { StreamSession } from "./stream_session.ts";

const I = Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1);

Deno.test("MapFrame: a given up settles at once; up is the rotation's third row", () => {
  const f = new MapFrame([0, -2, 0]);
  assert.ok(f.settled);
  assert.deepEqual(f.up!.map((v) => Math.round(v * 1e9) / 1e9), [0, -1, 0]);
  const req = f.request();
  assert.ok("frame" in req);
  assert.deepEqual(Array.from(req.frame), Array.from(rotationToUp([0, -1, 0])));
  assert.equal(f.adopt(I, 1), false, "a settled frame ignores later estimates");
});

Deno.test("MapFrame: estimates until one is confident; a moved frame asks to empty the map", () => {
  const f = new MapFrame();
  assert.ok(!f.settled && f.up === undefined);
  assert.deepEqual(f.request(), { estimateFrame: true });
  assert.equal(f.adopt(I, 0.1), false, "not confident, same frame");
  assert.ok(!f.settled);
  const turned = rotationToUp([0, -1, 0]);
  assert.equal(f.adopt(turned, 0.5), true, "confident and moved: the map must be emptied");
  assert.ok(f.settled);
  assert.ok(f.up![1] < -0.999);
  // Round trip of points through the gravity frame.
  const rng = new Rng(2);
  const p = new Float32Array(30).map(() => rng.uniform(-3, 3));
  const back = f.toClient(f.toGravity(p));
  assert.ok(back.every((v, i) => Math.abs(v - p[i]) < 1e-5));
  assert.ok(Math.abs(f.toGravity(Float32Array.of(0, -1, 0))[2] - 1) < 1e-6, "up goes to +z");
});

Deno.test("MapFrame: after MAX_FRAME_TRIES unconfident scans it settles as it is", () => {
  const f = new MapFrame();
  const r = randomRotation(new Rng(5));
  for (let i = 1; i < MAX_FRAME_TRIES; i++) f.adopt(I, 0);
  assert.ok(!f.settled);
  f.adopt(I, 0);
  assert.ok(f.settled);
  assert.deepEqual(f.up, [0, 0, 1]);
  assert.equal(f.adopt(r, 1), false);
});

Deno.test("StreamSession.adoptFrame empties the map when the frame moves, not otherwise", () => {
  const s = new StreamSession({
    dim: 2,
    voxelSize: 0.1,
    mapRadius: 100,
    maxMapVoxels: 10,
    minScore: -1,
  });
  s.setLabels(Float32Array.of(1, 0, 0, 1));
  const scan = {
    model: "m",
    version: 1,
    count: 2,
    positions: Float32Array.of(0, 0, 0, 1, 0, 0),
    voxelOf: Int32Array.of(0, 1),
    voxelCenter: Float32Array.of(0, 0, 0, 1, 0, 0),
    semantic: Float32Array.of(1, 0, 0, 1),
    proposal: new Int32Array(0),
    timing: { decode: 0, features: 0, adapter: 0 },
  };
  const pose = Float64Array.of(1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1);
  s.adoptFrame(I, 0.05);
  s.labelScan(scan, { pose, timestamp: 0, objects: false, changes: false });
  assert.equal(s.mapVoxels, 2);
  s.adoptFrame(I, 0.05);
  assert.equal(s.mapVoxels, 2, "same frame: the map stays");
  s.adoptFrame(rotationToUp([0, 1, 0]), 0.9);
  assert.equal(s.mapVoxels, 0, "moved frame: the map is emptied");
  assert.ok(s.frame.settled);
});
