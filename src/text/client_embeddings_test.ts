import assert from "node:assert/strict";
import { embeddingsFromClient } from "./client_embeddings.ts";
import { GeoError } from "../kernels/errors.ts";

/** float32 LE bytes of `values`, placed at an odd offset to exercise unaligned reads. */
function f32(values: number[]): Uint8Array {
  const buf = new Uint8Array(1 + 4 * values.length);
  const view = new DataView(buf.buffer);
  values.forEach((v, i) => view.setFloat32(1 + 4 * i, v, true));
  return buf.subarray(1);
}

const rejects = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(
    fn,
    (e) => e instanceof GeoError && e.kind === "invalid_argument" && pattern.test(e.message),
  );

Deno.test("orders by requested labels, normalises, ignores extras", () => {
  const out = embeddingsFromClient(
    [
      { label: "b", vector: f32([0, 3, 4]) },
      { label: "extra", vector: f32([1]) },
      { label: "a", vector: f32([2, 0, 0]) },
    ],
    ["a", "b", "a"],
    3,
  );
  const expected = [1, 0, 0, 0, 0.6, 0.8, 1, 0, 0];
  out.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-7, `${i}: ${v}`));
});

Deno.test("rejects missing, duplicate, wrong-size, non-finite and zero vectors", () => {
  rejects(() => embeddingsFromClient([], ["chair"], 2), /no vector for label "chair"/);
  rejects(
    () =>
      embeddingsFromClient(
        [{ label: "x", vector: f32([1, 0]) }, { label: "x", vector: f32([0, 1]) }],
        ["x"],
        2,
      ),
    /more than once/,
  );
  rejects(
    () => embeddingsFromClient([{ label: "x", vector: f32([1, 0, 0]) }], ["x"], 2),
    /12 bytes.*2 float32 values \(8 bytes\)/,
  );
  rejects(
    () => embeddingsFromClient([{ label: "x", vector: f32([1, NaN]) }], ["x"], 2),
    /non-finite value at 1/,
  );
  rejects(
    () => embeddingsFromClient([{ label: "x", vector: f32([Infinity, 0]) }], ["x"], 2),
    /non-finite/,
  );
  rejects(() => embeddingsFromClient([{ label: "x", vector: f32([0, 0]) }], ["x"], 2), /all zeros/);
  rejects(() => embeddingsFromClient([], [], 0), /width/);
});
