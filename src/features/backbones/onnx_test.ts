import assert from "node:assert/strict";
import { GeoError } from "../../kernels/errors.ts";
import { Rng } from "../../kernels/random.ts";
import { tinyOnnxBackbone } from "../../../tests/fixtures/tiny_model.ts";
import { createBackbone } from "./factory.ts";
import { ONNX_BACKBONE_COLUMNS, onnxBackbone, onnxBackboneInput } from "./onnx.ts";
import { analyzeScene, type SceneGeometry } from "../scene_geometry.ts";

/** A hand-made geometry: only the fields the ONNX backbone reads. */
function handGeometry(color?: Uint8Array): SceneGeometry {
  const coord = new Float32Array([0, 0, 1, 2, 4, 3, 1, 1, 1]);
  const normal = new Float32Array([0, 0, 1, 1, 0, 0, 0, 1, 0]);
  return {
    cloud: { count: 3, coord, color },
    normal,
    floor: { floor: 0.5, top: 3 },
  } as unknown as SceneGeometry;
}

Deno.test("onnxBackboneInput: 9 columns, xy about the bbox centre, z above the floor, rgb/255, normal", () => {
  assert.equal(ONNX_BACKBONE_COLUMNS.length, 9);
  const x = onnxBackboneInput(handGeometry(new Uint8Array([255, 0, 51, 0, 0, 0, 10, 20, 30])));
  // bbox centre x = 1, y = 2; floor 0.5
  assert.deepEqual([...x.subarray(0, 9)], [-1, -2, 0.5, 1, 0, 0.2, 0, 0, 1].map(Math.fround));
  assert.deepEqual([...x.subarray(9, 18)], [1, 2, 2.5, 0, 0, 0, 1, 0, 0].map(Math.fround));
  const none = onnxBackboneInput(handGeometry());
  assert.deepEqual([...none.subarray(21, 24)], [0, 0, 0]);
  assert.equal(
    onnxBackboneInput({ ...handGeometry(), cloud: { count: 0, coord: new Float32Array(0) } })
      .length,
    0,
  );
});

Deno.test("ONNX backbone features equal a brute-force relu(X·W + b) of the tiny model", async () => {
  const dim = 6;
  const tiny = tinyOnnxBackbone(dim, 11);
  const rng = new Rng(4);
  const n = 60;
  const coord = Float32Array.from({ length: 3 * n }, () => rng.uniform(0, 2));
  const color = Uint8Array.from({ length: 3 * n }, () => rng.int(256));
  const geometry = analyzeScene({ count: n, coord, color });
  const bb = onnxBackbone(
    { kind: "onnx", dim, bytes: tiny.bytes } as Parameters<typeof onnxBackbone>[0],
  );
  try {
    const got = await bb.features(geometry);
    const x = onnxBackboneInput(geometry);
    assert.equal(got.length, n * dim);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < dim; j++) {
        let s = tiny.b[j];
        for (let k = 0; k < 9; k++) s += x[i * 9 + k] * tiny.w[k * dim + j];
        assert.ok(Math.abs(got[i * dim + j] - Math.max(0, s)) < 1e-4, `${i},${j}`);
      }
    }
    assert.ok(got.some((v) => v > 0) && got.some((v) => v === 0));
  } finally {
    await bb.release();
  }
});

Deno.test("ONNX backbone: createBackbone builds it; wrong width or no model is failed_precondition", async () => {
  const tiny = tinyOnnxBackbone(5);
  const path = await Deno.makeTempFile({ suffix: ".onnx" });
  await Deno.writeFile(path, tiny.bytes);
  const geometry = analyzeScene({
    count: 30,
    coord: Float32Array.from({ length: 90 }, (_, i) => (i * 0.37) % 1),
  });
  const ok = createBackbone(
    { kind: "onnx", dim: 5, version: "v", path } as Parameters<typeof createBackbone>[0],
  );
  assert.equal(ok.kind, "onnx");
  assert.equal((await ok.features(geometry)).length, 150);
  await (ok as ReturnType<typeof onnxBackbone>).release();
  const wrong = createBackbone(
    { kind: "onnx", dim: 7, path } as Parameters<typeof createBackbone>[0],
  );
  await assert.rejects(
    wrong.features(geometry),
    (e: unknown) =>
      e instanceof GeoError && e.kind === "failed_precondition" && /\[30, 7\]/.test(e.message),
  );
  await (wrong as ReturnType<typeof onnxBackbone>).release();
  assert.throws(
    () => createBackbone({ kind: "onnx", dim: 5 }),
    (e: unknown) => e instanceof GeoError && e.kind === "failed_precondition",
  );
  assert.throws(
    () => createBackbone({ kind: "onnx", path } as Parameters<typeof createBackbone>[0]),
    /backbone\.dim/,
  );
});
