import assert from "node:assert/strict";
import {
  cast,
  div,
  gather,
  Graph,
  matmul,
  mul,
  reduceMean,
  reduceSum,
  unsqueeze,
} from "../kernels/graph/mod.ts";
import { encodeModel } from "../onnx/onnx_proto.ts";
import { Rng } from "../kernels/random.ts";
import { GeoError } from "../kernels/errors.ts";
import { CLIP_EOT, ClipTokenizer } from "./clip_tokenizer.ts";
import { OnnxTextEncoder } from "./onnx_text_encoder.ts";

const V = 49408;
const E_DIM = 4;
const D = 3;
const rng = new Rng(5);
const table = Float32Array.from({ length: V * E_DIM }, () => rng.normal());
const proj = Float32Array.from({ length: E_DIM * D }, () => rng.normal());
const tokenizer = await ClipTokenizer.load();

/** Tiny text tower: token embedding → mean over tokens (masked or all 77) → projection. */
function tinyModel(options: { int32?: boolean; mask?: boolean } = {}): Uint8Array {
  const g = new Graph();
  const dtype = options.int32 ? "int32" : "int64";
  const ids = g.input("input_ids", ["B", 77], dtype);
  const emb = gather(g.constant(table, [V, E_DIM], { name: "token_embedding" }), ids);
  let pooled;
  if (options.mask) {
    const m = unsqueeze(cast(g.input("attention_mask", ["B", 77], dtype), "float32"), [2]);
    pooled = div(reduceSum(mul(emb, m), [1]), reduceSum(m, [1]));
  } else {
    pooled = reduceMean(emb, [1]);
  }
  g.output("text_embeds", matmul(pooled, g.constant(proj, [E_DIM, D], { name: "proj" })));
  return encodeModel(g);
}

/** Expected unit row for `text`: the same arithmetic in plain JS. */
function reference(text: string, masked: boolean): number[] {
  const ids = Array.from(tokenizer.tokenize([text]));
  const used = masked ? ids.slice(0, ids.indexOf(CLIP_EOT) + 1) : ids;
  const pooled = new Array(E_DIM).fill(0);
  for (const id of used) for (let e = 0; e < E_DIM; e++) pooled[e] += table[id * E_DIM + e];
  const out = new Array(D).fill(0);
  for (let d = 0; d < D; d++) {
    for (let e = 0; e < E_DIM; e++) out[d] += (pooled[e] / used.length) * proj[e * D + d];
  }
  const n = Math.hypot(...out);
  return out.map((x) => x / n);
}

function assertRows(rows: Float32Array, texts: string[], masked: boolean) {
  assert.equal(rows.length, texts.length * D);
  texts.forEach((text, i) => {
    const want = reference(text, masked);
    for (let d = 0; d < D; d++) {
      assert.ok(
        Math.abs(rows[i * D + d] - want[d]) < 1e-5,
        `${text}: ${rows[i * D + d]} vs ${want[d]}`,
      );
    }
  });
}

const session = { threads: 1, provider: "cpu" as const };

Deno.test("int64 model: tokens → embeddings, normalised, batched, template applied", async () => {
  const enc = await OnnxTextEncoder.create(tinyModel(), { id: "tiny@1", session, batchSize: 2 });
  try {
    assert.equal(enc.dim, D);
    const labels = ["chair", "shower curtain", "fire extinguisher"];
    assertRows(await enc.encode(labels), labels, false);
    const templated = await enc.encode(labels, { template: "a {} in a scene" });
    assertRows(templated, labels.map((l) => `a ${l} in a scene`), false);
    await assert.rejects(enc.encode(["x"], { template: "none" }), GeoError);
    await assert.rejects(enc.encode([]), GeoError);
  } finally {
    await enc.release();
  }
});

Deno.test("int32 model with an attention mask and a default template", async () => {
  const enc = await OnnxTextEncoder.create(tinyModel({ int32: true, mask: true }), {
    id: "tiny32@1",
    session,
    defaultTemplate: "a photo of a {}",
  });
  try {
    const rows = await enc.encode(["cat", "table"]);
    assertRows(rows, ["a photo of a cat", "a photo of a table"], true);
  } finally {
    await enc.release();
  }
});

Deno.test("a model whose output is not B×D is rejected", async () => {
  const g = new Graph();
  const ids = g.input("input_ids", ["B", 77], "int64");
  g.output("out", gather(g.constant(table, [V, E_DIM]), ids)); // B×77×4
  await assert.rejects(
    OnnxTextEncoder.create(encodeModel(g), { id: "bad@1", session }),
    (e) => e instanceof GeoError && /must be float B×D/.test(e.message),
  );
  await assert.rejects(
    OnnxTextEncoder.create(tinyModel(), { id: "bad@1", session, outputName: "nope" }),
    (e) => e instanceof GeoError && /no output "nope"/.test(e.message),
  );
});
