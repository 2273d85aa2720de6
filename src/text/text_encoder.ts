/**
 * Text encoders: free-text labels → unit vectors in the model's feature space, plus the
 * helpers every encoder shares (prompt templates, row normalisation, a per-label cache).
 *
 * Note: the interface is named `TextEncoder` and shadows the global UTF-8 `TextEncoder`
 * in modules that import it; use `globalThis.TextEncoder` there for UTF-8.
 *
 * @module
 */

import { GeoError, invalid, quote } from "../kernels/errors.ts";

/** Options of {@link TextEncoder.encode}. */
export interface EncodeOptions {
  /**
   * Prompt template with exactly one `{}` that the label replaces, e.g.
   * `"a {} in a scene"`. Empty or absent: the encoder's default (the bare label).
   */
  template?: string;
}

/** Maps labels to unit-length embedding rows. */
export interface TextEncoder {
  /** Stable identifier with a version, e.g. `"glove-sg-100d@1"`; part of cache keys. */
  readonly id: string;
  /** Embedding width D. */
  readonly dim: number;
  /**
   * Embeds labels.
   *
   * @param labels L free-text labels
   * @returns Float32Array L×D, row i = unit vector of labels[i]
   * @throws GeoError invalid_argument for a label the encoder cannot embed
   */
  encode(labels: string[], options?: EncodeOptions): Promise<Float32Array>;
}

/**
 * Checks a prompt template and fills it with a label.
 *
 * @param template text with exactly one `{}`; empty/undefined returns the label itself
 * @throws GeoError invalid_argument when the template has no or several `{}`
 */
export function applyTemplate(label: string, template?: string): string {
  if (!template) return label;
  checkTemplate(template);
  return template.replace("{}", label);
}

/**
 * Checks that a prompt template holds exactly one `{}` placeholder.
 *
 * @throws GeoError invalid_argument otherwise
 */
export function checkTemplate(template: string): void {
  const n = template.split("{}").length - 1;
  if (n !== 1) {
    throw invalid(
      `Prompt template ${quote(template)} must contain exactly one "{}" (found ${n})`,
    );
  }
}

/**
 * L2-normalises each row in place.
 *
 * @param rows Float32Array L×dim
 * @param dim row width
 * @param describe names row i in error messages (e.g. `label "chair"`)
 * @returns `rows`
 * @throws GeoError invalid_argument when a row is all zeros or not finite
 */
export function normalizeRows(
  rows: Float32Array,
  dim: number,
  describe: (row: number) => string = (row) => `row ${row}`,
): Float32Array {
  const n = rows.length / dim;
  for (let i = 0; i < n; i++) {
    let ss = 0;
    for (let d = 0; d < dim; d++) ss += rows[i * dim + d] * rows[i * dim + d];
    if (!Number.isFinite(ss)) throw invalid(`Embedding of ${describe(i)} is not finite`);
    if (ss === 0) throw invalid(`Embedding of ${describe(i)} is all zeros`);
    const inv = 1 / Math.sqrt(ss);
    for (let d = 0; d < dim; d++) rows[i * dim + d] *= inv;
  }
  return rows;
}

/** Checks a label list: at least one label, none empty after trimming. */
export function checkLabels(labels: string[]): void {
  if (labels.length === 0) throw invalid("Labels are empty: give at least one label");
  labels.forEach((label, i) => {
    if (typeof label !== "string" || label.trim() === "") {
      throw invalid(`Label ${i} is empty`);
    }
  });
}

/**
 * A least-recently-used cache of embedding rows keyed by (encoder id, template, label).
 * Rows are stored as copies; `maxEntries` bounds memory (≈ maxEntries·D·4 bytes).
 */
export class EmbeddingCache {
  readonly #rows = new Map<string, Float32Array>();
  readonly #maxEntries: number;

  /** @param maxEntries how many rows to keep (default 4096) */
  constructor(maxEntries = 4096) {
    if (!(maxEntries > 0)) throw invalid(`Embedding cache size must be positive`);
    this.#maxEntries = maxEntries;
  }

  /** Number of rows held. */
  get size(): number {
    return this.#rows.size;
  }

  /** Cache key of one (encoder, template, label) triple. */
  static key(encoderId: string, label: string, template = ""): string {
    return JSON.stringify([encoderId, template, label]);
  }

  /** Float32Array D (a copy) or undefined. */
  get(key: string): Float32Array | undefined {
    const row = this.#rows.get(key);
    if (!row) return undefined;
    this.#rows.delete(key);
    this.#rows.set(key, row);
    return row.slice();
  }

  /** Stores a copy of `row` (Float32Array D), evicting the least recently used. */
  set(key: string, row: Float32Array): void {
    this.#rows.delete(key);
    this.#rows.set(key, row.slice());
    while (this.#rows.size > this.#maxEntries) {
      this.#rows.delete(this.#rows.keys().next().value!);
    }
  }
}

/**
 * Wraps an encoder so that each (label, template) is embedded once: only labels missing
 * from the cache reach `encoder.encode`, in one batch.
 *
 * @param cache shared cache (default: a new one of 4096 rows)
 */
export function cachedEncoder(
  encoder: TextEncoder,
  cache: EmbeddingCache = new EmbeddingCache(),
): TextEncoder {
  return {
    id: encoder.id,
    dim: encoder.dim,
    async encode(labels: string[], options?: EncodeOptions): Promise<Float32Array> {
      const dim = encoder.dim;
      const template = options?.template ?? "";
      const out = new Float32Array(labels.length * dim);
      const missing: string[] = [];
      const missingRows = new Map<string, number[]>();
      labels.forEach((label, i) => {
        const row = cache.get(EmbeddingCache.key(encoder.id, label, template));
        if (row) return out.set(row, i * dim);
        if (!missingRows.has(label)) {
          missing.push(label);
          missingRows.set(label, []);
        }
        missingRows.get(label)!.push(i);
      });
      if (missing.length > 0) {
        const fresh = await encoder.encode(missing, options);
        if (fresh.length !== missing.length * dim) {
          throw new GeoError("internal", `Text encoder ${encoder.id} returned a wrong shape`);
        }
        missing.forEach((label, j) => {
          const row = fresh.subarray(j * dim, (j + 1) * dim);
          cache.set(EmbeddingCache.key(encoder.id, label, template), row);
          for (const i of missingRows.get(label)!) out.set(row, i * dim);
        });
      }
      return out;
    },
  };
}
