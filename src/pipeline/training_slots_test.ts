import assert from "node:assert/strict";
import { GeoError } from "../kernels/errors.ts";
import type { TrainResult, TrainService } from "./service_api.ts";
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
