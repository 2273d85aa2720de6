/**
 * A small client bundled for Node by server_node_interop_test.ts and
 * server_tls_draco_test.ts:
 * `node client.js HOST:PORT PROTO_DIR [CA.pem]` sends one raw Segment request
 * (over TLS trusting CA.pem for "localhost" when given) and prints
 * `{ point_count, labels, health }` as JSON on stdout.
 *
 * @module
 */

import process from "node:process";
import { GeoguideClient } from "../src/server/grpc.ts";
import { randomCoords, xyzBytes } from "./server_fixtures.ts";

const [address, protoDir, caFile] = process.argv.slice(2);
const tls = caFile ? { caFile, serverName: "localhost" } : undefined;
const client = new GeoguideClient(address, { protoDir, tls });
try {
  const res = await client.segment({
    cloud: { raw: { xyz: xyzBytes(randomCoords(64, 11)) } },
    labels: ["floor", "table", "shelf"],
  }, { timeoutMs: 10_000 });
  const labels = Array.from(new Int16Array(new Uint8Array(res.labels).buffer));
  const health = await client.health("");
  console.log(JSON.stringify({ point_count: res.point_count, labels, health }));
} finally {
  client.close();
}
