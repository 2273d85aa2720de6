/**
 * Runs tests/node/smoke_entry.ts under Node 20: bundles it with `deno bundle`
 * (the npm packages left as imports, as tools/bundle_node.ts leaves them) and runs `node --test` on the
 * result, so Node compatibility of the core modules cannot silently break.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { nodeExternals } from "../tools/bundle_node.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const SHARED = fileURLToPath(new URL("../../shared", import.meta.url));

function hasNode(): boolean {
  try {
    return execFileSync("node", ["--version"], { encoding: "utf8" }).startsWith("v");
  } catch {
    return false;
  }
}

Deno.test({
  name: "node: the bundled core modules pass their smoke tests under Node",
  ignore: !hasNode(),
  async fn() {
    // Bundled inside the repository so that Node resolves the external packages from node_modules.
    const out = join(ROOT, "dist", "node_smoke.mjs");
    const bundle = spawnSync(Deno.execPath(), [
      "bundle",
      "--platform",
      "node",
      ...(await nodeExternals()).flatMap((p) => ["--external", p]),
      "-o",
      out,
      join(ROOT, "tests/node/smoke_entry.ts"),
    ], { cwd: ROOT, encoding: "utf8" });
    assert.equal(bundle.status, 0, bundle.stderr);
    const run = spawnSync("node", ["--test", out], {
      cwd: ROOT,
      encoding: "utf8",
      env: {
        ...process.env,
        GEOGUIDE_SHARED: SHARED,
        GEOGUIDE_CACHE_DIR: process.env.GEOGUIDE_CACHE_DIR || join(ROOT, ".cache"),
      },
    });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /# pass 4/);
    assert.match(run.stdout, /# fail 0/);
  },
});
