import assert from "node:assert/strict";
import { GeoError } from "../kernels/errors.ts";
import { createTinyModel } from "../../tests/fixtures/tiny_model.ts";
import { randomEmbeddings } from "../../tests/fixtures/adapter_reference.ts";
import { segmentInput } from "../infer/segment_input.ts";
import { createSegmentService } from "../infer/segment_service.ts";
import { type SegmentWorkersHandle, startSegmentWorkers } from "./segment_workers.ts";
import { SegmentLane } from "./admission.ts";
import type { SegmentInput, SegmentOutput } from "../infer/api.ts";

const KD = new URL("../../../shared/data/draco_testdata/pc_kd_color.drc", import.meta.url);
const tiny = await createTinyModel({ name: "default" });
const service = { modelsDir: tiny.root, preloadText: false };
const draco = await Deno.readFile(KD);
const labels = ["a", "b", "c"];

/** A request with client embeddings (no text encoder needed), scores and positions. */
const request = (cloud: SegmentInput["cloud"]): SegmentInput =>
  segmentInput(cloud, labels, {
    minScore: -1,
    returnScores: true,
    returnPositions: true,
    labelEmbeddings: randomEmbeddings(labels, 100, 5),
  });

const bytesOf = (a?: ArrayBufferView) =>
  a ? new Uint8Array(a.buffer, a.byteOffset, a.byteLength) : undefined;

/** Asserts that two results hold the same bytes (labels, scores, positions) and summary. */
function assertSameResult(got: SegmentOutput, want: SegmentOutput): void {
  assert.deepEqual(bytesOf(got.labels), bytesOf(want.labels));
  assert.deepEqual(bytesOf(got.scores), bytesOf(want.scores));
  assert.deepEqual(bytesOf(got.positions), bytesOf(want.positions));
  assert.deepEqual(got.summary, want.summary);
  assert.deepEqual([got.model, got.version], [want.model, want.version]);
}

const signal = () => new AbortController().signal;

async function rejection(p: Promise<unknown>): Promise<GeoError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof GeoError, `a GeoError, got ${e}`);
    return e;
  }
  throw new Error("expected a rejection");
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

async function withPool(
  workers: number,
  body: (pool: SegmentWorkersHandle, held: number[]) => Promise<void>,
): Promise<void> {
  const held: number[] = [];
  const pool = await startSegmentWorkers({
    workers,
    service,
    testHooks: { onHeld: (id) => held.push(id) },
  });
  try {
    await until(() => pool.capacity() === workers); // every worker ready
    await body(pool, held);
  } finally {
    await pool.close();
  }
}

Deno.test("segment workers: results equal the in-process service bit for bit; errors keep kind and message", async () => {
  const local = createSegmentService(service);
  await local.whenStarted();
  try {
    await withPool(2, async (pool) => {
      assert.deepEqual(pool.listModels(), local.listModels());
      assert.equal(pool.workerCount(), 2);
      const xyz = new Float32Array(3 * 500).map((_, i) => (i * 0.37) % 3);
      const raw = { kind: "raw" as const, xyz: new Uint8Array(xyz.buffer) };
      const inputs = [request({ kind: "draco", bytes: draco }), request(raw)];
      // Both at once: one per worker.
      const [a, b] = await Promise.all(inputs.map((x) => pool.segment(x, signal())));
      assert.equal(a.labels.length, 7733);
      assertSameResult(a, await local.segment(inputs[0], signal()));
      assertSameResult(b, await local.segment(inputs[1], signal()));
      assert.equal(draco.byteLength > 0 && xyz.length, 1500, "the caller's arrays stay usable");
      assert.equal(pool.load.inFlight, 0);
      // A GeoError raised in the worker keeps its kind and message.
      const truncated = request({ kind: "draco", bytes: draco.slice(0, 200) });
      const want = await rejection(local.segment(truncated, signal()));
      const got = await rejection(pool.segment(truncated, signal()));
      assert.equal(want.kind, "invalid_argument");
      assert.deepEqual([got.kind, got.message], [want.kind, want.message]);
      const unknown = await rejection(pool.segment({ ...inputs[1], model: "nope" }, signal()));
      assert.equal(unknown.kind, "not_found");
    });
  } finally {
    await local.close();
  }
});

