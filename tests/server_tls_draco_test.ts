import assert from "node:assert/strict";
import { decodeDraco } from "../src/io/draco.ts";
import { bytesToInt16 } from "../src/io/typed_bytes.ts";
import { GeoguideClient } from "../src/server/grpc.ts";
import { GRPC_CODES as C } from "../src/server/status.ts";
import {
  assertNodeClientServed,
  bundleForNode,
  makeCert,
  PROTO_DIR,
  spawnServer,
} from "./interop_helpers.ts";
import { heightBands, startRig } from "./server_fixtures.ts";

const DRACO = new URL("../../shared/data/draco_testdata/pc_color.drc", import.meta.url).pathname;

/** Segments the Draco test cloud through `client`; asserts the height-band labels. */
async function assertDracoServed(client: GeoguideClient): Promise<void> {
  const bytes = await Deno.readFile(DRACO);
  const cloud = await decodeDraco(bytes, DRACO);
  const res = await client.segment({
    cloud: { draco: bytes },
    labels: ["a", "b", "c"],
    return_positions: true,
  });
  assert.equal(res.point_count, cloud.count);
  assert.deepEqual(bytesToInt16(res.labels, "labels"), heightBands(cloud.coord, 3, 0).labels);
  assert.equal(res.positions.byteLength, 12 * cloud.count);
}

/** A call that a client which cannot complete the TLS handshake makes fails. */
async function assertRefused(client: GeoguideClient): Promise<void> {
  try {
    await assert.rejects(
      client.health("", { timeoutMs: 1500 }),
      (e: { code?: number }) => e.code === C.UNAVAILABLE || e.code === C.DEADLINE_EXCEEDED,
    );
  } finally {
    client.close();
  }
}

Deno.test("a Draco cloud is decoded behind the interface; labels follow decoded order", async () => {
  const rig = await startRig();
  try {
    await assertDracoServed(rig.client);
  } finally {
    await rig.close();
  }
});

Deno.test("the Deno server serves TLS: a client trusting its certificate is served, others are refused", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await makeCert(dir);
    const caFile = `${dir}/cert.pem`;
    const rig = await startRig(
      { tlsCert: caFile, tlsKey: `${dir}/key.pem` },
      { tls: { caFile, serverName: "localhost" } },
    );
    try {
      await assertDracoServed(rig.client);
      assert.equal(await rig.client.health(), "SERVING");
      assert.ok((await rig.client.listServices()).includes("geoguide.v1.Segmentation"));
      const address = `127.0.0.1:${rig.server.grpcPort}`;
      await assertRefused(new GeoguideClient(address));
      await assertRefused(new GeoguideClient(address, { tls: { serverName: "localhost" } }));
    } finally {
      await rig.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a Deno server with a large GRPC_DEFAULT_SSL_ROOTS_FILE_PATH serves TLS to Node and Deno clients", async () => {
  const { dir, file } = await bundleForNode("tests/server_node_client.ts");
  try {
    await makeCert(dir);
    const caFile = `${dir}/cert.pem`;
    // grpc-js reads this bundle as server `ca` when given null roots; Deno's
    // node:tls would then send all of it (~200 KB here) as the chain.
    const roots = `${dir}/roots.pem`;
    await Deno.writeTextFile(roots, (await Deno.readTextFile(caFile)).repeat(300));
    const server = await spawnServer(
      Deno.execPath(),
      ["run", "-A", "tests/server_node_server.ts", PROTO_DIR, caFile, `${dir}/key.pem`],
      { GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: roots },
    );
    const address = `127.0.0.1:${server.ports.grpcPort}`;
    const client = new GeoguideClient(address, { tls: { caFile, serverName: "localhost" } });
    try {
      await assertNodeClientServed(file, address, caFile);
      assert.equal(await client.health(), "SERVING");
    } finally {
      client.close();
      assert.equal(await server.stop(), 0);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
