import assert from "node:assert/strict";
import { GeoError } from "../src/kernels/errors.ts";
import { Rng } from "../src/kernels/random.ts";
import { decodeCloudInput } from "../src/features/cloud_input.ts";
import { voxelFeatures } from "../src/infer/inference.ts";
import { loadModel, publishBundle } from "../src/models/bundle.ts";
import { segmentInput } from "../src/infer/segment_input.ts";
import { createSegmentService, type SegmentServiceHandle } from "../src/infer/segment_service.ts";
import { startRegistryWatch } from "../src/runtime/registry_watch.ts";
import type { CloudInput } from "../src/features/cloud_input.ts";
import type { SegmentInput, SegmentOutput } from "../src/infer/api.ts";
import { initAdapterWeights } from "../src/features/adapter_graph.ts";
import { createTinyModel } from "./fixtures/tiny_model.ts";
import {
  bruteClassify,
  randomEmbeddings,
  splittingEmbeddings,
} from "./fixtures/adapter_reference.ts";

const SHARED = Deno.env.get("GEOGUIDE_SHARED_DATA") ??
  new URL("../../shared/data", import.meta.url).pathname;
const KD = `${SHARED}/draco_testdata/pc_kd_color.drc`; // kd-tree: points reordered
const SEQ = `${SHARED}/draco_testdata/pc_color.drc`; // same points, sequential order

function request(cloud: CloudInput, over: Partial<SegmentInput> = {}): SegmentInput {
  const labels = over.labels ?? ["wall", "floor", "chair", "table"];
  return segmentInput(cloud, labels, {
    minScore: -1,
    returnScores: true,
    returnPositions: true,
    labelEmbeddings: randomEmbeddings([...labels], 100, 5),
    limits: { maxPoints: 1_000_000 },
    ...over,
  });
}

const never = () => new AbortController().signal;

/** A service over `options.root`, followed by the server's registry watcher when `watchIntervalMs` is set. */
async function withService<T>(
  options: { root: string; watchIntervalMs?: number },
  fn: (s: SegmentServiceHandle) => Promise<T>,
): Promise<T> {
  const s = createSegmentService({
    modelsDir: options.root,
    preloadText: false, // these tests send client embeddings
  });
  const watch = options.watchIntervalMs
    ? startRegistryWatch({
      modelsDir: options.root,
      intervalMs: options.watchIntervalMs,
      started: s.whenStarted(),
      current: () => s.listModels(),
      refresh: () => s.refresh(),
    })
    : undefined;
  try {
    await s.whenStarted();
    return await fn(s);
  } finally {
    watch?.stop();
    await watch?.idle();
    await s.close();
  }
}

