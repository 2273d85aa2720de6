/**
 * `src/gen/` is what `deno task gen` makes of `proto/` today: regenerates into
 * a temp folder and compares, so a proto change without regenerating fails.
 */
import assert from "node:assert/strict";
import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { GEN_DIR, generate } from "../tools/gen_proto.ts";

Deno.test("gen: the committed src/gen/ matches a fresh `deno task gen`", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await generate(dir);
    const fresh = (await readdir(dir)).sort();
    assert.deepEqual((await readdir(GEN_DIR)).sort(), fresh, "src/gen/ holds other files");
    for (const name of fresh) {
      const want = await readFile(join(dir, name), "utf8");
      const have = await readFile(join(GEN_DIR, name), "utf8");
      assert.ok(have === want, `src/gen/${name} is stale or edited: run \`deno task gen\``);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
