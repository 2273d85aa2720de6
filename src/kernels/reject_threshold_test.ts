import assert from "node:assert/strict";
import { GeoError } from "./errors.ts";
import { Rng } from "./random.ts";
import { rejectShares, rejectThreshold } from "./reject_threshold.ts";

const f32 = (a: number[]) => Float32Array.from(a);
const u8 = (a: number[]) => Uint8Array.from(a);

/**
 * Brute force: every threshold that splits the scores differently (−Infinity, each
 * midpoint between consecutive distinct scores, just above the largest), ascending; the
 * first whose rejected share of the wrong points (counted one by one) reaches q.
 */
function bruteThreshold(scores: Float32Array, correct: Uint8Array, q: number): number {
  const distinct = [...new Set(Array.from(scores).filter((s) => !Number.isNaN(s)))].sort((a, b) =>
    a - b
  );
  const candidates = [-Infinity];
  for (let i = 0; i + 1 < distinct.length; i++) {
    candidates.push((distinct[i] + distinct[i + 1]) / 2);
  }
  const top = distinct.at(-1);
  if (top !== undefined) {
    candidates.push(top + Math.max(Math.abs(top) * Number.EPSILON, Number.MIN_VALUE));
  }
  const wrong = Array.from(scores).filter((_, i) => correct[i] === 0);
  for (const t of candidates) {
    let out = 0;
    for (const s of wrong) if (!(s >= t)) out++;
    if (wrong.length === 0 || out / wrong.length >= q) return t;
  }
  throw new Error("no candidate reaches the share");
}

Deno.test("hand case: midpoint above the k-th wrong score, shares counted", () => {
  // wrong: 0.1 0.3 0.5 0.7; right: 0.2 0.6 0.9
  const scores = f32([0.1, 0.2, 0.3, 0.5, 0.6, 0.7, 0.9]);
  const correct = u8([0, 1, 0, 0, 1, 0, 1]);
  const r = rejectThreshold(scores, correct, 0.5);
  // two wrong points must go: t between 0.3 and the next score above it, 0.5
  assert.equal(r.minScore, (Math.fround(0.3) + Math.fround(0.5)) / 2);
  assert.equal(r.wrongRejected, 0.5);
  assert.equal(r.rightKept, 2 / 3);
  // 3 of 4 wrong: the next score above 0.5 is the right point 0.6
  const r3 = rejectThreshold(scores, correct, 0.75);
  assert.equal(r3.minScore, (Math.fround(0.5) + Math.fround(0.6)) / 2);
  assert.deepEqual([r3.wrongRejected, r3.rightKept], [0.75, 2 / 3]);
  // a share between two steps rounds up to the next wrong point
  assert.equal(rejectThreshold(scores, correct, 0.26).wrongRejected, 0.5);
});

Deno.test("q = 0 and no wrong point give −Infinity; q = 1 rejects every wrong point", () => {
  const scores = f32([0.1, 0.2, 0.9]);
  assert.deepEqual(rejectThreshold(scores, u8([0, 1, 0]), 0), {
    minScore: -Infinity,
    wrongRejected: 0,
    rightKept: 1,
  });
  // all right
  assert.deepEqual(rejectThreshold(scores, u8([1, 1, 1]), 0.5), {
    minScore: -Infinity,
    wrongRejected: 0,
    rightKept: 1,
  });
  // all wrong, q = 1: above the largest score, every point rejected, no right point → 1
  const all = rejectThreshold(scores, u8([0, 0, 0]), 1);
  assert.ok(all.minScore > Math.fround(0.9) && all.minScore < 0.9000001);
  assert.deepEqual([all.wrongRejected, all.rightKept], [1, 1]);
  // the largest score is wrong and must go: the right points below go too
  const top = rejectThreshold(scores, u8([1, 1, 0]), 1);
  assert.deepEqual([top.wrongRejected, top.rightKept], [1, 0]);
});

