/**
 * Semantic-segmentation scores (IoU, accuracy, their means) from a confusion matrix, as
 * reported for ScanNet / OpenScene, and a plain-text table of them.
 *
 * @module
 */

import { invalid } from "./errors.ts";

/** Mean scores of a named group of classes (e.g. head / common / tail). */
export interface GroupMetrics {
  /** Mean IoU over the group's classes present in the ground truth, fraction in [0, 1]. */
  mIoU: number;
  /** Mean accuracy over the same classes, fraction in [0, 1]. */
  mAcc: number;
  /** The group's classes that were present (and averaged). */
  classes: string[];
}

/** Scores of one evaluation. Fractions in [0, 1]; NaN where undefined. */
export interface SegmentationMetrics {
  /** K class names, index = class id. */
  classNames: string[];
  /** Float64Array K: TP / (TP + FP + FN); NaN for classes absent from the ground truth. */
  iou: Float64Array;
  /** Float64Array K: TP / (TP + FN) (recall); NaN for absent classes. */
  acc: Float64Array;
  /** Float64Array K: ground-truth points per class (unknown predictions included). */
  gtPoints: Float64Array;
  /**
   * Int32Array K: the class each ground-truth class is most often predicted as when the
   * prediction is wrong (−1 = unknown, −2 = never wrong); see `confusedShare`.
   */
  confusedWith: Int32Array;
  /** Float64Array K: share of the class's ground-truth points that went to `confusedWith`. */
  confusedShare: Float64Array;
  /** Names of classes with no ground-truth point: skipped in every mean. */
  absent: string[];
  /** Mean IoU over present classes (NaN when none is present). */
  mIoU: number;
  /** Mean accuracy over present classes. */
  mAcc: number;
  /** Overall point accuracy: Σ TP / Σ counted points. */
  allAcc: number;
  /** Group name → group means (only when groups were given). */
  groups: Record<string, GroupMetrics>;
}

/**
 * Computes per-class IoU and accuracy and their means.
 *
 * A class absent from the ground truth is skipped (listed in `absent`), as in the ScanNet
 * benchmark and OpenScene; its false positives still lower the IoU of the true classes
 * through their false negatives. Unknown predictions (last column) are misses: they count
 * in FN of their ground-truth class (OpenScene instead drops such points from the IoU).
 *
 * @param confusion Float64Array K×(K+1) from `confusionMatrix` (row = ground truth,
 *   column = prediction, last column = unknown), or K×K without the unknown column
 * @param classNames K names
 * @param options.groups group name → class names (each must be one of `classNames`)
 * @throws GeoError invalid_argument on a size mismatch or an unknown group member
 */
