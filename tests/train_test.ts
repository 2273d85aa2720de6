/**
 * The trainer end to end on a tiny seeded dataset: loss decrease, determinism, cancel,
 * resume, the feature cache, fine-tuning, the CLI `train` / `eval` commands.
 */

import assert from "node:assert/strict";
import { cp, readdir } from "node:fs/promises";
import { join } from "node:path";
import { run as evalCommand } from "../src/commands/eval.ts";
import { run as trainCommand } from "../src/commands/train.ts";
import { GeoError } from "../src/kernels/errors.ts";
import { descriptorBackbone } from "../src/features/backbones/backbone.ts";
import { readDataset } from "../src/io/dataset.ts";
import { loadVersion } from "../src/models/registry.ts";
import { loadBaseFolder } from "../src/train/base_model.ts";
import {
  DEFAULT_TRAIN_CONFIG,
  FINE_TUNE_LEARNING_RATE,
  resolveTrainConfig,
  type TrainConfig,
} from "../src/train/config.ts";
import { datasetEmbeddings, loadDatasetScenes } from "../src/train/dataset_scenes.ts";
import { trainAdapter, type TrainLoopOptions } from "../src/train/loop.ts";
import { metricsRecord, publishTrained } from "../src/train/publish.ts";
import { writeTinyDataset } from "./fixtures/tiny_dataset.ts";
import { captured } from "./fixtures/captured.ts";

const root = await Deno.makeTempDir({ prefix: "geoguide-train-" });
const data = join(root, "data");
const cache = join(root, "cache");
await writeTinyDataset(data, { scenes: 2, spacing: 0.05, seed: 3 });
const info = await readDataset(data);
const classes = await datasetEmbeddings(info);
const backbone = descriptorBackbone();
const scenes = await loadDatasetScenes(data, info, {
  backbone,
  voxelSize: 0.02,
  classes,
  requireTeacher: true,
  cacheDir: cache,
});
const dims = { dg: backbone.dim, c: classes.dim };
const validation = { scenes, classNames: info.labels, embeddings: classes.embeddings };

function config(over: Partial<TrainConfig> = {}): TrainConfig {
  return resolveTrainConfig({
    steps: 20,
    hidden: 32,
    reliabilityHidden: 8,
    learningRate: 3e-3,
    warmup: 2,
    maskCandidates: 512,
    simSuperpoints: 64,
    validateEvery: 0,
    checkpointEvery: 0,
    seed: 5,
    ...over,
  });
}

const loop = (over: Partial<TrainLoopOptions> = {}) =>
  trainAdapter({ config: config(), scenes, dims, ...over });

const bytesOf = (w: { w1: Float32Array; b1: Float32Array; w2: Float32Array; b2: Float32Array }) =>
  [w.w1, w.b1, w.w2, w.b2].map((a) => Array.from(a));

Deno.test("train: the loss decreases and the student beats the teacher on its own scenes", async () => {
  const out = await loop({ config: config({ steps: 100, learningRate: 1e-2 }), validation });
  const mean = (from: number, to: number) =>
    out.lossCurve.slice(from, to).reduce((s, p) => s + p.total, 0) / (to - from);
  assert.ok(mean(90, 100) < 0.5 * mean(0, 10), `loss ${mean(0, 10)} → ${mean(90, 100)}`);
  assert.equal(out.lossCurve.length, 100);
  assert.ok(out.final && out.final.teacher);
  assert.ok(
    out.final.student.mIoU > out.final.teacher.mIoU,
    `student ${out.final.student.mIoU} teacher ${out.final.teacher.mIoU}`,
  );
});

Deno.test("train: same seed gives the same weight bytes, another seed does not", async () => {
  const a = await loop(), b = await loop(), c = await loop({ config: config({ seed: 6 }) });
  assert.deepEqual(bytesOf(a.adapter), bytesOf(b.adapter));
  assert.deepEqual(a.lossCurve, b.lossCurve);
  assert.notDeepEqual(bytesOf(a.adapter), bytesOf(c.adapter));
});

