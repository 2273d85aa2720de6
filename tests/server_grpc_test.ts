import assert from "node:assert/strict";
import { bytesToFloat32, bytesToInt16 } from "../src/io/typed_bytes.ts";
import { GRPC_CODES as C } from "../src/server/status.ts";
import { SERVICE_NAMES } from "../src/server/grpc_api.ts";
import type { SegmentRequestMsg } from "../src/server/wire.ts";
import { heightBands, randomCoords, rejectsWith, startRig, xyzBytes } from "./server_fixtures.ts";

const labels = ["floor", "table", "shelf"];

function rawRequest(
  coord: Float32Array,
  extra: Partial<SegmentRequestMsg> = {},
): SegmentRequestMsg {
  return { cloud: { raw: { xyz: xyzBytes(coord) } }, labels, ...extra };
}

Deno.test("Segment round trip: int16 labels per point, scores, positions, summary, timing", async () => {
  const rig = await startRig();
  try {
    const coord = randomCoords(2000, 7);
    const res = await rig.client.segment(rawRequest(coord, {
      return_scores: true,
      return_positions: true,
      min_score: 0.7,
    }));
    const expected = heightBands(coord, labels.length, 0.7);
    assert.equal(res.point_count, 2000);
    assert.equal(res.labels.byteLength, 2 * 2000);
    const got = bytesToInt16(res.labels, "labels");
    assert.deepEqual(got, expected.labels);
    assert.ok(got.includes(-1), "min_score should leave some points unknown");
    assert.deepEqual(bytesToFloat32(res.scores, "scores"), expected.scores);
    assert.deepEqual(bytesToFloat32(res.positions, "positions"), coord);
    const total = res.summary.reduce((s, x) => s + x.points, 0);
    assert.equal(total, 2000);
    const floor = res.summary.find((s) => s.label === "floor")!;
    assert.equal(floor.points, expected.labels.filter((l) => l === 0).length);
    assert.equal(res.model, "bands");
    assert.equal(res.model_version, 2);
    assert.ok(res.timing && res.timing.total >= res.timing.queue && res.timing.total > 0);
    const plain = await rig.client.segment(rawRequest(coord));
    assert.equal(plain.scores.byteLength, 0);
    assert.equal(plain.positions.byteLength, 0);
    const models = await rig.client.listModels();
    assert.equal(models.default_model, "bands");
    assert.deepEqual(models.models[0].versions, [1, 2]);
    assert.equal(models.models[0].latest_version, 2);
  } finally {
    await rig.close();
  }
});

