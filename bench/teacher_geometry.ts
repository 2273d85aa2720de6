/**
 * What geometry can tell the training losses, measured on a dataset split (no training):
 *
 * - IIRC's judge: for pooled features of instances and of superpoints (mean row, unit
 *   length), the mean cosine between two different segments, and how well that cosine
 *   separates same-class pairs from other-class pairs (ROC AUC; class = majority ground
 *   truth of the segment). Rows: the backbone's features and the teacher's.
 * - USD's room: the share of the teacher's wrong points (argmax label ≠ ground truth) that
 *   sit in superpoints whose majority the teacher gets right (a superpoint mean outvotes
 *   them) rather than wrong (no weight inside the superpoint can fix those); and, for USD's
 *   target itself (the superpoint's mean teacher row, here with every weight 1), the share
 *   of voxels whose target class is wrong, and of those the ones in superpoints whose
 *   majority is right: the most that reliability weights, which can only move the target
 *   inside a superpoint towards or away from its members, could win by down-weighting
 *   outliers.
 *
 * `deno task bench teacher_geometry --data DATASET_DIR [--backbone geodesc-3|DIR] [--scenes N]`
 * (DATASET_DIR e.g. `.cache/bench/standard/train`; `--backbone` a descriptor version or a
 * backbone folder, as `train` takes it). Markdown on stdout.
 *
 * @module
 */

import { segmentMean } from "../src/kernels/segment_pool.ts";
import { cosineArgmax } from "../src/train/metrics.ts";
import type { Backbone } from "../src/features/backbones/backbone.ts";
import { loadBackbone } from "../src/features/backbones/load.ts";
import type { TrainScene } from "../src/train/scene.ts";
import { numberFlag, parseFlags } from "../src/commands/train.ts";
import { loadSplit } from "./train_runs.ts";

/** Same-class vs other-class separation of pooled-feature cosines. */
export interface PairStats {
  /** Mean cosine over all pairs of different segments. */
  meanCos: number;
  /** P(cos of a same-class pair > cos of an other-class pair), ties counted half; NaN without both kinds. */
  auc: number;
}

/**
 * Cosine statistics of segment-pooled rows.
 *
 * @param rows Float32Array N×D
 * @param dim D
 * @param ids Int32Array N segment ids (−1 = none)
 * @param cls Int16Array N class per row (−1 = unknown)
 */
export function pairStats(
  rows: Float32Array,
  dim: number,
  ids: Int32Array,
  cls: Int16Array,
): PairStats {
  const count = ids.reduce((m, x) => Math.max(m, x + 1), 0);
  const pooled = segmentMean(rows, dim, ids, count);
  const votes = Array.from({ length: count }, () => new Map<number, number>());
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] >= 0 && cls[i] >= 0) votes[ids[i]].set(cls[i], (votes[ids[i]].get(cls[i]) ?? 0) + 1);
  }
  const label = votes.map((v) => [...v].sort((a, b) => b[1] - a[1])[0]?.[0] ?? -1);
  const keep = label.flatMap((l, s) => (l >= 0 ? [s] : []));
  const unit = keep.map((s) => {
    const v = pooled.subarray(s * dim, (s + 1) * dim);
    const n = Math.hypot(...v) || 1;
    return Array.from(v, (x) => x / n);
  });
  const same: number[] = [], other: number[] = [];
  for (let a = 0; a < keep.length; a++) {
    for (let b = a + 1; b < keep.length; b++) {
      const c = unit[a].reduce((s, x, j) => s + x * unit[b][j], 0);
      (label[keep[a]] === label[keep[b]] ? same : other).push(c);
    }
  }
  const all = [...same, ...other];
  return { meanCos: all.reduce((s, x) => s + x, 0) / all.length, auc: rocAuc(same, other) };
}