export function segmentationMetrics(
  confusion: Float64Array,
  classNames: string[],
  options: { groups?: Record<string, string[]> } = {},
): SegmentationMetrics {
  const k = classNames.length;
  if (k === 0) throw invalid("Class names are empty");
  let cols: number;
  if (confusion.length === k * (k + 1)) cols = k + 1;
  else if (confusion.length === k * k) cols = k;
  else {
    throw invalid(
      `Confusion matrix has ${confusion.length} entries; expected ${k}×${k + 1} or ${k}×${k}`,
    );
  }
  const predicted = new Float64Array(k);
  const gtPoints = new Float64Array(k);
  let tpSum = 0;
  let total = 0;
  for (let g = 0; g < k; g++) {
    for (let p = 0; p < cols; p++) {
      const n = confusion[g * cols + p];
      gtPoints[g] += n;
      if (p < k) predicted[p] += n;
    }
    tpSum += confusion[g * cols + g];
    total += gtPoints[g];
  }
  const iou = new Float64Array(k).fill(NaN);
  const acc = new Float64Array(k).fill(NaN);
  const confusedWith = new Int32Array(k).fill(-2);
  const confusedShare = new Float64Array(k);
  for (let g = 0; g < k; g++) {
    let best = 0;
    for (let p = 0; p < cols; p++) {
      const n = confusion[g * cols + p];
      if (p === g || !(n > best)) continue;
      best = n;
      confusedWith[g] = p < k ? p : -1;
    }
    confusedShare[g] = gtPoints[g] > 0 ? best / gtPoints[g] : 0;
  }
  const absent: string[] = [];
  for (let c = 0; c < k; c++) {
    if (gtPoints[c] === 0) {
      absent.push(classNames[c]);
      continue;
    }
    const tp = confusion[c * cols + c];
    iou[c] = tp / (gtPoints[c] + predicted[c] - tp);
    acc[c] = tp / gtPoints[c];
  }
  const all = classNames.map((_, c) => c);
  const [mIoU, mAcc] = [meanOver(iou, all), meanOver(acc, all)];
  const groups: Record<string, GroupMetrics> = {};
  for (const [name, members] of Object.entries(options.groups ?? {})) {
    const ids = members.map((m) => {
      const c = classNames.indexOf(m);
      if (c < 0) {
        throw invalid(`Group ${JSON.stringify(name)} names unknown class ${JSON.stringify(m)}`);
      }
      return c;
    });
    groups[name] = {
      mIoU: meanOver(iou, ids),
      mAcc: meanOver(acc, ids),
      classes: ids.filter((c) => gtPoints[c] > 0).map((c) => classNames[c]),
    };
  }
  return {
    classNames: [...classNames],
    iou,
    acc,
    gtPoints,
    confusedWith,
    confusedShare,
    absent,
    mIoU,
    mAcc,
    allAcc: total > 0 ? tpSum / total : NaN,
    groups,
  };
}

/** Mean of the non-NaN values at `ids`; NaN when there are none. */
function meanOver(values: Float64Array, ids: number[]): number {
  let sum = 0;
  let n = 0;
  for (const c of ids) {
    if (Number.isNaN(values[c])) continue;
    sum += values[c];
    n++;
  }
  return n > 0 ? sum / n : NaN;
}

function pct(x: number): string {
  return Number.isNaN(x) ? "nan" : (100 * x).toFixed(1);
}

/**
 * Renders metrics as a text table: one line per class (IoU %, Acc %, ground-truth
 * points or "absent", and the class it is most often mistaken for with the share of its
 * points, e.g. `shower curtain 62%`), one per group, and a last line
 * `mIoU=xx.x mAcc=yy.y` (percent, one decimal; `nan` when undefined).
 */
export function formatMetricsTable(metrics: SegmentationMetrics): string {
  const width = Math.max(5, ...metrics.classNames.map((n) => n.length));
  const row = (name: string, a: string, b: string, c: string, d = "") =>
    `${name.padEnd(width)}  ${a.padStart(6)}  ${b.padStart(6)}  ${c.padStart(10)}${
      d ? `  ${d}` : ""
    }`;
  const lines = [row("class", "IoU", "Acc", "points", "mistaken for")];
  metrics.classNames.forEach((name, c) => {
    const n = metrics.gtPoints[c];
    if (n === 0) lines.push(row(name, "-", "-", "absent"));
    else {
      const w = metrics.confusedWith[c];
      const other = w === -2
        ? ""
        : `${w === -1 ? "(unknown)" : metrics.classNames[w]} ${
          Math.round(100 * metrics.confusedShare[c])
        }%`;
      lines.push(row(name, pct(metrics.iou[c]), pct(metrics.acc[c]), String(n), other));
    }
  });
  for (const [name, g] of Object.entries(metrics.groups)) {
    lines.push(row(`[${name}]`, pct(g.mIoU), pct(g.mAcc), `${g.classes.length} cls`));
  }
  lines.push(`allAcc=${pct(metrics.allAcc)}`);
  lines.push(`mIoU=${pct(metrics.mIoU)} mAcc=${pct(metrics.mAcc)}`);
  return lines.join("\n");
}
