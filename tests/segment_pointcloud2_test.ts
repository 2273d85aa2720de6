/**
 * Segment over gRPC with a ROS PointCloud2 (`cloud.ros`), served by the shipped default
 * model in a Segment worker thread: a real cloud laid out as an organised PointCloud2
 * (float32 x, y, z, an intensity, PCL's packed float rgb, row padding) with NaN points
 * inserted comes back with −1 at those indices and, elsewhere, the labels the same finite
 * points get when sent as raw arrays.
 */
import assert from "node:assert/strict";
import { decodeCloudInput } from "../src/features/cloud_input.ts";
import { Rng } from "../src/kernels/random.ts";
import { bytesToFloat32, bytesToInt16 } from "../src/io/typed_bytes.ts";
import { startSegmentWorkers } from "../src/runtime/segment_workers.ts";
import type { RosPointCloud2Msg } from "../src/server/wire.ts";
import { rejectsWith, startQuietServer } from "./server_fixtures.ts";

const SHARED = Deno.env.get("GEOGUIDE_SHARED_DATA") ??
  new URL("../../shared/data", import.meta.url).pathname;
const SEQ = `${SHARED}/draco_testdata/pc_color.drc`; // 7733 coloured points
const MODELS = new URL("../models/", import.meta.url).pathname;
const LABELS = ["wall", "floor", "chair", "table"];
const INVALID_ARGUMENT = 3, RESOURCE_EXHAUSTED = 8;

/** `coord`/`color` (N = height × width) as an organised little-endian PointCloud2. */
function toPointCloud2(
  coord: Float32Array,
  color: Uint8Array,
  height: number,
  width: number,
): RosPointCloud2Msg {
  const pointStep = 24, rowStep = width * pointStep + 8;
  const data = new Uint8Array(height * rowStep);
  const view = new DataView(data.buffer);
  for (let i = 0; i < height * width; i++) {
    const p = Math.floor(i / width) * rowStep + (i % width) * pointStep;
    for (let k = 0; k < 3; k++) view.setFloat32(p + 4 * k, coord[3 * i + k], true);
    view.setFloat32(p + 12, 1000 + i, true); // intensity: ignored
    const rgb = (color[3 * i] << 16) | (color[3 * i + 1] << 8) | color[3 * i + 2];
    view.setUint32(p + 16, rgb, true); // PCL's float rgb, written as its bits
  }
  const field = (name: string, offset: number) => ({ name, offset, datatype: 7, count: 1 });
  return {
    height,
    width,
    fields: [field("x", 0), field("y", 4), field("z", 8), field("intensity", 12), field("rgb", 16)],
    is_bigendian: false,
    point_step: pointStep,
    row_step: rowStep,
    data,
    is_dense: false,
  };
}

