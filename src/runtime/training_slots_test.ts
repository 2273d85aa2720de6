import assert from "node:assert/strict";
import { GeoError } from "../kernels/errors.ts";
import type { TrainConfigInput, TrainResult, TrainService } from "../train/api.ts";
import { withTrainingSlots } from "./training_slots.ts";

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

Deno.test("withTrainingSlots refuses calls beyond the slot count and frees slots when runs end", async () => {
  const gate = gatedService();
  const guarded = withTrainingSlots(gate.service, 2);
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

Deno.test("withTrainingSlots frees the slot when a run fails", async () => {
  let calls = 0;
  const failing: TrainService = {
    train: () => Promise.reject(new GeoError("cancelled", `run ${++calls} cancelled`)),
  };
  const guarded = withTrainingSlots(failing, 1);
  await assert.rejects(guarded.train(request, signal, () => {}), /run 1/);
  await assert.rejects(guarded.train(request, signal, () => {}), /run 2/);
  assert.throws(() => withTrainingSlots(failing, 0), RangeError);
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

Deno.test("withTrainingSlots: a twin request id waits without a slot, then replays the first", async () => {
  const gate = replayingService();
  const guarded = withTrainingSlots(gate.service, 1);
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

Deno.test("withTrainingSlots: a call cancelled while waiting is rejected at once; one already cancelled never starts", async () => {
  const gate = replayingService();
  const guarded = withTrainingSlots(gate.service, 1);
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

Deno.test("withTrainingSlots: when the first of twins publishes nothing, the waiting one trains", async () => {
  let calls = 0;
  const failing: TrainService = {
    train: () => Promise.reject(new GeoError("cancelled", `run ${++calls} cancelled`)),
    replay: () => Promise.resolve(null),
  };
  const guarded = withTrainingSlots(failing, 1);
  const results = await Promise.allSettled([
    guarded.train(withId("job"), signal, () => {}),
    guarded.train(withId("job"), signal, () => {}),
  ]);
  assert.deepEqual(
    results.map((r) => r.status === "rejected" && (r.reason as Error).message),
    ["run 1 cancelled", "run 2 cancelled"],
  );
});
