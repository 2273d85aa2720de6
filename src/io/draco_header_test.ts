import assert from "node:assert/strict";
import { Rng } from "../kernels/random.ts";
import { decodeDraco, encodeDraco } from "./draco.ts";
import { declaredPoints } from "./draco_header.ts";

const DATA = new URL("../../../shared/data/", import.meta.url);
const read = (p: string) => Deno.readFile(new URL(p, DATA));

Deno.test("a point count no file of that size could hold is rejected before decoding", async () => {
  const rng = new Rng(2);
  const good = await read("draco_testdata/point_cloud_no_qp.drc");
  assert.equal(declaredPoints(good), 21);
  assert.equal(declaredPoints(await read("draco_testdata/cube_pc.drc")), undefined, "Draco 1.x");
  const named = await encodeDraco({
    count: 40,
    coord: new Float32Array(120).map(() => rng.uniform(-1, 1)),
  }, { layout: "xyz-split" });
  assert.equal(declaredPoints(named), 40, "count found after the metadata block");
  const bad = good.slice();
  bad[14] = 0x10; // int32 count at bytes 11..14: 2^28 + 21 points in 345 bytes
  await assert.rejects(
    decodeDraco(bad, "big.drc"),
    /big\.drc: corrupt Draco data \(header declares 268435477 points in 345 bytes\)/,
  );
});
