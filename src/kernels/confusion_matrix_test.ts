import assert from "node:assert/strict";
import { confusionMatrix } from "./confusion_matrix.ts";
import { GeoError } from "./errors.ts";
import { Rng } from "./random.ts";

Deno.test("hand case: rows are ground truth, last column counts unknown predictions", () => {
  // gt:   0 0 1 1 2 -1
  // pred: 0 1 1 -1 0  2
  const m = confusionMatrix(
    new Int32Array([0, 1, 1, -1, 0, 2]),
    new Int16Array([0, 0, 1, 1, 2, -1]),
    3,
  );
  // deno-fmt-ignore
  assert.deepEqual(Array.from(m), [
    1, 1, 0, 0,
    0, 1, 0, 1,
    1, 0, 0, 0,
  ]);
});

Deno.test("empty input gives an all-zero matrix", () => {
  const m = confusionMatrix(new Int32Array(0), new Int16Array(0), 2);
  assert.equal(m.length, 6);
  assert.ok(m.every((v) => v === 0));
});

Deno.test("all ignored ground truth counts nothing", () => {
  const m = confusionMatrix(new Int16Array([0, 1, -1]), new Int32Array([-1, -1, -1]), 2);
  assert.ok(m.every((v) => v === 0));
});

Deno.test("matches a brute-force recount on random labels", () => {
  const rng = new Rng(7);
  for (const [n, k] of [[1000, 5], [37, 1], [500, 12]]) {
    const gt = new Int16Array(n);
    const pred = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      gt[i] = rng.int(k + 1) - 1;
      pred[i] = rng.int(k + 1) - 1;
    }
    const m = confusionMatrix(pred, gt, k);
    let counted = 0;
    for (let g = 0; g < k; g++) {
      for (let p = -1; p < k; p++) {
        let c = 0;
        for (let i = 0; i < n; i++) if (gt[i] === g && pred[i] === p) c++;
        assert.equal(m[g * (k + 1) + (p === -1 ? k : p)], c);
        counted += c;
      }
    }
    assert.equal(counted, gt.filter((g) => g !== -1).length);
  }
});

Deno.test("rejects length mismatch, bad class count and out-of-range labels", () => {
  const isInvalid = (e: unknown) => e instanceof GeoError && e.kind === "invalid_argument";
  assert.throws(() => confusionMatrix(new Int32Array(2), new Int16Array(3), 2), isInvalid);
  assert.throws(() => confusionMatrix(new Int32Array(1), new Int16Array(1), 0), isInvalid);
  assert.throws(() => confusionMatrix(new Int32Array([2]), new Int16Array([0]), 2), isInvalid);
  assert.throws(() => confusionMatrix(new Int32Array([0]), new Int16Array([-2]), 2), isInvalid);
  assert.throws(
    () => confusionMatrix(new Int32Array([0, 5]), new Int16Array([0, 0]), 2),
    /Predicted label 5 at point 1/,
  );
});
