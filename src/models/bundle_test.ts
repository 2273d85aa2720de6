import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GeoError } from "../kernels/errors.ts";
import { DESCRIPTOR_DIM, DESCRIPTOR_VERSION } from "../kernels/geometric_descriptor.ts";
import { Rng } from "../kernels/random.ts";
import { describeModel } from "../onnx/onnx_proto.ts";
import { initAdapterWeights } from "../features/adapter_graph.ts";
import {
  BUNDLE_FILES,
  bundleManifestDraft,
  decodeAdapterWeights,
  encodeAdapterWeights,
  loadModel,
  publishBundle,
  readAdapterWeights,
} from "./bundle.ts";
import { loadVersion } from "./registry.ts";

const dims = { dg: 5, hidden: 3, dim: 4 };

/** A temporary registry holding version 1 of model "m": a seeded adapter of `dims`. */
async function registryWithM(): Promise<string> {
  const root = await Deno.makeTempDir();
  await publishBundle(root, "m", {
    dims,
    weights: initAdapterWeights(dims, new Rng(1)),
    manifest: {},
  });
  return root;
}

/** `assert.throws` / `assert.rejects` check: a GeoError of `kind` whose message matches. */
function geoError(kind: GeoError["kind"], message = /(?:)/): (e: unknown) => boolean {
  return (e) => e instanceof GeoError && e.kind === kind && message.test(e.message);
}

Deno.test("adapter.bin: float32 LE w1, b1, w2, b2 in order, round trip", () => {
  const w = initAdapterWeights(dims, new Rng(2));
  const bytes = encodeAdapterWeights(dims, w);
  assert.equal(bytes.byteLength, 4 * (5 * 3 + 3 + 3 * 4 + 4));
  const view = new DataView(bytes.buffer);
  assert.equal(view.getFloat32(0, true), w.w1[0]);
  assert.equal(view.getFloat32(4 * 15, true), w.b1[0]);
  assert.equal(view.getFloat32(4 * 18, true), w.w2[0]);
  assert.equal(view.getFloat32(4 * 30, true), w.b2[0]);
  assert.deepEqual(decodeAdapterWeights(bytes, dims, "x"), w);
  assert.throws(
    () => decodeAdapterWeights(bytes.subarray(4), dims, "adapter.bin"),
    geoError("failed_precondition", /adapter\.bin/),
  );
  assert.throws(() => encodeAdapterWeights({ ...dims, dg: 6 }, w), /w1/);
});

Deno.test("bundleManifestDraft: defaults and the onnx backbone form", () => {
  const d = bundleManifestDraft({ dims: { dg: DESCRIPTOR_DIM, hidden: 8, dim: 100 } });
  assert.deepEqual(d.backbone, {
    kind: "descriptor",
    version: DESCRIPTOR_VERSION,
    dim: DESCRIPTOR_DIM,
  });
  assert.deepEqual(d.dims, { feature: 100, geometric: DESCRIPTOR_DIM, hidden: 8 });
  assert.deepEqual(d.text_encoder, { name: "glove-sg-100d@1", dim: 100 });
  assert.equal(d.prompt_template, "{}");
  assert.equal(d.voxel_size, 0.02);
  assert.equal(d.training, null);
  const o = bundleManifestDraft({
    dims,
    backbone: { kind: "onnx", version: "pt-1" },
    voxelSize: 0.05,
  });
  assert.deepEqual(o.backbone, { kind: "onnx", file: "backbone.onnx", version: "pt-1", dim: 5 });
  assert.equal(o.voxel_size, 0.05);
  assert.throws(() => bundleManifestDraft({ dims, voxelSize: 0 }), /Voxel size/);
});

Deno.test("publishBundle + loadModel: files, manifest, weights read back, classify works", async () => {
  const root = await Deno.makeTempDir();
  const d = { dg: DESCRIPTOR_DIM, hidden: 6, dim: 8 };
  const weights = initAdapterWeights(d, new Rng(5));
  const m = await publishBundle(root, "m", {
    dims: d,
    weights,
    extraFiles: { "loss_curve.png": new Uint8Array([1, 2, 3]) },
    manifest: { textEncoder: "client-embeddings", defaultLabels: ["a"], promptTemplate: "a {}" },
  });
  assert.deepEqual(Object.keys(m.files).sort(), ["adapter.bin", "adapter.onnx", "loss_curve.png"]);
  const summary = describeModel(await readFile(join(root, "m", "1", BUNDLE_FILES.adapterOnnx)));
  assert.deepEqual(summary.inputs.map((i) => i.name), ["geometric", "label_embeddings"]);
  assert.deepEqual(summary.outputs.map((o) => o.name), ["label", "score"]);
  const back = await readAdapterWeights(await loadVersion(root, "m"));
  assert.deepEqual(back.dims, d);
  assert.deepEqual(back.weights, weights);
  const model = await loadModel(root, "m");
  try {
    assert.equal(model.version, 1);
    assert.equal(model.promptTemplate, "a {}");
    assert.equal(model.voxelSize, 0.02);
    assert.equal(model.backbone.kind, "descriptor");
    const geo = Float32Array.from({ length: 2 * d.dg }, (_, i) => (i % 7) / 7);
    const { label, score } = await model.classify(geo, new Float32Array(2 * d.dim).fill(1));
    assert.equal(label.length, 2);
    assert.ok(score.every((s) => s >= -1.0001 && s <= 1.0001));
    const empty = await model.classify(new Float32Array(0), new Float32Array(d.dim).fill(1));
    assert.equal(empty.label.length, 0);
  } finally {
    await model.release();
  }
});

Deno.test("loadModel: a modified adapter file is failed_precondition, a missing version not_found", async () => {
  const root = await registryWithM();
  await assert.rejects(loadModel(root, "m", 3), geoError("not_found"));
  await assert.rejects(loadModel(root, "x"), geoError("not_found"));
  await writeFile(join(root, "m", "1", "adapter.bin"), new Uint8Array(8));
  await assert.rejects(loadModel(root, "m"), geoError("failed_precondition", /adapter\.bin/));
});

Deno.test("loadModel: a descriptor model whose dims.geometric differs from the descriptor is refused", async () => {
  // dims.dg = 5 but the descriptor backbone gives 48 features
  const root = await registryWithM();
  await assert.rejects(loadModel(root, "m"), geoError("failed_precondition", /48/));
});
