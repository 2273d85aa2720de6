import assert from "node:assert/strict";
import { GeoError } from "../kernels/errors.ts";
import { Rng } from "../kernels/random.ts";
import { decodeDraco, encodeDraco } from "./draco.ts";
import { declaredPoints, readDracoHeader } from "./draco_header.ts";

const DATA = new URL("../../../shared/data/", import.meta.url);
const read = (p: string) => Deno.readFile(new URL(p, DATA));
const bunny = () => Deno.readFile(new URL("../../node_modules/draco3d/bunny.drc", import.meta.url));

/** Asserts `decodeDraco` fails with `kind` and a message matching `re`; returns the time taken, ms. */
async function refuses(
  bytes: Uint8Array,
  kind: string,
  re: RegExp,
  maxPoints?: number,
): Promise<number> {
  const t0 = performance.now();
  await assert.rejects(decodeDraco(bytes, "x.drc", { maxPoints }), (e: unknown) => {
    assert.ok(e instanceof GeoError, String(e));
    assert.equal(e.kind, kind, e.message);
    assert.match(e.message, /^x\.drc: /);
    assert.match(e.message, re);
    assert.ok(e.message.length < 160, e.message);
    return true;
  });
  return performance.now() - t0;
}

const setU32 = (b: Uint8Array, at: number, v: number) =>
  new DataView(b.buffer).setUint32(at, v, true);

Deno.test("headers of every version and method are read without wasm", async () => {
  const cube = readDracoHeader(await read("draco_testdata/cube_pc.drc"), "cube");
  assert.deepEqual(cube, {
    version: [1, 1],
    geometry: "point_cloud",
    method: "sequential",
    points: 24,
    pointBound: 24,
    faces: 0,
    valuesPerPoint: 8, // position 3 + normal 3 + texcoord 2
  });
  const kd = readDracoHeader(await read("draco_testdata/pc_kd_color.drc"), "kd");
  assert.deepEqual([kd.version, kd.method, kd.points, kd.valuesPerPoint], [
    [2, 3],
    "kd_tree",
    7733,
    6,
  ]);
  const b = readDracoHeader(await bunny(), "bunny");
  assert.deepEqual([b.version, b.geometry, b.method, b.points, b.faces], [
    [1, 1],
    "mesh",
    "edgebreaker",
    34834,
    69451,
  ]);
  const rng = new Rng(2);
  const named = await encodeDraco({
    count: 40,
    coord: new Float32Array(120).map(() => rng.uniform(-1, 1)),
  }, { layout: "xyz-split" });
  assert.equal(declaredPoints(named), 40, "count found after the metadata block");
  assert.equal(declaredPoints(new Uint8Array(3)), undefined);
});

Deno.test("the attacker's Draco 1.1 cloud declaring 33,554,456 points fails fast", async () => {
  const good = await read("draco_testdata/cube_pc.drc");
  assert.equal(good.length, 224);
  const bad = good.slice();
  bad[14] = 0x02; // int32 count at bytes 11..14: 24 → 0x02000018
  assert.equal(readDracoHeader(bad, "x").points, 33_554_456);
  const ms = await refuses(bad, "invalid_argument", /declares 33554456 points in 224 bytes/);
  assert.ok(ms < 1000, `${ms} ms`);
  // Draco 2.x, and a negative count.
  const v2 = (await read("draco_testdata/point_cloud_no_qp.drc")).slice();
  v2[14] = 0x10;
  await refuses(v2, "invalid_argument", /declares 268435477 points in 345 bytes/);
  v2[14] = 0x80;
  await refuses(v2, "invalid_argument", /point count is negative/);
  // A plausible count over the caller's limit is resource_exhausted.
  await refuses(good, "resource_exhausted", /24 points, over the limit of 10/, 10);
});

Deno.test("Draco meshes with edited vertex and face counts are refused before decoding", async () => {
  const good = await bunny();
  // Edgebreaker 1.1: u8 traversal at 11, u32 new vertices, vertices, faces, u8, symbols, splits.
  const huge = good.slice();
  setU32(huge, 16, 30_000_000);
  setU32(huge, 20, 40_000_000);
  setU32(huge, 25, 30_000_000);
  await refuses(huge, "invalid_argument", /declares 30000000 vertices in 96018 bytes/);
  const verts = good.slice();
  setU32(verts, 16, 1_000_000); // more vertices than 3 × faces allows
  await refuses(verts, "invalid_argument", /inconsistent Draco edgebreaker counts/);
  await refuses(good, "resource_exhausted", /34834 points, over the limit of 30000/, 30_000);
  // Sequential mesh 2.2 (varint faces, points): 1 face, 2^32 - 1 points in 24 bytes.
  const seq = new Uint8Array(
    [..."DRACO"].map((c) => c.charCodeAt(0)).concat(
      [2, 2, 1, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 0, 1, 2, 0, 0, 0],
    ),
  );
  assert.equal(readDracoHeader(seq, "seq").points, 2 ** 32 - 1);
  await refuses(seq, "invalid_argument", /declares 4294967295 vertices in 24 bytes/);
  seq[11] = 100; // 100 faces cannot fit in the 12 bytes left
  await refuses(seq, "invalid_argument", /face count 100 does not fit/);
});

Deno.test("unknown versions, methods and truncated headers are refused, never decoded", async () => {
  const good = await read("draco_testdata/pc_color.drc");
  const edit = (at: number, v: number) => {
    const b = good.slice();
    b[at] = v;
    return b;
  };
  await refuses(edit(5, 3), "invalid_argument", /unsupported Draco bitstream version 3\.2/);
  await refuses(edit(6, 4), "invalid_argument", /version 2\.4/);
  await refuses(edit(7, 2), "invalid_argument", /no known geometry type/);
  await refuses(edit(8, 5), "invalid_argument", /unknown Draco encoder method 5/);
  for (let cut = 0; cut < 24; cut++) {
    await refuses(
      good.subarray(0, cut),
      "invalid_argument",
      /(truncated|bad Draco attribute count)/,
    );
  }
});

Deno.test("a valid Draco file over maxPoints is refused without decoding", async () => {
  const bytes = await read("open3d/derived/fragment_qp14_cl0.drc");
  await decodeDraco(bytes, "warm-up");
  let decodeMs = Infinity, refuseMs = Infinity;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    assert.equal((await decodeDraco(bytes, "full")).count, 113662);
    decodeMs = Math.min(decodeMs, performance.now() - t0);
    refuseMs = Math.min(
      refuseMs,
      await refuses(bytes, "resource_exhausted", /113662 points/, 100_000),
    );
  }
  // Relative, not absolute: the refusal reads ~30 header bytes, the decode 590 KB.
  assert.ok(refuseMs * 10 < decodeMs, `refused in ${refuseMs} ms, decoded in ${decodeMs} ms`);
});
