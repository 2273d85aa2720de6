import assert from "node:assert/strict";
import { Rng } from "./random.ts";

Deno.test("Rng: same seed gives the same stream, different seeds differ", () => {
  const a = new Rng(42), b = new Rng(42), c = new Rng(43);
  const sa = Array.from({ length: 100 }, () => a.nextU32());
  const sb = Array.from({ length: 100 }, () => b.nextU32());
  const sc = Array.from({ length: 100 }, () => c.nextU32());
  assert.deepEqual(sa, sb);
  assert.notDeepEqual(sa, sc);
});

Deno.test("Rng: uniform floats lie in [0,1) with mean ≈ 0.5 and normals have unit variance", () => {
  const r = new Rng(0);
  let s = 0, s2 = 0, m = 0;
  const n = 200_000;
  for (let i = 0; i < n; i++) {
    const u = r.next();
    assert.ok(u >= 0 && u < 1);
    m += u;
    const z = r.normal();
    s += z;
    s2 += z * z;
  }
  assert.ok(Math.abs(m / n - 0.5) < 0.005);
  assert.ok(Math.abs(s / n) < 0.01);
  assert.ok(Math.abs(s2 / n - 1) < 0.02);
});

Deno.test("Rng.int covers [0,n) evenly; sample gives k distinct sorted indices", () => {
  const r = new Rng(5);
  const counts = new Array(7).fill(0);
  for (let i = 0; i < 70_000; i++) counts[r.int(7)]++;
  for (const c of counts) assert.ok(Math.abs(c - 10_000) < 500, `count ${c}`);
  const s = r.sample(100, 10);
  assert.equal(s.length, 10);
  assert.equal(new Set(s).size, 10);
  for (let i = 1; i < s.length; i++) assert.ok(s[i] > s[i - 1]);
  assert.deepEqual(Array.from(r.sample(3, 10)), [0, 1, 2]);
  assert.throws(() => r.int(0), RangeError);
});