/** P(x > y) for x from `pos`, y from `neg`, ties half (NaN when either is empty). */
export function rocAuc(pos: readonly number[], neg: readonly number[]): number {
  if (pos.length === 0 || neg.length === 0) return NaN;
  const sorted = [...neg].sort((a, b) => a - b);
  const below = (x: number, strict: boolean) => {
    let lo = 0, hi = sorted.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (strict ? sorted[m] < x : sorted[m] <= x) lo = m + 1;
      else hi = m;
    }
    return lo;
  };
  const wins = pos.reduce((s, x) => s + (below(x, true) + below(x, false)) / 2, 0);
  return wins / (pos.length * neg.length);
}

/** Per-voxel copies of a per-point labelling (the last point of a voxel wins). */
function perVoxel(scene: TrainScene, perPoint: Int16Array): Int16Array {
  const out = new Int16Array(scene.count).fill(-1);
  for (let i = 0; i < scene.points; i++) out[scene.voxelOf[i]] = perPoint[i];
  return out;
}

/** Counts of {@link errorSplit}, over valid labelled taught voxels. */
export interface ErrorSplit {
  /** valid labelled voxels the teacher labels */
  points: number;
  /** of those, the teacher's label is wrong */
  wrong: number;
  /** of the wrong ones, in superpoints whose teacher majority is wrong */
  inWrongMajority: number;
  /** voxels whose superpoint's plain USD target class is wrong */
  targetWrong: number;
  /** of those, in superpoints whose teacher majority is right (the only ones a reweighting of
   * the members towards the majority could turn) */
  underRightMajority: number;
}

/**
 * Teacher errors and USD's plain-target errors, each split by whether the teacher's majority
 * in their superpoint is right (one pass, the majority computed once).
 *
 * @param sp Int32Array V superpoint ids
 * @param valid Uint8Array V, 1 = teacher row valid
 * @param gt Int16Array V ground truth (−1 = none)
 * @param taught Int16Array V teacher argmax (−1 = none)
 * @param target Int32Array S: class of each superpoint's mean teacher row (−1 = no valid row)
 */
export function errorSplit(
  sp: Int32Array,
  valid: Uint8Array,
  gt: Int16Array,
  taught: Int16Array,
  target: Int32Array,
): ErrorSplit {
  const { counted, rightShare } = teacherMajority(sp, valid, gt, taught);
  const e: ErrorSplit = {
    points: 0,
    wrong: 0,
    inWrongMajority: 0,
    targetWrong: 0,
    underRightMajority: 0,
  };
  for (let i = 0; i < sp.length; i++) {
    if (!counted(i)) continue;
    e.points++;
    const rightMajority = rightShare[sp[i]] >= 0.5;
    if (taught[i] !== gt[i]) {
      e.wrong++;
      if (!rightMajority) e.inWrongMajority++;
    }
    if (target[sp[i]] !== gt[i]) {
      e.targetWrong++;
      if (rightMajority) e.underRightMajority++;
    }
  }
  return e;
}

/**
 * Which voxels count (valid, labelled, taught) and, per superpoint, the share of its
 * counted voxels the teacher gets right (NaN for a superpoint with none).
 */
function teacherMajority(
  sp: Int32Array,
  valid: Uint8Array,
  gt: Int16Array,
  taught: Int16Array,
): { counted: (i: number) => boolean; rightShare: Float64Array } {
  const count = sp.reduce((m, x) => Math.max(m, x + 1), 0);
  const right = new Float64Array(count), seen = new Float64Array(count);
  const counted = (i: number) => valid[i] === 1 && gt[i] >= 0 && taught[i] >= 0;
  for (let i = 0; i < sp.length; i++) {
    if (!counted(i)) continue;
    seen[sp[i]]++;
    if (taught[i] === gt[i]) right[sp[i]]++;
  }
  return { counted, rightShare: right.map((r, k) => r / seen[k]) };
}

