/**
 * The building blocks of the training proof: loading a dataset split as prepared scenes,
 * swapping ground-truth instances for geometric proposals, one training run scored on a
 * test split, the teacher's scores, and an overall progress meter over many runs.
 *
 * @module
 */

import type { SegmentationMetrics } from "../src/kernels/segmentation_metrics.ts";
import type { AdapterWeights } from "../src/features/adapter_graph.ts";
import type { Backbone } from "../src/features/backbones/backbone.ts";
import { readDataset, readScene } from "../src/io/dataset.ts";
import { adapterClassifier, scoreScenes } from "../src/train/classify.ts";
import { resolveTrainConfig, type TrainConfig } from "../src/train/config.ts";
import {
  type ClassEmbeddings,
  datasetEmbeddings,
  loadDatasetScenes,
} from "../src/train/dataset_scenes.ts";
import { sceneFeatures } from "../src/train/feature_cache.ts";
import { type LossPoint, trainAdapter, type ValidationSet } from "../src/train/loop.ts";
import { metricsOver } from "../src/train/metrics.ts";
import { formatDuration } from "../src/train/progress.ts";
import type { TrainScene } from "../src/train/scene.ts";

/** A loaded dataset split. */
export interface Split {
  /** dataset folder */
  dir: string;
  /** prepared scenes */
  scenes: TrainScene[];
  /** class names of labels.txt */
  classNames: string[];
  /** class embeddings */
  classes: ClassEmbeddings;
}

/** What loading needs. */
export interface LoadContext {
  backbone: Backbone;
  voxelSize: number;
  /** feature cache folder (undefined = default, null = none) */
  cacheDir?: string | null;
  log: (line: string) => void;
}

/**
 * Loads the first `limit` scenes (sorted by name) of a dataset folder.
 *
 * @param dir dataset folder
 * @param ctx backbone, voxel size, cache, log
 * @param options.limit most scenes (default all); options.teacher: every scene must have one
 */
export async function loadSplit(
  dir: string,
  ctx: LoadContext,
  options: { limit?: number; teacher?: boolean } = {},
): Promise<Split> {
  const info = await readDataset(dir);
  const limited = { ...info, scenes: info.scenes.slice(0, options.limit ?? info.scenes.length) };
  const classes = await datasetEmbeddings(info);
  const scenes = await loadDatasetScenes(dir, limited, {
    backbone: ctx.backbone,
    voxelSize: ctx.voxelSize,
    classes,
    requireTeacher: options.teacher,
    cacheDir: ctx.cacheDir,
    log: (line) => ctx.log(`${dir}: ${line}`),
  });
  return { dir, scenes, classNames: info.labels, classes };
}

/**
 * The split's scenes with class-agnostic instance proposals (computed from the geometry, as
 * training does for data without instance.npy) in place of the dataset's instances.
 */
export async function withProposals(split: Split, ctx: LoadContext): Promise<Split> {
  const scenes: TrainScene[] = [];
  const t0 = performance.now();
  for (const [i, scene] of split.scenes.entries()) {
    const s = await readScene(split.dir, scene.name);
    const cloud = { count: s.count, coord: s.coord, color: s.color, normal: s.normal };
    const f = await sceneFeatures(cloud, {
      backbone: ctx.backbone,
      voxelSize: ctx.voxelSize,
      proposals: true,
      cacheDir: ctx.cacheDir,
    });
    if (f.count !== scene.count) {
      throw new Error(
        `Scene ${scene.name}: proposals on ${f.count} voxels, scene has ${scene.count}`,
      );
    }
    scenes.push({ ...scene, instance: f.proposals! });
    const sec = (performance.now() - t0) / 1000;
    ctx.log(
      `proposals ${i + 1}/${split.scenes.length} ${scene.name}: ${countIds(f.proposals!)} ` +
        `(dataset: ${countIds(scene.instance)} instances) ETA ${
          formatDuration((sec / (i + 1)) * (split.scenes.length - i - 1))
        }`,
    );
  }
  return { ...split, scenes };
}

/** Number of distinct ids ≥ 0. */
function countIds(ids: Int32Array): number {
  return new Set(ids.filter((x) => x >= 0)).size;
}

/** The teacher's scores on a split (argmax cosine; unseen points are misses). */
export function teacherScores(split: Split): SegmentationMetrics {
  const taught = split.scenes.filter((s) => s.segment && s.teacherLabel);
  if (taught.length === 0) throw new Error(`${split.dir}: no scene with teacher and ground truth`);
  return metricsOver(
    taught.map((s) => ({ pred: s.teacherLabel!, gt: s.segment! })),
    split.classNames,
  );
}

