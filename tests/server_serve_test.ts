import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { publishVersion } from "../src/models/registry.ts";
import { GeoguideClient } from "../src/server/grpc.ts";
import { GRPC_CODES as C } from "../src/server/status.ts";
import { randomCoords, rejectsWith, xyzBytes } from "./server_fixtures.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

Deno.test("`serve` lists registry models, is not ready without a pipeline, exits 0 on SIGTERM", async () => {
  const models = await Deno.makeTempDir();
  await publishVersion(
    models,
    "indoor",
    async (d) => {
      // Valid manifest, unloadable adapter graph: listed, never ready.
      await Deno.writeFile(`${d}/adapter.onnx`, new Uint8Array(16));
      await Deno.writeFile(`${d}/adapter.bin`, new Uint8Array(16));
    },
    {
      backbone: { kind: "descriptor" },
      dims: { feature: 16, geometric: 48, hidden: 4 },
      text_encoder: { name: "glove-100d" },
      default_labels: ["wall"],
      training: null,
    },
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "src/cli.ts",
      "serve",
      "--grpc-port",
      "0",
      "--http-port=0",
      "--host",
      "127.0.0.1",
      "--models",
      models,
    ],
    cwd: root,
    env: { GEOGUIDE_GRPC_PORT: "1" },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  try {
    let listening: { grpc_port: number; http_port: number } | null = null;
    while (!listening) {
      const chunk = await reader.read();
      if (chunk.done) throw new Error(`serve exited early: ${text}`);
      text += chunk.value;
      for (const line of text.split("\n")) {
        if (line.includes('"listening"')) listening = JSON.parse(line);
      }
    }
    const client = new GeoguideClient(`127.0.0.1:${listening.grpc_port}`);
    try {
      const list = await client.listModels();
      assert.equal(list.default_model, "indoor");
      assert.deepEqual(list.models.map((m) => [m.name, m.versions, m.feature_dim]), [[
        "indoor",
        [1],
        16,
      ]]);
      assert.equal(await client.health(), "NOT_SERVING");
      const req = { cloud: { raw: { xyz: xyzBytes(randomCoords(4, 1)) } }, labels: ["wall"] };
      await rejectsWith(client.segment(req), C.UNAVAILABLE, /not loaded/);
      const r = await fetch(`http://127.0.0.1:${listening.http_port}/readyz`);
      assert.equal(r.status, 503);
      await r.body?.cancel();
    } finally {
      client.close();
    }
    child.kill("SIGTERM");
    const status = await child.status;
    assert.equal(status.code, 0);
  } finally {
    reader.releaseLock();
    await child.stderr.cancel().catch(() => {});
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await Deno.remove(models, { recursive: true });
  }
});

Deno.test("`serve` refuses bad flags with exit code 2", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "src/cli.ts", "serve", "--grpc-port", "banana"],
    cwd: root,
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 2);
  assert.match(
    new TextDecoder().decode(out.stderr),
    /--grpc-port: expected a non-negative integer/,
  );
});
