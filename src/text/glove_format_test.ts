import assert from "node:assert/strict";
import { decodeWordVectors, encodeWordVectors } from "./glove_format.ts";
import { GeoError } from "../kernels/errors.ts";
import { Rng } from "../kernels/random.ts";

function randomTable(rng: Rng, count: number, dim: number) {
  const words = Array.from({ length: count }, (_, i) => `w${i}-é`);
  const vectors = new Float32Array(count * dim);
  for (let i = 0; i < vectors.length; i++) vectors[i] = rng.normal() * 3;
  return { dim, words, vectors };
}

Deno.test("round trip keeps words and vectors within half a quantisation step", async () => {
  const rng = new Rng(3);
  const table = randomTable(rng, 57, 7);
  table.vectors.fill(0, 7, 14); // an all-zero row
  const bytes = await encodeWordVectors(table);
  const vocabBytes = new TextEncoder().encode(table.words.join("\n")).length;
  assert.equal(bytes.length, 64 + Math.ceil(vocabBytes / 4) * 4 + 57 * 4 + 57 * 7);
  const back = await decodeWordVectors(bytes);
  assert.deepEqual(back.words, table.words);
  assert.equal(back.dim, 7);
  for (let i = 0; i < 57; i++) {
    let maxAbs = 0;
    for (let d = 0; d < 7; d++) maxAbs = Math.max(maxAbs, Math.abs(table.vectors[i * 7 + d]));
    assert.ok(Math.abs(back.scales[i] - maxAbs / 127) <= 1e-6 * maxAbs);
    for (let d = 0; d < 7; d++) {
      const v = back.quantized[i * 7 + d] * back.scales[i];
      assert.ok(Math.abs(v - table.vectors[i * 7 + d]) <= back.scales[i] / 2 + 1e-9);
    }
  }
  assert.ok(back.quantized.subarray(7, 14).every((q) => q === 0));
});

Deno.test("empty table round-trips", async () => {
  const back = await decodeWordVectors(
    await encodeWordVectors({ dim: 3, words: [], vectors: new Float32Array(0) }),
  );
  assert.deepEqual(back.words, []);
});

Deno.test("corruption, truncation, bad magic and bad version are detected", async () => {
  const bytes = await encodeWordVectors(randomTable(new Rng(1), 10, 4));
  const fails = async (b: Uint8Array, pattern: RegExp) =>
    await assert.rejects(
      decodeWordVectors(b, "t.bin"),
      (e) => e instanceof GeoError && e.kind === "failed_precondition" && pattern.test(e.message),
    );
  const flipped = bytes.slice();
  flipped[bytes.length - 1] ^= 1;
  await fails(flipped, /t\.bin: checksum mismatch/);
  await fails(bytes.subarray(0, bytes.length - 1), /does not match header/);
  await fails(bytes.subarray(0, 10), /truncated header/);
  const magic = bytes.slice();
  magic[0] = 0x58;
  await fails(magic, /bad magic/);
  const version = bytes.slice();
  version[8] = 9;
  await fails(version, /unsupported version 9/);
});

Deno.test("encoding rejects bad words, shapes and non-finite values", async () => {
  const bad = (t: { dim: number; words: string[]; vectors: Float32Array }) =>
    assert.rejects(encodeWordVectors(t), GeoError);
  await bad({ dim: 2, words: ["a\nb"], vectors: new Float32Array(2) });
  await bad({ dim: 2, words: [""], vectors: new Float32Array(2) });
  await bad({ dim: 2, words: ["a"], vectors: new Float32Array(3) });
  await bad({ dim: 0, words: [], vectors: new Float32Array(0) });
  await bad({ dim: 1, words: ["a"], vectors: new Float32Array([NaN]) });
});