Deno.test("bad requests get the right status and the server answers the next one", async () => {
  const rig = await startRig({ maxPoints: 1000 });
  try {
    const good = randomCoords(10, 1);
    const nan = good.slice();
    nan[7] = NaN;
    const cases: [string, SegmentRequestMsg, number, RegExp][] = [
      ["empty labels", rawRequest(good, { labels: [] }), C.INVALID_ARGUMENT, /labels is empty/],
      [
        "blank label",
        rawRequest(good, { labels: ["a", " "] }),
        C.INVALID_ARGUMENT,
        /labels\[1\] is blank/,
      ],
      [
        "xyz not a multiple of 12",
        { cloud: { raw: { xyz: new Uint8Array(13) } }, labels },
        C.INVALID_ARGUMENT,
        /13 bytes, not a multiple of 12/,
      ],
      [
        "rgb length mismatch",
        { cloud: { raw: { xyz: xyzBytes(good), rgb: new Uint8Array(29) } }, labels },
        C.INVALID_ARGUMENT,
        /raw\.rgb has 29 bytes, expected 30/,
      ],
      [
        "normal length mismatch",
        { cloud: { raw: { xyz: xyzBytes(good), normal: new Uint8Array(12) } }, labels },
        C.INVALID_ARGUMENT,
        /raw\.normal has 12 bytes, expected 120/,
      ],
      [
        "NaN coordinate",
        rawRequest(nan),
        C.INVALID_ARGUMENT,
        /point 2 has a non-finite coordinate/,
      ],
      ["zero points", rawRequest(new Float32Array(0)), C.INVALID_ARGUMENT, /zero points/],
      ["no cloud", { labels }, C.INVALID_ARGUMENT, /cloud is missing/],
      [
        "truncated Draco",
        { cloud: { draco: new Uint8Array([68, 82, 65, 67, 79, 2]) }, labels },
        C.INVALID_ARGUMENT,
        /./,
      ],
      [
        "over the point limit",
        rawRequest(randomCoords(1001, 2)),
        C.RESOURCE_EXHAUSTED,
        /1001 points.*limit of 1000/,
      ],
      [
        "unknown model",
        rawRequest(good, { model: "nope" }),
        C.NOT_FOUND,
        /Unknown model "nope"; available: bands/,
      ],
      [
        "unknown version",
        rawRequest(good, { model: "bands", model_version: 9 }),
        C.NOT_FOUND,
        /no version 9/,
      ],
      [
        "embedding not float32",
        rawRequest(good, { label_embeddings: [{ label: "a", vector: new Uint8Array(6) }] }),
        C.INVALID_ARGUMENT,
        /label_embeddings\[0\]\.vector: 6 bytes/,
      ],
      [
        "template without {}",
        rawRequest(good, { prompt_template: "a thing" }),
        C.INVALID_ARGUMENT,
        /exactly one "{}"/,
      ],
    ];
    for (const [name, req, code, re] of cases) {
      await rejectsWith(rig.client.segment(req), code, re).catch((e) => {
        throw new Error(`${name}: ${e.message}`);
      });
      const ok = await rig.client.segment(rawRequest(good));
      assert.equal(ok.point_count, 10, `server still answers after '${name}'`);
    }
    const metrics = rig.server.metrics;
    assert.equal(metrics.requests.get({ method: "Segment", code: "INVALID_ARGUMENT" }), 11);
    assert.equal(metrics.requests.get({ method: "Segment", code: "NOT_FOUND" }), 2);
    assert.equal(metrics.requests.get({ method: "Segment", code: "OK" }), cases.length);
    const lines = rig.logs.map((l) => JSON.parse(l));
    const notFound = lines.find((l) => l.code === "NOT_FOUND");
    assert.equal(notFound.method, "Segment");
    assert.ok(typeof notFound.request_id === "string" && notFound.request_id.length > 0);
  } finally {
    await rig.close();
  }
});

Deno.test("bearer tokens: UNAUTHENTICATED when missing, PERMISSION_DENIED when wrong, per service", async () => {
  const rig = await startRig({ segmentToken: "seg-secret", trainToken: "train-secret" });
  const { GeoguideClient } = await import("../src/server/grpc.ts");
  const address = `127.0.0.1:${rig.server.grpcPort}`;
  const wrong = new GeoguideClient(address, { token: "train-secret" });
  const right = new GeoguideClient(address, { token: "seg-secret" });
  try {
    const req = rawRequest(randomCoords(5, 3));
    await rejectsWith(
      rig.client.segment(req),
      C.UNAUTHENTICATED,
      /requires 'authorization: Bearer/,
    );
    await rejectsWith(wrong.segment(req), C.PERMISSION_DENIED, /not valid for Segmentation/);
    await rejectsWith(rig.client.listModels(), C.UNAUTHENTICATED, /Bearer/);
    assert.equal((await right.segment(req)).point_count, 5);
    await rejectsWith(right.train([], () => {}), C.PERMISSION_DENIED, /not valid for Training/);
    assert.equal(await rig.client.health(), "SERVING", "health stays open");
  } finally {
    wrong.close();
    right.close();
    await rig.close();
  }
});