Deno.test("empty input, ties and NaN scores", () => {
  assert.deepEqual(rejectThreshold(new Float32Array(0), new Uint8Array(0), 0.5), {
    minScore: -Infinity,
    wrongRejected: 0,
    rightKept: 1,
  });
  // a right point tied with the k-th wrong one goes with it (same score, same fate)
  const tie = rejectThreshold(f32([0.4, 0.4, 0.8]), u8([0, 1, 0]), 0.5);
  assert.equal(tie.minScore, (Math.fround(0.4) + Math.fround(0.8)) / 2);
  assert.deepEqual([tie.wrongRejected, tie.rightKept], [0.5, 0]);
  // two wrong points tied: rejecting one rejects both
  const both = rejectThreshold(f32([0.3, 0.3, 0.6]), u8([0, 0, 1]), 0.5);
  assert.deepEqual([both.wrongRejected, both.rightKept], [1, 1]);
  // NaN is rejected by every threshold, so it counts first
  const nan = rejectThreshold(f32([NaN, 0.2, 0.5]), u8([0, 0, 1]), 0.5);
  assert.equal(nan.minScore, -Infinity);
  assert.deepEqual([nan.wrongRejected, nan.rightKept], [0.5, 1]);
  assert.equal(
    rejectThreshold(f32([NaN, 0.2, 0.5]), u8([0, 0, 1]), 1).minScore,
    (Math.fround(0.2) + 0.5) / 2,
  );
});

Deno.test("a score equal to the threshold is kept, as in inference", () => {
  const s = rejectShares(f32([0.5, 0.5, 0.25]), u8([0, 1, 0]), 0.5);
  assert.deepEqual(s, { wrongRejected: 0.5, rightKept: 1 });
});

Deno.test("matches the brute force on seeded random input, and t is the least such", () => {
  const rng = new Rng(11);
  for (let trial = 0; trial < 200; trial++) {
    const n = rng.int(60);
    const levels = 1 + rng.int(20); // few levels: many ties
    const scores = new Float32Array(n), correct = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      scores[i] = trial % 3 === 0 ? rng.uniform(-1, 1) : rng.int(levels) / levels;
      correct[i] = rng.bernoulli(0.6) ? 1 : 0;
    }
    const q = trial % 5 === 0 ? [0, 1, 0.5, 0.3, 0.7][trial / 5 % 5] : rng.next();
    const r = rejectThreshold(scores, correct, q);
    assert.equal(r.minScore, bruteThreshold(scores, correct, q), `trial ${trial}`);
    const wrong = Array.from(scores).filter((_, i) => correct[i] === 0);
    const right = Array.from(scores).filter((_, i) => correct[i] === 1);
    const out = wrong.filter((x) => !(x >= r.minScore)).length;
    const kept = right.filter((x) => x >= r.minScore).length;
    assert.equal(r.wrongRejected, wrong.length ? out / wrong.length : 0);
    assert.equal(r.rightKept, right.length ? kept / right.length : 1);
    if (wrong.length > 0) assert.ok(r.wrongRejected >= q);
    // one wrong point fewer (the highest one rejected kept) misses the target
    const rejected = wrong.filter((x) => !(x >= r.minScore));
    if (rejected.length > 0) {
      const highest = Math.max(...rejected);
      const fewer = wrong.filter((x) => x < highest).length;
      assert.ok(fewer / wrong.length < q, `trial ${trial}`);
    }
  }
});

Deno.test("rejects a length mismatch and a share outside [0, 1]", () => {
  const isInvalid = (e: unknown) => e instanceof GeoError && e.kind === "invalid_argument";
  assert.throws(() => rejectThreshold(f32([0.1]), u8([0, 1]), 0.5), isInvalid);
  assert.throws(() => rejectThreshold(f32([0.1]), u8([0]), 1.5), isInvalid);
  assert.throws(() => rejectThreshold(f32([0.1]), u8([0]), NaN), isInvalid);
  assert.throws(() => rejectShares(f32([0.1]), u8([]), 0), isInvalid);
});
