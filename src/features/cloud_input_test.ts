import assert from "node:assert/strict";
import { GeoError } from "../kernels/errors.ts";
import { Rng } from "../kernels/random.ts";
import { decodeCloudInput, rawPointsToCloud } from "./cloud_input.ts";
import { bytesToFloat32, bytesToInt16, typedToBytes } from "../io/typed_bytes.ts";

const kind = (k: string, re: RegExp) => (e: unknown) =>
  e instanceof GeoError && e.kind === k && re.test(e.message);

Deno.test("raw bytes become a cloud, copied and aligned, on seeded random input", () => {
  const rng = new Rng(3);
  const n = 257;
  const coord = new Float32Array(3 * n).map(() => rng.uniform(-5, 5));
  const rgb = new Uint8Array(3 * n).map(() => rng.int(256));
  const normal = new Float32Array(3 * n).map(() => rng.normal());
  // Place xyz at an odd byte offset, as a protobuf decoder may.
  const backing = new Uint8Array(coord.byteLength + 1);
  backing.set(typedToBytes(coord), 1);
  const cloud = rawPointsToCloud(
    { xyz: backing.subarray(1), rgb, normal: typedToBytes(normal) },
    "req",
  );
  assert.equal(cloud.count, n);
  assert.deepEqual(cloud.coord, coord);
  assert.deepEqual(cloud.color, rgb);
  assert.deepEqual(cloud.normal, normal);
  rgb[0] ^= 1;
  assert.notEqual(cloud.color![0], rgb[0], "colours are copied");
  const none = rawPointsToCloud({ xyz: typedToBytes(coord), rgb: new Uint8Array(0) }, "req");
  assert.equal(none.color, undefined);
});

Deno.test("raw byte checks name the field and the expected size", () => {
  const xyz = typedToBytes(new Float32Array([0, 0, 0, 1, 1, 1]));
  assert.throws(
    () => rawPointsToCloud({ xyz: new Uint8Array(25) }, "req"),
    kind("invalid_argument", /25 bytes/),
  );
  assert.throws(
    () => rawPointsToCloud({ xyz: new Uint8Array(0) }, "req"),
    kind("invalid_argument", /zero points/),
  );
  assert.throws(
    () => rawPointsToCloud({ xyz, rgb: new Uint8Array(5) }, "req"),
    kind("invalid_argument", /expected 6/),
  );
  assert.throws(
    () => rawPointsToCloud({ xyz, normal: new Uint8Array(12) }, "req"),
    kind("invalid_argument", /expected 24/),
  );
  const inf = typedToBytes(new Float32Array([0, 0, 0, 1, Infinity, 1]));
  assert.throws(() => rawPointsToCloud({ xyz: inf }, "req"), kind("invalid_argument", /point 1/));
});

Deno.test("decodeCloudInput enforces the point limit and refuses empty Draco", async () => {
  const xyz = typedToBytes(new Float32Array(30));
  assert.equal((await decodeCloudInput({ kind: "raw", xyz }, "req", 10)).count, 10);
  await assert.rejects(
    decodeCloudInput({ kind: "raw", xyz }, "req", 9),
    kind("resource_exhausted", /10 points/),
  );
  await assert.rejects(
    decodeCloudInput({ kind: "draco", bytes: new Uint8Array(0) }, "req", 9),
    kind("invalid_argument", /empty/),
  );
});

Deno.test("typed byte views: bad lengths are refused; values round-trip", () => {
  assert.throws(
    () => bytesToFloat32(new Uint8Array(7), "f"),
    kind("invalid_argument", /^f: 7 bytes/),
  );
  assert.deepEqual(bytesToInt16(new Uint8Array([1, 0, 255, 255]), "l"), new Int16Array([1, -1]));
});
