/**
 * CLIP's byte-level BPE tokenizer (the one of OpenAI CLIP's `simple_tokenizer.py`), for
 * feeding ONNX exports of CLIP text towers.
 *
 * Rules: text is cleaned (HTML entities unescaped twice, Unicode NFC, whitespace runs
 * collapsed, trimmed), lower-cased, split by CLIP's pattern (`'s 't 're 've 'm 'll 'd`,
 * letter runs, single digits, runs of other non-space symbols), each piece's UTF-8 bytes
 * are mapped through the byte→unicode table, merged with the first 48 894 merges of
 * `bpe_simple_vocab_16e6.txt.gz` (the last symbol carries `</w>`), and mapped to ids.
 * `tokenize` wraps ids in SOT 49406 … EOT 49407 and zero-pads to 77.
 *
 * Difference from the reference: `ftfy.fix_text` (repair of mojibake such as `Ã©`) is not
 * reproduced; only its NFC normalisation is. Correctly encoded text tokenizes identically.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { GeoError, invalid } from "../kernels/errors.ts";

/** Start-of-text token id. */
export const CLIP_SOT = 49406;
/** End-of-text token id. */
export const CLIP_EOT = 49407;
/** CLIP's context length (tokens per text, SOT and EOT included). */
export const CLIP_CONTEXT_LENGTH = 77;
/** Number of merges CLIP uses from the merges file (49152 − 256 − 2). */
export const CLIP_MERGE_COUNT = 49152 - 256 - 2;
/** Default location of the merges file (shipped in the repository). */
export const CLIP_BPE_PATH = new URL(
  "../../models/text/clip/bpe_simple_vocab_16e6.txt.gz",
  import.meta.url,
).pathname;

const END = "</w>";
const PATTERN =
  /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+/giu;

/**
 * GPT-2/CLIP byte→unicode table: printable Latin-1 bytes map to themselves, the other 68
 * bytes to U+0100… in byte order.
 *
 * @returns 256 one-character strings, index = byte value
 */
export function bytesToUnicode(): string[] {
  const table = new Array<string>(256);
  const printable = (b: number) =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = String.fromCodePoint(printable(b) ? b : 256 + n++);
  }
  return table;
}

/** The byte order CLIP's vocabulary lists the 256 base symbols in (printable ones first). */
function vocabularyByteOrder(): number[] {
  const order: number[] = [];
  const table = bytesToUnicode();
  for (let b = 0; b < 256; b++) if (table[b].codePointAt(0) === b) order.push(b);
  for (let b = 0; b < 256; b++) if (table[b].codePointAt(0) !== b) order.push(b);
  return order;
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: "\u00a0",
};

/** Unescapes `&name;`, `&#NNN;` and `&#xHH;` HTML character references (common names). */
export function unescapeHtml(text: string): string {
  return text.replace(/&(#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z]+);/g, (all, ref: string) => {
    if (ref[0] === "#") {
      const code = ref[1] === "x" || ref[1] === "X"
        ? parseInt(ref.slice(2), 16)
        : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : all;
    }
    return NAMED_ENTITIES[ref] ?? all;
  });
}

/** CLIP's text cleaning: NFC, HTML unescape ×2, whitespace collapsed, trimmed, lower-cased. */
export function cleanText(text: string): string {
  const unescaped = unescapeHtml(unescapeHtml(text.normalize("NFC")));
  return unescaped.replace(/\s+/gu, " ").trim().toLowerCase();
}

/** Options of {@link ClipTokenizer.tokenize}. */
export interface TokenizeOptions {
  /** Tokens per row, SOT/EOT included (default 77). */
  contextLength?: number;
  /** Cut long texts (keeping EOT last) instead of failing (default true). */
  truncate?: boolean;
}

/** CLIP BPE tokenizer over a merges list. */
export class ClipTokenizer {
  /** Vocabulary size (49 408 for CLIP). */
  readonly vocabSize: number;
  readonly #byteChar = bytesToUnicode();
  readonly #charByte = new Map<string, number>();
  readonly #encoder = new Map<string, number>();
  readonly #decoder: string[] = [];
  readonly #ranks = new Map<string, number>();
  readonly #cache = new Map<string, number[]>();

