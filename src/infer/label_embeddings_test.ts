import assert from "node:assert/strict";
import { GeoError } from "../kernels/errors.ts";
import type { EncodeOptions, TextEncoder } from "../text/text_encoder.ts";
import { OnnxTextEncoder } from "../text/onnx_text_encoder.ts";
import { createTinyModel } from "../../tests/fixtures/tiny_model.ts";
import { LabelEmbedder, sharedGloveEncoder } from "./label_embeddings.ts";
import { type LoadedModel, loadModel } from "../models/bundle.ts";

/** A fake encoder: row i = one-hot of (label length mod dim); records its calls. */
function fakeEncoder(dim: number) {
  const calls: { labels: string[]; template?: string }[] = [];
  const encoder: TextEncoder = {
    id: "fake@1",
    dim,
    encode(labels: string[], options?: EncodeOptions) {
      calls.push({ labels: [...labels], template: options?.template });
      const out = new Float32Array(labels.length * dim);
      labels.forEach((l, i) => (out[i * dim + (l.length % dim)] = 1));
      return Promise.resolve(out);
    },
  };
  return { encoder, calls };
}

function fakeModel(encoderName: string, dim = 4): LoadedModel {
  return {
    name: "m",
    version: 1,
    dims: { dg: 3, hidden: 2, dim },
    promptTemplate: "a {} here",
    manifest: { text_encoder: { name: encoderName } },
  } as unknown as LoadedModel;
}

const isKind = (kind: string) => (e: unknown) => e instanceof GeoError && e.kind === kind;

Deno.test("LabelEmbedder: model template by default, the request's when given; rows cached", async () => {
  const { encoder, calls } = fakeEncoder(4);
  const emb = new LabelEmbedder({ glove: () => Promise.resolve(encoder) });
  const model = fakeModel("glove-sg-100d@1");
  const a = await emb.embed(model, { labels: ["ab", "abc", "ab"] });
  assert.deepEqual([...a], [0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1, 0]);
  assert.deepEqual(calls, [{ labels: ["ab", "abc"], template: "a {} here" }]);
  await emb.embed(model, { labels: ["abc", "ab"], promptTemplate: "" });
  assert.equal(calls.length, 1); // both cached for the model template
  await emb.embed(model, { labels: ["abc", "x"], promptTemplate: "{} thing" });
  assert.deepEqual(calls[1], { labels: ["abc", "x"], template: "{} thing" });
  await assert.rejects(
    emb.embed(model, { labels: ["a"], promptTemplate: "no slot" }),
    isKind("invalid_argument"),
  );
  await assert.rejects(emb.embed(model, { labels: [] }), isKind("invalid_argument"));
});

Deno.test("LabelEmbedder: client vectors win; wrong width, client-only and unknown encoders fail", async () => {
  const { encoder, calls } = fakeEncoder(4);
  const emb = new LabelEmbedder({ glove: () => Promise.resolve(encoder) });
  const model = fakeModel("glove-sg-100d@1");
  const rows = await emb.embed(model, {
    labels: ["y", "x"],
    labelEmbeddings: [
      { label: "x", vector: new Float32Array([3, 0, 0, 4]) },
      { label: "y", vector: new Float32Array([0, 2, 0, 0]) },
    ],
  });
  assert.deepEqual([...rows], [0, 1, 0, 0, 0.6, 0, 0, 0.8].map(Math.fround));
  assert.equal(calls.length, 0);
  await assert.rejects(
    emb.embed(model, {
      labels: ["x"],
      labelEmbeddings: [{ label: "x", vector: new Float32Array(3) }],
    }),
    (e: unknown) => isKind("invalid_argument")(e) && /3.*expects 4/.test((e as Error).message),
  );
  await assert.rejects(
    emb.embed(fakeModel("client-embeddings"), { labels: ["x"] }),
    isKind("invalid_argument"),
  );
  await assert.rejects(
    emb.embed(fakeModel("word2vec"), { labels: ["x"] }),
    isKind("failed_precondition"),
  );
  await assert.rejects(
    emb.embed(fakeModel("glove-sg-100d@1", 8), { labels: ["x"] }),
    isKind("failed_precondition"),
  );
});

Deno.test("sharedGloveEncoder: one instance per process, used for GloVe models", async () => {
  const [a, b] = await Promise.all([sharedGloveEncoder(), sharedGloveEncoder()]);
  assert.equal(a, b);
  assert.equal(a.id, "glove-sg-100d@1");
  const emb = new LabelEmbedder();
  const rows = await emb.embed(fakeModel("glove-sg-100d@1", 100), { labels: ["chair", "table"] });
  assert.deepEqual(rows, await a.encode(["chair", "table"]));
  const norm = Math.hypot(...rows.subarray(0, 100));
  assert.ok(Math.abs(norm - 1) < 1e-5);
  assert.notDeepEqual(rows.subarray(0, 100), rows.subarray(100));
});

Deno.test("LabelEmbedder: a bundled clip-onnx text encoder with the model's or the request's template", async () => {
  const tiny = await createTinyModel({ textEncoder: "clip-onnx", dim: 8, hidden: 4 });
  assert.ok("text_encoder.onnx" in tiny.manifest.files);
  const model = await loadModel(tiny.root, tiny.name, 0, { skipWarmUp: true });
  const direct = await OnnxTextEncoder.create(model.files.file("text_encoder.onnx"), {
    id: "direct",
  });
  try {
    const emb = new LabelEmbedder({
      glove: () => Promise.reject(new Error("GloVe must not be loaded")),
    });
    const labels = ["chair", "table"];
    const rows = await emb.embed(model, { labels });
    assert.deepEqual(rows, await direct.encode(labels, { template: "{}" }));
    const templated = await emb.embed(model, { labels, promptTemplate: "a {} in a scene" });
    assert.deepEqual(templated, await direct.encode(labels, { template: "a {} in a scene" }));
    assert.notDeepEqual(templated, rows);
    assert.notDeepEqual(rows.subarray(0, 8), rows.subarray(8));
  } finally {
    await model.release();
  }
});
