import assert from "node:assert/strict";
import { GeoError } from "../src/kernels/errors.ts";
import type { PointCloud } from "../src/kernels/point_cloud.ts";
import { Rng } from "../src/kernels/random.ts";
import { rotateRows, rotationAboutZ, upFromPose } from "../src/kernels/rotate_up.ts";
import { alignToGravity } from "../src/infer/gravity.ts";
import { createSegmentService } from "../src/infer/segment_service.ts";
import { segmentInput } from "../src/infer/segment_input.ts";
import { segmentResponseToMsg } from "../src/server/segment_handler.ts";
import { upFromMsg } from "../src/server/segment_request.ts";
import { wireCodec } from "../src/server/wire.ts";
import { parseUpParam } from "../src/server/http_api.ts";
import { parseSegmentArgs } from "../src/commands/segment.ts";
import { typedToBytes } from "../src/io/typed_bytes.ts";
import { createTinyModel } from "./fixtures/tiny_model.ts";

/** A z-up room of points without normals: floor, three walls, two boxes; walls ∥ x / y. */
function room(seed: number): PointCloud {
  const rng = new Rng(seed);
  const pts: number[] = [];
  const rect = (lo: number[], hi: number[], count: number) => {
    for (let i = 0; i < count; i++) {
      for (let d = 0; d < 3; d++) pts.push(lo[d] + (hi[d] - lo[d]) * rng.uniform(0, 1));
    }
  };
  rect([0, 0, 0], [4, 5, 0], 6000);
  rect([0, 0, 0], [4, 0, 2.6], 3000);
  rect([0, 5, 0], [4, 5, 2.6], 3000);
  rect([0, 0, 0], [0, 5, 2.6], 3000);
  rect([1, 1, 0.75], [2.2, 1.8, 0.75], 1200);
  rect([1, 1, 0], [2.2, 1, 0.75], 500);
  rect([2.5, 3, 0.45], [3.3, 3.8, 0.45], 800);
  rect([2.5, 3, 0], [2.5, 3.8, 0.45], 400);
  const coord = new Float32Array(pts);
  return { count: coord.length / 3, coord };
}

/** A fixed tilted rotation (about the axis (1, 2, 3) by 70°). */
function tilt(): Float64Array {
  const l = Math.hypot(1, 2, 3), [x, y, z] = [1 / l, 2 / l, 3 / l];
  const a = (70 * Math.PI) / 180, c = Math.cos(a), s = Math.sin(a), t = 1 - c;
  return Float64Array.of(
    ...[t * x * x + c, t * x * y - s * z, t * x * z + s * y],
    ...[t * x * y + s * z, t * y * y + c, t * y * z - s * x],
    ...[t * x * z - s * y, t * y * z + s * x, t * z * z + c],
  );
}

const angle = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  (Math.acos(Math.max(-1, Math.min(1, a[0] * b[0] + a[1] * b[1] + a[2] * b[2]))) * 180) / Math.PI;

Deno.test("alignToGravity: z-up rooms are kept as they are, tilted ones turned back", () => {
  const flat = room(1);
  const kept = alignToGravity(flat);
  assert.equal(kept.source, "kept");
  assert.equal(kept.cloud, flat);
  const r = tilt();
  const tilted = { count: flat.count, coord: rotateRows(flat.coord, r) };
  const got = alignToGravity(tilted);
  assert.equal(got.source, "estimated");
  assert.ok(angle(got.up, [r[2], r[5], r[8]]) < 2, `up ${got.up}`);
  // The turned cloud is z up again: its floor normal (R·z of the input) maps to +z.
  const z = rotateRows(Float32Array.of(r[2], r[5], r[8]), got.rotation);
  assert.ok(angle(z, [0, 0, 1]) < 2);
  assert.equal(got.cloud.count, flat.count);
  // Given: used as it is; [0, 0, 1] changes nothing.
  const given = alignToGravity(tilted, [r[2] * 3, r[5] * 3, r[8] * 3]);
  assert.equal(given.source, "given");
  assert.ok(angle(given.up, [r[2], r[5], r[8]]) < 1e-4);
  assert.equal(alignToGravity(flat, [0, 0, 1]).cloud, flat);
});

Deno.test("alignToGravity with heading: a z-up room turned about z gets its walls back on x / y", () => {
  const flat = room(1);
  // Walls already on the axes: nothing to do.
  assert.equal(alignToGravity(flat, undefined, { heading: true }).cloud, flat);
  for (const degrees of [30, -12, 61]) {
    const turn = rotationAboutZ((degrees * Math.PI) / 180);
    const turned = { count: flat.count, coord: rotateRows(flat.coord, turn) };
    // Streams keep their frame: without the option the z-up cloud is not touched.
    assert.equal(alignToGravity(turned).cloud, turned);
    for (const up of [undefined, [0, 0, 2]]) {
      const got = alignToGravity(turned, up, { heading: true });
      assert.equal(got.source, up ? "given" : "kept");
      assert.ok(angle(got.up, [0, 0, 1]) < 1, `up ${got.up}`);
      // A wall's normal (x in the room's frame) ends on an axis, and z stays z.
      const wall = rotateRows(rotateRows(Float32Array.of(1, 0, 0), turn), got.rotation);
      const offAxis = Math.min(
        angle(wall, [1, 0, 0]),
        angle(wall, [0, 1, 0]),
        angle(wall, [-1, 0, 0]),
        angle(wall, [0, -1, 0]),
      );
      assert.ok(offAxis < 1, `${degrees}°: wall ${offAxis}° off the axes`);
      assert.ok(angle(rotateRows(Float32Array.of(0, 0, 1), got.rotation), [0, 0, 1]) < 1e-6);
      assert.equal(got.cloud.count, flat.count);
    }
  }
});

