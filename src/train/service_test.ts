import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { GeoError } from "../kernels/errors.ts";
import { tinyTrainScenes } from "../../tests/fixtures/tiny_train_scenes.ts";
import { readScene } from "../io/dataset.ts";
import { loadVersion } from "../models/registry.ts";
import type { TrainConfigInput, TrainEventOutput, TrainSceneInput } from "./api.ts";
import { TINY_CLASSES, writeTinyDataset } from "../../tests/fixtures/tiny_dataset.ts";
import { createTrainService } from "./service.ts";
import { DEFAULT_TRAIN_CONFIG, FINE_TUNE_LEARNING_RATE } from "./config.ts";
import { typedToBytes } from "../io/typed_bytes.ts";

const root = await Deno.makeTempDir({ prefix: "geoguide-train-service-" });
const scenes = await tinyTrainScenes(join(root, "data"), { scenes: 2, spacing: 0.06, seed: 4 });
const models = join(root, "models");
/** Small adapter and objective sizes shared by every service of these tests. */
const SMALL = {
  hidden: 16,
  reliabilityHidden: 4,
  maskCandidates: 256,
  simSuperpoints: 32,
  validateEvery: 2,
};
const service = createTrainService({
  modelsDir: models,
  cacheDir: join(root, "cache"),
  defaults: SMALL,
});

const config = (over: Partial<TrainConfigInput> = {}): TrainConfigInput => ({
  site: "site",
  baseModel: "",
  baseVersion: 0,
  steps: 4,
  seed: 2,
  objective: "geoguide",
  publish: true,
  ...over,
});

const noEvents = () => {};

Deno.test("TrainService: trains, streams progress, publishes; a second run fine-tunes the default", async () => {
  const events: TrainEventOutput[] = [];
  const r = await service.train(
    { config: config(), scenes },
    new AbortController().signal,
    (e) => events.push(e),
  );
  assert.equal(r.model, "site");
  assert.equal(r.version, 1);
  assert.deepEqual(events.filter((e) => e.type === "progress").map((e) => e.step), [1, 2, 3, 4]);
  const v1 = await loadVersion(models, "site", 1);
  assert.equal(v1.manifest.dims.feature, 8);
  assert.equal(v1.manifest.text_encoder.name, "client-embeddings");
  assert.deepEqual(v1.manifest.default_labels, TINY_CLASSES);
  const v1Config = v1.manifest.training!.config as { learningRate: number };
  assert.equal(v1Config.learningRate, DEFAULT_TRAIN_CONFIG.learningRate);
  assert.equal(r.summary.learning_rate, DEFAULT_TRAIN_CONFIG.learningRate);
  // No base named: the registry's default model (site v1) is the starting point.
  const r2 = await service.train(
    { config: config({ publish: false }), scenes },
    new AbortController().signal,
    noEvents,
  );
  assert.equal(r2.version, 0);
  assert.deepEqual(r2.summary.base, { name: "site", version: 1 });
  // A fine-tune that names no rate takes the fine-tune rate; a named rate wins either way.
  assert.equal(r2.summary.learning_rate, FINE_TUNE_LEARNING_RATE);
  assert.notEqual(FINE_TUNE_LEARNING_RATE, DEFAULT_TRAIN_CONFIG.learningRate);
  const named = await service.train(
    { config: config({ publish: false, learningRate: 0.02 }), scenes },
    new AbortController().signal,
    noEvents,
  );
  assert.equal(named.summary.learning_rate, 0.02);
  assert.deepEqual(await readdir(join(models, "site")), ["1"]);
});

Deno.test("TrainService: cancelling publishes nothing and leaves no temporary folder", async () => {
  const before = (await readdir(join(models, "site")).catch(() => [])).sort();
  const abort = new AbortController();
  await assert.rejects(
    service.train({ config: config({ steps: 50 }), scenes }, abort.signal, (e) => {
      if (e.type === "progress" && e.step === 2) abort.abort();
    }),
    (e) => e instanceof GeoError && e.kind === "cancelled",
  );
  assert.deepEqual((await readdir(join(models, "site")).catch(() => [])).sort(), before);
  // An already aborted signal does not even start.
  await assert.rejects(
    service.train({ config: config(), scenes }, abort.signal, noEvents),
    (e) => e instanceof GeoError && e.kind === "cancelled",
  );
});

