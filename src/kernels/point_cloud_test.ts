import assert from "node:assert/strict";
import { boundingBox, validateCloud } from "./point_cloud.ts";
import { GeoError } from "./errors.ts";

Deno.test("validateCloud accepts a good cloud and rejects zero points, NaN and bad lengths", () => {
  const ok = { count: 2, coord: new Float32Array([0, 0, 0, 1, 2, 3]) };
  assert.equal(validateCloud(ok, "t"), ok);
  const bad = [
    { count: 0, coord: new Float32Array(0) },
    { count: 2, coord: new Float32Array([0, 0, 0, NaN, 0, 0]) },
    { count: 2, coord: new Float32Array([0, 0, 0, Infinity, 0, 0]) },
    { count: 2, coord: new Float32Array(5) },
    { count: 2, coord: new Float32Array(6), color: new Uint8Array(5) },
  ];
  for (const c of bad) {
    assert.throws(
      () => validateCloud(c, "file.ply"),
      (e: unknown) =>
        e instanceof GeoError && e.kind === "invalid_argument" && e.message.startsWith("file.ply"),
    );
  }
});

Deno.test("boundingBox of a hand-made cloud", () => {
  assert.deepEqual(boundingBox(new Float32Array([1, -2, 3, -1, 5, 0])), [-1, -2, 0, 1, 5, 3]);
});
