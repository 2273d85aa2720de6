/**
 * Best label per row by dot product against unit label embeddings (the cosine when
 * the rows are unit vectors too).
 *
 * @module
 */

import { invalid } from "./errors.ts";

/**
 * For every row i: the label l maximising rows_i · embeddings_l (first on ties) and
 * that dot product.
 *
 * @param rows Float32Array R×C (unit rows give cosines; zero rows give label 0, score 0)
 * @param embeddings Float32Array L×C, L ≥ 1, unit rows
 * @param dim C
 * @returns label Int32Array R and score Float32Array R
 */
export function bestCosine(
  rows: Float32Array,
  embeddings: Float32Array,
  dim: number,
): { label: Int32Array; score: Float32Array } {
  if (!(dim >= 1) || rows.length % dim !== 0 || embeddings.length % dim !== 0) {
    throw invalid(
      `bestCosine: rows (${rows.length}) and embeddings (${embeddings.length}) are not rows of ${dim}`,
    );
  }
  const L = embeddings.length / dim, R = rows.length / dim;
  if (L < 1) throw invalid("bestCosine: at least one label embedding is needed");
  const label = new Int32Array(R), score = new Float32Array(R);
  for (let r = 0; r < R; r++) {
    const o = r * dim;
    let best = -Infinity, arg = 0;
    for (let l = 0; l < L; l++) {
      const e = l * dim;
      let s = 0;
      for (let c = 0; c < dim; c++) s += rows[o + c] * embeddings[e + c];
      if (s > best) {
        best = s;
        arg = l;
      }
    }
    label[r] = arg;
    score[r] = best;
  }
  return { label, score };
}
