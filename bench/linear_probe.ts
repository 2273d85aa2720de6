/**
 * How much class information the frozen backbone features carry (a diagnostic, never
 * used for training): a linear classifier fitted in closed form with ground-truth labels
 * on the per-voxel features of a train split (columns standardised with the train
 * split's mean and deviation, ridge regression onto one-hot classes with an
 * unregularised bias), scored on a test split by the argmax class of every voxel,
 * copied to the voxel's points.
 *
 * `deno task bench linear_probe --train DIR --test DIR [--backbone geodesc-3|FOLDER]
 * [--scenes N] [--lambda 1]` (DIR e.g. `.cache/bench/standard/train`; `--scenes` limits
 * each split). Markdown on stdout (per-class IoU and accuracy on both splits, mIoU, mAcc,
 * overall accuracy), progress on stderr.
 *
 * @module
 */

import {
  addMoments,
  emptyMoments,
  momentScales,
  standardizeColumns,
} from "../src/kernels/column_standardize.ts";
import { addRidgeRows, emptyRidgeSums, solveRidge } from "../src/kernels/ridge_regression.ts";
import type { SegmentationMetrics } from "../src/kernels/segmentation_metrics.ts";
import { numberFlag, parseFlags } from "../src/commands/_flags.ts";
import { loadBackbone } from "../src/features/backbones/load.ts";
import { metricsOver, pointLabels } from "../src/train/metrics.ts";
import type { TrainScene } from "../src/train/scene.ts";
import { loadSplit } from "./train_runs.ts";

/** What the probe reads of a scene. */
export type ProbeScene = Pick<TrainScene, "count" | "points" | "geometric" | "voxelOf" | "segment">;

/** A fitted probe: standardisation constants and ridge weights. */
export interface LinearProbe {
  /** D, feature width */
  dim: number;
  /** K, classes */
  classes: number;
  /** Float64Array D: train column means */
  mean: Float64Array;
  /** Float64Array D: train column deviations (1 for constant columns) */
  scale: Float64Array;
  /** Float64Array (D+1)×K ridge weights on standardised columns, bias row last */
  weights: Float64Array;
  /** labelled train voxels the fit used */
  rows: number;
}

/** Int16Array V: each voxel's ground truth, from the last of its points (−1 = none). */
export function voxelTruth(scene: ProbeScene): Int16Array {
  const out = new Int16Array(scene.count).fill(-1);
  if (!scene.segment) return out;
  for (let i = 0; i < scene.points; i++) out[scene.voxelOf[i]] = scene.segment[i];
  return out;
}

/**
 * Fits the probe on the labelled voxels of `scenes` (scenes without ground truth are
 * skipped; the column moments use every voxel of the labelled scenes).
 *
 * @param scenes train scenes, `geometric` Float32Array V×D
 * @param options.dim D; options.classes K; options.lambda ridge λ ≥ 0 (on standardised columns)
 */
export function fitProbe(
  scenes: readonly ProbeScene[],
  options: { dim: number; classes: number; lambda: number },
): LinearProbe {
  const { dim, classes } = options;
  const labelled = scenes.filter((s) => s.segment);
  const moments = emptyMoments(dim);
  for (const s of labelled) addMoments(moments, s.geometric);
  const mean = Float64Array.from(moments.mean), scale = momentScales(moments);
  const sums = emptyRidgeSums(dim, classes);
  for (const s of labelled) {
    addRidgeRows(sums, standardizeColumns(s.geometric, mean, scale), voxelTruth(s));
  }
  const weights = solveRidge(sums, options.lambda);
  return { dim, classes, mean, scale, weights, rows: sums.rows };
}

