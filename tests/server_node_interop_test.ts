import assert from "node:assert/strict";
import { GeoguideClient } from "../src/server/grpc.ts";
import { GRPC_CODES as C } from "../src/server/status.ts";
import {
  assertNodeClientServed,
  bundleForNode,
  makeCert,
  PROTO_DIR,
  spawnServer,
} from "./interop_helpers.ts";
import { heightBands, randomCoords, startRig, xyzBytes } from "./server_fixtures.ts";

Deno.test("a Node client (bundled) talks to the Deno server", async () => {
  const rig = await startRig();
  const { dir, file } = await bundleForNode("tests/server_node_client.ts");
  try {
    await assertNodeClientServed(file, `127.0.0.1:${rig.server.grpcPort}`);
  } finally {
    await rig.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the server bundled for Node answers Deno clients (plaintext and TLS), stops on SIGTERM", async () => {
  const { dir, file } = await bundleForNode("tests/server_node_server.ts");
  const coord = randomCoords(100, 12);
  const request = { cloud: { raw: { xyz: xyzBytes(coord) } }, labels: ["a", "b", "c"] };
  try {
    const plain = await spawnServer("node", [file, PROTO_DIR]);
    const client = new GeoguideClient(`127.0.0.1:${plain.ports.grpcPort}`);
    try {
      const res = await client.segment(request);
      assert.deepEqual(
        new Int16Array(new Uint8Array(res.labels).buffer),
        heightBands(coord, 3, 0).labels,
      );
      assert.equal(await client.health(), "SERVING");
      const ready = await fetch(`http://127.0.0.1:${plain.ports.httpPort}/readyz`);
      assert.equal(ready.status, 200);
      await ready.body?.cancel();
    } finally {
      client.close();
      assert.equal(await plain.stop(), 0);
    }
    await makeCert(dir);
    const tls = await spawnServer("node", [file, PROTO_DIR, `${dir}/cert.pem`, `${dir}/key.pem`]);
    const address = `127.0.0.1:${tls.ports.grpcPort}`;
    const trusted = new GeoguideClient(address, {
      tls: { caFile: `${dir}/cert.pem`, serverName: "localhost" },
    });
    const insecure = new GeoguideClient(address);
    try {
      assert.equal((await trusted.segment(request)).point_count, 100);
      await assert.rejects(
        insecure.segment(request, { timeoutMs: 1500 }),
        (e: { code?: number }) => e.code === C.UNAVAILABLE || e.code === C.DEADLINE_EXCEEDED,
      );
    } finally {
      trusted.close();
      insecure.close();
      assert.equal(await tls.stop(), 0);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
