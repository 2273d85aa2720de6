/**
 * Concurrent publishers in separate processes (as trainer replicas sharing a registry
 * volume): two child processes publish 10 versions each of one model at once. Every
 * publish must get its own version number, and every version must be complete and
 * verified (sha256) with the content its writer put there.
 */

import assert from "node:assert/strict";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { listVersions, loadVersion } from "../src/models/registry.ts";

const COUNT = 10;

async function readLines(stream: ReadableStream<Uint8Array>, until?: (l: string) => boolean) {
  const lines: string[] = [];
  let text = "";
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      const parts = text.split("\n");
      text = parts.pop()!;
      lines.push(...parts);
      if (until && lines.some(until)) break;
    }
  } finally {
    reader.releaseLock();
  }
  return lines;
}

Deno.test("two processes publishing 10 versions each get 20 distinct, complete, verified versions", async () => {
  const root = await Deno.makeTempDir({ prefix: "geoguide-publish-race-" });
  const child = (tag: string) =>
    new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("./publish_race_child.ts", import.meta.url).pathname,
        root,
        tag,
        String(COUNT),
      ],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
  const kids = [child("A"), child("B")];
  try {
    // Both loaded and waiting, then released at once.
    const first = await Promise.all(kids.map((k) => readLines(k.stdout, (l) => l === "ready")));
    assert.ok(first.every((l) => l.includes("ready")));
    await writeFile(join(root, "go"), "");
    const rest = await Promise.all(kids.map((k) => readLines(k.stdout)));
    const statuses = await Promise.all(kids.map((k) => k.status));
    assert.deepEqual(statuses.map((s) => s.code), [0, 0]);

    const published = rest.flat().concat(first.flat()).filter((l) => l.startsWith("published"))
      .map((l) => {
        const [, tag, i, version] = l.split(" ");
        return { tag, i: Number(i), version: Number(version) };
      });
    assert.equal(published.length, 2 * COUNT);
    const versions = published.map((p) => p.version).sort((a, b) => a - b);
    assert.deepEqual(versions, Array.from({ length: 2 * COUNT }, (_, k) => k + 1), "distinct 1…20");
    assert.deepEqual(await listVersions(root, "race"), versions);
    assert.ok(
      new Set(published.filter((p) => p.tag === "A").map((p) => p.version)).size === COUNT &&
        new Set(published.filter((p) => p.tag === "B").map((p) => p.version)).size === COUNT,
    );
    for (const p of published) {
      const loaded = await loadVersion(root, "race", p.version); // every sha256 verified
      assert.deepEqual(loaded.manifest.training?.config, { writer: p.tag, publish: p.i });
      assert.equal(await Deno.readTextFile(loaded.file("adapter.bin")), `${p.tag} ${p.i}`);
    }
    const left = (await readdir(join(root, "race"))).filter((e) => !/^[0-9]+$/.test(e));
    assert.deepEqual(left, [], "no temporary folder or claim left");
  } finally {
    for (const k of kids) {
      try {
        k.kill("SIGKILL");
      } catch { /* exited */ }
      await k.status;
      await k.stdout.cancel().catch(() => {});
    }
    await Deno.remove(root, { recursive: true });
  }
});
