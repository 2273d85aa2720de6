/**
 * `train --data DIR --out MODEL_DIR [--objective geoguide|naive] [--steps N] [--seed S]
 * [--no-usd-weights] [--no-usd] [--lambda a,b,c] [--base MODEL_DIR] [--resume] [--val DIR]
 * [--lr X] [--mask-ratio R] [--hidden H] [--validate-every K] [--checkpoint-every K]
 * [--crop N] [--cache DIR|none] [--backbone geodesc-1|…|geodesc-6|DIR] [--reject-wrong Q]`:
 * trains the GeoGuide adapter on a dataset folder and publishes it. `--data` and `--val` take
 * several folders separated by commas (rooms of two synthetic worlds, scans of several
 * buildings): their labels.txt must agree.
 *
 * `--out` is the model folder of a registry (e.g. `models/default`): the new version is
 * published under it as the next number. `--base` is a version folder
 * (`models/default/1`) to fine-tune from (site adaptation); without it the adapter starts
 * from a seeded initialisation. `--crop N` caps a step at the N voxels nearest (in x, y) to
 * a random point of the scene (default: whole scenes). `--backbone` picks the descriptor
 * version (default geodesc-6) or a backbone folder (`backbone.json` + `backbone.onnx`, e.g.
 * written by `pretrain`), whose network is published with the version; a base model's own
 * backbone wins. `--val` scores a held-out dataset (manifest `test_miou`),
 * else the training scenes with ground truth are scored (`train_miou`). With `--val`, the
 * final weights are also calibrated on it: the reject threshold that turns the share
 * `--reject-wrong` of the wrong labels into −1 becomes the manifest's `calibration`, the
 * `min_score` served when a client sets none (`train/calibrate.ts`; 0 = no calibration).
 * A checkpoint is kept in `<out>/.train-checkpoint.bin` every `--checkpoint-every` steps;
 * `--resume` continues from it (same data and settings). Ctrl-C cancels: nothing is
 * published.
 *
 * stdout: one JSON object (model, version, folder, metrics); progress on stderr.
 *
 * @module
 */

import { join } from "node:path";
import { rm } from "node:fs/promises";
import { GeoError } from "../kernels/errors.ts";
import type { Backbone } from "../features/backbones/backbone.ts";
import { loadBackbone } from "../features/backbones/load.ts";
import { readDatasets } from "../io/dataset.ts";
import { type BaseModel, baseRef, loadBaseFolder, trainFromBase } from "../train/base_model.ts";
import { parseLambda, resolveTrainConfig, type TrainConfig } from "../train/config.ts";
import { calibrateScenes, DEFAULT_REJECT_WRONG } from "../train/calibrate.ts";
import { datasetEmbeddings, loadUnionScenes } from "../train/dataset_scenes.ts";
import type { ValidationSet } from "../train/loop.ts";
import { metricsRecord, publishTrained, registryTarget } from "../train/publish.ts";
import { checkKnownFlags, numberFlag, parseFlags, runCancellable, shareFlag } from "./_flags.ts";

/** Usage of `train` (printed by `cli.ts` for `--help` / `-h` and on bad usage). */
export const USAGE = [
  "usage: train --data DIR --out MODEL_DIR [flags]",
  "  --data DIR[,DIR…]    training dataset folder(s), same labels.txt; required",
  "  --out MODEL_DIR       model folder of a registry (models/default); required",
  "  --objective O         geoguide|naive; default geoguide",
  "  --steps N             optimiser steps; default 1000",
  "  --seed S              seed; default 0",
  "  --lambda a,b,c        loss weights; default 1,1,1",
  "  --lr X                peak learning rate; default 0.004, with --base 0.001",
  "  --mask-ratio R        IMR mask ratio in [0, 1); default 0.5",
  "  --hidden H            adapter hidden width; default 256 (a base model's wins)",
  "  --crop N              most voxels per step; default 0 (whole scenes)",
  "  --backbone B|DIR      geodesc-1|…|geodesc-6 or a backbone folder; default geodesc-6",
  "  --base VERSION_DIR    fine-tune from this version folder; default none",
  "  --val DIR[,DIR…]     held-out dataset(s) to score; default the training scenes",
  "  --validate-every K    validate every K steps (0 = only at the end); default 100",
  "  --checkpoint-every K  checkpoint every K steps (0 = never); default 100",
  "  --resume              continue from <out>/.train-checkpoint.bin; default off",
  "  --cache DIR|none      feature cache folder; default the user cache folder",
  "  --no-usd-weights      no reliability weights; default on",
  "  --no-usd              no USD term; default on",
  "  --reject-wrong Q      with --val: calibrate min_score to reject share Q of the wrong labels",
  "                        (manifest calibration; 0 = none); default 0.5",
].join("\n");

/** Flag parsing, re-exported for the commands and benchmarks that import it from here. */
export { numberFlag, parseFlags } from "./_flags.ts";

const BOOLEAN = new Set(["--no-usd-weights", "--no-usd", "--resume"]);
const KNOWN = new Set([
  ...BOOLEAN,
  "--data",
  "--out",
  "--objective",
  "--steps",
  "--seed",
  "--lambda",
  "--base",
  "--val",
  "--lr",
  "--mask-ratio",
  "--hidden",
  "--validate-every",
  "--checkpoint-every",
  "--cache",
  "--crop",
  "--backbone",
  "--reject-wrong",
]);

