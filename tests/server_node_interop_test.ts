import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { GeoguideClient } from "../src/server/grpc.ts";
import { GRPC_CODES as C } from "../src/server/status.ts";
import { heightBands, randomCoords, startRig, xyzBytes } from "./server_fixtures.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const protoDir = `${root}proto`;
const EXTERNAL = [
  "@grpc/grpc-js",
  "@grpc/proto-loader",
  "@grpc/reflection",
  "grpc-health-check",
  "draco3d",
  "hono",
  "@hono/node-server",
];

/** Bundles `entry` for Node into a temp folder that sees this checkout's node_modules. */
async function bundle(entry: string): Promise<{ dir: string; file: string }> {
  const dir = await Deno.makeTempDir();
  await Deno.symlink(`${root}node_modules`, `${dir}/node_modules`);
  const file = `${dir}/out.mjs`;
  const args = [
    "bundle",
    "--platform",
    "node",
    ...EXTERNAL.flatMap((e) => ["--external", e]),
    "-o",
    file,
    entry,
  ];
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return { dir, file };
}

Deno.test("a Node client (bundled) talks to the Deno server", async () => {
  const rig = await startRig();
  const { dir, file } = await bundle("tests/server_node_client.ts");
  try {
    const out = await new Deno.Command("node", {
      args: [file, `127.0.0.1:${rig.server.grpcPort}`, protoDir],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const res = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.equal(res.point_count, 64);
    assert.deepEqual(res.labels, Array.from(heightBands(randomCoords(64, 11), 3, 0).labels));
    assert.equal(res.health, "SERVING");
  } finally {
    await rig.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/** Starts the bundled Node server; resolves with its ports once it prints them. */
async function spawnNodeServer(file: string, extra: string[] = []) {
  const child = new Deno.Command("node", {
    args: [file, protoDir, ...extra],
    stdout: "piped",
    stderr: "inherit",
  })
    .spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const chunk = await reader.read();
    if (chunk.done) throw new Error("the Node server exited before printing its ports");
    text += chunk.value;
  }
  reader.releaseLock();
  const ports = JSON.parse(text.split("\n")[0]) as { grpcPort: number; httpPort: number };
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

async function makeCert(dir: string): Promise<void> {
  const gen = await new Deno.Command("openssl", {
    args: [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
      ...["-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
      ...["-keyout", `${dir}/key.pem`, "-out", `${dir}/cert.pem`],
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(gen.code, 0, new TextDecoder().decode(gen.stderr));
}

Deno.test("the server bundled for Node answers Deno clients (plaintext and TLS), stops on SIGTERM", async () => {
  const { dir, file } = await bundle("tests/server_node_server.ts");
  const coord = randomCoords(100, 12);
  const request = { cloud: { raw: { xyz: xyzBytes(coord) } }, labels: ["a", "b", "c"] };
  try {
    const plain = await spawnNodeServer(file);
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
    const tls = await spawnNodeServer(file, [`${dir}/cert.pem`, `${dir}/key.pem`]);
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
