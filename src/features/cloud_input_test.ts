import assert from "node:assert/strict";
import { GeoError } from "../kernels/errors.ts";
import { Rng } from "../kernels/random.ts";
import {
  type CloudInput,
  decodeCloudInput,
  decodeCloudInputKeeping,
  type PointCloud2Input,
  rawPointsToCloud,
  rosCloudInput,
} from "./cloud_input.ts";
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

/** An unorganised PointCloud2 of float32 x, y, z (little-endian) over `coord` N×3. */
function rosCloud(coord: Float32Array): PointCloud2Input {
  return {
    height: 1,
    width: coord.length / 3,
    fields: ["x", "y", "z"].map((name, i) => ({ name, offset: 4 * i, datatype: 7, count: 1 })),
    isBigendian: false,
    pointStep: 12,
    rowStep: coord.byteLength,
    data: typedToBytes(coord),
  };
}

Deno.test("decodeCloudInputKeeping: ros clouds keep the places of NaN points, other kinds every point", async () => {
  const rng = new Rng(8);
  const n = 50;
  const coord = new Float32Array(3 * n).map(() => rng.uniform(-2, 2));
  const drop = [0, 7, 8, 49];
  for (const i of drop) coord[3 * i + rng.int(3)] = [NaN, Infinity, -Infinity][rng.int(3)];
  const ros: CloudInput = { kind: "ros", message: rosCloud(coord) };
  const got = await decodeCloudInputKeeping(ros, "req", n);
  assert.equal(got.total, n);
  const kept = [...Array(n).keys()].filter((i) => !drop.includes(i));
  assert.deepEqual(got.kept, Int32Array.from(kept));
  assert.deepEqual(
    got.cloud.coord,
    Float32Array.from(kept.flatMap((i) => [...coord.subarray(3 * i, 3 * i + 3)])),
  );
  // The all-points decoder refuses what it cannot keep in place, and takes a finite cloud.
  await assert.rejects(
    decodeCloudInput(ros, "req", n),
    kind("invalid_argument", /^req: 4 of 50 points have a non-finite x, y or z/),
  );
  const finite = new Float32Array(got.cloud.coord);
  const whole = await decodeCloudInput({ kind: "ros", message: rosCloud(finite) }, "req", n);
  assert.deepEqual(whole.coord, finite);
  await assert.rejects(
    decodeCloudInputKeeping(ros, "req", n - 1),
    kind("resource_exhausted", /50 points is over/),
  );
  const raw = await decodeCloudInputKeeping({ kind: "raw", xyz: typedToBytes(finite) }, "req", n);
  assert.deepEqual([raw.total, raw.cloud.count, raw.kept], [n - 4, n - 4, undefined]);
  const nan = new Float32Array([NaN, 0, 0, 1, NaN, 1]);
  const none = await decodeCloudInputKeeping({ kind: "ros", message: rosCloud(nan) }, "req", 2);
  assert.deepEqual([none.cloud.count, none.total, none.kept], [0, 2, new Int32Array(0)]);
  await assert.rejects(
    decodeCloudInput({ kind: "ros", message: rosCloud(nan) }, "req", 2),
    kind("invalid_argument", /2 of 2 points/),
  );
});

Deno.test("rosCloudInput translates the wire fields and checks them without reading points", () => {
  const msg = rosCloud(new Float32Array([1, 2, 3, 4, 5, 6]));
  const wire = {
    height: 1,
    width: 2,
    fields: msg.fields.map((f) => ({ ...f, count: null })),
    is_bigendian: null,
    point_step: 12,
    row_step: 24,
    data: msg.data,
  };
  const got = rosCloudInput(wire, "req", 2);
  assert.ok(got.kind === "ros");
  assert.deepEqual(got.message, {
    ...msg,
    fields: msg.fields.map((f) => ({ ...f, count: 0 })),
    isDense: false,
  });
  // Unset fields read as 0 / empty, and are refused by name; the limit comes first.
  assert.throws(() => rosCloudInput({}, "req", 2), kind("invalid_argument", /zero points/));
  assert.throws(
    () => rosCloudInput({ ...wire, point_step: null }, "req", 2),
    kind("invalid_argument", /ros\.point_step is 0/),
  );
  assert.throws(
    () => rosCloudInput({ ...wire, data: null, width: 3 }, "req", 2),
    kind("resource_exhausted", /3 points/),
  );
  assert.throws(
    () => rosCloudInput({ ...wire, data: null }, "req", 2),
    kind("invalid_argument", /ros\.data has 0 bytes, expected height × row_step = 24/),
  );
});

Deno.test("typed byte views: bad lengths are refused; values round-trip", () => {
  assert.throws(
    () => bytesToFloat32(new Uint8Array(7), "f"),
    kind("invalid_argument", /^f: 7 bytes/),
  );
  assert.deepEqual(bytesToInt16(new Uint8Array([1, 0, 255, 255]), "l"), new Int16Array([1, -1]));
});
