import assert from "node:assert/strict";
import { instanceClasses, matchInstances } from "../bench/proposal_match.ts";
import { Rng } from "../src/kernels/random.ts";

/** Brute force: every (true, proposal) pair scanned over all points. */
function reference(truth: Int32Array, prop: Int32Array) {
  const tIds = [...new Set(truth)].filter((x) => x >= 0).sort((a, b) => a - b);
  const pIds = [...new Set(prop)].filter((x) => x >= 0).sort((a, b) => a - b);
  return tIds.map((t) => {
    let best = -1, iou = 0;
    for (const p of pIds) {
      let inter = 0, union = 0;
      for (let i = 0; i < truth.length; i++) {
        const a = truth[i] === t, b = prop[i] === p;
        if (a && b) inter++;
        if (a || b) union++;
      }
      if (inter > 0 && inter / union > iou) [best, iou] = [p, inter / union];
    }
    return { id: t, points: truth.filter((x) => x === t).length, proposal: best, iou };
  });
}

Deno.test("matchInstances agrees with a brute-force reference on seeded random ids", () => {
  const rng = new Rng(7);
  for (let trial = 0; trial < 20; trial++) {
    const n = 1 + rng.int(300);
    const truth = Int32Array.from({ length: n }, () => rng.int(6) - 1);
    const prop = Int32Array.from({ length: n }, () => rng.int(5) - 1);
    const got = matchInstances(truth, prop);
    const want = reference(truth, prop);
    assert.equal(got.length, want.length);
    got.forEach((g, i) => {
      assert.equal(g.id, want[i].id);
      assert.equal(g.points, want[i].points);
      assert.ok(Math.abs(g.iou - want[i].iou) < 1e-12);
      assert.equal(g.proposal, want[i].proposal);
    });
  }
});

Deno.test("matchInstances hand-made cases: exact, partial, none, empty, filter, ties", () => {
  // instance 0 = proposal 3 exactly; instance 1 half covered by proposal 4; instance 2 unmatched
  const truth = Int32Array.from([0, 0, 1, 1, 1, 1, 2, -1]);
  const prop = Int32Array.from([3, 3, 4, 4, -1, -1, -1, 4]);
  const m = matchInstances(truth, prop);
  assert.deepEqual(m.map((x) => x.proposal), [3, 4, -1]);
  assert.equal(m[0].iou, 1);
  assert.equal(m[1].iou, 2 / 5); // 2 shared, union 4 + 3 − 2
  assert.equal(m[2].iou, 0);
  assert.deepEqual(matchInstances(new Int32Array(0), new Int32Array(0)), []);
  assert.deepEqual(matchInstances(truth, prop, (id) => id === 1).map((x) => x.id), [1]);
  // two proposals with the same IoU: the lower id wins
  const tie = matchInstances(Int32Array.from([0, 0]), Int32Array.from([5, 2]));
  assert.equal(tie[0].proposal, 2);
  assert.equal(tie[0].iou, 0.5);
  assert.throws(() => matchInstances(new Int32Array(2), new Int32Array(3)), /2 true ids/);
});

Deno.test("instanceClasses takes the majority class and ignores unlabelled points", () => {
  const truth = Int32Array.from([0, 0, 0, 1, 1, 2, -1, 3, 3]);
  const seg = Int16Array.from([4, 4, 1, -1, 2, -1, 5, 6, 3]);
  const c = instanceClasses(truth, seg);
  assert.equal(c.get(0), 4);
  assert.equal(c.get(1), 2);
  assert.equal(c.get(2), -1);
  assert.equal(c.get(3), 3); // tie 6 vs 3 → lower class
  assert.equal(c.has(-1), false);
});
