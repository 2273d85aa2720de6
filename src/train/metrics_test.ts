import assert from "node:assert/strict";
import { Rng } from "../kernels/random.ts";
import { cosineArgmax, frequencyGroups, metricsOver, pointLabels } from "./metrics.ts";

Deno.test("cosineArgmax: brute force on seeded rows; scale of the embeddings does not matter", () => {
  const rng = new Rng(2);
  const n = 50, c = 5, l = 4;
  const rows = Float32Array.from({ length: n * c }, () => rng.normal());
  const emb = Float32Array.from({ length: l * c }, () => rng.normal());
  const scaled = Float32Array.from(emb, (x, j) => x * (1 + Math.floor(j / c) * 10));
  const got = cosineArgmax(rows, c, scaled);
  for (let i = 0; i < n; i++) {
    let best = -Infinity, arg = -1;
    for (let k = 0; k < l; k++) {
      let dot = 0, nn = 0;
      for (let t = 0; t < c; t++) {
        (dot += rows[i * c + t] * emb[k * c + t]), (nn += emb[k * c + t] ** 2);
      }
      if (dot / Math.sqrt(nn) > best) (best = dot / Math.sqrt(nn)), (arg = k);
    }
    assert.equal(got[i], arg);
  }
});

Deno.test("cosineArgmax: ties → lowest index, zero rows → 0, bad widths refused", () => {
  const emb = Float32Array.from([1, 0, 1, 0, 0, 1]);
  assert.deepEqual(Array.from(cosineArgmax(Float32Array.from([2, 0, 0, 0, 0, 3]), 2, emb)), [
    0,
    0,
    2,
  ]);
  assert.deepEqual(Array.from(cosineArgmax(new Float32Array(0), 2, emb)), []);
  assert.throws(() => cosineArgmax(new Float32Array(3), 2, emb), /not rows of 2/);
  assert.throws(() => cosineArgmax(new Float32Array(2), 2, new Float32Array(0)), /not rows/);
});

Deno.test("metricsOver: confusion matrices of scenes add up (hand-made case)", () => {
  // Scene a: gt [0,0,1], pred [0,1,1]; scene b: gt [1,-1], pred [1,0].
  const m = metricsOver([
    { pred: Int16Array.from([0, 1, 1]), gt: Int16Array.from([0, 0, 1]) },
    { pred: Int16Array.from([1, 0]), gt: Int16Array.from([1, -1]) },
  ], ["a", "b"]);
  // class a: TP 1, FN 1, FP 0 → IoU 1/2; class b: TP 2, FP 1, FN 0 → IoU 2/3.
  assert.ok(Math.abs(m.iou[0] - 0.5) < 1e-12 && Math.abs(m.iou[1] - 2 / 3) < 1e-12);
  assert.ok(Math.abs(m.mAcc - 0.75) < 1e-12);
  assert.deepEqual(Array.from(pointLabels([5, 7], Int32Array.from([1, 1, 0]))), [7, 7, 5]);
});

Deno.test("frequencyGroups cuts present classes into head / common / tail thirds by point count", () => {
  const names = ["a", "b", "c", "d", "e", "f", "g"];
  const groups = frequencyGroups(new Float64Array([5, 90, 0, 40, 7, 60, 20]), names);
  assert.deepEqual(groups, { head: ["b", "f"], common: ["d", "g"], tail: ["e", "a"] });
  assert.deepEqual(frequencyGroups(new Float64Array([1, 2, 3, 0, 0, 0, 0]), names), {});
});
