import assert from "node:assert/strict";
import { errorSplit, pairStats, rocAuc } from "../bench/teacher_geometry.ts";

Deno.test("rocAuc counts wins over every pair, ties half", () => {
  assert.equal(rocAuc([3, 4], [1, 2]), 1);
  assert.equal(rocAuc([1], [2]), 0);
  assert.equal(rocAuc([2], [2]), 0.5);
  assert.equal(rocAuc([2, 0], [1, 3]), 0.25);
  assert.ok(Number.isNaN(rocAuc([], [1])));
});

Deno.test("pairStats pools segments and separates same-class pairs", () => {
  // segments 0 and 1 (class 0) point along x, segment 2 (class 1) along y
  const rows = Float32Array.from([1, 0, 2, 0, 1, 0.1, 0, 1]);
  const stats = pairStats(rows, 2, Int32Array.from([0, 0, 1, 2]), Int16Array.from([0, 0, 0, 1]));
  assert.equal(stats.auc, 1);
  const h = Math.hypot(1, 0.1); // cos(seg 0, seg 1) = 1 / h, cos(seg 1, seg 2) = 0.1 / h
  assert.ok(Math.abs(stats.meanCos - (1 / h + 0 + 0.1 / h) / 3) < 1e-6);
});

Deno.test("errorSplit splits wrong teacher labels by their superpoint's majority", () => {
  const sp = Int32Array.from([0, 0, 0, 1, 1, 1]);
  const gt = Int16Array.from([1, 1, 1, 2, 2, 2]);
  const taught = Int16Array.from([1, 1, 3, 3, 3, 2]); // sp 0: 1 of 3 wrong; sp 1: 2 of 3 wrong
  const valid = Uint8Array.from([1, 1, 1, 1, 1, 0]); // the last point does not count
  const { points, wrong, inWrongMajority } = errorSplit(sp, valid, gt, taught, Int32Array.of(1, 3));
  assert.deepEqual({ points, wrong, inWrongMajority }, { points: 5, wrong: 3, inWrongMajority: 2 });
});

Deno.test("errorSplit counts wrong superpoint targets and those under a right majority", () => {
  const sp = Int32Array.from([0, 0, 0, 1, 1, 1, 2, 2]);
  const gt = Int16Array.from([1, 1, 1, 2, 2, 2, 4, 5]);
  // sp 0: majority right but its mean says 3; sp 1: majority wrong and mean wrong;
  // sp 2 is impure: its target 4 is right for one voxel and wrong for the other.
  const taught = Int16Array.from([1, 1, 3, 3, 3, 2, 4, 4]);
  const valid = Uint8Array.from([1, 1, 1, 1, 1, 1, 1, 1]);
  const target = Int32Array.from([3, 3, 4]);
  const { points, targetWrong, underRightMajority } = errorSplit(sp, valid, gt, taught, target);
  assert.deepEqual({ points, targetWrong, underRightMajority }, {
    points: 8,
    targetWrong: 7,
    // sp 0's three voxels, and none of sp 1 (1 of 3 right); sp 2's voxel of class 5 sees
    // 1 of 2 right (the other voxel's), so a right majority
    underRightMajority: 4,
  });
  // Invalid and unlabelled voxels are not counted; an untaught superpoint's target is −1.
  const none = errorSplit(
    Int32Array.from([0, 1]),
    Uint8Array.from([0, 1]),
    Int16Array.from([1, -1]),
    Int16Array.from([1, 1]),
    Int32Array.from([-1, 1]),
  );
  assert.deepEqual(none, {
    points: 0,
    wrong: 0,
    inWrongMajority: 0,
    targetWrong: 0,
    underRightMajority: 0,
  });
});