Deno.test("queue full → RESOURCE_EXHAUSTED; queue time measured; deadline and cancel abort work", async () => {
  const rig = await startRig({ concurrency: 1, maxQueued: 1 });
  try {
    rig.segmenter.hold = true;
    const req = rawRequest(randomCoords(50, 4));
    const first = rig.client.segment(req);
    const second = rig.client.segment(req);
    while (rig.segmenter.holding < 1 || rig.segmenter.calls < 1) {
      await new Promise((r) => setTimeout(r, 5));
    }
    await rejectsWith(rig.client.segment(req), C.RESOURCE_EXHAUSTED, /busy.*retry later/);
    await new Promise((r) => setTimeout(r, 40));
    rig.segmenter.hold = false;
    rig.segmenter.release();
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.point_count, 50);
    assert.ok(b.timing!.queue >= 30, `second waited ${b.timing!.queue} ms in the queue`);
    assert.ok(a.timing!.queue < b.timing!.queue);

    rig.segmenter.hold = true;
    await rejectsWith(
      rig.client.segment(req, { timeoutMs: 100 }),
      C.DEADLINE_EXCEEDED,
      /deadline/i,
    );
    const ac = new AbortController();
    const callsBefore = rig.segmenter.calls;
    const cancelled = rig.client.segment(req, { signal: ac.signal });
    while (rig.segmenter.calls === callsBefore) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    ac.abort();
    await rejectsWith(cancelled, C.CANCELLED, /cancel/i);
    const t0 = Date.now();
    while (rig.segmenter.aborted < 2 && Date.now() - t0 < 2000) {
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(
      rig.segmenter.aborted,
      2,
      "the service saw both the deadline and the cancellation",
    );
    rig.segmenter.hold = false;
    assert.equal((await rig.client.segment(req)).point_count, 50);
  } finally {
    await rig.close();
  }
});

Deno.test("health goes NOT_SERVING → SERVING with the default model; reflection lists the services", async () => {
  const rig = await startRig();
  try {
    rig.segmenter.isReady = false;
    rig.server.refreshReadiness();
    assert.equal(await rig.client.health(""), "NOT_SERVING");
    assert.equal(await rig.client.health(SERVICE_NAMES.segmentation), "NOT_SERVING");
    await rejectsWith(
      rig.client.segment(rawRequest(randomCoords(3, 5))),
      C.UNAVAILABLE,
      /not loaded/,
    );
    rig.segmenter.isReady = true;
    const t0 = Date.now();
    while ((await rig.client.health("")) !== "SERVING" && Date.now() - t0 < 2000) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(await rig.client.health(""), "SERVING", "the readiness poll picks the model up");
    assert.equal(await rig.client.health(SERVICE_NAMES.training), "SERVING");
    await rejectsWith(rig.client.health("no.such.Service"), C.NOT_FOUND, /./);
    const services = await rig.client.listServices();
    for (const s of [SERVICE_NAMES.segmentation, SERVICE_NAMES.training, "grpc.health.v1.Health"]) {
      assert.ok(services.includes(s), `reflection lists ${s}: ${services}`);
    }
  } finally {
    await rig.close();
  }
});

Deno.test("shutdown finishes the in-flight Segment, then refuses new calls", async () => {
  const rig = await startRig();
  try {
    rig.segmenter.hold = true;
    const req = rawRequest(randomCoords(20, 6));
    const inflight = rig.client.segment(req);
    while (rig.segmenter.holding < 1) await new Promise((r) => setTimeout(r, 5));
    const stopping = rig.server.shutdown();
    await new Promise((r) => setTimeout(r, 30));
    rig.segmenter.release();
    const res = await inflight;
    assert.equal(res.point_count, 20);
    await stopping;
    await assert.rejects(
      rig.client.segment(req, { timeoutMs: 500 }),
      (e: { code?: number }) => e.code === C.UNAVAILABLE,
    );
  } finally {
    await rig.close();
  }
});