/** Int16Array V: the probe's class (argmax score, ties → lowest) of every voxel of a scene. */
export function probeVoxels(probe: LinearProbe, geometric: Float32Array): Int16Array {
  const { dim: d, classes: k, weights: w } = probe;
  const x = standardizeColumns(geometric, probe.mean, probe.scale);
  const v = x.length / d;
  const out = new Int16Array(v);
  const s = new Float64Array(k);
  for (let i = 0; i < v; i++) {
    for (let c = 0; c < k; c++) s[c] = w[d * k + c];
    for (let a = 0; a < d; a++) {
      const xa = x[i * d + a];
      for (let c = 0; c < k; c++) s[c] += xa * w[a * k + c];
    }
    let best = 0;
    for (let c = 1; c < k; c++) if (s[c] > s[best]) best = c;
    out[i] = best;
  }
  return out;
}

/** Point-level scores of the probe on the scenes with ground truth (undefined when none). */
export function probeScores(
  probe: LinearProbe,
  scenes: readonly ProbeScene[],
  classNames: string[],
): SegmentationMetrics | undefined {
  const labelled = scenes.filter((s) => s.segment);
  if (labelled.length === 0) return undefined;
  return metricsOver(
    labelled.map((s) => ({
      pred: pointLabels(probeVoxels(probe, s.geometric), s.voxelOf),
      gt: s.segment!,
    })),
    classNames,
  );
}

/** The markdown table: one row per class (IoU and accuracy per split, %), then the means. */
export function probeTable(
  title: string,
  scores: { train: SegmentationMetrics; test: SegmentationMetrics },
): string {
  const { train, test } = scores;
  const p = (x: number) => (Number.isNaN(x) ? "—" : (100 * x).toFixed(1));
  const lines = [
    `## ${title}\n`,
    "| class | test IoU | test acc | test points | train IoU | train acc |",
    "|---|---:|---:|---:|---:|---:|",
    ...test.classNames.map((name, c) =>
      `| ${name} | ${p(test.iou[c])} | ${p(test.acc[c])} | ${test.gtPoints[c]} | ` +
      `${p(train.iou[c])} | ${p(train.acc[c])} |`
    ),
    `| **mean (mIoU / mAcc)** | **${p(test.mIoU)}** | ${p(test.mAcc)} | | ${p(train.mIoU)} | ` +
    `${p(train.mAcc)} |`,
    `| overall accuracy | | ${p(test.allAcc)} | | | ${p(train.allAcc)} |`,
  ];
  return lines.join("\n");
}

/** Runs the probe (see the module doc). */
export async function run(args: string[]): Promise<void> {
  const m = parseFlags(args, new Set());
  const trainDir = m.get("--train"), testDir = m.get("--test");
  if (!trainDir || !testDir) {
    throw new Error(
      "usage: bench linear_probe --train DIR --test DIR [--backbone REF] [--scenes N] [--lambda X]",
    );
  }
  const lambda = numberFlag(m, "--lambda") ?? 1;
  const backbone = await loadBackbone(m.get("--backbone") ?? "geodesc-3");
  const log = (line: string) => console.error(`linear_probe: ${line}`);
  const ctx = { backbone, voxelSize: 0.02, log };
  const limit = numberFlag(m, "--scenes");
  const train = await loadSplit(trainDir, ctx, { limit });
  const test = await loadSplit(testDir, ctx, { limit });
  if (train.classNames.join("\n") !== test.classNames.join("\n")) {
    throw new Error(`${trainDir} and ${testDir} have different labels.txt`);
  }
  const t0 = performance.now();
  const probe = fitProbe(train.scenes, {
    dim: backbone.dim,
    classes: train.classNames.length,
    lambda,
  });
  log(
    `fitted on ${probe.rows} labelled voxels, D=${probe.dim}, λ=${lambda} in ${
      ((performance.now() - t0) / 1000).toFixed(1)
    } s`,
  );
  const trainScores = probeScores(probe, train.scenes, train.classNames);
  const testScores = probeScores(probe, test.scenes, test.classNames);
  if (!trainScores || !testScores) throw new Error("Both splits need scenes with segment.npy");
  const title = `Linear probe of ${backbone.version} features (D=${backbone.dim}, λ=${lambda}; ` +
    `train ${train.scenes.length} scenes of ${trainDir}, test ${test.scenes.length} of ${testDir})`;
  console.log(probeTable(title, { train: trainScores, test: testScores }));
}