/** The validation set of a split. */
export function validationOf(split: Split): ValidationSet {
  return {
    scenes: split.scenes,
    classNames: split.classNames,
    embeddings: split.classes.embeddings,
  };
}

/** Scores adapter weights on a split through the served graph. */
export async function scoreAdapter(
  split: Split,
  dims: { dg: number; c: number; hidden: number },
  weights: AdapterWeights,
): Promise<SegmentationMetrics> {
  const cls = await adapterClassifier(
    { dg: dims.dg, hidden: dims.hidden, dim: dims.c },
    weights,
    split.classes.embeddings,
  );
  try {
    const s = await scoreScenes(split.scenes, cls.classify, split.classNames);
    if (!s) throw new Error(`${split.dir}: no scene with ground truth`);
    return s.student;
  } finally {
    await cls.release();
  }
}

/** Counts steps over many runs and prints throttled progress lines with an overall ETA. */
export class OverallProgress {
  readonly #total: number;
  readonly #start = performance.now();
  readonly #log: (line: string) => void;
  readonly #every: number;
  #done = 0;
  #last = 0;

  /**
   * @param totalSteps steps of all planned runs
   * @param log line sink (stderr)
   * @param everySeconds least seconds between two step lines (default 10)
   */
  constructor(totalSteps: number, log: (line: string) => void, everySeconds = 10) {
    this.#total = totalSteps;
    this.#log = log;
    this.#every = everySeconds;
  }

  /** Seconds since construction. */
  get elapsed(): number {
    return (performance.now() - this.#start) / 1000;
  }

  /** Records one step of the run `label`; prints when due or at the run's last step. */
  step(label: string, e: { step: number; totalSteps: number; lossTotal: number }): void {
    this.#done++;
    const now = performance.now();
    if (now - this.#last < 1000 * this.#every && e.step < e.totalSteps) return;
    this.#last = now;
    const eta = (this.elapsed / this.#done) * (this.#total - this.#done);
    this.#log(
      `${label}: step ${e.step}/${e.totalSteps} loss ${e.lossTotal.toFixed(4)} | all runs ` +
        `${this.#done}/${this.#total} steps, ${formatDuration(this.elapsed)} elapsed, ` +
        `ETA ${formatDuration(eta)}`,
    );
  }
}

/** One finished training run. */
export interface RunResult {
  /** test scores of the trained adapter */
  student: SegmentationMetrics;
  /** trained adapter */
  adapter: AdapterWeights;
  /** per-step losses */
  lossCurve: LossPoint[];
  /** seconds from the first step's start to the last step's end (no scoring) */
  stepSeconds: number;
}

/** Options of {@link trainAndScore}. */
export interface RunOptions {
  /** base settings (steps, crop, …) */
  base: Partial<TrainConfig>;
  /** the configuration's overrides */
  overrides: Partial<TrainConfig>;
  seed: number;
  train: Split;
  test: Split;
  /** Dg of the backbone */
  dg: number;
  /** adapter to start from (fine-tuning) */
  init?: AdapterWeights;
  /** progress label */
  label: string;
  progress: OverallProgress;
  log: (line: string) => void;
}

/** Trains one configuration and scores it on the test split (once, after the last step). */
export async function trainAndScore(o: RunOptions): Promise<RunResult> {
  const config = resolveTrainConfig({
    ...o.base,
    ...o.overrides,
    seed: o.seed,
    validateEvery: 0,
    checkpointEvery: 0,
  });
  let stepSeconds = 0;
  const outcome = await trainAdapter({
    config,
    scenes: o.train.scenes,
    dims: { dg: o.dg, c: o.train.classes.dim },
    init: o.init,
    validation: validationOf(o.test),
    onEvent: (e) => {
      if (e.type !== "progress") return;
      stepSeconds = e.elapsedS;
      o.progress.step(o.label, e);
    },
    log: (line) => !line.startsWith("step ") && o.log(`${o.label}: ${line}`),
  });
  if (!outcome.final) throw new Error(`${o.test.dir}: no scene with ground truth`);
  return {
    student: outcome.final.student,
    adapter: outcome.adapter,
    lossCurve: outcome.lossCurve,
    stepSeconds,
  };
}
