import assert from "node:assert/strict";
import { Rng } from "../kernels/random.ts";
import { drawVisibility, stepRng } from "./visibility.ts";

Deno.test("drawVisibility: ratio, at least one point per instance, none outside instances", () => {
  const n = 20000;
  const inst = Int32Array.from({ length: n }, (_, i) => (i % 5 === 0 ? -1 : i % 7));
  const vis = drawVisibility(inst, 0.3, new Rng(1));
  let kept = 0, members = 0;
  for (let i = 0; i < n; i++) {
    if (inst[i] < 0) assert.equal(vis[i], 0);
    else (members++, kept += vis[i]);
  }
  // Binomial(16000, 0.7): 5σ ≈ 0.018.
  assert.ok(Math.abs(kept / members - 0.7) < 0.02, `${kept / members}`);
  assert.deepEqual(drawVisibility(inst, 0.3, new Rng(1)), vis);
});

Deno.test("drawVisibility: an instance the draw emptied keeps exactly one point; edge cases", () => {
  // maskRatio close to 1: almost every draw is empty.
  const inst = Int32Array.from([3, 3, 3, -1, 9, 3, 9]);
  for (let seed = 0; seed < 20; seed++) {
    const vis = drawVisibility(inst, 0.999999, new Rng(seed));
    const count = (k: number) => inst.reduce((s, id, i) => s + (id === k ? vis[i] : 0), 0);
    assert.equal(count(3), 1);
    assert.equal(count(9), 1);
    assert.equal(vis[3], 0);
  }
  assert.deepEqual(Array.from(drawVisibility(inst, 0, new Rng(0))), [1, 1, 1, 0, 1, 1, 1]);
  assert.deepEqual(drawVisibility(new Int32Array(0), 0.5, new Rng(0)), new Uint8Array(0));
  assert.deepEqual(Array.from(drawVisibility(Int32Array.from([-1, -1]), 0.5, new Rng(0))), [0, 0]);
});

Deno.test("stepRng: a fixed stream per (seed, step), different across steps and seeds", () => {
  assert.equal(stepRng(5, 3).nextU32(), stepRng(5, 3).nextU32());
  const firsts = new Set(
    [0, 1, 2, 3].flatMap((s) => [0, 1, 2].map((t) => stepRng(s, t).nextU32())),
  );
  assert.equal(firsts.size, 12);
});