Deno.test("train: the naive baseline and the ablations switch the terms off", async () => {
  const naive = await loop({ config: config({ steps: 3, objective: "naive" }) });
  assert.ok(naive.lossCurve.every((p) => p.mask === 0 && p.sim === 0 && p.sp > 0));
  const noImr = await loop({ config: config({ steps: 3, lambda: [1, 0, 1] }) });
  assert.ok(noImr.lossCurve.every((p) => p.mask === 0 && p.sim > 0));
  const plain = await loop({ config: config({ steps: 3, useReliability: false }) });
  // Without reliability weights the reliability MLP gets no gradient: it stays at its init.
  const full = await loop({ config: config({ steps: 3 }) });
  const init = await loop({ config: config({ steps: 1, learningRate: 1e-30 }) });
  assert.deepEqual(bytesOf(plain.reliability), bytesOf(init.reliability));
  const cropped = await loop({ config: config({ steps: 3, maxPointsPerStep: 500 }) });
  assert.ok(cropped.lossCurve.every((p) => Number.isFinite(p.total) && p.total > 0));
  assert.ok(cropped.pointsPerSecond > 0);
  assert.notDeepEqual(bytesOf(full.reliability), bytesOf(init.reliability));
});

Deno.test("train: cancel mid-run stops within a step, publishes nothing, leaves no temp files", async () => {
  const out = join(root, "cancel", "models", "site");
  const ckpt = join(root, "cancel", "ckpt", "run.bin");
  const abort = new AbortController();
  let last = 0;
  await assert.rejects(
    loop({
      config: config({ checkpointEvery: 3 }),
      signal: abort.signal,
      checkpoint: { path: ckpt, resume: false },
      onEvent: (e) => {
        if (e.type !== "progress") return;
        last = e.step;
        if (e.step === 7) abort.abort();
      },
    }),
    (e) => e instanceof GeoError && e.kind === "cancelled",
  );
  assert.equal(last, 7);
  await assert.rejects(readdir(out), (e: { code?: string }) => e.code === "ENOENT");
  assert.deepEqual(await readdir(join(root, "cancel", "ckpt")), ["run.bin"]);
  // Publishing with an aborted signal writes nothing either.
  const done = await loop({ config: config({ steps: 2 }) });
  await assert.rejects(
    publishTrained({
      root: join(root, "cancel", "models"),
      name: "site",
      outcome: done,
      config: config({ steps: 2 }),
      dims: { dg: dims.dg, hidden: 32, dim: dims.c },
      backbone,
      classNames: info.labels,
      textEncoder: classes.encoder,
      signal: abort.signal,
    }, {}),
    (e) => e instanceof GeoError && e.kind === "cancelled",
  );
  const left = await readdir(join(root, "cancel", "models")).catch(() => []);
  for (const d of left) assert.deepEqual(await readdir(join(root, "cancel", "models", d)), []);
});

Deno.test("train: resuming from a checkpoint equals the uninterrupted run", async () => {
  const full = await loop();
  const ckpt = join(root, "resume", "run.bin");
  const abort = new AbortController();
  const cfg = config({ checkpointEvery: 5 });
  await assert.rejects(
    loop({
      config: cfg,
      signal: abort.signal,
      checkpoint: { path: ckpt, resume: false },
      onEvent: (e) => e.type === "progress" && e.step === 13 && abort.abort(),
    }),
    (e) => e instanceof GeoError && e.kind === "cancelled",
  );
  const resumed = await loop({ config: cfg, checkpoint: { path: ckpt, resume: true } });
  assert.equal(resumed.resumedFrom, 10);
  assert.deepEqual(bytesOf(resumed.adapter), bytesOf(full.adapter));
  assert.deepEqual(resumed.lossCurve, full.lossCurve);
  // A checkpoint of another run is refused.
  await assert.rejects(
    loop({ config: config({ seed: 9 }), checkpoint: { path: ckpt, resume: true } }),
    (e) => e instanceof GeoError && e.kind === "failed_precondition",
  );
});

Deno.test("train: the second preparation of a dataset hits the feature cache", async () => {
  const again = await loadDatasetScenes(data, info, {
    backbone,
    voxelSize: 0.02,
    classes,
    cacheDir: cache,
  });
  assert.ok(again.every((s) => s.cached) && scenes.every((s) => !s.cached));
  for (const [i, s] of again.entries()) {
    assert.deepEqual(s.geometric, scenes[i].geometric);
    assert.deepEqual(s.instance, scenes[i].instance);
    assert.deepEqual(s.voxelOf, scenes[i].voxelOf);
  }
});

