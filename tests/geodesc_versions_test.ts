import assert from "node:assert/strict";
import { DESCRIPTOR_DIM, geometricDescriptor } from "../src/kernels/geometric_descriptor.ts";
import { GeoError } from "../src/kernels/errors.ts";
import type { PointCloud } from "../src/kernels/point_cloud.ts";
import { readCloudFile } from "../src/io/read_cloud.ts";
import { descriptorBackbone } from "../src/features/backbones/backbone.ts";
import { bundleManifestDraft } from "../src/models/bundle.ts";
import { analyzeScene } from "../src/features/scene_geometry.ts";
import { resolveTrainConfig } from "../src/train/config.ts";
import { featureCacheKey } from "../src/train/feature_cache.ts";
import { flatThinningMask, subsetScene } from "../src/train/decimate.ts";
import { Rng } from "../src/kernels/random.ts";

const SCAN = new URL("../../shared/data/open3d/fragment.pcd", import.meta.url).pathname;

/** Every `step`-th point of the shared Open3D fragment, with its colour and normals. */
async function sharedScan(step = 8): Promise<PointCloud> {
  const full = await readCloudFile(SCAN);
  const n = Math.ceil(full.count / step);
  const coord = new Float32Array(3 * n),
    color = new Uint8Array(3 * n),
    normal = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    const j = 3 * step * i;
    coord.set(full.coord.subarray(j, j + 3), 3 * i);
    if (full.color) color.set(full.color.subarray(j, j + 3), 3 * i);
    if (full.normal) normal.set(full.normal.subarray(j, j + 3), 3 * i);
  }
  return {
    count: n,
    coord,
    color: full.color ? color : undefined,
    normal: full.normal ? normal : undefined,
  };
}

Deno.test("geodesc-1 stays the descriptor kernel's output, and geodesc-2 starts with it, on a shared scan", async () => {
  const cloud = await sharedScan();
  const geometry = analyzeScene(cloud);
  const direct = geometricDescriptor({
    coord: cloud.coord,
    normal: geometry.normal,
    color: cloud.color,
    neighbors: geometry.neighbors,
    superpoints: geometry.superpoints,
  });
  const one = await descriptorBackbone("geodesc-1").features(geometry);
  assert.deepEqual(one, direct);
  const two = descriptorBackbone("geodesc-2");
  const f2 = await two.features(geometry);
  assert.equal(f2.length, cloud.count * two.dim);
  assert.ok(f2.every(Number.isFinite));
  for (let i = 0; i < cloud.count; i++) {
    const a = f2.subarray(i * two.dim, i * two.dim + DESCRIPTOR_DIM);
    const b = one.subarray(i * DESCRIPTOR_DIM, (i + 1) * DESCRIPTOR_DIM);
    assert.deepEqual(a, b, `row ${i}`);
  }
});

Deno.test("the descriptor version reaches the training config, the cache key and the manifest", () => {
  assert.equal(resolveTrainConfig({}).backbone, "geodesc-6");
  assert.equal(resolveTrainConfig({ backbone: "geodesc-2" }).backbone, "geodesc-2");
  assert.throws(
    () => resolveTrainConfig({ backbone: "geodesc-9" }),
    (e) => e instanceof GeoError && e.kind === "invalid_argument" && /'backbone'/.test(e.message),
  );
  const cloud: PointCloud = { count: 2, coord: new Float32Array([0, 0, 0, 1, 1, 1]) };
  const key = (v: string) =>
    featureCacheKey(cloud, { backbone: descriptorBackbone(v), voxelSize: 0.02 });
  assert.notEqual(key("geodesc-1"), key("geodesc-2"));
  const dims = { dg: 71, hidden: 8, dim: 4 };
  const draft = bundleManifestDraft({
    dims,
    backbone: { kind: "descriptor", version: "geodesc-2" },
  });
  assert.deepEqual(draft.backbone, { kind: "descriptor", version: "geodesc-2", dim: 71 });
  const old = bundleManifestDraft({ dims: { ...dims, dg: 48 } });
  assert.deepEqual(old.backbone, { kind: "descriptor", version: "geodesc-1", dim: 48 });
});

Deno.test("geodesc-4 sits beside geodesc-1..3: same 48 local columns, own wall column, own cache key", async () => {
  const cloud = await sharedScan();
  const geometry = analyzeScene(cloud);
  const three = await descriptorBackbone("geodesc-3", { raw: true }).features(geometry);
  const four = descriptorBackbone("geodesc-4", { raw: true });
  assert.equal(four.version, "geodesc-4/raw");
  assert.equal(four.dim, 71);
  const f4 = await four.features(geometry);
  assert.ok(f4.every(Number.isFinite));
  // Only column 48 + 18 (wall distance) may differ from geodesc-2/3 before scaling.
  for (let i = 0; i < cloud.count; i++) {
    for (let c = 0; c < 71; c++) {
      if (c === DESCRIPTOR_DIM + 18) continue;
      assert.equal(f4[i * 71 + c], three[i * 71 + c], `row ${i} column ${c}`);
    }
  }
  const scaled = await descriptorBackbone("geodesc-4").features(geometry);
  assert.equal(scaled.length, f4.length);
  assert.ok(scaled.every(Number.isFinite));
  const c2: PointCloud = { count: 2, coord: new Float32Array([0, 0, 0, 1, 1, 1]) };
  const key = (v: string) =>
    featureCacheKey(c2, { backbone: descriptorBackbone(v), voxelSize: 0.02 });
  assert.notEqual(key("geodesc-3"), key("geodesc-4"));
  assert.equal(resolveTrainConfig({ backbone: "geodesc-4" }).backbone, "geodesc-4");
});

