import assert from "node:assert/strict";
import { GeoError } from "../kernels/errors.ts";
import { Rng } from "../kernels/random.ts";
import { createTinyModel } from "../../tests/fixtures/tiny_model.ts";
import { createSegmentService } from "./segment_service.ts";
import type { SegmentInput } from "./api.ts";

/** A raw cloud of n random points in a 1 m cube, with a request around it. */
function rawRequest(n: number, over: Partial<SegmentInput> = {}): SegmentInput {
  const rng = new Rng(21);
  const xyz = Float32Array.from({ length: 3 * n }, () => rng.uniform(0, 1));
  const labels = ["a", "b"];
  return {
    cloud: { kind: "raw", xyz: new Uint8Array(xyz.buffer) },
    labels,
    model: "",
    version: 0,
    minScore: -1,
    returnScores: true,
    returnPositions: false,
    labelEmbeddings: labels.map((label, l) => ({
      label,
      vector: Float32Array.from({ length: 100 }, (_, i) => Math.cos(i * (l + 1))),
    })),
    promptTemplate: "",
    limits: { maxPoints: 10_000 },
    ...over,
  };
}

const never = () => new AbortController().signal;

Deno.test("segment service: loaded versions are bounded, evicted ones reload with the same result", async () => {
  const tiny = await createTinyModel({ name: "default" });
  for (const seed of [2, 3]) await createTinyModel({ root: tiny.root, name: "default", seed });
  const svc = createSegmentService({
    modelsDir: tiny.root,
    maxLoaded: 2,
    preloadText: false,
  });
  try {
    await svc.whenStarted();
    assert.deepEqual(svc.loadedVersions(), ["default@3"]);
    const first = await svc.segment(rawRequest(400, { version: 1 }), never());
    await svc.segment(rawRequest(400, { version: 2 }), never());
    assert.deepEqual(svc.loadedVersions(), ["default@1", "default@2"]);
    const latest = await svc.segment(rawRequest(400), never());
    assert.equal(latest.version, 3);
    assert.deepEqual(svc.loadedVersions(), ["default@2", "default@3"]);
    const again = await svc.segment(rawRequest(400, { version: 1 }), never());
    assert.deepEqual(again.scores, first.scores);
    assert.notDeepEqual(latest.scores, first.scores);
    assert.equal(svc.ready(), true);
  } finally {
    await svc.close();
  }
});

Deno.test("segment service: limits, bad raw input, abort after the start, positions on request", async () => {
  const tiny = await createTinyModel({ name: "default" });
  const svc = createSegmentService({
    modelsDir: tiny.root,
    preloadText: false,
  });
  try {
    await svc.whenStarted();
    const kind = (k: string) => (e: unknown) => e instanceof GeoError && e.kind === k;
    await assert.rejects(
      svc.segment(rawRequest(400, { limits: { maxPoints: 100 } }), never()),
      kind("resource_exhausted"),
    );
    const bad = rawRequest(10);
    await assert.rejects(
      svc.segment({ ...bad, cloud: { kind: "raw", xyz: new Uint8Array(13) } }, never()),
      kind("invalid_argument"),
    );
    const ac = new AbortController();
    const p = svc.segment(rawRequest(400), ac.signal);
    ac.abort();
    await assert.rejects(p, kind("cancelled"));
    const out = await svc.segment(
      rawRequest(50, { returnPositions: true, returnScores: false }),
      never(),
    );
    assert.equal(out.positions!.length, 150);
    assert.equal(out.scores, undefined);
    assert.equal(out.labels.length, 50);
  } finally {
    await svc.close();
  }
});

Deno.test("segment service: a configured default model that is missing keeps it not ready", async () => {
  const tiny = await createTinyModel({ name: "other" });
  const logs: string[] = [];
  const svc = createSegmentService({
    modelsDir: tiny.root,
    defaultModel: "default",
    log: (_level, message) => logs.push(message),
  });
  try {
    await svc.whenStarted();
    assert.equal(svc.ready(), false);
    assert.ok(logs.some((l) => /reload failed/.test(l)));
    const out = await svc.segment(rawRequest(30, { model: "other" }), never());
    assert.equal(out.model, "other");
  } finally {
    await svc.close();
  }
});

Deno.test("segment service: onChange reports the registry read before the model is ready, then readiness", async () => {
  const tiny = await createTinyModel({ name: "default" });
  const seen: { models: number; ready: boolean }[] = [];
  const svc = createSegmentService({
    modelsDir: tiny.root,
    preloadText: false,
    onChange: () => seen.push({ models: svc.listModels().length, ready: svc.ready() }),
  });
  try {
    await svc.whenStarted();
    assert.deepEqual(seen, [{ models: 1, ready: false }, { models: 1, ready: true }]);
    await svc.refresh();
    assert.equal(seen.length, 4);
    assert.deepEqual(seen.at(-1), { models: 1, ready: true });
  } finally {
    await svc.close();
  }
});

Deno.test("segment service: names and versions resolve from the catalog of the last registry read, not from disk", async () => {
  const tiny = await createTinyModel({ name: "default" });
  const svc = createSegmentService({ modelsDir: tiny.root, preloadText: false });
  try {
    await svc.whenStarted();
    await createTinyModel({ root: tiny.root, name: "default", seed: 2 });
    // Published but not yet refreshed: version 0 is still 1, version 2 is unknown.
    assert.equal((await svc.segment(rawRequest(50), never())).version, 1);
    await assert.rejects(
      svc.segment(rawRequest(50, { version: 2 }), never()),
      (e: unknown) => e instanceof GeoError && e.kind === "not_found",
    );
    await svc.refresh(); // what the server's registry watcher does once it noticed
    assert.equal((await svc.segment(rawRequest(50), never())).version, 2);
    assert.deepEqual(svc.listModels().map((m) => m.versions), [[1, 2]]);
  } finally {
    await svc.close();
  }
});
