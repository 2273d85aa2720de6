/**
 * How good a fused teacher is on its own: per-point argmax of the cosine with
 * the class text embeddings, scored against the ground truth.
 *
 * @module
 */

import type { Rng } from "../kernels/random.ts";
import { confusionMatrix } from "../kernels/confusion_matrix.ts";
import { type SegmentationMetrics, segmentationMetrics } from "../kernels/segmentation_metrics.ts";

/**
 * Class of each point: argmax over classes of cos(teacher row, embedding row);
 * −1 where the point is not valid (unseen) or its row is zero.
 *
 * @param teacher Float32Array N×C
 * @param valid Uint8Array N (or undefined: all valid)
 * @param embeddings Float32Array L×C
 */
export function teacherArgmax(
  teacher: Float32Array,
  valid: Uint8Array | undefined,
  embeddings: Float32Array,
): Int16Array {
  const n = valid ? valid.length : 0;
  const C = n > 0 ? teacher.length / n : 0;
  const L = C > 0 ? embeddings.length / C : 0;
  const norms = new Float64Array(L);
  for (let c = 0; c < L; c++) {
    let s = 0;
    for (let k = 0; k < C; k++) s += embeddings[c * C + k] ** 2;
    norms[c] = Math.sqrt(s) || 1;
  }
  const out = new Int16Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    if (valid && !valid[i]) continue;
    let best = -1, bv = -Infinity;
    for (let c = 0; c < L; c++) {
      let d = 0;
      for (let k = 0; k < C; k++) d += teacher[i * C + k] * embeddings[c * C + k];
      d /= norms[c];
      if (d > bv) {
        bv = d;
        best = c;
      }
    }
    out[i] = bv === 0 ? -1 : best;
  }
  return out;
}

/** Accumulates teacher confusion over scenes and scores it (unseen points count as misses). */
export class TeacherScore {
  readonly #names: string[];
  readonly #embeddings: Float32Array;
  readonly #confusion: Float64Array;

  /**
   * @param classNames L class names
   * @param embeddings Float32Array L×C class embeddings
   */
  constructor(classNames: string[], embeddings: Float32Array) {
    this.#names = classNames;
    this.#embeddings = embeddings;
    this.#confusion = new Float64Array(classNames.length * (classNames.length + 1));
  }

  /** Adds a scene; returns the scene's own metrics and its predicted labels. */
  add(scene: { teacher: Float32Array; valid: Uint8Array; segment: Int16Array }): {
    metrics: SegmentationMetrics;
    pred: Int16Array;
  } {
    const pred = teacherArgmax(scene.teacher, scene.valid, this.#embeddings);
    const cm = confusionMatrix(pred, scene.segment, this.#names.length);
    for (let k = 0; k < cm.length; k++) this.#confusion[k] += cm[k];
    return { metrics: segmentationMetrics(cm, this.#names), pred };
  }

  /** Metrics over all scenes added so far. */
  total(): SegmentationMetrics {
    return segmentationMetrics(this.#confusion, this.#names);
  }
}

/** L random unit vectors of dimension C (Float32Array L×C), for tests and text-free datasets. */
export function randomEmbeddings(count: number, dim: number, rng: Rng): Float32Array {
  const out = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    let s = 0;
    for (let k = 0; k < dim; k++) {
      out[i * dim + k] = rng.normal();
      s += out[i * dim + k] ** 2;
    }
    const inv = 1 / Math.sqrt(s);
    for (let k = 0; k < dim; k++) out[i * dim + k] *= inv;
  }
  return out;
}
