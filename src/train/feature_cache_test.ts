import assert from "node:assert/strict";
import { join } from "node:path";
import type { Backbone } from "../features/backbones/backbone.ts";
import { Rng } from "../kernels/random.ts";
import { featureCacheKey, sceneFeatures } from "./feature_cache.ts";

/** A counting stand-in backbone: feature = (x, y, z, superpoint id). */
function countingBackbone(): Backbone & { calls: number } {
  const b = {
    kind: "descriptor" as const,
    version: "test-1",
    dim: 4,
    calls: 0,
    features(g: Parameters<Backbone["features"]>[0]) {
      b.calls++;
      const n = g.cloud.count;
      return Promise.resolve(
        Float32Array.from(
          { length: 4 * n },
          (_, j) =>
            j % 4 < 3
              ? g.cloud.coord[3 * Math.floor(j / 4) + (j % 4)]
              : g.superpoints.ids[Math.floor(j / 4)],
        ),
      );
    },
  };
  return b;
}

function cloud(seed: number, n = 400) {
  const rng = new Rng(seed);
  return { count: n, coord: Float32Array.from({ length: 3 * n }, () => rng.uniform(0, 1)) };
}

Deno.test("sceneFeatures: computed once, then read back identically from the cache", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const backbone = countingBackbone();
    const c = cloud(1);
    const opts = { backbone, voxelSize: 0.05, proposals: true, cacheDir: join(dir, "f") };
    const a = await sceneFeatures(c, opts);
    const b = await sceneFeatures(c, opts);
    assert.equal(backbone.calls, 1);
    assert.equal(a.cached, false);
    assert.equal(b.cached, true);
    assert.deepEqual({ ...b, cached: false }, { ...a });
    assert.equal(a.voxelOf.length, 400);
    assert.equal(a.geometric.length, 4 * a.count);
    // Another voxel size or cloud is another key; a damaged file is recomputed.
    await sceneFeatures(c, { ...opts, voxelSize: 0.1 });
    assert.equal(backbone.calls, 2);
    const path = join(dir, "f", `${featureCacheKey(c, opts)}.bin`);
    await Deno.writeFile(path, new Uint8Array(10));
    assert.equal((await sceneFeatures(c, opts)).cached, false);
    assert.equal(backbone.calls, 3);
    const names = [];
    for await (const e of Deno.readDir(join(dir, "f"))) names.push(e.name);
    assert.ok(names.every((x) => /^[0-9a-f]{64}\.bin$/.test(x)), names.join());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("featureCacheKey: depends on the bytes, the backbone version and the options", () => {
  const backbone = countingBackbone();
  const o = { backbone, voxelSize: 0.02 };
  const c = cloud(2);
  const k = featureCacheKey(c, o);
  assert.equal(featureCacheKey(cloud(2), o), k);
  assert.notEqual(featureCacheKey(cloud(3), o), k);
  assert.notEqual(featureCacheKey(c, { ...o, proposals: true }), k);
  assert.notEqual(
    featureCacheKey(c, { backbone: { ...backbone, version: "test-2" }, voxelSize: 0.02 }),
    k,
  );
  assert.notEqual(featureCacheKey({ ...c, color: new Uint8Array(1200) }, o), k);
});