/** The training config of the flags (base model sizes win over --hidden). */
function configOf(m: Map<string, string>, base?: BaseModel): TrainConfig {
  const objective = m.get("--objective") ?? "geoguide";
  if (objective !== "geoguide" && objective !== "naive") {
    throw new GeoError(
      "invalid_argument",
      `--objective must be geoguide or naive, got '${objective}'`,
    );
  }
  return resolveTrainConfig({
    objective,
    steps: numberFlag(m, "--steps"),
    seed: numberFlag(m, "--seed"),
    learningRate: numberFlag(m, "--lr"),
    maskRatio: numberFlag(m, "--mask-ratio"),
    hidden: base?.dims.hidden ?? numberFlag(m, "--hidden"),
    voxelSize: base?.voxelSize,
    validateEvery: numberFlag(m, "--validate-every"),
    checkpointEvery: numberFlag(m, "--checkpoint-every"),
    maxPointsPerStep: numberFlag(m, "--crop"),
    useReliability: m.has("--no-usd-weights") ? false : undefined,
    useUsd: m.has("--no-usd") ? false : undefined,
    lambda: m.has("--lambda") ? parseLambda(m.get("--lambda")!) : undefined,
    backbone: base?.backbone.kind === "descriptor" ? base.backbone.version : m.get("--backbone"),
  }, { fineTune: base !== undefined });
}

/** Trains and publishes; returns the exit code. */
async function train(m: Map<string, string>, signal: AbortSignal): Promise<number> {
  const base = m.has("--base") ? await loadBaseFolder(m.get("--base")!) : undefined;
  const config = configOf(m, base);
  const backbone = base?.backbone ?? await loadBackbone(config.backbone);
  try {
    return await trainWith(m, { config, base, backbone }, signal);
  } finally {
    await backbone.release?.();
  }
}

/** Trains with the resolved config, base and backbone, and publishes. */
async function trainWith(
  m: Map<string, string>,
  o: { config: TrainConfig; base?: BaseModel; backbone: Backbone },
  signal: AbortSignal,
): Promise<number> {
  const { config, base, backbone } = o;
  const log = (line: string) => console.error(`train: ${line}`);
  const data = m.get("--data")!, out = m.get("--out")!;
  const cacheFlag = m.get("--cache");
  const cacheDir = cacheFlag === "none" ? null : cacheFlag;
  const info = await readDatasets(data.split(","));
  const classes = await datasetEmbeddings(info);
  if (base && base.dims.dim !== classes.dim) {
    throw new GeoError(
      "invalid_argument",
      `The base model's features have ${base.dims.dim} dimensions, the class embeddings of ${data} ${classes.dim}`,
    );
  }
  const prep = { backbone, voxelSize: config.voxelSize, classes, cacheDir, log, signal };
  const scenes = await loadUnionScenes(info, { ...prep, requireTeacher: true });
  let validation: ValidationSet = {
    scenes,
    classNames: info.labels,
    embeddings: classes.embeddings,
  };
  let split: "train" | "test" = "train";
  if (m.has("--val")) {
    const vdir = m.get("--val")!;
    const vinfo = await readDatasets(vdir.split(","));
    const vclasses = vinfo.embeddings ? await datasetEmbeddings(vinfo) : classes;
    const vscenes = await loadUnionScenes(vinfo, { ...prep, classes: vclasses });
    validation = { scenes: vscenes, classNames: vinfo.labels, embeddings: vclasses.embeddings };
    split = "test";
  }
  const checkpoint = { path: join(out, ".train-checkpoint.bin"), resume: m.has("--resume") };
  const { outcome, dims } = await trainFromBase({
    config,
    scenes,
    backbone,
    classDim: classes.dim,
    base,
    signal,
    log,
    validation,
    checkpoint,
  });
  const q = shareFlag(m, "--reject-wrong") ?? DEFAULT_REJECT_WRONG;
  const calibration = m.has("--val")
    ? await calibrateScenes(validation, { dims, weights: outcome.adapter }, q, m.get("--val")!)
    : null;
  if (calibration) {
    log(
      `calibration: min_score ${calibration.min_score.toFixed(4)} rejects ${
        (100 * calibration.wrong_rejected).toFixed(1)
      }% of the wrong labels, keeps ${(100 * calibration.right_kept).toFixed(1)}% of the right`,
    );
  }
  const { root, name } = registryTarget(out);
  const manifest = await publishTrained({
    root,
    name,
    outcome,
    config,
    dims,
    backbone,
    classNames: info.labels,
    textEncoder: base?.textEncoder ?? classes.encoder,
    provenance: {
      data,
      scenes: info.scenes,
      base: baseRef(base),
    },
    signal,
    calibration,
  }, metricsRecord(outcome.final, split));
  await rm(checkpoint.path, { force: true });
  const metrics = manifest.training?.metrics ?? {};
  log(
    `published ${name} version ${manifest.version} in ${
      join(root, name, String(manifest.version))
    }`,
  );
  console.log(
    JSON.stringify({
      model: name,
      version: manifest.version,
      dir: join(root, name, String(manifest.version)),
      metrics,
    }),
  );
  return 0;
}

/**
 * Runs the command.
 *
 * @returns 0 on success, 1 on a failure, 2 on bad usage, 130 when interrupted
 */
export async function run(args: string[]): Promise<number> {
  let m: Map<string, string>;
  try {
    m = parseFlags(args, BOOLEAN);
    checkKnownFlags(m, KNOWN);
    if (!m.has("--data") || !m.has("--out")) {
      throw new GeoError("invalid_argument", "--data and --out are required");
    }
    if (shareFlag(m, "--reject-wrong") !== undefined && !m.has("--val")) {
      throw new GeoError(
        "invalid_argument",
        "--reject-wrong needs --val (the data it is measured on)",
      );
    }
  } catch (e) {
    console.error(`train: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  return await runCancellable("train", (signal) => train(m, signal));
}
