import assert from "node:assert/strict";
import { SegmentLoad } from "./segment_load.ts";

const turn = () => new Promise((r) => setTimeout(r, 0));

Deno.test("SegmentLoad: a waiting step resumes when the last Segment request leaves", async () => {
  const load = new SegmentLoad();
  await load.waitWhileBusy(60_000); // idle: returns at once
  load.enter();
  load.enter();
  let resumed = false;
  const wait = load.waitWhileBusy(60_000).then(() => resumed = true);
  for (let i = 0; i < 5; i++) await turn();
  assert.equal(load.waiting, 1);
  load.leave();
  for (let i = 0; i < 5; i++) await turn();
  assert.equal(resumed, false, "one request is still in flight");
  load.leave();
  await wait;
  assert.equal(resumed, true);
  assert.equal(load.waiting, 0);
});

Deno.test("SegmentLoad: the wait is bounded and ends on abort; cells are shared", async () => {
  const load = new SegmentLoad();
  load.enter();
  await load.waitWhileBusy(5); // never left: the bound ends it
  const ac = new AbortController();
  const wait = load.waitWhileBusy(60_000, ac.signal);
  ac.abort();
  await wait;
  const other = new SegmentLoad(load.cells);
  assert.equal(other.inFlight, 1);
  other.leave();
  assert.equal(load.inFlight, 0);
  assert.throws(() => new SegmentLoad(new Int32Array(1)), RangeError);
});