Deno.test("segment service: estimated up, given up, positions as decoded", async () => {
  const tiny = await createTinyModel({ name: "default" });
  const svc = createSegmentService({ modelsDir: tiny.root, preloadText: false });
  const labels = ["floor", "wall", "table"];
  const labelEmbeddings = labels.map((label, l) => ({
    label,
    vector: Float32Array.from({ length: 100 }, (_, i) => Math.cos(i * (l + 1))),
  }));
  const request = (coord: Float32Array, up?: [number, number, number]) =>
    segmentInput({ kind: "raw", xyz: typedToBytes(coord) }, labels, {
      labelEmbeddings,
      minScore: -1,
      returnPositions: true,
      ...(up ? { up } : {}),
    });
  try {
    await svc.whenStarted();
    const flat = room(2);
    const plain = await svc.segment(request(flat.coord), new AbortController().signal);
    assert.equal(plain.gravity?.source, "kept");
    const asZ = await svc.segment(request(flat.coord, [0, 0, 1]), new AbortController().signal);
    assert.deepEqual(asZ.labels, plain.labels);
    const r = tilt();
    const coord = rotateRows(flat.coord, r);
    const est = await svc.segment(request(coord), new AbortController().signal);
    assert.equal(est.gravity?.source, "estimated");
    assert.ok(angle(est.gravity!.up, [r[2], r[5], r[8]]) < 2);
    assert.deepEqual(est.positions, coord); // as decoded, not turned
    const given = await svc.segment(
      request(coord, [r[2], r[5], r[8]]),
      new AbortController().signal,
    );
    assert.equal(given.gravity?.source, "given");
    // The turned-back cloud labels like the z-up one, up to voxel-lattice effects.
    const same = (a: Int16Array) => a.filter((l, i) => l === plain.labels[i]).length / a.length;
    assert.ok(same(est.labels) > 0.7, `estimated: ${same(est.labels)}`);
    assert.ok(same(given.labels) > 0.7, `given: ${same(given.labels)}`);
    // A z-up room that faces 30° off the axes is turned about z, and labels like the room.
    const yawed = rotateRows(flat.coord, rotationAboutZ(Math.PI / 6));
    const facing = await svc.segment(request(yawed), new AbortController().signal);
    assert.equal(facing.gravity?.source, "kept");
    // Measured: 0.97 of the points keep their label turned back, 0.93 left facing 30° off.
    assert.ok(same(facing.labels) > 0.95, `facing 30° off: ${same(facing.labels)}`);
    // The response says which up was used, and the field survives the wire.
    const codec = wireCodec("geoguide.v1.SegmentResponse");
    const msg = segmentResponseToMsg(est, request(coord));
    const back = codec.deserialize(codec.serialize(msg)) as typeof msg;
    assert.equal(back.up_source, "estimated");
    assert.ok(angle(back.up as [number, number, number], [r[2], r[5], r[8]]) < 2);
    assert.ok(back.up_confidence > 0 && back.up_confidence <= 1);
  } finally {
    await svc.close();
  }
});

Deno.test("wire up / sensor_to_world validation", () => {
  const bad = (up: number[] | undefined, pose: number[] | undefined, re: RegExp) =>
    assert.throws(
      () => upFromMsg(up, pose, "request"),
      (e) => e instanceof GeoError && e.kind === "invalid_argument" && re.test(e.message),
    );
  assert.equal(upFromMsg(undefined, undefined, "request"), undefined);
  assert.equal(upFromMsg([], [], "request"), undefined);
  assert.deepEqual(upFromMsg([0, -2, 0], [], "request"), [0, -2, 0]);
  bad([0, 1], undefined, /request\.up must be 3 finite numbers/);
  bad([0, 0, 0], undefined, /request\.up/);
  bad([NaN, 0, 1], undefined, /request\.up/);
  bad([0, 0, 1], [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], /not both/);
  bad(undefined, [1, 0, 0], /16 numbers/);
  bad(undefined, [2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], /not a rotation/);
  bad(undefined, [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1], /reflection/);
  bad(undefined, [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, Infinity, 0, 0, 0, 1], /non-finite/);
  // A camera frame (x right, y down, z forward) seen by a level robot: world up = −y.
  const pose = [1, 0, 0, 5, 0, 0, 1, 2, 0, -1, 0, 1, 0, 0, 0, 1];
  assert.deepEqual(upFromMsg(undefined, pose, "request"), [0, -1, 0]);
  assert.deepEqual(upFromPose(pose, "p"), [0, -1, 0]);
});

Deno.test("HTTP up parameter and CLI --up", () => {
  assert.deepEqual(parseUpParam(null), []);
  assert.deepEqual(parseUpParam(""), []);
  assert.deepEqual(parseUpParam("0,-1,0.5"), [0, -1, 0.5]);
  assert.throws(() => parseUpParam("0,1"), /up must be three/);
  assert.throws(() => parseUpParam("0,,1"), /up must be three/);
  assert.deepEqual(parseSegmentArgs(["a.ply", "--labels", "x", "--up", "0,-1,0"], {}).up, [
    0,
    -1,
    0,
  ]);
  assert.equal(parseSegmentArgs(["a.ply", "--labels", "x"], {}).up, undefined);
  assert.throws(() => parseSegmentArgs(["a.ply", "--labels", "x", "--up", "0,0,0"], {}), /--up/);
  assert.throws(() => parseSegmentArgs(["a.ply", "--labels", "x", "--up=1,2"], {}), /--up/);
});
