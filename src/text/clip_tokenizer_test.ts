import assert from "node:assert/strict";
import {
  bytesToUnicode,
  cleanText,
  CLIP_CONTEXT_LENGTH,
  CLIP_EOT,
  CLIP_SOT,
  ClipTokenizer,
  unescapeHtml,
} from "./clip_tokenizer.ts";
import { GeoError } from "../kernels/errors.ts";

const tok = await ClipTokenizer.load();

/** First row of `tokenize`, without the zero padding. */
function ids(text: string): number[] {
  const row = Array.from(tok.tokenize([text]));
  const end = row.indexOf(CLIP_EOT);
  return row.slice(0, end + 1);
}

Deno.test("byte→unicode table is a bijection onto 256 distinct symbols", () => {
  const t = bytesToUnicode();
  assert.equal(new Set(t).size, 256);
  assert.equal(t[0x41], "A");
  assert.equal(t[0x20], "\u0120"); // space is the 33rd non-printable byte → U+0100+32
  assert.equal(t[0], "\u0100");
});

Deno.test("vocabulary has CLIP's 49408 entries with SOT/EOT last", () => {
  assert.equal(tok.vocabSize, 49408);
  assert.equal(tok.decode([CLIP_SOT]), "<|startoftext|>");
  assert.equal(tok.decode([CLIP_EOT]), "<|endoftext|>");
});

Deno.test("'a photo of a cat' matches the reference ids", () => {
  assert.deepEqual(ids("a photo of a cat"), [49406, 320, 1125, 539, 320, 2368, 49407]);
});

Deno.test("multi-piece words follow the merges", () => {
  // ids derived independently from the merges list
  assert.deepEqual(ids("shower curtain"), [49406, 7777, 17223, 49407]);
  assert.deepEqual(ids("otherfurniture"), [49406, 9758, 7993, 49407]);
  assert.deepEqual(ids("fire-extinguisher"), [49406, 1769, 268, 38567, 4510, 49407]);
  assert.deepEqual(ids("a {} in a scene"), [49406, 320, 39025, 530, 320, 3562, 49407]);
  // single letters: "a" is byte symbol 'a</w>' = 256 + index of 'a' (0x61 − 0x21 = 64)
  assert.equal(tok.encode("a")[0], 256 + 0x61 - 0x21);
});

Deno.test("cleaning: case, whitespace runs, punctuation, HTML entities", () => {
  assert.deepEqual(ids("Hello,   World!!"), [49406, 3306, 267, 1002, 748, 49407]);
  assert.deepEqual(ids("  HELLO,\tworld!! "), ids("hello, world!!"));
  assert.equal(unescapeHtml("&amp;amp; &#65;&#x42; &lt;x&gt; &bogus;"), "&amp; AB <x> &bogus;");
  assert.equal(cleanText(" A&amp;amp;B \n\n c "), "a&b c");
});

Deno.test("non-ASCII text and digits", () => {
  assert.deepEqual(ids("it's 2024 &amp; naïve café 日本"), [
    49406,
    585,
    568,
    273,
    271,
    273,
    275,
    261,
    1097,
    35689,
    563,
    15304,
    39121,
    19277,
    361,
    49407,
  ]);
  // NFD input is normalised to NFC first
  assert.deepEqual(ids("cafe\u0301"), ids("café"));
  assert.deepEqual(ids("über_table"), [49406, 6522, 1516, 318, 2175, 49407]);
});

Deno.test("empty and whitespace-only text give SOT EOT and zero padding", () => {
  const rows = tok.tokenize(["", "   "]);
  assert.equal(rows.length, 2 * CLIP_CONTEXT_LENGTH);
  for (const r of [0, 1]) {
    const row = rows.subarray(r * 77, (r + 1) * 77);
    assert.equal(row[0], CLIP_SOT);
    assert.equal(row[1], CLIP_EOT);
    assert.ok(row.subarray(2).every((v) => v === 0));
  }
});

Deno.test("long text is truncated to 77 with EOT last, or rejected", () => {
  const text = Array.from({ length: 100 }, () => "cat").join(" ");
  const row = tok.tokenize([text]);
  assert.equal(row.length, 77);
  assert.equal(row[0], CLIP_SOT);
  assert.equal(row[76], CLIP_EOT);
  assert.ok(row.subarray(1, 76).every((v) => v === 2368));
  assert.throws(
    () => tok.tokenize([text], { truncate: false }),
    (e) =>
      e instanceof GeoError && e.kind === "invalid_argument" && /context length/.test(e.message),
  );
  // exactly 75 words fit without truncation
  const fits = Array.from({ length: 75 }, () => "cat").join(" ");
  assert.equal(tok.tokenize([fits], { truncate: false })[76], CLIP_EOT);
});

Deno.test("decode inverts encode up to cleaning", () => {
  assert.equal(tok.decode(tok.encode("a photo of a cat")), "a photo of a cat ");
  assert.equal(tok.decode(tok.encode("naïve café")), "naïve café ");
  assert.throws(() => tok.decode([49408]), GeoError);
});

Deno.test("bad merges file is rejected", () => {
  assert.throws(() => new ClipTokenizer("header\ni n\n"), GeoError);
  const small = new ClipTokenizer("header\nc a\nca t</w>", 2);
  // 512 + rank: "c a" → 512 ("ca"), "ca t</w>" → 513 ("cat</w>")
  assert.deepEqual(small.encode("cat"), [513]);
  // "c a</w>" is not a merge: byte symbols 'c' (0x63 − 0x21) and 'a</w>' (256 + 0x61 − 0x21)
  assert.deepEqual(small.encode("ca"), [0x63 - 0x21, 256 + 0x61 - 0x21]);
  assert.deepEqual(small.encode("cat cat"), [513, 513]);
});
