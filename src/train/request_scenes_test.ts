import assert from "node:assert/strict";
import { GeoError } from "../kernels/errors.ts";
import type { TrainSceneInput, ViewFrameInput } from "./api.ts";
import { typedToBytes } from "../io/typed_bytes.ts";
import { decodeTensor, decodeTrainScenes } from "./request_scenes.ts";

/** A 3×3 grid of points on the plane z = 1, teacher rows i·[1, 0.5]. */
function scene(over: Partial<TrainSceneInput> = {}): TrainSceneInput {
  const xyz = new Float32Array(27);
  for (let i = 0; i < 9; i++) {
    xyz.set([(i % 3) * 0.1 - 0.1, Math.floor(i / 3) * 0.1 - 0.1, 1], 3 * i);
  }
  const teacher = Float32Array.from(
    { length: 18 },
    (_, j) => (j % 2 === 0 ? 1 : 0.5) * Math.floor(j / 2),
  );
  return {
    name: "kitchen",
    cloud: { kind: "raw", xyz: typedToBytes(xyz) },
    teacher: typedToBytes(teacher),
    teacherDtype: "float32",
    dim: 2,
    gtLabelNames: [],
    frames: [],
    ...over,
  };
}

const rejectsWith = (p: Promise<unknown>, ...parts: string[]) =>
  assert.rejects(p, (e) => {
    assert.ok(e instanceof GeoError && e.kind === "invalid_argument", String(e));
    for (const part of parts) assert.ok(e.message.includes(part), `"${e.message}" lacks "${part}"`);
    return true;
  });

Deno.test("decodeTrainScenes: a valid scene; default valid = non-zero teacher row", async () => {
  const d = await decodeTrainScenes([scene()], { maxPoints: 100 });
  assert.equal(d.dim, 2);
  assert.equal(d.scenes[0].cloud.count, 9);
  assert.deepEqual(Array.from(d.scenes[0].valid!), [0, 1, 1, 1, 1, 1, 1, 1, 1]);
  assert.equal(d.scenes[0].teacher![5], 1.0 * 0.5 * 2);
});

Deno.test("decodeTrainScenes: every bad field is named with its scene", async () => {
  const short = typedToBytes(new Float32Array(16));
  await rejectsWith(
    decodeTrainScenes([scene({ teacher: short })], { maxPoints: 100 }),
    "scene[0] 'kitchen'.teacher",
    "8 rows",
  );
  await rejectsWith(
    decodeTrainScenes([scene()], { maxPoints: 100, dim: 3 }),
    "scene[0] 'kitchen'.dim",
    "expected 3",
  );
  await rejectsWith(
    decodeTrainScenes([
      scene(),
      scene({ name: "hall", dim: 1, teacher: typedToBytes(new Float32Array(9)) }),
    ], {
      maxPoints: 100,
    }),
    "scene[1] 'hall'.dim",
  );
  await rejectsWith(
    decodeTrainScenes([scene({ teacher: new Uint8Array(7), teacherDtype: "float16" })], {
      maxPoints: 100,
    }),
    "scene[0] 'kitchen'.teacher",
    "float16",
  );
  await rejectsWith(
    decodeTrainScenes([scene({ gtLabels: new Int16Array(8), gtLabelNames: ["wall"] })], {
      maxPoints: 100,
    }),
    "scene[0] 'kitchen'.gt_labels",
    "8 values for 9 points",
  );
  await rejectsWith(
    decodeTrainScenes([scene({ gtLabels: new Int16Array(9).fill(1), gtLabelNames: ["wall"] })], {
      maxPoints: 100,
    }),
    "gt_labels",
    "outside [-1, 0]",
  );
  await rejectsWith(
    decodeTrainScenes([scene({ gtLabels: new Int16Array(9) })], { maxPoints: 100 }),
    "gt_label_names",
  );
  await rejectsWith(
    decodeTrainScenes([scene({ valid: new Uint8Array(3) })], { maxPoints: 100 }),
    "'kitchen'.valid",
  );
  await rejectsWith(
    decodeTrainScenes([scene({ instances: new Int32Array(9).fill(-2) })], { maxPoints: 100 }),
    "'kitchen'.instances",
  );
  await rejectsWith(
    decodeTrainScenes([scene({ superpoints: new Int32Array(10) })], { maxPoints: 100 }),
    "'kitchen'.superpoints",
  );
  await rejectsWith(
    decodeTrainScenes([scene({ teacher: undefined })], { maxPoints: 100 }),
    "teacher features or frames",
  );
  const nan = typedToBytes(new Float32Array(18).fill(NaN));
  await rejectsWith(decodeTrainScenes([scene({ teacher: nan })], { maxPoints: 100 }), "not finite");
  await assert.rejects(
    decodeTrainScenes([scene()], { maxPoints: 4 }),
    (e) => e instanceof GeoError && e.kind === "resource_exhausted",
  );
});

