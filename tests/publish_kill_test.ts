/**
 * `kill -9` during a publish: a child process publishes versions into a registry in a
 * loop and is killed with SIGKILL while it writes one. The start-up clean
 * (`cleanRegistryTemps`) then leaves only complete versions (each loads, its sha256s
 * verified) and no `.tmp-*` folder.
 */

import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { listVersions, loadVersion } from "../src/models/registry.ts";
import { cleanRegistryTemps } from "../src/models/registry_temps.ts";

const tempsOf = async (root: string) =>
  (await Promise.all(
    ["alpha", "beta"].map(async (m) =>
      (await readdir(join(root, m)).catch(() => [])).filter((e) => e.startsWith(".tmp-"))
    ),
  )).flat();

Deno.test("kill -9 mid-publish: the start-up clean leaves only complete, verified versions", async () => {
  const root = await Deno.makeTempDir({ prefix: "geoguide-publish-kill-" });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./publish_kill_child.ts", import.meta.url).pathname, root],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines: string[] = [];
  let killed = false;
  try {
    const decoder = new TextDecoder();
    let text = "";
    for await (const chunk of child.stdout) {
      text += decoder.decode(chunk, { stream: true });
      const parts = text.split("\n");
      text = parts.pop()!;
      lines.push(...parts);
      const published = lines.filter((l) => l.startsWith("published")).length;
      // Killed while writing its 4th version (the 2nd of "beta"), after 3 complete ones.
      if (published >= 3 && lines.at(-1)?.startsWith("writing")) {
        child.kill("SIGKILL");
        killed = true;
        break;
      }
    }
  } finally {
    if (!killed) child.kill("SIGKILL");
    await child.status;
    await child.stdout.cancel().catch(() => {});
  }
  const status = await child.status;
  assert.equal(status.signal, "SIGKILL");
  assert.ok((await tempsOf(root)).length >= 1, "the killed publish left its temporary folder");
  // What a restart does before serving Train.
  const temps = await tempsOf(root);
  const removed = await cleanRegistryTemps(root);
  assert.deepEqual(removed, temps.map((t) => `beta/${t}`), "the killed publish was of beta");
  assert.deepEqual(await tempsOf(root), []);
  const published = lines.filter((l) => l.startsWith("published")).map((l) => l.split(" ")[1]);
  let versions = 0;
  for (const model of ["alpha", "beta"]) {
    const listed = await listVersions(root, model);
    assert.deepEqual(listed, listed.map((_, i) => i + 1), `${model}: versions 1…n`);
    assert.equal(listed.length, published.filter((m) => m === model).length);
    for (const v of listed) {
      const loaded = await loadVersion(root, model, v); // verifies every sha256
      assert.deepEqual(Object.keys(loaded.manifest.files).sort(), ["adapter.bin", "adapter.onnx"]);
      versions++;
    }
  }
  assert.equal(versions, 3);
  // A second clean finds nothing; cleaning a missing registry is a no-op.
  assert.deepEqual(await cleanRegistryTemps(root), []);
  assert.deepEqual(await cleanRegistryTemps(join(root, "missing")), []);
  await Deno.remove(root, { recursive: true });
});
