import assert from "node:assert/strict";
import { Rng } from "./random.ts";
import { bestCosine } from "./best_cosine.ts";

const unit = (rng: Rng, n: number, dim: number) => {
  const m = new Float32Array(n * dim).map(() => rng.uniform(-1, 1));
  for (let r = 0; r < n; r++) {
    const row = m.subarray(r * dim, (r + 1) * dim);
    const len = Math.hypot(...row);
    for (let c = 0; c < dim; c++) row[c] /= len;
  }
  return m;
};

Deno.test("bestCosine matches a brute-force cosine argmax on random unit rows", () => {
  const rng = new Rng(3);
  for (const [n, L, dim] of [[40, 5, 8], [1, 1, 3], [17, 30, 16]]) {
    const rows = unit(rng, n, dim), emb = unit(rng, L, dim);
    const got = bestCosine(rows, emb, dim);
    for (let r = 0; r < n; r++) {
      const cos = Array.from({ length: L }, (_, l) => {
        let s = 0, a = 0, b = 0;
        for (let c = 0; c < dim; c++) {
          s += rows[r * dim + c] * emb[l * dim + c];
          a += rows[r * dim + c] ** 2;
          b += emb[l * dim + c] ** 2;
        }
        return s / Math.sqrt(a * b);
      });
      const best = Math.max(...cos);
      assert.equal(got.label[r], cos.indexOf(best));
      assert.ok(Math.abs(got.score[r] - best) < 1e-5);
    }
  }
});

Deno.test("bestCosine: empty rows, ties go to the first label, zero rows, bad shapes", () => {
  const emb = Float32Array.of(1, 0, 1, 0, 0, 1);
  assert.equal(bestCosine(new Float32Array(0), emb, 2).label.length, 0);
  const got = bestCosine(Float32Array.of(1, 0, 0, 0), emb, 2);
  assert.deepEqual([...got.label], [0, 0]);
  assert.deepEqual([...got.score], [1, 0]);
  assert.throws(() => bestCosine(new Float32Array(3), emb, 2), /rows of 2/);
  assert.throws(() => bestCosine(new Float32Array(2), new Float32Array(0), 2), /at least one/);
});
