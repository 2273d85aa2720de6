import assert from "node:assert/strict";
import { decodeDraco } from "../src/io/draco.ts";
import { bytesToInt16 } from "../src/pipeline/typed_bytes.ts";
import { GeoError } from "../src/kernels/errors.ts";
import { heightBands, startRig } from "./server_fixtures.ts";

const DRACO = new URL("../../shared/data/draco_testdata/pc_color.drc", import.meta.url).pathname;

Deno.test("a Draco cloud is decoded behind the interface; labels follow decoded order", async () => {
  const rig = await startRig();
  try {
    const bytes = await Deno.readFile(DRACO);
    const cloud = await decodeDraco(bytes, DRACO);
    const res = await rig.client.segment({
      cloud: { draco: bytes },
      labels: ["a", "b", "c"],
      return_positions: true,
    });
    assert.equal(res.point_count, cloud.count);
    assert.deepEqual(bytesToInt16(res.labels, "labels"), heightBands(cloud.coord, 3, 0).labels);
    assert.equal(res.positions.byteLength, 12 * cloud.count);
  } finally {
    await rig.close();
  }
});

Deno.test("TLS under Deno is refused with a clear error rather than served broken", async () => {
  await assert.rejects(
    startRig({ tlsCert: "/nonexistent/cert.pem", tlsKey: "/nonexistent/key.pem" }),
    (e: unknown) =>
      e instanceof GeoError && e.kind === "failed_precondition" && /Node only/.test(e.message),
  );
});