Deno.test("train / eval commands: publish a version, fine-tune from it, print mIoU last", async () => {
  const out = join(root, "cli", "site");
  const flags = [
    ...["--data", data, "--out", out, "--hidden", "32", "--cache", cache],
    ...["--backbone", "geodesc-1"], // the same features as the scenes of `loop` below
  ];
  const first = await captured(() =>
    trainCommand([...flags, "--steps", "100", "--seed", "5", "--lr", "0.01"])
  );
  assert.equal(first.code, 0);
  const summary = JSON.parse(first.lines[0]);
  assert.equal(summary.version, 1);
  const v1 = await loadVersion(join(root, "cli"), "site", 1);
  assert.ok("loss_curve.png" in v1.manifest.files && "adapter.bin" in v1.manifest.files);
  const training = v1.manifest.training as unknown as {
    metrics: Record<string, number>;
    loss_curve: unknown[];
  };
  assert.equal(training.loss_curve.length, 100);
  assert.ok(training.metrics.train_miou > training.metrics.teacher_miou);
  // Evaluation through the served path reproduces the trainer's own final score.
  const ev = await captured(() => evalCommand(["--model", join(out, "1"), "--data", data]));
  assert.equal(ev.code, 0);
  const last = ev.lines.join("\n").trim().split("\n").at(-1)!;
  assert.match(last, /^mIoU=\d+\.\d mAcc=\d+\.\d$/);
  assert.equal(last.split(" ")[0], `mIoU=${(100 * training.metrics.train_miou).toFixed(1)}`);
  assert.match(ev.lines[0], /^teacher mIoU=\d+\.\d mAcc=\d+\.\d/);
  // Fine-tuning starts from the base weights: with a negligible learning rate they stay put.
  const base = await loadBaseFolder(join(out, "1"));
  const tuned = await loop({
    config: config({ steps: 1, learningRate: 1e-12 }),
    init: base.weights,
  });
  const fresh = await loop({ config: config({ steps: 1, learningRate: 1e-12 }) });
  const maxDiff = (a: Float32Array, b: Float32Array) =>
    a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
  assert.ok(maxDiff(tuned.adapter.w2, base.weights.w2) < 1e-6);
  assert.ok(maxDiff(fresh.adapter.w2, base.weights.w2) > 1e-3);
  const second = await captured(() =>
    trainCommand([...flags, "--steps", "3", "--base", join(out, "1")])
  );
  assert.equal(second.code, 0);
  const v2 = await loadVersion(join(root, "cli"), "site", 2);
  const v2Config = v2.manifest.training!.config as { base: unknown; learningRate: number };
  assert.deepEqual(v2Config.base, { name: "site", version: 1 });
  // A fine-tune that names no rate takes the fine-tune rate, not the from-scratch default.
  assert.equal(v2Config.learningRate, FINE_TUNE_LEARNING_RATE);
  assert.notEqual(FINE_TUNE_LEARNING_RATE, DEFAULT_TRAIN_CONFIG.learningRate);
  assert.equal((v1.manifest.training!.config as { learningRate: number }).learningRate, 0.01);
  assert.deepEqual(Object.keys(metricsRecord(undefined, "test")), []);
  // Bad usage is exit code 2.
  assert.equal((await captured(() => trainCommand(["--data", data]))).code, 2);
});

Deno.test("train command: several dataset folders train as one", async () => {
  const copy = join(root, "data-copy");
  await cp(data, copy, { recursive: true });
  const out = join(root, "cli", "union");
  const flags = ["--out", out, "--hidden", "16", "--cache", cache, "--backbone", "geodesc-1"];
  const r = await captured(() =>
    trainCommand(["--data", `${data},${copy}`, ...flags, "--steps", "2", "--val", copy])
  );
  assert.equal(r.code, 0);
  const { scenes, data: recorded } = (await loadVersion(join(root, "cli"), "union", 1)).manifest
    .training!.config as { scenes: string[]; data: string };
  const names = info.scenes;
  assert.equal(recorded, `${data},${copy}`);
  assert.deepEqual(scenes, [
    ...names.map((n) => join(data, n)),
    ...names.map((n) => join(copy, n)),
  ]);
  // The same folder twice is refused as bad usage.
  const twice = await captured(() => trainCommand(["--data", `${data},${data}`, ...flags]));
  assert.equal(twice.code, 2);
});

Deno.test({
  name: "train: cleanup",
  fn: async () => await Deno.remove(root, { recursive: true }),
  sanitizeResources: false,
});
