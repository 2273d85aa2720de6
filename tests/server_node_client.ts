/**
 * A small client bundled for Node by server_node_interop_test.ts:
 * `node client.js HOST:PORT PROTO_DIR` sends one raw Segment request and
 * prints `{ point_count, labels, health }` as JSON on stdout.
 *
 * @module
 */

import process from "node:process";
import { GeoguideClient } from "../src/server/grpc.ts";
import { randomCoords, xyzBytes } from "./server_fixtures.ts";

const [address, protoDir] = process.argv.slice(2);
const client = new GeoguideClient(address, { protoDir });
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
