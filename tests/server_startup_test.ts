/**
 * `serve` that cannot start (port in use, unreadable registry) prints one line and exits
 * non-zero, with no stack trace and no unhandled rejection.
 */

import assert from "node:assert/strict";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { tempFolderName } from "../src/models/registry_temps.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

async function serve(args: string[]): Promise<{ code: number; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "src/cli.ts", "serve", "--host", "127.0.0.1", ...args],
    cwd: root,
    stdout: "null",
    stderr: "piped",
    env: { GEOGUIDE_SEGMENT_WORKERS: "0" },
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

/** The stderr lines that are not JSON log records. */
function plainLines(stderr: string): string[] {
  return stderr.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("{"));
}

Deno.test("serve on a port in use (gRPC or HTTP) prints one line and exits 1", async () => {
  const models = await Deno.makeTempDir();
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = String((taken.addr as Deno.NetAddr).port);
  try {
    for (
      const ports of [["--grpc-port", port, "--http-port", "0"], [
        "--grpc-port",
        "0",
        "--http-port",
        port,
      ]]
    ) {
      const { code, stderr } = await serve([...ports, "--models", models]);
      assert.equal(code, 1, stderr);
      const lines = plainLines(stderr);
      assert.equal(lines.length, 1, stderr);
      assert.match(lines[0], new RegExp(`^serve: Cannot listen on .*${port}`));
      assert.doesNotMatch(stderr, /\n\s+at |Uncaught|unhandled/i);
    }
  } finally {
    taken.close();
    await Deno.remove(models, { recursive: true });
  }
});

Deno.test("serve with an unreadable registry prints one line and exits 1", async () => {
  const missing = `${await Deno.makeTempDir()}/no-such-registry`;
  const { code, stderr } = await serve([
    "--grpc-port",
    "0",
    "--http-port",
    "0",
    "--models",
    missing,
  ]);
  assert.equal(code, 1, stderr);
  const lines = plainLines(stderr);
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0], /^serve: cannot read the model registry folder .*ENOENT/);
});

Deno.test("serve removes unfinished publishes of dead writers at start, not others'", async () => {
  const models = await Deno.makeTempDir();
  const dead = new Deno.Command(Deno.execPath(), { args: ["eval", "1"] }).spawn();
  await dead.status;
  const crashed = tempFolderName().replace(`-${process.pid}-`, `-${dead.pid}-`);
  const elsewhere = ".tmp-0b9c9a3e-2f57-4d2e-9c43-0d7f1b2a4c55-7-6f74686572";
  for (const t of [crashed, elsewhere]) {
    await Deno.mkdir(`${models}/site/${t}`, { recursive: true });
    await Deno.writeTextFile(`${models}/site/${t}/adapter.bin`, "half");
  }
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "src/cli.ts",
      "serve",
      "--host",
      "127.0.0.1",
      "--grpc-port",
      "0",
      "--http-port",
      "0",
      "--models",
      models,
    ],
    cwd: root,
    stdout: "null",
    stderr: "piped",
    env: { GEOGUIDE_SEGMENT_WORKERS: "0" },
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  try {
    while (!text.includes('"listening"')) {
      const chunk = await reader.read();
      if (chunk.done) throw new Error(`serve exited early: ${text}`);
      text += chunk.value;
    }
    assert.match(text, /removed unfinished publishes/);
    assert.match(text, /Train is closed/);
    const left = [...Deno.readDirSync(`${models}/site`)].map((e) => e.name);
    assert.deepEqual(left, [elsewhere], "a fresh publish of another host is left alone");
  } finally {
    child.kill("SIGTERM");
    await reader.cancel();
    await child.status;
    await Deno.remove(models, { recursive: true });
  }
});
