import assert from "node:assert/strict";
import { GeoError } from "../kernels/errors.ts";
import { WorkQueue } from "./work_queue.ts";

function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

Deno.test("at most `concurrency` jobs run, the rest wait in FIFO order", async () => {
  const q = new WorkQueue({ concurrency: 2, maxQueued: 5 });
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

Deno.test("a full queue rejects with resource_exhausted; queue time is measured", async () => {
  const q = new WorkQueue({ concurrency: 1, maxQueued: 1 });
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

Deno.test("aborting a queued job removes it without running it", async () => {
  const q = new WorkQueue({ concurrency: 1, maxQueued: 2 });
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
