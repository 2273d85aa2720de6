/**
 * Corrupted-input fuzzing of every decoder: truncated prefixes and bit-flipped
 * copies of the shared files and of encoded samples must decode to a valid
 * cloud or fail with a GeoError, never another exception and never a hang.
 */

import assert from "node:assert/strict";
import { GeoError } from "../src/kernels/errors.ts";
import { type PointCloud, validateCloud } from "../src/kernels/point_cloud.ts";
import { Rng } from "../src/kernels/random.ts";
import { encodeDraco } from "../src/io/draco.ts";
import { encodeNpy } from "../src/io/npy.ts";
import { encodePly } from "../src/io/ply.ts";
import { decodeCloud } from "../src/io/read_cloud.ts";

const DATA = new URL("../../shared/data/", import.meta.url);
const SHARED = [
  "draco_testdata/pc_color.drc",
  "draco_testdata/pc_kd_color.drc",
  "draco_testdata/point_cloud_no_qp.drc",
  "draco_testdata/cube_pc.drc",
  "draco_testdata/point_cloud_test_pos.ply",
  "draco_testdata/point_cloud_test_pos_norm.ply",
  "draco_testdata/int_point_cloud.ply",
  "draco_testdata/float_two_att_point_cloud.ply",
  "open3d/derived/fragment_qp14_cl7.drc",
  "open3d/derived/fragment_qp14_cl0.drc",
  "open3d/derived/frag_115_qp14_cl7.drc",
  "open3d/derived/fragment_from_pcd.ply",
  "open3d/frag_115.ply",
  "open3d/fragment.pcd",
];

async function samples(rng: Rng): Promise<[string, Uint8Array][]> {
  const n = 200;
  const cloud: PointCloud = {
    count: n,
    coord: new Float32Array(n * 3).map(() => rng.uniform(-2, 2)),
    color: new Uint8Array(n * 3).map(() => rng.int(256)),
    normal: new Float32Array(n * 3).map(() => rng.uniform(-1, 1)),
  };
  const pcd = ["VERSION 0.7", "FIELDS x y z rgb", "SIZE 4 4 4 4", "TYPE F F F U", "COUNT 1 1 1 1"]
    .concat([`WIDTH ${n}`, "HEIGHT 1", `POINTS ${n}`, "DATA ascii"])
    .concat(
      Array.from(
        { length: n },
        (_, i) => `${cloud.coord.slice(i * 3, i * 3 + 3).join(" ")} ${i * 999}`,
      ),
    )
    .join("\n");
  return [
    ["ros2.drc", await encodeDraco(cloud, { layout: "xyz-split", speed: 10 })],
    ["ros2_unnamed.drc", await encodeDraco(cloud, { layout: "xyz-split", attributeNames: false })],
    ["rgba.drc", await encodeDraco(cloud, { alpha: true, quantizationBits: 0, speed: 10 })],
    ["kd.drc", await encodeDraco(cloud, { speed: 2 })],
    ["ascii.ply", encodePly(cloud, { format: "ascii" })],
    ["binary.ply", encodePly(cloud, { scalars: { s: new Float32Array(n) } })],
    ["coord.npy", encodeNpy(cloud.coord, [n, 3])],
    ["half.npy", encodeNpy(cloud.coord, [n, 3], { dtype: "float16" })],
    ["ascii.pcd", new TextEncoder().encode(pcd)],
  ];
}

/** Decodes one corrupted buffer; asserts the outcome is a valid cloud or a GeoError. */
async function check(bytes: Uint8Array, name: string, what: string): Promise<"ok" | "error"> {
  const t0 = performance.now();
  try {
    const cloud = await decodeCloud(bytes, name);
    validateCloud(cloud, name);
    return "ok";
  } catch (e) {
    assert.ok(e instanceof GeoError, `${name} ${what}: threw ${e}`);
    assert.ok(
      e.kind === "invalid_argument" || e.kind === "resource_exhausted",
      `${name} ${what}: kind ${e.kind}`,
    );
    assert.ok(e.message.includes(name), `${name} ${what}: message names the source: ${e.message}`);
    return "error";
  } finally {
    const ms = performance.now() - t0;
    assert.ok(ms < 5000, `${name} ${what}: took ${ms.toFixed(0)} ms`);
  }
}

Deno.test("truncated and bit-flipped inputs decode to valid clouds or fail with GeoError", async () => {
  const rng = new Rng(20261125);
  const files: [string, Uint8Array][] = [];
  for (const p of SHARED) files.push([p.split("/").pop()!, await Deno.readFile(new URL(p, DATA))]);
  files.push(...await samples(rng.fork()));
  const tally = { ok: 0, error: 0 };
  for (const [name, good] of files) {
    // Big files cost up to ~0.3 s per full decode: fewer full-decode mutations for them.
    const rounds = Math.max(4, Math.min(40, Math.round(1.5e6 / good.length)));
    for (let r = 0; r < rounds; r++) {
      // Truncations: mostly in the header region, some anywhere.
      const cut = r % 2 === 0 ? rng.int(Math.min(good.length, 400)) : rng.int(good.length);
      tally[await check(good.subarray(0, cut), name, `cut at ${cut}`)]++;
      // Bit flips: 1–8 bits, the first half of rounds aimed at the header.
      const bad = good.slice();
      const flips = 1 + rng.int(8);
      const span = r < rounds / 2 ? Math.min(good.length, 300) : good.length;
      const at: number[] = [];
      for (let f = 0; f < flips; f++) {
        const i = rng.int(span);
        bad[i] ^= 1 << rng.int(8);
        at.push(i);
      }
      tally[await check(bad, name, `bits flipped at ${at.join(",")}`)]++;
    }
  }
  // Both outcomes occur: corruption is detected, and harmless flips still decode.
  assert.ok(tally.error > 100, `errors: ${tally.error}`);
  assert.ok(tally.ok > 20, `ok: ${tally.ok}`);
});

Deno.test("the Draco decoder still works after garbage", async () => {
  const rng = new Rng(7);
  const good = await Deno.readFile(new URL("draco_testdata/pc_kd_color.drc", DATA));
  const before = await decodeCloud(good, "pc_kd_color.drc");
  for (let r = 0; r < 60; r++) {
    const junk = new Uint8Array(16 + rng.int(400)).map(() => rng.int(256));
    junk.set(good.subarray(0, 5 + rng.int(20)));
    await check(junk, "junk.drc", `round ${r}`);
  }
  const after = await decodeCloud(good, "pc_kd_color.drc");
  assert.deepEqual(after.coord, before.coord);
  assert.deepEqual(after.color, before.color);
});
