import assert from "node:assert/strict";
import { GloveEncoder, loadGloveEncoder, tokenizeLabel, WordVectors } from "./glove.ts";
import { decodeWordVectors, encodeWordVectors } from "./glove_format.ts";
import { GeoError } from "../kernels/errors.ts";
import { SCANNET20 } from "../synth/classes.ts";

const WORDS: Record<string, number[]> = {
  shower: [1, 0, 0, 0],
  curtain: [0, 1, 0, 0],
  table: [0, 0, 2, 0],
  desk: [0, 0, 1, 1],
  other: [0, 0, 0, 4],
  furniture: [4, 0, 0, 0],
  in: [1, 1, 1, 1],
  scene: [1, -1, 1, -1],
};

async function fixture(): Promise<GloveEncoder> {
  const words = Object.keys(WORDS);
  const bytes = await encodeWordVectors({
    dim: 4,
    words,
    vectors: new Float32Array(words.flatMap((w) => WORDS[w])),
  });
  return new GloveEncoder(new WordVectors(await decodeWordVectors(bytes)), { id: "fixture@1" });
}

function unit(v: number[]): number[] {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

function assertRow(rows: Float32Array, i: number, expected: number[]) {
  const row = Array.from(rows.subarray(i * 4, (i + 1) * 4));
  row.forEach((v, d) => assert.ok(Math.abs(v - expected[d]) < 1e-6, `row ${i}: ${row}`));
}

const invalidWith = (pattern: RegExp) => (e: unknown) =>
  e instanceof GeoError && e.kind === "invalid_argument" && pattern.test(e.message);

Deno.test("tokenizeLabel lower-cases and splits on spaces, hyphens, underscores", () => {
  assert.deepEqual(tokenizeLabel("Shower_Curtain"), ["shower", "curtain"]);
  assert.deepEqual(tokenizeLabel("  fire-extinguisher  stand "), ["fire", "extinguisher", "stand"]);
  assert.deepEqual(tokenizeLabel("--"), []);
});

Deno.test("multi-word labels average their words, then normalise", async () => {
  const enc = await fixture();
  const rows = await enc.encode(["shower curtain", "Table", "other-furniture", "the desk"]);
  assert.equal(rows.length, 16);
  assertRow(rows, 0, unit([1, 1, 0, 0]));
  assertRow(rows, 1, [0, 0, 1, 0]);
  assertRow(rows, 2, unit([4, 0, 0, 4]));
  assertRow(rows, 3, unit([0, 0, 1, 1])); // article skipped
});

Deno.test("run-together dataset names use the alias table", async () => {
  const enc = await fixture();
  assert.deepEqual(enc.wordsOf("otherfurniture"), ["other", "furniture"]);
  const [a, b] = [await enc.encode(["otherfurniture"]), await enc.encode(["other furniture"])];
  assert.deepEqual(a, b);
});

Deno.test("template words are ignored; a bad template is rejected", async () => {
  const enc = await fixture();
  const bare = await enc.encode(["table", "shower curtain"]);
  assert.deepEqual(
    await enc.encode(["table", "shower curtain"], { template: "a {} in a scene" }),
    bare,
  );
  await assert.rejects(
    enc.encode(["table"], { template: "no placeholder" }),
    invalidWith(/exactly one/),
  );
});

Deno.test("unknown words, empty labels and article-only labels are errors, never zeros", async () => {
  const enc = await fixture();
  await assert.rejects(
    enc.encode(["table", "shower caddy"]),
    invalidWith(
      /Word "caddy" of label "shower caddy" is not in the vocabulary of text encoder fixture@1/,
    ),
  );
  await assert.rejects(enc.encode([]), invalidWith(/at least one/));
  await assert.rejects(enc.encode(["  "]), invalidWith(/Label 0 is empty/));
  await assert.rejects(enc.encode(["a"]), invalidWith(/no words/));
});

Deno.test("real GloVe table: all ScanNet-20 classes embed to distinct unit rows", async () => {
  // converts the npm package into .cache/ on the first run (≈ 15 s), then only loads
  const enc = await loadGloveEncoder();
  assert.equal(enc.dim, 100);
  assert.equal(enc.id, "glove-sg-100d@1");
  const rows = await enc.encode([...SCANNET20]);
  const cos = (i: number, j: number) => {
    let s = 0;
    for (let d = 0; d < 100; d++) s += rows[i * 100 + d] * rows[j * 100 + d];
    return s;
  };
  const at = (name: string) => SCANNET20.indexOf(name);
  for (let i = 0; i < SCANNET20.length; i++) {
    assert.ok(Math.abs(cos(i, i) - 1) < 1e-5);
    for (let j = 0; j < SCANNET20.length; j++) if (j !== i) assert.ok(cos(i, j) < 0.95);
  }
  // semantic sanity: furniture pairs are closer than unrelated pairs
  assert.ok(cos(at("table"), at("desk")) > cos(at("table"), at("toilet")));
  assert.ok(cos(at("curtain"), at("shower curtain")) > cos(at("curtain"), at("refrigerator")));
  await assert.rejects(enc.encode(["qwxzvbnm"]), invalidWith(/"qwxzvbnm"/));
});
