import assert from "node:assert/strict";
import { AdamW, clipGradNorm } from "./adamw.ts";
import { Rng } from "./random.ts";

const close = (a: number, b: number, tol: number) =>
  assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

Deno.test("AdamW: two steps match the hand-computed update (bias correction, decoupled decay)", () => {
  // Step 1: p·(1−0.001), m̂ = g, v̂ = g² → p − 0.1·sign(g): 0.999 − 0.1 = 0.899, −1.998 + 0.1.
  // Step 2 (g = 0.1, 0.2): m̂1 = 0.055/0.19, v̂1 = 0.00025975/0.001999, and so on by hand.
  const p = Float32Array.of(1, -2);
  const opt = new AdamW([p], { lr: 0.1, weightDecay: 0.01 });
  opt.step([Float32Array.of(0.5, -1)]);
  close(p[0], 0.899, 1e-6);
  close(p[1], -1.898, 1e-6);
  opt.step([Float32Array.of(0.1, 0.2)]);
  close(p[0], 0.8177969, 1e-6);
  close(p[1], -1.8449994, 1e-6);
  assert.equal(opt.steps, 2);
});

Deno.test("AdamW: decay flags leave a group undecayed; zero gradient then only decays", () => {
  const a = Float32Array.of(2), b = Float32Array.of(2);
  const opt = new AdamW([a, b], { lr: 0.5, weightDecay: 0.1, decay: [true, false] });
  opt.step([Float32Array.of(0), Float32Array.of(0)]);
  close(a[0], 2 * (1 - 0.05), 1e-6);
  assert.equal(b[0], 2);
});

Deno.test("clipGradNorm scales to the max norm and reports the norm before clipping", () => {
  const g1 = Float32Array.of(3, 0), g2 = Float32Array.of(4);
  assert.equal(clipGradNorm([g1, g2], 1), 5);
  close(g1[0], 0.6, 1e-7);
  close(g2[0], 0.8, 1e-7);
  const small = Float32Array.of(0.1);
  assert.equal(clipGradNorm([small], 1), Math.fround(0.1));
  assert.equal(small[0], Math.fround(0.1));
  assert.equal(clipGradNorm([new Float32Array(0)], 1), 0);
});

Deno.test("AdamW with clipping minimises a quadratic; same seed gives identical bytes", () => {
  const run = (seed: number) => {
    const rng = new Rng(seed);
    const target = Float32Array.from({ length: 10 }, () => rng.normal());
    const p = new Float32Array(10);
    const opt = new AdamW([p], { lr: 0.05, weightDecay: 0, maxGradNorm: 1 });
    for (let s = 0; s < 300; s++) opt.step([p.map((x, i) => 2 * (x - target[i]))]);
    return { p, err: Math.max(...p.map((x, i) => Math.abs(x - target[i]))) };
  };
  const a = run(5), b = run(5);
  assert.ok(a.err < 0.05, `error ${a.err}`);
  assert.deepEqual(new Uint8Array(a.p.buffer), new Uint8Array(b.p.buffer));
});

Deno.test("AdamW rejects mismatched gradient groups", () => {
  const opt = new AdamW([new Float32Array(2)], { lr: 0.1 });
  assert.throws(() => opt.step([new Float32Array(3)]), /gradient 0 has 3 values/);
  assert.throws(() => opt.step([]), /1 groups/);
});

Deno.test("AdamW: state exported and loaded continues identically", () => {
  const rng = new Rng(8);
  const p = [5, 3, 1].map((n) => Float32Array.from({ length: n }, () => rng.normal()));
  const grads = Array.from(
    { length: 6 },
    () => p.map((x) => Float32Array.from(x, () => rng.normal())),
  );
  const fp = p.map((x) => Float32Array.from(x));
  const ref = new AdamW(fp, { lr: 0.01 });
  grads.forEach((g) => ref.step(g.map((x) => Float32Array.from(x))));
  const first = p.map((x) => Float32Array.from(x));
  const a = new AdamW(first, { lr: 0.01 });
  grads.slice(0, 3).forEach((g) => a.step(g.map((x) => Float32Array.from(x))));
  const saved = {
    t: a.state.t,
    m: a.state.m.map((x) => x.slice()),
    v: a.state.v.map((x) => x.slice()),
  };
  const second = first.map((x) => Float32Array.from(x));
  const b = new AdamW(second, { lr: 0.01 });
  b.load(saved);
  grads.slice(3).forEach((g) => b.step(g.map((x) => Float32Array.from(x))));
  assert.deepEqual(second, fp);
  assert.equal(b.steps, 6);
  assert.throws(
    () => b.load({ t: 1, m: [new Float64Array(2)], v: [new Float64Array(2)] }),
    /does not match/,
  );
  assert.throws(() => b.step([new Float32Array(1)]), /1 gradients for 3 groups/);
});
