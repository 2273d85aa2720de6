/**
 * A server bundled for Node by server_node_interop_test.ts (and run as is by
 * Deno in server_tls_draco_test.ts): `node server.js PROTO_DIR [CERT.pem
 * KEY.pem]` serves (with TLS when given a certificate) the height-band TEST DOUBLE on 127.0.0.1 ephemeral
 * ports, prints `{ grpcPort, httpPort }` as JSON on stdout and stops on SIGTERM.
 *
 * @module
 */

import process from "node:process";
import { Logger } from "../src/server/log.ts";
import { startServer } from "../src/server/server.ts";
import { HeightBandSegmenter } from "./server_fixtures.ts";

const server = await startServer({
  host: "127.0.0.1",
  grpcPort: 0,
  httpPort: 0,
  protoDir: process.argv[2],
  tlsCert: process.argv[3],
  tlsKey: process.argv[4],
  logger: new Logger(() => {}),
}, { segment: new HeightBandSegmenter() });
console.log(JSON.stringify({ grpcPort: server.grpcPort, httpPort: server.httpPort }));
process.once("SIGTERM", () => {
  server.shutdown().then(() => process.exit(0));
});
