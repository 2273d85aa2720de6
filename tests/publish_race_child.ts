/**
 * Child process of `publish_race_test.ts`: waits for the file `<root>/go`, then publishes
 * `count` versions of the model "race" into the registry at `root` as fast as it can, each
 * with an `adapter.bin` naming this writer and its publish number, and prints one line
 * `published <tag> <i> <version>` per version.
 *
 * Arguments: root, tag, count.
 *
 * @module
 */

import { stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { publishVersion } from "../src/models/registry.ts";

const [root, tag, countArg] = Deno.args;
const count = Number(countArg);
const encoder = new TextEncoder();
const say = (line: string) => Deno.stdout.writeSync(encoder.encode(line + "\n"));

say("ready");
for (;;) {
  try {
    await stat(join(root, "go"));
    break;
  } catch {
    await new Promise((r) => setTimeout(r, 2));
  }
}
for (let i = 0; i < count; i++) {
  const m = await publishVersion(root, "race", async (dir) => {
    await writeFile(join(dir, "adapter.bin"), `${tag} ${i}`);
    await writeFile(join(dir, "adapter.onnx"), new Uint8Array(4096).fill(i));
  }, {
    backbone: { kind: "descriptor" },
    dims: { feature: 8, geometric: 48, hidden: 4 },
    text_encoder: { name: "none" },
    default_labels: [],
    training: { config: { writer: tag, publish: i }, metrics: {} },
  });
  say(`published ${tag} ${i} ${m.version}`);
}
