/**
 * Helpers of the Deno/Node interop tests: bundling an entry point for Node,
 * running the bundled client (tests/server_node_client.ts), spawning a
 * server process (tests/server_node_server.ts) and making a throwaway
 * self-signed certificate.
 *
 * @module
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { nodeExternals } from "../tools/bundle_node.ts";
import { heightBands, randomCoords } from "./server_fixtures.ts";

/** This checkout's root folder, with a trailing slash. */
export const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** `proto/` of this checkout, for the bundled clients and servers. */
export const PROTO_DIR = `${ROOT}proto`;

const text = (b: Uint8Array) => new TextDecoder().decode(b);

/**
 * Bundles `entry` (a path relative to the checkout root) for Node into a
 * fresh temp folder that sees this checkout's node_modules; the caller
 * removes `dir`.
 */
export async function bundleForNode(entry: string): Promise<{ dir: string; file: string }> {
  const dir = await Deno.makeTempDir();
  await Deno.symlink(`${ROOT}node_modules`, `${dir}/node_modules`);
  const file = `${dir}/out.mjs`;
  const args = [
    "bundle",
    "--platform",
    "node",
    ...(await nodeExternals()).flatMap((e) => ["--external", e]),
    "-o",
    file,
    entry,
  ];
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  assert.equal(out.code, 0, text(out.stderr));
  return { dir, file };
}

/**
 * Runs the bundled tests/server_node_client.ts under Node against
 * `address` (over TLS trusting `caFile` when given) and asserts its answer:
 * the height-band labels of its 64 points and a SERVING health.
 */
export async function assertNodeClientServed(
  file: string,
  address: string,
  caFile?: string,
): Promise<void> {
  const out = await new Deno.Command("node", {
    args: [file, address, PROTO_DIR, ...(caFile ? [caFile] : [])],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, text(out.stderr));
  const res = JSON.parse(text(out.stdout));
  assert.equal(res.point_count, 64);
  assert.deepEqual(res.labels, Array.from(heightBands(randomCoords(64, 11), 3, 0).labels));
  assert.equal(res.health, "SERVING");
}

/** A server process started by `spawnServer`. */
export interface SpawnedServer {
  /** The ports it printed. */
  readonly ports: { grpcPort: number; httpPort: number };
  /** Sends SIGTERM; resolves with the exit code. */
  stop(): Promise<number>;
}

/**
 * Starts `command args…` in the checkout root with `env` added to this
 * process's environment (tests/server_node_server.ts, bundled for Node or
 * run by Deno); resolves once it prints its ports as a JSON line on stdout.
 */
export async function spawnServer(
  command: string,
  args: string[],
  env?: Record<string, string>,
): Promise<SpawnedServer> {
  const child = new Deno.Command(command, {
    args,
    env,
    cwd: ROOT,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!out.includes("\n")) {
    const chunk = await reader.read();
    if (chunk.done) throw new Error(`${command} exited before printing its ports`);
    out += chunk.value;
  }
  reader.releaseLock();
  const ports = JSON.parse(out.split("\n")[0]) as { grpcPort: number; httpPort: number };
  return {
    ports,
    async stop(): Promise<number> {
      child.kill("SIGTERM");
      const status = await child.status;
      await child.stdout.cancel().catch(() => {});
      return status.code;
    },
  };
}

/** Writes `dir/cert.pem` and `dir/key.pem`: a P-256 self-signed certificate for "localhost", valid one day. */
export async function makeCert(dir: string): Promise<void> {
  const gen = await new Deno.Command("openssl", {
    args: [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
      ...["-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
      ...["-keyout", `${dir}/key.pem`, "-out", `${dir}/cert.pem`],
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(gen.code, 0, text(gen.stderr));
}
