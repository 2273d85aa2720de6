/**
 * Compact binary format for word-embedding tables (vocabulary + int8 vectors).
 *
 * Layout (all integers little-endian):
 *
 * | offset | size       | field                                                     |
 * |--------|------------|-----------------------------------------------------------|
 * | 0      | 8          | magic `GGWVEC01`                                          |
 * | 8      | 4          | u32 format version (1)                                    |
 * | 12     | 4          | u32 dim (components per vector)                           |
 * | 16     | 4          | u32 count (vocabulary size)                               |
 * | 20     | 4          | u32 vocabulary byte length (before padding)               |
 * | 24     | 4          | u32 encoding (0 = int8 with a float32 scale per row)      |
 * | 28     | 4          | u32 reserved (0)                                          |
 * | 32     | 32         | SHA-256 of every byte from offset 64 to the end           |
 * | 64     | V (pad 4)  | UTF-8 words joined by `\n`, zero-padded to a multiple of 4 |
 * | …      | 4·count    | float32 row scales                                         |
 * | …      | count·dim  | int8 components; value = q · scale                         |
 *
 * Rows keep the source order (for GloVe: corpus frequency order). Quantisation:
 * scale = max|v| / 127, q = round(v / scale); the relative error per component is at
 * most 1/254 of the row's largest component, which moves cosine similarities by < 0.001.
 *
 * @module
 */

import { GeoError } from "../kernels/errors.ts";

/** Magic bytes at offset 0. */
export const WORD_VECTORS_MAGIC = "GGWVEC01";
/** Current format version. */
export const WORD_VECTORS_VERSION = 1;
const HEADER_BYTES = 64;

/** A decoded word-vector table; vectors stay quantised until looked up. */
export interface WordVectorTable {
  /** Components per vector. */
  dim: number;
  /** Words in row order (lower-case for GloVe). */
  words: string[];
  /** Float32Array count: per-row dequantisation scale. */
  scales: Float32Array;
  /** Int8Array count×dim: quantised components. */
  quantized: Int8Array;
}

/** Dense float32 input for {@link encodeWordVectors}. */
export interface DenseWordVectors {
  /** Components per vector. */
  dim: number;
  /** Words in row order; none may contain `\n` or be empty. */
  words: string[];
  /** Float32Array count×dim, row i = vector of words[i]. */
  vectors: Float32Array;
}

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
}

/**
 * Quantises dense vectors to int8 with one scale per row and serialises them with a
 * header and SHA-256 checksum.
 *
 * @returns the file bytes
 * @throws GeoError invalid_argument on a bad word or a non-finite component
 */
export async function encodeWordVectors(table: DenseWordVectors): Promise<Uint8Array> {
  const { dim, words, vectors } = table;
  const count = words.length;
  if (!Number.isInteger(dim) || dim <= 0) throw badFormat(`dim must be a positive integer`);
  if (vectors.length !== count * dim) {
    throw badFormat(`vectors hold ${vectors.length} values, expected ${count}×${dim}`);
  }
  for (const w of words) {
    if (w.length === 0 || w.includes("\n")) throw badFormat(`Word ${JSON.stringify(w)} is invalid`);
  }
  const vocab = new globalThis.TextEncoder().encode(words.join("\n"));
  const vocabPadded = Math.ceil(vocab.length / 4) * 4;
  const total = HEADER_BYTES + vocabPadded + 4 * count + count * dim;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(new globalThis.TextEncoder().encode(WORD_VECTORS_MAGIC), 0);
  view.setUint32(8, WORD_VECTORS_VERSION, true);
  view.setUint32(12, dim, true);
  view.setUint32(16, count, true);
  view.setUint32(20, vocab.length, true);
  out.set(vocab, HEADER_BYTES);
  const scaleOffset = HEADER_BYTES + vocabPadded;
  const q = new Int8Array(out.buffer, scaleOffset + 4 * count, count * dim);
  for (let i = 0; i < count; i++) {
    let maxAbs = 0;
    for (let d = 0; d < dim; d++) {
      const v = vectors[i * dim + d];
      if (!Number.isFinite(v)) {
        throw badFormat(`Vector of ${JSON.stringify(words[i])} is not finite`);
      }
      maxAbs = Math.max(maxAbs, Math.abs(v));
    }
    const scale = maxAbs / 127;
    view.setFloat32(scaleOffset + 4 * i, scale, true);
    if (scale === 0) continue;
    const stored = Math.fround(scale);
    for (let d = 0; d < dim; d++) {
      const r = Math.round(vectors[i * dim + d] / stored);
      q[i * dim + d] = Math.max(-127, Math.min(127, r));
    }
  }
  out.set(await sha256(out.subarray(HEADER_BYTES)), 32);
  return out;
}

/**
 * Parses and verifies a word-vector file produced by {@link encodeWordVectors}.
 *
 * @param bytes the whole file
 * @param source file name for error messages
 * @throws GeoError failed_precondition when the magic, version, sizes or checksum are wrong
 */
export async function decodeWordVectors(
  bytes: Uint8Array,
  source = "word vectors",
): Promise<WordVectorTable> {
  const fail = (what: string) =>
    new GeoError("failed_precondition", `Word-vector file ${source}: ${what}`);
  if (bytes.length < HEADER_BYTES) throw fail(`truncated header (${bytes.length} bytes)`);
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (magic !== WORD_VECTORS_MAGIC) throw fail(`bad magic ${JSON.stringify(magic)}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== WORD_VECTORS_VERSION) throw fail(`unsupported version ${version}`);
  const dim = view.getUint32(12, true);
  const count = view.getUint32(16, true);
  const vocabBytes = view.getUint32(20, true);
  const encoding = view.getUint32(24, true);
  if (encoding !== 0) throw fail(`unsupported encoding ${encoding}`);
  const vocabPadded = Math.ceil(vocabBytes / 4) * 4;
  const expected = HEADER_BYTES + vocabPadded + 4 * count + count * dim;
  if (dim === 0 || bytes.length !== expected) {
    throw fail(`size ${bytes.length} bytes does not match header (expected ${expected})`);
  }
  const digest = await sha256(bytes.subarray(HEADER_BYTES));
  const stored = bytes.subarray(32, 64);
  if (!digest.every((b, i) => b === stored[i])) throw fail("checksum mismatch (file is corrupt)");
  const vocab = new TextDecoder().decode(bytes.subarray(HEADER_BYTES, HEADER_BYTES + vocabBytes));
  const words = count === 0 ? [] : vocab.split("\n");
  if (words.length !== count) throw fail(`vocabulary has ${words.length} words, header ${count}`);
  const scaleOffset = HEADER_BYTES + vocabPadded;
  const scales = new Float32Array(count);
  for (let i = 0; i < count; i++) scales[i] = view.getFloat32(scaleOffset + 4 * i, true);
  const quantized = new Int8Array(
    bytes.buffer,
    bytes.byteOffset + scaleOffset + 4 * count,
    count * dim,
  );
  return { dim, words, scales, quantized };
}

function badFormat(message: string): GeoError {
  return new GeoError("invalid_argument", `Cannot encode word vectors: ${message}`);
}