async function rejectsKind(p: Promise<unknown>, kind: string, pattern?: RegExp) {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof GeoError, String(e));
    assert.equal(e.kind, kind, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

Deno.test("labels follow the decoded order, also for a kd-tree Draco file that reorders points", async () => {
  const tiny = await createTinyModel({ name: "default" });
  const labelEmbeddings = await splittingEmbeddings(tiny, SEQ, ["wall", "floor", "chair", "table"]);
  await withService({ root: tiny.root }, async (svc) => {
    assert.equal(svc.ready(), true);
    const results: { out: SegmentOutput; coord: Float32Array }[] = [];
    for (const path of [KD, SEQ]) {
      const cloud: CloudInput = { kind: "draco", bytes: await Deno.readFile(path) };
      const decoded = await decodeCloudInput(cloud, path, 1e6);
      const out = await svc.segment(request(cloud, { labelEmbeddings }), never());
      assert.equal(out.labels.length, decoded.count);
      assert.deepEqual(out.positions, decoded.coord);
      assert.equal(out.model, "default");
      assert.equal(out.version, 1);
      results.push({ out, coord: decoded.coord });
    }
    const [kd, seq] = results;
    // The two files hold the same points in different orders: a point's label must not
    // depend on where it sits in the file.
    const bySeq = new Map<string, number>();
    for (let i = 0; i < seq.out.labels.length; i++) {
      bySeq.set(
        `${seq.coord[3 * i]},${seq.coord[3 * i + 1]},${seq.coord[3 * i + 2]}`,
        seq.out.labels[i],
      );
    }
    let same = 0;
    for (let i = 0; i < kd.out.labels.length; i++) {
      const key = `${kd.coord[3 * i]},${kd.coord[3 * i + 1]},${kd.coord[3 * i + 2]}`;
      if (bySeq.get(key) === kd.out.labels[i]) same++;
    }
    assert.equal(same, kd.out.labels.length);
    // and the labels are not all the same (otherwise the check above proves nothing)
    assert.ok(new Set(kd.out.labels).size >= 3);
  });
});

Deno.test("same request twice gives the same labels and scores; summary matches the labels", async () => {
  const tiny = await createTinyModel({ name: "default" });
  const labelEmbeddings = await splittingEmbeddings(tiny, SEQ, ["wall", "floor", "chair", "table"]);
  await withService({ root: tiny.root }, async (svc) => {
    const cloud: CloudInput = { kind: "draco", bytes: await Deno.readFile(SEQ) };
    const a = await svc.segment(request(cloud, { labelEmbeddings }), never());
    const b = await svc.segment(request(cloud, { labelEmbeddings }), never());
    assert.ok(a.summary.length >= 3);
    assert.deepEqual(a.labels, b.labels);
    assert.deepEqual(a.scores, b.scores);
    const labels = ["wall", "floor", "chair", "table"];
    for (const s of a.summary) {
      const k = labels.indexOf(s.label);
      const idx = [...a.labels.keys()].filter((i) => a.labels[i] === k);
      assert.equal(s.points, idx.length);
      const mean = idx.reduce((acc, i) => acc + a.scores![i], 0) / idx.length;
      assert.ok(Math.abs(s.meanScore - mean) < 1e-9);
    }
    assert.equal(a.summary.reduce((acc, s) => acc + s.points, 0), a.labels.length);
    for (const t of ["decode", "features", "adapter", "text", "total"] as const) {
      assert.ok(a.timing[t] >= 0 && Number.isFinite(a.timing[t]), t);
    }
  });
});

Deno.test("min_score turns points below it into -1 'unknown'", async () => {
  const tiny = await createTinyModel({ name: "default" });
  const labelEmbeddings = await splittingEmbeddings(tiny, SEQ, ["wall", "floor", "chair", "table"]);
  await withService({ root: tiny.root }, async (svc) => {
    const cloud: CloudInput = { kind: "draco", bytes: await Deno.readFile(SEQ) };
    const all = await svc.segment(request(cloud, { minScore: -1, labelEmbeddings }), never());
    const sorted = Float32Array.from(all.scores!).sort();
    const threshold = sorted[Math.floor(sorted.length / 2)];
    const cut = await svc.segment(
      request(cloud, { minScore: threshold, returnScores: false, labelEmbeddings }),
      never(),
    );
    assert.equal(cut.scores, undefined);
    let unknown = 0;
    for (let i = 0; i < all.labels.length; i++) {
      if (all.scores![i] < threshold) {
        assert.equal(cut.labels[i], -1);
        unknown++;
      } else assert.equal(cut.labels[i], all.labels[i]);
    }
    assert.ok(unknown > 0);
    assert.equal(cut.summary.find((s) => s.label === "unknown")?.points, unknown);
    assert.equal(all.summary.find((s) => s.label === "unknown"), undefined);
  });
});

Deno.test("the adapter graph's argmax and score equal a brute-force cosine on the same features", async () => {
  const tiny = await createTinyModel({ seed: 3 });
  const model = await loadModel(tiny.root, tiny.name);
  try {
    const cloud = await decodeCloudInput(
      { kind: "draco", bytes: await Deno.readFile(SEQ) },
      SEQ,
      1e6,
    );
    const { features, grid } = await voxelFeatures(cloud, model);
    const split = await splittingEmbeddings(tiny, SEQ, ["a", "b", "c", "d", "e", "f", "g"]);
    const emb = new Float32Array(7 * 100);
    split.forEach((e, l) => emb.set(e.vector, l * 100));
    const got = await model.classify(features, emb);
    const want = bruteClassify(tiny.dims, tiny.weights, features, emb);
    assert.equal(got.label.length, grid.count);
    for (let i = 0; i < grid.count; i++) {
      assert.ok(Math.abs(got.score[i] - want.score[i]) < 1e-4, `score ${i}`);
      if (want.gap[i] > 1e-4) assert.equal(got.label[i], want.label[i], `label ${i}`);
    }
    assert.ok(new Set(want.label).size >= 4);
  } finally {
    await model.release();
  }
});

Deno.test("client embeddings: used as given, dim mismatch is invalid_argument", async () => {
  const tiny = await createTinyModel({ name: "default" });
  await withService({ root: tiny.root }, async (svc) => {
    const cloud: CloudInput = { kind: "draco", bytes: await Deno.readFile(SEQ) };
    const labels = ["a", "b", "c"];
    const emb = await splittingEmbeddings(tiny, SEQ, labels);
    const out = await svc.segment(request(cloud, { labels, labelEmbeddings: emb }), never());
    // the same rows given in another order and scaled give the same labels (matched by name)
    const shuffled = [emb[2], emb[0], { label: "b", vector: emb[1].vector.map((x) => 3 * x) }];
    const again = await svc.segment(request(cloud, { labels, labelEmbeddings: shuffled }), never());
    assert.deepEqual(again.labels, out.labels);
    assert.equal(new Set(out.labels).size, 3);
    const wrong = randomEmbeddings(labels, 64, 9);
    await rejectsKind(
      svc.segment(request(cloud, { labels, labelEmbeddings: wrong }), never()),
      "invalid_argument",
      /64.*100/,
    );
    const missing = emb.slice(0, 2);
    await rejectsKind(
      svc.segment(request(cloud, { labels, labelEmbeddings: missing }), never()),
      "invalid_argument",
      /"c"/,
    );
  });
});

Deno.test("unknown model or version is not_found; an aborted request is cancelled", async () => {
  const tiny = await createTinyModel({ name: "default" });
  await withService({ root: tiny.root }, async (svc) => {
    const cloud: CloudInput = { kind: "draco", bytes: await Deno.readFile(KD) };
    await rejectsKind(svc.segment(request(cloud, { model: "nope" }), never()), "not_found", /nope/);
    await rejectsKind(
      svc.segment(request(cloud, { version: 7 }), never()),
      "not_found",
      /version 7/,
    );
    await rejectsKind(
      svc.segment(request(cloud, { model: "default", version: 2 }), never()),
      "not_found",
    );
    const ac = new AbortController();
    ac.abort();
    await rejectsKind(svc.segment(request(cloud), ac.signal), "cancelled");
    const timeout = new AbortController();
    timeout.abort(new DOMException("late", "TimeoutError"));
    await rejectsKind(svc.segment(request(cloud), timeout.signal), "deadline_exceeded");
  });
});

Deno.test("hot reload: a newly published version and model are served without restart", async () => {
  const tiny = await createTinyModel({ name: "default" });
  await withService({ root: tiny.root, watchIntervalMs: 30 }, async (svc) => {
    const cloud: CloudInput = { kind: "draco", bytes: await Deno.readFile(SEQ) };
    const v1 = await svc.segment(request(cloud), never());
    assert.equal(v1.version, 1);
    assert.deepEqual(svc.listModels().map((m) => [m.name, m.versions, m.isDefault]), [["default", [
      1,
    ], true]]);
    const dims = tiny.dims;
    await publishBundle(tiny.root, "default", {
      dims,
      weights: initAdapterWeights(dims, new Rng(99)),
      manifest: { defaultLabels: ["x"] },
    });
    await createTinyModel({ root: tiny.root, name: "site", seed: 4 });
    // Served once the registry watcher has noticed (and refreshed the catalog).
    const deadline = Date.now() + 5000;
    while (svc.listModels().length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const v2 = await svc.segment(request(cloud), never());
    assert.equal(v2.version, 2);
    assert.notDeepEqual(v2.scores, v1.scores);
    const old = await svc.segment(request(cloud, { version: 1 }), never());
    assert.deepEqual(old.scores, v1.scores);
    assert.deepEqual(svc.listModels().map((m) => [m.name, m.versions]), [["default", [1, 2]], [
      "site",
      [1],
    ]]);
    const site = await svc.segment(request(cloud, { model: "site" }), never());
    assert.equal(site.model, "site");
    assert.equal(svc.ready(), true);
    assert.ok(svc.loadedVersions().length <= 3);
  });
});

Deno.test("not ready without a model; ready once the default model is published", async () => {
  const root = await Deno.makeTempDir({ prefix: "geoguide-models-" });
  await withService({ root, watchIntervalMs: 30 }, async (svc) => {
    assert.equal(svc.ready(), false);
    const cloud: CloudInput = { kind: "draco", bytes: await Deno.readFile(KD) };
    await rejectsKind(svc.segment(request(cloud), never()), "unavailable");
    await createTinyModel({ root, name: "default" });
    const deadline = Date.now() + 10000;
    while (!svc.ready() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(svc.ready(), true);
  });
});

Deno.test("ONNX backbone model: served end to end through the bundle", async () => {
  const tiny = await createTinyModel({ name: "default", backbone: "onnx", onnxDim: 12 });
  assert.equal(tiny.manifest.backbone.kind, "onnx");
  await withService({ root: tiny.root }, async (svc) => {
    const cloud: CloudInput = { kind: "draco", bytes: await Deno.readFile(KD) };
    const out = await svc.segment(request(cloud), never());
    assert.equal(out.labels.length, 7733);
    assert.ok(out.scores!.every((s) => s >= -1 - 1e-5 && s <= 1 + 1e-5));
  });
});
