import assert from "node:assert/strict";
import { CellHash } from "./cell_hash.ts";
import { Rng } from "./random.ts";

Deno.test("CellHash numbers cells in order of first insertion, like a Map", () => {
  const rng = new Rng(51);
  const hash = new CellHash(4); // grows many times
  const ref = new Map<string, number>();
  for (let t = 0; t < 20000; t++) {
    const c = [rng.int(60) - 30, rng.int(60) - 30, rng.int(5) - 2];
    if (t % 100 === 0) c[0] = rng.bernoulli(0.5) ? 2147483647 : -2147483648;
    const key = c.join(",");
    if (!ref.has(key)) ref.set(key, ref.size);
    assert.equal(hash.insert(c[0], c[1], c[2]), ref.get(key));
  }
  assert.equal(hash.count, ref.size);
  for (const [key, id] of ref) {
    const [x, y, z] = key.split(",").map(Number);
    assert.equal(hash.find(x, y, z), id);
    assert.deepEqual(Array.from(hash.keys.subarray(3 * id, 3 * id + 3)), [x, y, z]);
  }
  assert.equal(hash.find(1000, 0, 0), -1);
  assert.equal(new CellHash(0).find(0, 0, 0), -1);
});
