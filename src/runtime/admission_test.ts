import assert from "node:assert/strict";
import { GeoError } from "../kernels/errors.ts";
import type { TrainConfigInput, TrainResult, TrainService } from "../train/api.ts";
import { createAdmission, type SegmentExecutorSlots, SegmentLane, TrainLane } from "./admission.ts";

// --- Segment lane ---

function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

Deno.test("segment lane: at most `concurrency` jobs run, the rest wait in FIFO order", async () => {
  const q = new SegmentLane({ concurrency: 2, maxQueued: 5 });
  const signal = new AbortController().signal;
  const order: number[] = [];
  let peak = 0;
  const gates = [0, 1, 2, 3, 4].map(() => gate());
  const jobs = gates.map((g, i) =>
    q.run(async () => {
      order.push(i);
      peak = Math.max(peak, q.running);
      await g.promise;
      return i;
    }, signal)
  );
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(q.running, 2);
  assert.equal(q.queued, 3);
  for (const g of gates) g.open();
  assert.deepEqual(await Promise.all(jobs), [0, 1, 2, 3, 4]);
  assert.deepEqual(order, [0, 1, 2, 3, 4]);
  assert.equal(peak, 2);
  assert.equal(q.running + q.queued, 0);
});

Deno.test("segment lane: a full queue rejects with resource_exhausted; queue time is measured", async () => {
  const q = new SegmentLane({ concurrency: 1, maxQueued: 1 });
  const signal = new AbortController().signal;
  const g = gate();
  const first = q.run(() => g.promise, signal);
  let waited = -1;
  const second = q.run((ms) => {
    waited = ms;
    return Promise.resolve();
  }, signal);
  await assert.rejects(
    q.run(() => Promise.resolve(), signal),
    (e: unknown) => e instanceof GeoError && e.kind === "resource_exhausted",
  );
  await new Promise((r) => setTimeout(r, 30));
  g.open();
  await first;
  await second;
  assert.ok(waited >= 25, `waited ${waited} ms`);
});

Deno.test("segment lane: aborting a queued job removes it without running it", async () => {
  const q = new SegmentLane({ concurrency: 1, maxQueued: 2 });
  const g = gate();
  const first = q.run(() => g.promise, new AbortController().signal);
  const ac = new AbortController();
  let ran = false;
  const second = q.run(() => {
    ran = true;
    return Promise.resolve();
  }, ac.signal);
  ac.abort(new DOMException("gone", "AbortError"));
  await assert.rejects(
    second,
    (e: unknown) => e instanceof DOMException && e.name === "AbortError",
  );
  assert.equal(q.queued, 0);
  g.open();
  await first;
  assert.equal(ran, false);
});

/** An executor whose capacity the test sets; it tells the lane when it grows. */
function fakeExecutor(capacity: number): SegmentExecutorSlots & { set(n: number): void } {
  const listeners: (() => void)[] = [];
  return {
    capacity: () => capacity,
    onCapacity: (l) => void listeners.push(l),
    set(n) {
      capacity = n;
      for (const l of listeners) l();
    },
  };
}

Deno.test("segment lane: never runs more than the executor's capacity; waiters start when it grows", async () => {
  const executor = fakeExecutor(1);
  const q = new SegmentLane({ concurrency: 4, maxQueued: 4, executor });
  const signal = new AbortController().signal;
  const gates = [0, 1, 2].map(() => gate());
  let peak = 0;
  const jobs = gates.map((g) =>
    q.run(async () => {
      peak = Math.max(peak, q.running);
      await g.promise;
    }, signal)
  );
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual([q.running, q.queued], [1, 2]);
  executor.set(0); // e.g. a worker died: the running call keeps its place, nothing starts
  gates[0].open();
  await jobs[0];
  assert.deepEqual([q.running, q.queued], [0, 2]);
  assert.equal(q.full, false, "two places left in the queue");
  executor.set(3); // the replacement (and two more) can take work: both waiters start
  assert.deepEqual([q.running, q.queued], [2, 0]);
  for (const g of gates) g.open();
  await Promise.all(jobs);
  assert.equal(peak, 2);
});

Deno.test("segment lane: full only when no place is free and the queue is full", async () => {
  const q = new SegmentLane({ concurrency: 1, maxQueued: 0 });
  const signal = new AbortController().signal;
  assert.equal(q.full, false);
  const g = gate();
  const first = q.run(() => g.promise, signal);
  assert.equal(q.full, true);
  await assert.rejects(
    q.run(() => Promise.resolve(), signal),
    (e: unknown) =>
      e instanceof GeoError && e.kind === "resource_exhausted" &&
      e.message === "The server is busy: 1 requests running and 0 queued; retry later",
  );
  g.open();
  await first;
  assert.equal(q.full, false);
});

// --- Train lane ---

