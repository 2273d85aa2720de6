/**
 * Node 20 smoke test: the same modules the Deno suite tests, bundled into one
 * JS file by `deno bundle` and run with `node --test` (see
 * tests/node_smoke_test.ts). Native and wasm packages stay external imports.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng } from "../../src/kernels/random.ts";
import { decodeCloud } from "../../src/io/read_cloud.ts";
import { analyzeScene } from "../../src/features/scene_geometry.ts";
import { descriptorBackbone } from "../../src/features/backbones/backbone.ts";
import { sharedGloveEncoder } from "../../src/infer/label_embeddings.ts";
import { CLIENT_EMBEDDINGS_ENCODER } from "../../src/models/bundle.ts";
import { probeObjective } from "../../src/train/objective/probe.ts";
import { createSegmentService } from "../../src/infer/segment_service.ts";
import { segmentInput } from "../../src/infer/segment_input.ts";
import type { SegmentOutput } from "../../src/infer/api.ts";
import { gloveBinaryPath } from "../../src/text/glove_convert.ts";
import { createTinyModel } from "../fixtures/tiny_model.ts";

const SHARED = process.env.GEOGUIDE_SHARED ?? "";

test("Draco and PLY decode to the same points under Node", async () => {
  const name = `${SHARED}/data/open3d/derived/fragment_qp14_cl0.drc`;
  const drc = await decodeCloud(new Uint8Array(await readFile(name)), name);
  const plyName = `${SHARED}/data/open3d/derived/fragment_from_pcd.ply`;
  const ply = await decodeCloud(new Uint8Array(await readFile(plyName)), plyName);
  assert.equal(drc.count, 113662);
  assert.equal(ply.count, drc.count);
  let worst = 0;
  for (let i = 0; i < drc.coord.length; i++) {
    worst = Math.max(worst, Math.abs(drc.coord[i] - ply.coord[i]));
  }
  assert.ok(worst < 1e-3, `sequential Draco keeps order within quantization (${worst})`);
});

test("geometry chain and descriptor backbone run under Node", async () => {
  const name = `${SHARED}/data/open3d/derived/frag_115_qp14_cl7.drc`;
  const cloud = await decodeCloud(new Uint8Array(await readFile(name)), name);
  const geometry = analyzeScene(cloud);
  assert.equal(geometry.normal.length, cloud.count * 3);
  assert.ok(geometry.superpoints.count > 1 && geometry.superpoints.count < cloud.count);
  const backbone = descriptorBackbone();
  const features = await backbone.features(geometry);
  assert.equal(features.length, cloud.count * backbone.dim);
  assert.ok(features.every(Number.isFinite));
});

test("the objective probe runs in onnxruntime under Node and matches the worked case", async () => {
  const dir = `${SHARED}/docs/objective_cases`;
  const input = JSON.parse(await readFile(`${dir}/case_tiny.json`, "utf8"));
  const expected = JSON.parse(await readFile(`${dir}/expected_tiny.json`, "utf8"));
  const got = await probeObjective(input, { backend: "onnxruntime" });
  for (const k of ["sp", "mask", "sim", "total"] as const) {
    const ref = expected.loss[k];
    assert.ok(Math.abs(got.loss[k] - ref) <= 1e-4 * Math.max(Math.abs(ref), 1e-6), k);
  }
});

/** Labels are valid indices into `names` (−1 never: minScore −1), scores finite cosines. */
function checkOutput(out: SegmentOutput, count: number, names: readonly string[]): void {
  assert.equal(out.labels.length, count);
  const scores = out.scores ?? new Float32Array(0);
  assert.equal(scores.length, count);
  for (let i = 0; i < count; i++) {
    const label = out.labels[i], score = scores[i];
    assert.ok(label >= 0 && label < names.length, `point ${i}: label ${label}`);
    assert.ok(score >= -1.0001 && score <= 1.0001, `point ${i}: score ${score}`);
  }
  const counted = out.summary.reduce((a, c) => a + c.points, 0);
  assert.equal(counted, count, "the summary counts every point once");
  assert.ok(out.summary.every((c) => names.includes(c.label)), "summary names the labels");
}

test("the in-process segment service labels a Draco cloud under Node", async (t) => {
  const root = await mkdtemp(join(tmpdir(), "geoguide-node-models-"));
  const labels = ["wall", "floor", "chair"];
  const gloveFile = gloveBinaryPath(); // $GEOGUIDE_CACHE_DIR, set by tests/node_smoke_test.ts
  const hasGlove = await stat(gloveFile).then((s) => s.isFile(), () => false);
  await createTinyModel({ root, name: "tiny", textEncoder: CLIENT_EMBEDDINGS_ENCODER });
  if (hasGlove) await createTinyModel({ root, name: "tiny_glove", seed: 2 });
  const service = createSegmentService({
    modelsDir: root,
    defaultModel: "tiny",
    preloadText: false,
  });
  try {
    await service.whenStarted();
    assert.ok(service.ready(), "the default model loaded");
    const name = `${SHARED}/data/open3d/derived/frag_115_qp14_cl7.drc`;
    const bytes = new Uint8Array(await readFile(name));
    const decoded = await decodeCloud(bytes, name);
    assert.ok(decoded.count > 1000);
    const rng = new Rng(5);
    const request = segmentInput({ kind: "draco", bytes }, labels, {
      minScore: -1,
      returnScores: true,
      labelEmbeddings: labels.map((label) => ({
        label,
        vector: Float32Array.from({ length: 100 }, () => rng.normal()),
      })),
    });
    const signal = new AbortController().signal;
    const out = await service.segment(request, signal);
    assert.equal(out.model, "tiny");
    assert.equal(out.version, 1);
    checkOutput(out, decoded.count, labels);

    if (!hasGlove) {
      t.diagnostic(`GloVe part skipped: ${gloveFile} is not converted yet`);
      return;
    }
    // The process-wide GloVe encoder the service uses, read from the converted binary.
    const glove = await sharedGloveEncoder();
    assert.equal(glove.dim, 100);
    const rows = await glove.encode(labels);
    assert.equal(rows.length, labels.length * 100);
    for (let a = 0; a < labels.length; a++) {
      let norm = 0;
      for (let d = 0; d < 100; d++) norm += rows[a * 100 + d] ** 2;
      assert.ok(Math.abs(norm - 1) < 1e-4, `${labels[a]}: unit row (${norm})`);
      for (let b = 0; b < a; b++) {
        let dot = 0;
        for (let d = 0; d < 100; d++) dot += rows[a * 100 + d] * rows[b * 100 + d];
        assert.ok(dot < 0.99, `${labels[a]} and ${labels[b]} embed apart (${dot})`);
      }
    }
    const text = await service.segment(
      { ...request, model: "tiny_glove", labelEmbeddings: [] },
      signal,
    );
    assert.equal(text.model, "tiny_glove");
    checkOutput(text, decoded.count, labels);
  } finally {
    await service.close();
    await rm(root, { recursive: true, force: true });
  }
});
