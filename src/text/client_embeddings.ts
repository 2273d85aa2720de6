/**
 * Text embeddings supplied by the client (`SegmentRequest.label_embeddings`), used instead
 * of the model's text encoder.
 *
 * @module
 */

import { invalid, quote } from "../kernels/errors.ts";
import { normalizeRows } from "./text_encoder.ts";

/** One client-supplied embedding. */
export interface LabelEmbedding {
  /** The label it embeds (matched exactly against the request's labels). */
  label: string;
  /** float32 little-endian, `dim` values (4·dim bytes). */
  vector: Uint8Array;
}

/**
 * Orders and normalises client embeddings by the request's labels.
 *
 * Every label needs exactly one entry; entries for labels not requested are ignored.
 *
 * @param entries client embeddings
 * @param labels L requested labels
 * @param dim expected width D (the model's feature width)
 * @returns Float32Array L×D, unit rows, row i = labels[i]
 * @throws GeoError invalid_argument when a label has no or two embeddings, a vector is
 *   not 4·D bytes, or holds a non-finite value or only zeros
 */
export function embeddingsFromClient(
  entries: LabelEmbedding[],
  labels: string[],
  dim: number,
): Float32Array {
  if (!Number.isInteger(dim) || dim <= 0) throw invalid(`Embedding width must be positive`);
  const byLabel = new Map<string, Uint8Array>();
  const wanted = new Set(labels);
  for (const { label, vector } of entries) {
    if (!wanted.has(label)) continue;
    if (byLabel.has(label)) {
      throw invalid(`Label embeddings give label ${quote(label)} more than once`);
    }
    byLabel.set(label, vector);
  }
  const out = new Float32Array(labels.length * dim);
  labels.forEach((label, i) => {
    const bytes = byLabel.get(label);
    if (!bytes) throw invalid(`Label embeddings have no vector for label ${quote(label)}`);
    if (bytes.byteLength !== 4 * dim) {
      throw invalid(
        `Label embedding of ${quote(label)} is ${bytes.byteLength} bytes; the model ` +
          `expects ${dim} float32 values (${4 * dim} bytes)`,
      );
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let d = 0; d < dim; d++) {
      const v = view.getFloat32(4 * d, true);
      if (!Number.isFinite(v)) {
        throw invalid(`Label embedding of ${quote(label)} has a non-finite value at ${d}`);
      }
      out[i * dim + d] = v;
    }
  });
  return normalizeRows(out, dim, (i) => `label ${quote(labels[i])}`);
}