/** A training service whose runs end when the test releases them. */
function gatedService(): { service: TrainService; release: () => void; started: () => number } {
  let started = 0;
  const waiters: (() => void)[] = [];
  return {
    service: {
      train() {
        started++;
        return new Promise<TrainResult>((resolve) =>
          waiters.push(() => resolve({ model: "m", version: started, summary: {} }))
        );
      },
    },
    release: () => waiters.splice(0).forEach((w) => w()),
    started: () => started,
  };
}

const request = { config: {} as never, scenes: [] };
const signal = new AbortController().signal;

Deno.test("train lane: refuses calls beyond the slot count and frees slots when runs end", async () => {
  const gate = gatedService();
  const guarded = new TrainLane(2).guard(gate.service);
  const a = guarded.train(request, signal, () => {});
  const b = guarded.train(request, signal, () => {});
  await assert.rejects(
    guarded.train(request, signal, () => {}),
    (e: unknown) => e instanceof GeoError && e.kind === "resource_exhausted",
  );
  assert.equal(gate.started(), 2);
  gate.release();
  await Promise.all([a, b]);
  const c = guarded.train(request, signal, () => {});
  gate.release();
  assert.equal((await c).version, 3);
});

Deno.test("train lane: frees the slot when a run fails", async () => {
  let calls = 0;
  const failing: TrainService = {
    train: () => Promise.reject(new GeoError("cancelled", `run ${++calls} cancelled`)),
  };
  const guarded = new TrainLane(1).guard(failing);
  await assert.rejects(guarded.train(request, signal, () => {}), /run 1/);
  await assert.rejects(guarded.train(request, signal, () => {}), /run 2/);
  assert.throws(() => new TrainLane(0), RangeError);
  assert.equal(createAdmission({ concurrency: 1, maxQueued: 0, trainingSlots: 0 }).train, null);
});

/** A gated service that also remembers published request ids (replay). */
function replayingService() {
  const gate = gatedService();
  const published = new Map<string, TrainResult>();
  const service: TrainService = {
    async train(request, signal, onEvent) {
      const r = await gate.service.train(request, signal, onEvent);
      if (request.config.requestId) published.set(request.config.requestId, r);
      return r;
    },
    replay: (_site, id) =>
      Promise.resolve(
        published.has(id) ? { ...published.get(id)!, summary: { replay: true } } : null,
      ),
  };
  return { ...gate, service };
}

const withId = (requestId: string) => ({
  config: { site: "lab", requestId } as TrainConfigInput,
  scenes: [],
});
const tick = () => new Promise((r) => setTimeout(r, 0));

Deno.test("train lane: a twin request id waits without a slot, then replays the first", async () => {
  const gate = replayingService();
  const guarded = new TrainLane(1).guard(gate.service);
  assert.equal(typeof guarded.replay, "function");
  const first = guarded.train(withId("job"), signal, () => {});
  const twin = guarded.train(withId("job"), signal, () => {});
  await tick();
  assert.equal(gate.started(), 1, "the twin waits");
  // The only slot is held by the first: another request is refused at once.
  await assert.rejects(
    guarded.train(withId("other"), signal, () => {}),
    (e: unknown) => e instanceof GeoError && e.kind === "resource_exhausted",
  );
  gate.release();
  const [a, b] = await Promise.all([first, twin]);
  assert.equal(a.version, b.version);
  assert.deepEqual(b.summary, { replay: true });
  assert.equal(gate.started(), 1, "the twin trained nothing");
});

Deno.test("train lane: a call cancelled while waiting is rejected at once; one already cancelled never starts", async () => {
  const gate = replayingService();
  const guarded = new TrainLane(1).guard(gate.service);
  const first = guarded.train(withId("job"), signal, () => {});
  const ac = new AbortController();
  const twin = guarded.train(withId("job"), ac.signal, () => {});
  await tick();
  ac.abort(new GeoError("deadline_exceeded", "Too late"));
  await assert.rejects(twin, (e: unknown) => e instanceof GeoError && /Too late/.test(e.message));
  await assert.rejects(
    guarded.train(request, ac.signal, () => {}),
    (e: unknown) => e instanceof GeoError && e.kind === "deadline_exceeded",
  );
  assert.equal(gate.started(), 1);
  gate.release();
  await first;
});

Deno.test("train lane: when the first of twins publishes nothing, the waiting one trains", async () => {
  let calls = 0;
  const failing: TrainService = {
    train: () => Promise.reject(new GeoError("cancelled", `run ${++calls} cancelled`)),
    replay: () => Promise.resolve(null),
  };
  const guarded = new TrainLane(1).guard(failing);
  const results = await Promise.allSettled([
    guarded.train(withId("job"), signal, () => {}),
    guarded.train(withId("job"), signal, () => {}),
  ]);
  assert.deepEqual(
    results.map((r) => r.status === "rejected" && (r.reason as Error).message),
    ["run 1 cancelled", "run 2 cancelled"],
  );
});