/** Per-column means of N×71 features. */
function columnMeans(f: Float32Array): number[] {
  const means = new Array(71).fill(0), n = f.length / 71;
  for (let i = 0; i < f.length; i++) means[i % 71] += f[i] / n;
  return means;
}

Deno.test("geodesc-5 reads a darker exposure and a sparser sampling of one scan like geodesc-4 cannot", async () => {
  const cloud = await sharedScan(4);
  const dark: PointCloud = { ...cloud, color: cloud.color!.map((v) => Math.round(v * 0.6)) };
  const run = async (version: string, c: PointCloud) =>
    await descriptorBackbone(version, { raw: true }).features(analyzeScene(c));
  // Exposure: every row of geodesc-5 stays within rounding; geodesc-4's colour columns move.
  const colour = [36, 37, 38, DESCRIPTOR_DIM + 8, DESCRIPTOR_DIM + 9, DESCRIPTOR_DIM + 10];
  const gap = (a: Float32Array, b: Float32Array) =>
    Math.max(...colour.map((c) => Math.abs(columnMeans(a)[c] - columnMeans(b)[c])));
  const [f5, d5] = [await run("geodesc-5", cloud), await run("geodesc-5", dark)];
  let worst = 0;
  for (let k = 0; k < f5.length; k++) worst = Math.max(worst, Math.abs(f5[k] - d5[k]));
  assert.ok(worst <= 2 / 255 + 1e-6, `geodesc-5 moved by ${worst}`);
  const moved4 = gap(await run("geodesc-4", cloud), await run("geodesc-4", dark));
  assert.ok(moved4 > 0.05, `geodesc-4 colour columns moved by ${moved4} only`);
  // Density: a quarter of the points shifts geodesc-4's count columns, not geodesc-5's.
  const sparse = await sharedScan(16);
  const counts = [28, 29, 30, 31, 40, DESCRIPTOR_DIM + 7, DESCRIPTOR_DIM + 21, DESCRIPTOR_DIM + 22];
  const shift = async (version: string) => {
    const a = columnMeans(await run(version, cloud)), b = columnMeans(await run(version, sparse));
    return counts.map((c) => Math.abs(a[c] - b[c]));
  };
  const s4 = await shift("geodesc-4"), s5 = await shift("geodesc-5");
  const sum = (xs: number[]) => xs.reduce((t, x) => t + x, 0);
  assert.ok(sum(s5) < 0.35 * sum(s4), `count columns moved ${s5} (geodesc-5) vs ${s4}`);
  assert.equal(descriptorBackbone("geodesc-5").dim, 71);
  assert.notEqual(
    featureCacheKey(cloud, { backbone: descriptorBackbone("geodesc-5"), voxelSize: 0.02 }),
    featureCacheKey(cloud, { backbone: descriptorBackbone("geodesc-4"), voxelSize: 0.02 }),
  );
});

Deno.test("geodesc-6 counts surface: flat surfaces thinned to a quarter move its count columns less than geodesc-5's", async () => {
  const cloud = await sharedScan(4);
  const keep = flatThinningMask(cloud, new Rng(3), { keep: 0.25 });
  const thinned = subsetScene(cloud, keep);
  const kept: number[] = [];
  for (let i = 0; i < keep.length; i++) if (keep[i]) kept.push(i);
  assert.ok(kept.length < 0.8 * cloud.count, `kept ${kept.length} of ${cloud.count}`);
  // Mean |change| of the s1–s3 support, superpoint, proposal and column sizes on the kept points.
  const counts = [29, 30, 31, 40, DESCRIPTOR_DIM + 7, DESCRIPTOR_DIM + 21, DESCRIPTOR_DIM + 22];
  const moved = async (version: string) => {
    const backbone = descriptorBackbone(version, { raw: true });
    const a = await backbone.features(analyzeScene(cloud));
    const b = await backbone.features(analyzeScene({ ...thinned, count: kept.length }));
    return counts.map((c) => {
      let s = 0;
      for (let j = 0; j < kept.length; j++) s += Math.abs(a[kept[j] * 71 + c] - b[j * 71 + c]);
      return s / kept.length;
    });
  };
  const m5 = await moved("geodesc-5"), m6 = await moved("geodesc-6");
  // The kNN radius (column 28) measures sampling density only: geodesc-6 leaves it at 0.
  const raw6 = await descriptorBackbone("geodesc-6", { raw: true }).features(analyzeScene(cloud));
  for (let i = 0; i < cloud.count; i++) assert.equal(raw6[i * 71 + 28], 0);
  const sum = (xs: number[]) => xs.reduce((t, x) => t + x, 0);
  // Measured: 0.10 against 0.38.
  assert.ok(sum(m6) < 0.5 * sum(m5), `count columns moved ${m6} (geodesc-6) vs ${m5}`);
  assert.notEqual(
    featureCacheKey(cloud, { backbone: descriptorBackbone("geodesc-6"), voxelSize: 0.02 }),
    featureCacheKey(cloud, { backbone: descriptorBackbone("geodesc-5"), voxelSize: 0.02 }),
  );
});