  /**
   * @param mergesText the merges file's text (first line is a header and skipped)
   * @param mergeCount merges to use (default {@link CLIP_MERGE_COUNT})
   */
  constructor(mergesText: string, mergeCount = CLIP_MERGE_COUNT) {
    const lines = mergesText.split("\n").slice(1, mergeCount + 1);
    if (lines.length !== mergeCount) {
      throw new GeoError(
        "failed_precondition",
        `CLIP merges file has ${lines.length} merges, expected ${mergeCount}`,
      );
    }
    this.#byteChar.forEach((c, b) => this.#charByte.set(c, b));
    const add = (symbol: string) => {
      this.#encoder.set(symbol, this.#decoder.length);
      this.#decoder.push(symbol);
    };
    const base = vocabularyByteOrder().map((b) => this.#byteChar[b]);
    base.forEach(add);
    base.forEach((c) => add(c + END));
    lines.forEach((line, rank) => {
      const [first, second] = line.split(/\s+/);
      this.#ranks.set(`${first} ${second}`, rank);
      add(first + second);
    });
    add("<|startoftext|>");
    add("<|endoftext|>");
    this.vocabSize = this.#decoder.length;
  }

  /**
   * Reads a gzip-compressed merges file.
   *
   * @param path default {@link CLIP_BPE_PATH}
   */
  static async load(path: string = CLIP_BPE_PATH): Promise<ClipTokenizer> {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (e) {
      throw new GeoError("failed_precondition", `Cannot read CLIP merges file ${path}`, {
        cause: e,
      });
    }
    return new ClipTokenizer(new TextDecoder().decode(gunzipSync(bytes)));
  }

  /** Ids of the BPE pieces of `text`, without SOT/EOT. */
  encode(text: string): number[] {
    const ids: number[] = [];
    const utf8 = new globalThis.TextEncoder();
    for (const match of cleanText(text).matchAll(PATTERN)) {
      const piece = match[0];
      if (piece === "<|startoftext|>" || piece === "<|endoftext|>") {
        ids.push(this.#encoder.get(piece)!);
        continue;
      }
      let mapped = "";
      for (const b of utf8.encode(piece)) mapped += this.#byteChar[b];
      ids.push(...this.#bpe(mapped));
    }
    return ids;
  }

  /** Text of token ids (`</w>` becomes a space; SOT/EOT are spelled out). */
  decode(ids: ArrayLike<number>): string {
    let symbols = "";
    for (let i = 0; i < ids.length; i++) {
      const s = this.#decoder[ids[i]];
      if (s === undefined) throw invalid(`Token id ${ids[i]} is outside the CLIP vocabulary`);
      symbols += s;
    }
    const bytes: number[] = [];
    const specials = /<\|startoftext\|>|<\|endoftext\|>|<\/w>/y;
    let out = "";
    const flush = () => {
      out += new TextDecoder().decode(new Uint8Array(bytes));
      bytes.length = 0;
    };
    for (let i = 0; i < symbols.length;) {
      specials.lastIndex = i;
      const m = specials.exec(symbols);
      if (m) {
        flush();
        out += m[0] === END ? " " : m[0];
        i += m[0].length;
        continue;
      }
      const c = String.fromCodePoint(symbols.codePointAt(i)!);
      bytes.push(this.#charByte.get(c) ?? 0x3f);
      i += c.length;
    }
    flush();
    return out;
  }

  /**
   * Tokenizes texts into CLIP's fixed-length rows: SOT, BPE ids, EOT, zeros.
   *
   * @returns Int32Array B×contextLength
   * @throws GeoError invalid_argument when a text is too long and `truncate` is false
   */
  tokenize(texts: string[], options: TokenizeOptions = {}): Int32Array {
    const length = options.contextLength ?? CLIP_CONTEXT_LENGTH;
    if (!Number.isInteger(length) || length < 2) {
      throw invalid(`Context length must be an integer ≥ 2 (got ${length})`);
    }
    const out = new Int32Array(texts.length * length);
    texts.forEach((text, i) => {
      const ids = [CLIP_SOT, ...this.encode(text), CLIP_EOT];
      if (ids.length > length) {
        if (options.truncate === false) {
          throw invalid(
            `Text ${JSON.stringify(text.slice(0, 40))}… is ${ids.length} tokens, over the ` +
              `context length ${length}`,
          );
        }
        ids.length = length;
        ids[length - 1] = CLIP_EOT;
      }
      out.set(ids, i * length);
    });
    return out;
  }

  #bpe(token: string): number[] {
    const cached = this.#cache.get(token);
    if (cached) return cached;
    const chars = Array.from(token);
    let word = [...chars.slice(0, -1), chars[chars.length - 1] + END];
    while (word.length > 1) {
      let best = Infinity;
      let pair = "";
      for (let i = 0; i + 1 < word.length; i++) {
        const key = `${word[i]} ${word[i + 1]}`;
        const rank = this.#ranks.get(key);
        if (rank !== undefined && rank < best) {
          best = rank;
          pair = key;
        }
      }
      if (best === Infinity) break;
      const [first, second] = pair.split(" ");
      const merged: string[] = [];
      for (let i = 0; i < word.length;) {
        if (word[i] === first && i + 1 < word.length && word[i + 1] === second) {
          merged.push(first + second);
          i += 2;
        } else {
          merged.push(word[i++]);
        }
      }
      word = merged;
    }
    const ids = word.map((s) => this.#encoder.get(s)!);
    if (this.#cache.size < 100_000) this.#cache.set(token, ids);
    return ids;
  }
}