/** Class of each superpoint's mean valid teacher row (−1 where it has none). */
function plainTargets(s: TrainScene, embeddings: Float32Array): Int32Array {
  const count = s.superpoint.reduce((m, x) => Math.max(m, x + 1), 0);
  const c = s.teacher!.length / s.count;
  const ids = s.superpoint.map((x, i) => (s.valid[i] ? x : -1));
  const target = cosineArgmax(segmentMean(s.teacher!, c, ids, count), c, embeddings);
  const any = new Uint8Array(count);
  for (const x of ids) if (x >= 0) any[x] = 1;
  return target.map((x, k) => (any[k] ? x : -1));
}

/** Runs the probe (see the module doc). */
export async function run(args: string[]): Promise<void> {
  const m = parseFlags(args, new Set());
  const data = m.get("--data");
  if (!data) {
    throw new Error("usage: bench teacher_geometry --data DATASET_DIR [--backbone V|DIR]");
  }
  const backbone = await loadBackbone(m.get("--backbone") ?? "geodesc-3");
  try {
    await probe(data, backbone, numberFlag(m, "--scenes"));
  } finally {
    await backbone.release?.();
  }
}

/** Prints the tables of the module doc for `backbone` on the dataset at `data`. */
async function probe(data: string, backbone: Backbone, limit: number | undefined): Promise<void> {
  const split = await loadSplit(data, {
    backbone,
    voxelSize: 0.02,
    log: (line) => console.error(`teacher_geometry: ${line}`),
  }, { limit, teacher: true });
  const f = (x: number) => x.toFixed(2);
  const lines = [
    `## Pooled-feature cosines on ${data} (${backbone.version}; AUC: same vs other class)\n`,
    "| scene | level | features mean cos | features AUC | teacher mean cos | teacher AUC |",
    "|---|---|---:|---:|---:|---:|",
  ];
  let points = 0, wrong = 0, inWrongMajority = 0, targetWrong = 0, underRightMajority = 0;
  const sums = new Map<string, number[]>(); // level → [mean cos, AUC, teacher cos, teacher AUC, scenes]
  for (const s of split.scenes) {
    if (!s.segment || !s.teacher || !s.teacherLabel) continue;
    const gt = perVoxel(s, s.segment);
    const c = s.teacher.length / s.count;
    for (const [level, ids] of [["instance", s.instance], ["superpoint", s.superpoint]] as const) {
      const g = pairStats(s.geometric, backbone.dim, ids, gt);
      const t = pairStats(s.teacher, c, ids, gt);
      lines.push(
        `| ${s.name} | ${level} | ${f(g.meanCos)} | ${f(g.auc)} | ${f(t.meanCos)} | ${f(t.auc)} |`,
      );
      const sum = sums.get(level) ?? [0, 0, 0, 0, 0];
      [g.meanCos, g.auc, t.meanCos, t.auc, 1].forEach((x, i) => (sum[i] += x));
      sums.set(level, sum);
    }
    const taught = perVoxel(s, s.teacherLabel);
    const target = plainTargets(s, split.classes.embeddings);
    const e = errorSplit(s.superpoint, s.valid, gt, taught, target);
    points += e.points, wrong += e.wrong, inWrongMajority += e.inWrongMajority;
    targetWrong += e.targetWrong, underRightMajority += e.underRightMajority;
  }
  for (const [level, [gc, ga, tc, ta, n]] of sums) {
    lines.push(
      `| **mean of ${n}** | ${level} | ${f(gc / n)} | ${f(ga / n)} | ${f(tc / n)} | ${f(ta / n)} |`,
    );
  }
  lines.push(
    "",
    `Teacher wrong on ${(100 * wrong / points).toFixed(1)} % of ${points} valid labelled voxels; ` +
      `${(100 * inWrongMajority / wrong).toFixed(1)} % of those sit in superpoints whose ` +
      `teacher majority is wrong. USD's plain superpoint target is wrong on ` +
      `${(100 * targetWrong / points).toFixed(1)} % of them, ` +
      `${(100 * underRightMajority / points).toFixed(2)} % under a right teacher majority (what ` +
      `down-weighting outliers could fix at most).`,
  );
  console.log(lines.join("\n"));
}