Deno.test("segment workers: cancellation is forwarded to the worker, which stops with its reason", async () => {
  await withPool(1, async (pool, held) => {
    pool.test("hold");
    const ac = new AbortController();
    const p = pool.segment(request({ kind: "draco", bytes: draco }), ac.signal);
    await until(() => held.length === 1);
    assert.equal(pool.load.inFlight, 1);
    // The pool answers only when the worker does: the reason comes back from the worker.
    ac.abort(new GeoError("deadline_exceeded", "Deadline of the test call"));
    const e = await rejection(p);
    assert.deepEqual([e.kind, e.message], ["deadline_exceeded", "Deadline of the test call"]);
    assert.equal(pool.load.inFlight, 0);
    const ok = await pool.segment(request({ kind: "draco", bytes: draco }), signal());
    assert.equal(ok.labels.length, 7733);
  });
});

Deno.test("segment workers: a crashing worker fails its request cleanly and is replaced", async () => {
  await withPool(1, async (pool, held) => {
    pool.test("hold");
    const p = pool.segment(request({ kind: "draco", bytes: draco }), signal());
    await until(() => held.length === 1);
    pool.test("crash");
    const e = await rejection(p);
    assert.equal(e.kind, "internal");
    assert.match(e.message, /stopped unexpectedly/);
    assert.equal(pool.load.inFlight, 0);
    await until(() => pool.ready());
    assert.equal(pool.workerCount(), 1);
    const ok = await pool.segment(request({ kind: "draco", bytes: draco }), signal());
    assert.equal(ok.labels.length, 7733);
  });
});

Deno.test("segment workers: refresh reaches every worker; a worker module that cannot run fails the start", async () => {
  const root = await Deno.makeTempDir({ prefix: "geoguide-pool-" });
  await createTinyModel({ root, name: "default" });
  const pool = await startSegmentWorkers({ workers: 2, service: { ...service, modelsDir: root } });
  try {
    assert.deepEqual(pool.listModels().map((m) => m.versions), [[1]]);
    await createTinyModel({ root, name: "default", seed: 2 });
    await pool.refresh();
    assert.deepEqual(pool.listModels().map((m) => m.versions), [[1, 2]]);
  } finally {
    await pool.close();
  }
  await assert.rejects(
    startSegmentWorkers({
      workers: 1,
      service,
      workerUrl: new URL("./no_such_worker_module.ts", import.meta.url),
    }),
  );
});

Deno.test("segment workers: the pool has no queue; admission hands it work only while a worker is free, also while one is replaced", async () => {
  await withPool(1, async (pool, held) => {
    const lane = new SegmentLane({ concurrency: 4, maxQueued: 4, executor: pool });
    assert.equal(pool.capacity(), 1);
    let handedWhileBusy = 0;
    const viaLane = (i: number) =>
      lane.run(() => {
        if (pool.load.inFlight >= pool.capacity()) handedWhileBusy++;
        return pool.segment(request({ kind: "draco", bytes: draco }), signal());
      }, signal()).then((out) => [i, out.labels.length]);
    pool.test("hold");
    const first = viaLane(0);
    await until(() => held.length === 1);
    const rest = [1, 2].map(viaLane);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual([lane.running, lane.queued, pool.load.inFlight], [1, 2, 1]);
    // Handed a request beyond its free workers (without admission), the pool refuses at once.
    const e = await rejection(pool.segment(request({ kind: "draco", bytes: draco }), signal()));
    assert.equal(e.kind, "resource_exhausted");
    // The held worker crashes: its request fails, the others wait in admission (not in the
    // pool) until the replacement can take work.
    pool.test("crash");
    assert.equal((await rejection(first)).kind, "internal");
    assert.equal(lane.queued + lane.running, 2);
    assert.deepEqual(await Promise.all(rest), [[1, 7733], [2, 7733]]);
    assert.equal(handedWhileBusy, 0, "admission never handed the pool more than it could run");
    assert.deepEqual([lane.running, lane.queued, pool.load.inFlight], [0, 0, 0]);
  });
});
