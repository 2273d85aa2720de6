import assert from "node:assert/strict";
import { Rng } from "./random.ts";
import { sortPairs } from "./sort_pairs.ts";

Deno.test("sortPairs orders by (key, index) like Array.sort, with many ties", () => {
  const rng = new Rng(61);
  for (const n of [0, 1, 2, 5, 17, 100, 1000, 5000]) {
    for (const distinct of [3, 1000]) {
      const key = Float64Array.from({ length: n }, () => rng.int(distinct) * 0.5 - 1);
      const index = rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
      const ref = [...key.keys()].map((i) => [key[i], index[i]])
        .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      sortPairs(key, index, n);
      assert.deepEqual([...key.keys()].map((i) => [key[i], index[i]]), ref);
    }
  }
  // Only the first n entries move.
  const key = new Float64Array([3, 2, 1, 0]), index = new Int32Array([0, 1, 2, 3]);
  sortPairs(key, index, 3);
  assert.deepEqual(Array.from(key), [1, 2, 3, 0]);
  assert.deepEqual(Array.from(index), [2, 1, 0, 3]);
});
