import assert from "node:assert/strict";
import { join } from "node:path";
import { GeoError } from "../kernels/errors.ts";
import { tinyTrainScenes } from "../../tests/fixtures/tiny_train_scenes.ts";
import { SegmentLoad } from "./segment_load.ts";
import type { TrainConfigInput, TrainEventOutput } from "../train/api.ts";
import { createTrainService } from "../train/service.ts";
import { createWorkerTrainService } from "./train_worker.ts";

const root = await Deno.makeTempDir({ prefix: "geoguide-train-worker-" });
const scenes = await tinyTrainScenes(join(root, "data"), { scenes: 2, spacing: 0.06, seed: 4 });
const options = {
  modelsDir: join(root, "models"),
  cacheDir: null,
  defaults: { hidden: 16, reliabilityHidden: 4, maskCandidates: 256, simSuperpoints: 32 },
};
const config: TrainConfigInput = {
  site: "site",
  baseModel: "",
  baseVersion: 0,
  steps: 3,
  seed: 2,
  objective: "geoguide",
  publish: false,
};
const steps = (events: TrainEventOutput[]) =>
  events.flatMap((e) => e.type === "progress" ? [e.step] : []);

Deno.test("worker training: waits for Segment before its steps, then equals the in-process run", async () => {
  const load = new SegmentLoad();
  const service = createWorkerTrainService({ service: options, load, yieldMs: 600_000 });
  load.enter(); // a Segment request in flight from the start
  const events: TrainEventOutput[] = [];
  const run = service.train(
    { config, scenes },
    new AbortController().signal,
    (e) => events.push(e),
  );
  while (load.waiting === 0) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(events, [], "no step ran while Segment was busy");
  load.leave();
  const got = await run;
  assert.deepEqual(steps(events), [1, 2, 3]);
  const local = await createTrainService(options).train(
    { config, scenes },
    new AbortController().signal,
    () => {},
  );
  assert.deepEqual(got.summary.final_loss, local.summary.final_loss);
  assert.equal(got.summary.final_loss !== null, true);
  await service.close();
});

Deno.test("worker training: cancel is forwarded; the in-process hook runs before every step, bounded", async () => {
  const service = createWorkerTrainService({ service: options, load: new SegmentLoad() });
  const ac = new AbortController();
  const run = service.train({ config: { ...config, steps: 50 }, scenes }, ac.signal, () => {
    ac.abort(new GeoError("cancelled", "Stopped by the test"));
  });
  await assert.rejects(run, (e) => e instanceof GeoError && e.kind === "cancelled");
  await service.close();
  // In process: the hook is awaited before each step; a Segment load that never ends
  // delays each step by at most the bound.
  const load = new SegmentLoad();
  load.enter();
  const order: string[] = [];
  const local = createTrainService({
    ...options,
    beforeStep: async () => {
      order.push("wait");
      await load.waitWhileBusy(1);
    },
  });
  await local.train({ config, scenes }, new AbortController().signal, (e) => {
    if (e.type === "progress") order.push(`step ${e.step}`);
  });
  assert.deepEqual(order, ["wait", "step 1", "wait", "step 2", "wait", "step 3"]);
});

Deno.test("worker training: runs are not serialised here (two calls train side by side)", async () => {
  const load = new SegmentLoad();
  const service = createWorkerTrainService({ service: options, load, yieldMs: 600_000 });
  load.enter(); // both runs stop before their first step while Segment is "busy"
  const never = new AbortController().signal;
  const runs = [1, 2].map(() => service.train({ config, scenes }, never, () => {}));
  for (let i = 0; load.waiting < 2 && i < 1500; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(load.waiting, 2, "both runs are in their step loop at once");
  load.leave();
  const [a, b] = await Promise.all(runs);
  assert.deepEqual(a.summary.final_loss, b.summary.final_loss);
  await service.close();
});

Deno.test("worker training: a cancel reaches the loop within a step of a free-running run", async () => {
  const service = createWorkerTrainService({ service: options, load: new SegmentLoad() });
  const ac = new AbortController();
  let after = 0;
  const run = service.train({ config: { ...config, steps: 5000 }, scenes }, ac.signal, (e) => {
    if (e.type !== "progress") return;
    if (ac.signal.aborted) after++;
    else if (e.step === 5) ac.abort();
  });
  await assert.rejects(run, (e) => e instanceof GeoError && e.kind === "cancelled");
  // Progress that arrives after the cancel: the step in flight, and at most one more
  // message already on its way (before the shared cancel cell, about 10-12).
  assert.ok(after <= 2, `${after} steps after the cancel`);
  await service.close();
});
