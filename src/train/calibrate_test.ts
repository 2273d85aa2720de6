import assert from "node:assert/strict";
import { calibrationOf, correctness, gatherPoints, rejectMetrics } from "./calibrate.ts";

const scene = (scores: number[], pred: number[], gt: number[]) => ({
  scores: Float32Array.from(scores),
  pred: Int16Array.from(pred),
  gt: Int16Array.from(gt),
});

Deno.test("gatherPoints keeps the points with ground truth, in order", () => {
  const p = gatherPoints([
    scene([0.1, 0.2, 0.3], [0, 1, 1], [0, -1, 0]),
    scene([], [], []),
    scene([0.9], [2], [2]),
  ]);
  assert.deepEqual(Array.from(p.scores), [0.1, 0.3, 0.9].map(Math.fround));
  assert.deepEqual(Array.from(p.pred), [0, 1, 2]);
  assert.deepEqual(Array.from(p.gt), [0, 0, 2]);
  assert.deepEqual(Array.from(correctness(p)), [1, 0, 1]);
  assert.throws(() => gatherPoints([scene([0.1], [0, 0], [0, 0])]), /Scored points/);
});

Deno.test("calibrationOf: the kernel's threshold, −Infinity stored as −1, shares at it", () => {
  // wrong: 0.2, 0.4; right: 0.3, 0.8
  const p = gatherPoints([scene([0.2, 0.3, 0.4, 0.8, 0.5], [1, 0, 1, 0, 1], [0, 0, 0, 0, -1])]);
  const c = calibrationOf(p, 0.5, "val");
  assert.equal(c.min_score, (Math.fround(0.2) + Math.fround(0.3)) / 2);
  assert.deepEqual([c.wrong_rejected, c.right_kept, c.points, c.data], [0.5, 1, 4, "val"]);
  const none = calibrationOf(p, 0, "val");
  assert.deepEqual([none.min_score, none.wrong_rejected, none.right_kept], [-1, 0, 1]);
  const empty = calibrationOf(gatherPoints([]), 0.5, "");
  assert.deepEqual([empty.min_score, empty.points], [-1, 0]);
});

Deno.test("rejectMetrics: rejected points count as misses, or leave the evaluation", () => {
  // class 0: two right (0.9, 0.3) and one wrong (0.2 → 1); class 1: one right (0.8)
  const p = gatherPoints([scene([0.9, 0.3, 0.2, 0.8], [0, 0, 1, 1], [0, 0, 0, 1])]);
  const all = rejectMetrics(p, -Infinity, ["a", "b"]);
  assert.equal(all.rejected, 0);
  assert.equal(all.asWrong.mIoU, all.ignored.mIoU);
  const r = rejectMetrics(p, 0.25, ["a", "b"]);
  assert.equal(r.rejected, 0.25);
  // as wrong: class 0 IoU 2/3 (one miss), class 1 IoU 1; ignored: both 1
  assert.ok(Math.abs(r.asWrong.mIoU - (2 / 3 + 1) / 2) < 1e-12);
  assert.equal(r.ignored.mIoU, 1);
});