Deno.test("Segment with cloud.ros: NaN points come back −1 in place, the rest as when sent raw", async () => {
  const pool = await startSegmentWorkers({ workers: 1, service: { modelsDir: MODELS } });
  const rig = await startQuietServer({ segment: pool }, { maxPoints: 8000 });
  const { client } = rig;
  try {
    while (!pool.ready()) await new Promise((r) => setTimeout(r, 20));
    const cloud = await decodeCloudInput(
      { kind: "draco", bytes: await Deno.readFile(SEQ) },
      SEQ,
      1e6,
    );
    const n = cloud.count;
    assert.equal(n, 7733); // = 11 rows × 703
    const rng = new Rng(21);
    const holes = new Set(rng.sample(n, 300));
    const coord = cloud.coord.slice();
    for (const i of holes) {
      // PCL writes NaN x, y, z; some drivers leave one coordinate only, or an infinity.
      const k = rng.int(4);
      for (let c = 0; c < 3; c++) {
        if (k === 3 || c === k) {
          coord[3 * i + c] = k === 1 ? -Infinity : NaN;
        }
      }
    }
    const ask = {
      labels: LABELS,
      min_score: -1,
      return_scores: true,
      return_positions: true,
    };
    const ros = await client.segment({
      ...ask,
      cloud: { data: "ros", ros: toPointCloud2(coord, cloud.color!, 11, 703) },
    }, { timeoutMs: 120_000 });
    const keep = [...Array(n).keys()].filter((i) => !holes.has(i));
    /** The rows (`per` bytes each) of the kept points. */
    const pick = (a: Uint8Array, per: number) =>
      Uint8Array.from(keep.flatMap((i) => [...a.subarray(per * i, per * i + per)]));
    const xyz = pick(new Uint8Array(coord.buffer), 12), rgb = pick(cloud.color!, 3);
    const raw = await client.segment({ ...ask, cloud: { data: "raw", raw: { xyz, rgb } } }, {
      timeoutMs: 120_000,
    });
    assert.equal(ros.point_count, n);
    assert.equal(raw.point_count, keep.length);
    const labels = bytesToInt16(ros.labels, "labels");
    const rawLabels = bytesToInt16(raw.labels, "labels");
    const scores = bytesToFloat32(ros.scores, "scores");
    const positions = bytesToFloat32(ros.positions, "positions");
    const rawPositions = bytesToFloat32(raw.positions, "positions");
    for (const i of holes) {
      assert.equal(labels[i], -1, `hole ${i}`);
      assert.ok(Number.isNaN(scores[i]));
      assert.ok(positions.subarray(3 * i, 3 * i + 3).every(Number.isNaN));
    }
    keep.forEach((i, j) => {
      assert.equal(labels[i], rawLabels[j], `point ${i}`);
      assert.deepEqual(
        positions.subarray(3 * i, 3 * i + 3),
        rawPositions.subarray(3 * j, 3 * j + 3),
      );
    });
    // min_score −1 labels every finite point: the only unknowns are the holes.
    assert.ok(rawLabels.every((l) => l >= 0));
    const unknown = ros.summary.find((s) => s.label === "unknown");
    assert.equal(unknown?.points, holes.size);
    assert.equal(ros.summary.reduce((s, c) => s + c.points, 0), n);
    assert.deepEqual(
      ros.summary.filter((s) => s.label !== "unknown").map((s) => [s.label, s.points]),
      raw.summary.map((s) => [s.label, s.points]),
    );
    // Every point NaN: all unknown, answered without running the model on zero points.
    const none = await client.segment({
      labels: LABELS,
      return_positions: true,
      cloud: {
        data: "ros",
        ros: toPointCloud2(new Float32Array(30).fill(NaN), new Uint8Array(30), 2, 5),
      },
    });
    assert.deepEqual(bytesToInt16(none.labels, "labels"), new Int16Array(10).fill(-1));
    assert.ok(bytesToFloat32(none.positions, "positions").every(Number.isNaN));
    assert.deepEqual(none.summary.map((s) => [s.label, s.points]), [["unknown", 10]]);
    // Checked before queueing: sizes and the point limit, named by field.
    const bad = (over: Partial<RosPointCloud2Msg>) =>
      client.segment({
        labels: LABELS,
        cloud: { data: "ros", ros: { ...toPointCloud2(coord, cloud.color!, 11, 703), ...over } },
      });
    await rejectsWith(bad({ point_step: 0 }), INVALID_ARGUMENT, /ros\.point_step is 0/);
    await rejectsWith(bad({ height: 12 }), RESOURCE_EXHAUSTED, /8436 points is over .* 8000/);
    await rejectsWith(bad({ height: 10, row_step: 100 }), INVALID_ARGUMENT, /ros\.row_step 100/);
    await rejectsWith(bad({ fields: [] }), INVALID_ARGUMENT, /no "x" field/);
    await rejectsWith(bad({ width: 0 }), INVALID_ARGUMENT, /zero points/);
  } finally {
    await rig.close();
    await pool.close();
  }
});