Deno.test("TrainService: bad scenes are refused before training, naming scene and field", async () => {
  const bad = [scenes[0], { ...scenes[1], gtLabels: new Int16Array(5) }];
  const events: TrainEventOutput[] = [];
  await assert.rejects(
    service.train(
      { config: config(), scenes: bad },
      new AbortController().signal,
      (e) => events.push(e),
    ),
    (e) =>
      e instanceof GeoError && e.kind === "invalid_argument" &&
      e.message.includes("scene[1] 'scene1'.gt_labels"),
  );
  const wrongDim = [{ ...scenes[0], dim: 4 }];
  await assert.rejects(
    service.train({ config: config(), scenes: wrongDim }, new AbortController().signal, noEvents),
    (e) =>
      e instanceof GeoError && e.kind === "invalid_argument" &&
      e.message.includes("scene[0] 'scene0'.dim"),
  );
  await assert.rejects(
    service.train(
      { config: config({ baseModel: "nope" }), scenes },
      new AbortController().signal,
      noEvents,
    ),
    (e) => e instanceof GeoError && e.kind === "not_found",
  );
  await assert.rejects(
    service.train(
      { config: config({ maskRatio: 1.5 }), scenes },
      new AbortController().signal,
      noEvents,
    ),
    (e) =>
      e instanceof GeoError && e.kind === "invalid_argument" && e.message.includes("maskRatio"),
  );
  assert.equal(events.length, 0);
});

Deno.test("TrainService: validation events when ground truth comes with embeddable class names", async () => {
  const wide = join(root, "wide");
  const { embeddings } = await writeTinyDataset(wide, {
    scenes: 1,
    spacing: 0.08,
    seed: 5,
    dim: 100,
  });
  const s = await readScene(wide, "scene0");
  const input: TrainSceneInput = {
    ...scenes[0],
    cloud: { kind: "raw", xyz: typedToBytes(s.coord) },
    teacher: typedToBytes(s.teacher!),
    dim: 100,
    valid: s.valid,
    instances: s.instance,
    gtLabels: s.segment,
  };
  const glove = {
    id: "glove-sg-100d@1",
    dim: 100,
    encode: (labels: string[]) =>
      Promise.resolve(Float32Array.from(labels.flatMap((l) => {
        const k = TINY_CLASSES.indexOf(l);
        return Array.from(embeddings.subarray(100 * k, 100 * k + 100));
      }))),
  };
  const svc = createTrainService({
    modelsDir: join(root, "wide-models"),
    cacheDir: null,
    glove: () => Promise.resolve(glove),
    defaults: SMALL,
  });
  const events: TrainEventOutput[] = [];
  const r = await svc.train(
    { config: config({ steps: 4 }), scenes: [input] },
    new AbortController().signal,
    (e) => events.push(e),
  );
  const val = events.filter((e) => e.type === "validation");
  assert.deepEqual(val.map((e) => e.step), [2, 4]);
  for (const v of val) {
    assert.ok(v.type === "validation" && v.miou >= 0 && v.miou <= 1);
    assert.deepEqual(v.type === "validation" && v.perClass.map((c) => c.label), TINY_CLASSES);
  }
  const v1 = await loadVersion(join(root, "wide-models"), "site", r.version);
  assert.equal(v1.manifest.text_encoder.name, "glove-sg-100d@1");
  assert.equal(typeof v1.manifest.training!.metrics.train_miou, "number");
});

Deno.test({
  name: "TrainService: cleanup",
  fn: async () => await Deno.remove(root, { recursive: true }),
  sanitizeResources: false,
});
