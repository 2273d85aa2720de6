import assert from "node:assert/strict";
import { AdamW } from "../kernels/adamw.ts";
import { Rng } from "../kernels/random.ts";
import { StatefulAdamW } from "./optimizer.ts";

const groups = (rng: Rng) =>
  [5, 3, 1].map((n) => Float32Array.from({ length: n }, () => rng.normal()));

Deno.test("StatefulAdamW: the same bytes as the AdamW kernel, step by step", () => {
  const rng = new Rng(7);
  const a = groups(rng), b = a.map((g) => Float32Array.from(g));
  const options = { lr: 0.05, weightDecay: 0.1, maxGradNorm: 0.5, decay: [true, false, true] };
  const kernel = new AdamW(a, options), ours = new StatefulAdamW(b, options);
  for (let t = 0; t < 6; t++) {
    const g = a.map((p) => Float32Array.from(p, () => rng.normal() * (t + 1)));
    const lr = 0.05 / (t + 1);
    const k = kernel.step(g.map((x) => Float32Array.from(x)), lr);
    const o = ours.step(g.map((x) => Float32Array.from(x)), lr);
    assert.equal(o.gradNorm, k.gradNorm);
    assert.deepEqual(b, a);
  }
  assert.equal(ours.state.t, 6);
});

Deno.test("StatefulAdamW: state exported and loaded continues identically", () => {
  const rng = new Rng(8);
  const p = groups(rng);
  const grads = Array.from(
    { length: 6 },
    () => p.map((x) => Float32Array.from(x, () => rng.normal())),
  );
  const fp = p.map((x) => Float32Array.from(x));
  const ref = new StatefulAdamW(fp, { lr: 0.01 });
  grads.forEach((g) => ref.step(g.map((x) => Float32Array.from(x))));
  const first = p.map((x) => Float32Array.from(x));
  const a = new StatefulAdamW(first, { lr: 0.01 });
  grads.slice(0, 3).forEach((g) => a.step(g.map((x) => Float32Array.from(x))));
  const saved = {
    t: a.state.t,
    m: a.state.m.map((x) => x.slice()),
    v: a.state.v.map((x) => x.slice()),
  };
  const second = first.map((x) => Float32Array.from(x));
  const b = new StatefulAdamW(second, { lr: 0.01 });
  b.load(saved);
  grads.slice(3).forEach((g) => b.step(g.map((x) => Float32Array.from(x))));
  assert.deepEqual(second, fp);
  assert.throws(
    () => b.load({ t: 1, m: [new Float64Array(2)], v: [new Float64Array(2)] }),
    /does not match/,
  );
  assert.throws(() => b.step([new Float32Array(1)]), /do not match/);
});
