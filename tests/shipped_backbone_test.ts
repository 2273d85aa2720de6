/**
 * The shipped learned backbone (`models/backbones/geonet-1`, and its hybrid export) loads,
 * declares what it was pre-trained with, and gives finite features of the right width.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { analyzeScene } from "../src/features/scene_geometry.ts";
import { loadBackbone } from "../src/features/backbones/load.ts";
import { listModels } from "../src/models/registry.ts";
import { Rng } from "../src/kernels/random.ts";

const DIR = new URL("../models/backbones/geonet-1/", import.meta.url).pathname;

Deno.test("shipped geonet-1: plain and hybrid load and give finite N×Dg features", async () => {
  const rng = new Rng(2);
  const n = 600;
  const coord = Float32Array.from({ length: 3 * n }, (_, i) => rng.uniform(0, i % 3 === 2 ? 1 : 3));
  const color = Uint8Array.from({ length: 3 * n }, () => rng.int(256));
  const geometry = analyzeScene({ count: n, coord, color });
  for (const [dir, dim] of [[DIR, 64], [DIR + "hybrid", 71 + 64]] as const) {
    const b = await loadBackbone(dir);
    try {
      assert.equal(b.dim, dim);
      assert.match(b.version, /^geonet-1(-hybrid)?@[0-9a-f]{12}$/);
      const f = await b.features(geometry);
      assert.equal(f.length, n * dim);
      assert.ok(f.every(Number.isFinite));
    } finally {
      await b.release?.();
    }
  }
  const json = JSON.parse(await readFile(DIR + "backbone.json", "utf8"));
  assert.equal(json.pretraining.objective.kind, "complete");
  assert.equal(json.pretraining.steps, 1200);
  // the registry skips the folder: it has no numbered versions
  const models = await listModels(new URL("../models/", import.meta.url).pathname);
  assert.ok(!models.some((m) => m.name === "backbones"));
});
