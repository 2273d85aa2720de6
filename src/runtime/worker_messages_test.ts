import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { GeoError } from "../kernels/errors.ts";
import { errorFromWire, errorToWire, forTransfer, fromTransfer } from "./worker_messages.ts";
import { decodeCloudInputKeeping } from "../features/cloud_input.ts";
import { segmentInput } from "../infer/segment_input.ts";

Deno.test("forTransfer / fromTransfer: typed arrays travel as whole buffers and come back typed", () => {
  const big = new Uint8Array(64).map((_, i) => i);
  const view = big.subarray(8, 20); // a view into a bigger buffer: copied, never moved
  const whole = new Float32Array([1.5, -0, NaN]);
  const value = {
    name: "x",
    nested: [{ view }, { whole }],
    ids: new BigInt64Array([5n, -7n]),
    n: 3,
  };
  const moved = forTransfer(value, true);
  assert.equal(moved.transfer.length, 3);
  assert.ok(moved.transfer.every((b) => b instanceof ArrayBuffer));
  assert.equal(big.byteLength, 64, "the bigger buffer is untouched");
  const back = fromTransfer(structuredClone(moved.value, { transfer: moved.transfer }));
  assert.equal(whole.length, 0, "a whole-buffer array is moved when asked");
  assert.deepEqual(back.nested[0].view, big.slice(8, 20));
  assert.ok(back.nested[1].whole instanceof Float32Array);
  assert.deepEqual(
    new Uint8Array(back.nested[1].whole.buffer),
    new Uint8Array(new Float32Array([1.5, -0, NaN]).buffer),
  );
  assert.deepEqual(back.ids, new BigInt64Array([5n, -7n]));
  assert.deepEqual([back.name, back.n], ["x", 3]);
  // A Node Buffer (often a view into a bigger one) arrives as a Uint8Array of its bytes.
  const buf = Buffer.from([1, 2, 7, 8, 9, 3]).subarray(2, 5);
  const packed = forTransfer({ buf }, false);
  assert.equal(packed.transfer[0].byteLength, 3);
  assert.deepEqual(fromTransfer(packed.value).buf, new Uint8Array([7, 8, 9]));
  const kept = new Int16Array([1, 2]);
  forTransfer({ kept }, false);
  assert.equal(kept.length, 2, "without move the sender's arrays stay usable");
});

Deno.test("errorToWire / errorFromWire: kind and message survive, other errors become internal", () => {
  const e = errorFromWire(errorToWire(new GeoError("invalid_argument", "Bad Draco bytes")));
  assert.ok(e instanceof GeoError);
  assert.deepEqual([e.kind, e.message], ["invalid_argument", "Bad Draco bytes"]);
  const wire = errorToWire(new TypeError("boom"));
  assert.deepEqual([wire.kind, wire.detail], ["internal", "boom"]);
  assert.equal(errorFromWire({ ...wire, kind: "bogus" as never }).kind, "internal");
});

Deno.test("forTransfer / fromTransfer: a ROS PointCloud2 input crosses threads and decodes the same", async () => {
  // x, y, z float32 big-endian at offsets 0, 4, 8 and an ignored byte; point 1 is NaN.
  const coord = [1, 2, 3, NaN, 0, 0, -4, 5.5, 6];
  const wire = Buffer.alloc(7 + 3 * 16); // the body as a view into a bigger buffer
  coord.forEach((v, i) => wire.writeFloatBE(v, 7 + 16 * Math.floor(i / 3) + 4 * (i % 3)));
  const input = segmentInput({
    kind: "ros",
    message: {
      height: 1,
      width: 3,
      fields: ["x", "y", "z"].map((name, i) => ({ name, offset: 4 * i, datatype: 7, count: 1 })),
      isBigendian: true,
      pointStep: 16,
      rowStep: 48,
      data: wire.subarray(7),
      isDense: false,
    },
  }, ["a"]);
  const packed = forTransfer(input, true);
  const back = fromTransfer(structuredClone(packed.value, { transfer: packed.transfer }));
  assert.ok(back.cloud.kind === "ros" && input.cloud.kind === "ros");
  const { data, ...rest } = back.cloud.message;
  const { data: sent, ...sentRest } = input.cloud.message;
  assert.deepEqual(rest, sentRest);
  assert.ok(data instanceof Uint8Array && !(data instanceof Buffer));
  assert.deepEqual(data, new Uint8Array(sent));
  assert.deepEqual(back.labels, ["a"]);
  const [a, b] = await Promise.all(
    [input, back].map((i) => decodeCloudInputKeeping(i.cloud, "req", 10)),
  );
  assert.deepEqual(b, a);
  assert.deepEqual(b.kept, new Int32Array([0, 2]));
  assert.deepEqual(b.cloud.coord, new Float32Array([1, 2, 3, -4, 5.5, 6]));
});