Deno.test("decodeTrainScenes: ground truth of several scenes maps onto one class list", async () => {
  const a = scene({
    gtLabels: Int16Array.from([0, 1, -1, 0, 1, 0, 1, 0, 1]),
    gtLabelNames: ["wall", "chair"],
  });
  const b = scene({
    name: "b",
    gtLabels: new Int16Array(9).fill(1),
    gtLabelNames: ["sofa", "wall"],
  });
  const d = await decodeTrainScenes([a, b], { maxPoints: 100 });
  assert.deepEqual(d.classNames, ["wall", "chair", "sofa"]);
  assert.deepEqual(Array.from(d.scenes[0].segment!), [0, 1, -1, 0, 1, 0, 1, 0, 1]);
  assert.deepEqual(Array.from(d.scenes[1].segment!), new Array(9).fill(0));
});

Deno.test("decodeTrainScenes: frames are fused into teacher rows (points outside the view unseen)", async () => {
  // Camera at the origin looking along +z (identity pose), 5×5 depth of 1 m, fx = fy = 10.
  const feature = Float32Array.from([0.25, -2]);
  const frame: ViewFrameInput = {
    depth: new Float32Array(25).fill(1),
    width: 5,
    height: 5,
    intrinsics: [10, 10, 2, 2],
    pose: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1],
    features: typedToBytes(Float32Array.from({ length: 2 }, (_, k) => feature[k])),
    featuresDtype: "float32",
    featureDim: 2,
    featureWidth: 1,
    featureHeight: 1,
  };
  const s = scene({ teacher: undefined, dim: 0, frames: [frame] });
  // Move the last point far to the side: it falls outside the image.
  const xyz = new Float32Array(new Uint8Array((s.cloud as { xyz: Uint8Array }).xyz).buffer);
  xyz[24] = 5;
  const d = await decodeTrainScenes([{ ...s, cloud: { kind: "raw", xyz: typedToBytes(xyz) } }], {
    maxPoints: 100,
  });
  assert.equal(d.dim, 2);
  assert.deepEqual(Array.from(d.scenes[0].valid!), [1, 1, 1, 1, 1, 1, 1, 1, 0]);
  assert.deepEqual(Array.from(d.scenes[0].teacher!.subarray(0, 2)), [0.25, -2]);
  assert.deepEqual(Array.from(d.scenes[0].teacher!.subarray(16, 18)), [0, 0]);
  await rejectsWith(
    decodeTrainScenes([{ ...s, frames: [{ ...frame, pose: [1, 0, 0] }] }], { maxPoints: 100 }),
    "scene[0] 'kitchen'.frames[0].pose",
  );
});

Deno.test("decodeTensor: float16 and float32 little-endian bytes", () => {
  const half = new Uint8Array([0x00, 0x3c, 0x00, 0xc0, 0x00, 0x00]); // 1, −2, 0
  assert.deepEqual(Array.from(decodeTensor(half, "float16", "t")), [1, -2, 0]);
  const f32 = typedToBytes(Float32Array.from([0.5, -3]));
  assert.deepEqual(Array.from(decodeTensor(f32.subarray(0, 8), "float32", "t")), [0.5, -3]);
  assert.deepEqual(Array.from(decodeTensor(new Uint8Array(0), "float32", "t")), []);
});
