/**
 * Child process of `publish_kill_test.ts`: publishes versions of the models "alpha" and
 * "beta" in turn into the registry at `Deno.args[0]`, forever, each with a slow
 * `writeFiles` (1 MiB `adapter.bin` written, then "writing <model>" printed, then a pause,
 * then `adapter.onnx`), printing "published <model> <version>" after each. The test kills it
 * with SIGKILL in the middle of a publish.
 *
 * @module
 */

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { publishVersion } from "../src/models/registry.ts";

const root = Deno.args[0];
const pauseMs = Number(Deno.args[1] ?? 300);
const encoder = new TextEncoder();
const say = (line: string) => Deno.stdout.writeSync(encoder.encode(line + "\n"));

for (let i = 0;; i++) {
  const model = i % 2 === 0 ? "alpha" : "beta";
  const m = await publishVersion(root, model, async (dir) => {
    await writeFile(join(dir, "adapter.bin"), new Uint8Array(1 << 20).fill(i & 255));
    say(`writing ${model}`);
    await new Promise((r) => setTimeout(r, pauseMs));
    await writeFile(join(dir, "adapter.onnx"), `publish ${i}`);
  }, {
    backbone: { kind: "descriptor" },
    dims: { feature: 8, geometric: 48, hidden: 4 },
    text_encoder: { name: "none" },
    default_labels: [],
    training: { config: { publish: i }, metrics: {} },
  });
  say(`published ${model} ${m.version}`);
}
