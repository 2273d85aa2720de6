/**
 * A backbone folder end to end: `train --backbone DIR` on a tiny dataset publishes a version
 * that carries the multi-input network and serves with it; fine-tuning from that version
 * keeps it; the Train service does the same with a folder named by the server's settings.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { run as trainCommand } from "../src/commands/train.ts";
import { GeoError } from "../src/kernels/errors.ts";
import { writeBackboneFolder } from "../src/features/backbones/folder.ts";
import { readDataset, readScene } from "../src/io/dataset.ts";
import { segmentCloud } from "../src/infer/inference.ts";
import { loadModel } from "../src/models/bundle.ts";
import { loadVersion } from "../src/models/registry.ts";
import { resolveTrainConfig } from "../src/train/config.ts";
import { datasetEmbeddings } from "../src/train/dataset_scenes.ts";
import { createTrainService } from "../src/train/service.ts";
import { writeTinyDataset } from "./fixtures/tiny_dataset.ts";
import { tinyTrainScenes } from "./fixtures/tiny_train_scenes.ts";
import {
  TINY_MULTI_DIM,
  TINY_MULTI_INPUTS,
  tinyMultiInputBackbone,
} from "./fixtures/tiny_multi_backbone.ts";

const root = await Deno.makeTempDir({ prefix: "geoguide-onnx-backbone-" });
const data = join(root, "data");
await writeTinyDataset(data, { scenes: 2, spacing: 0.06, seed: 4 });
const onnx = tinyMultiInputBackbone();
const folder = join(root, "backbone");
await writeBackboneFolder(folder, {
  json: {
    kind: "onnx",
    version: "tiny-multi",
    dim: TINY_MULTI_DIM,
    inputs: TINY_MULTI_INPUTS,
    output: "features",
    pretraining: { note: "made by the test" },
  },
  onnx,
});

async function quiet(f: () => Promise<number>): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const [log, err] = [console.log, console.error];
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  console.error = () => {};
  try {
    return { code: await f(), out };
  } finally {
    [console.log, console.error] = [log, err];
  }
}

const expectedEntry = (version: string) => ({
  kind: "onnx",
  file: "backbone.onnx",
  version,
  dim: TINY_MULTI_DIM,
  inputs: TINY_MULTI_INPUTS,
  output: "features",
});

Deno.test("config: 'backbone' is a descriptor version or a backbone folder, and says so", () => {
  assert.equal(resolveTrainConfig({ backbone: folder }).backbone, folder);
  assert.throws(
    () => resolveTrainConfig({ backbone: join(root, "nowhere") }),
    (e: unknown) =>
      e instanceof GeoError && e.kind === "invalid_argument" &&
      /must be geodesc-1, .*geodesc-6 or a backbone folder \(backbone\.json \+ backbone\.onnx\)/
        .test(e.message),
  );
});

Deno.test("train --backbone DIR: publishes backbone.onnx with its inputs, serves, fine-tunes", async () => {
  const out = join(root, "cli", "site");
  const flags = ["--data", data, "--out", out, "--hidden", "16", "--cache", join(root, "cache")];
  const first = await quiet(() =>
    trainCommand([...flags, "--backbone", folder, "--steps", "3", "--seed", "2"])
  );
  assert.equal(first.code, 0);
  const v1 = await loadVersion(join(root, "cli"), "site", 1);
  const version = v1.manifest.backbone.version;
  assert.match(version, /^tiny-multi@[0-9a-f]{12}$/);
  assert.deepEqual(v1.manifest.backbone, expectedEntry(version));
  assert.equal(v1.manifest.dims.geometric, TINY_MULTI_DIM);
  assert.deepEqual(await Deno.readFile(v1.file("backbone.onnx")), onnx);

  // The version serves with its own backbone: features are the folder's width.
  const info = await readDataset(data);
  const classes = await datasetEmbeddings(info);
  const scene = await readScene(data, info.scenes[0]);
  const model = await loadModel(join(root, "cli"), "site", 1);
  try {
    assert.equal(model.backbone.kind, "onnx");
    assert.equal(model.backbone.dim, TINY_MULTI_DIM);
    const cloud = { count: scene.coord.length / 3, coord: scene.coord, color: scene.color };
    const res = await segmentCloud(model, cloud, classes.embeddings);
    assert.equal(res.labels.length, cloud.count);
    assert.ok(res.labels.every((l) => l >= 0 && l < info.labels.length));
  } finally {
    await model.release();
  }

  // Fine-tuning from it keeps the same network, version and inputs.
  const second = await quiet(() =>
    trainCommand([...flags, "--steps", "2", "--base", join(out, "1")])
  );
  assert.equal(second.code, 0);
  const v2 = await loadVersion(join(root, "cli"), "site", 2);
  assert.deepEqual(v2.manifest.backbone, v1.manifest.backbone);
  assert.equal(v2.manifest.files["backbone.onnx"], v1.manifest.files["backbone.onnx"]);
});

Deno.test("Train service: the server's backbone folder, then fine-tuning the ONNX default model", async () => {
  const models = join(root, "models");
  const scenes = await tinyTrainScenes(join(root, "service-data"), {
    scenes: 2,
    spacing: 0.06,
    seed: 4,
  });
  const service = createTrainService({
    modelsDir: models,
    cacheDir: null,
    defaults: {
      hidden: 16,
      reliabilityHidden: 4,
      maskCandidates: 256,
      simSuperpoints: 32,
      validateEvery: 0,
      backbone: folder,
    },
  });
  const config = {
    site: "lab",
    baseModel: "",
    baseVersion: 0,
    steps: 2,
    seed: 1,
    objective: "geoguide" as const,
    publish: true,
  };
  const signal = new AbortController().signal;
  const r1 = await service.train({ config, scenes }, signal, () => {});
  assert.equal(r1.version, 1);
  const v1 = await loadVersion(models, "lab", 1);
  assert.deepEqual(v1.manifest.backbone, expectedEntry(v1.manifest.backbone.version));
  // No base named: the registry's default (lab v1, ONNX backbone) is fine-tuned.
  const r2 = await service.train({ config, scenes }, signal, () => {});
  assert.equal(r2.version, 2);
  assert.deepEqual(r2.summary.base, { name: "lab", version: 1 });
  const v2 = await loadVersion(models, "lab", 2);
  assert.deepEqual(v2.manifest.backbone, v1.manifest.backbone);
});

Deno.test({
  name: "train with a backbone folder: cleanup",
  fn: async () => await Deno.remove(root, { recursive: true }),
  sanitizeResources: false,
});
