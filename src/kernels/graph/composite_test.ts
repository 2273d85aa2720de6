import assert from "node:assert/strict";
import { gradients } from "./autodiff.ts";
import { bceWithLogits, maskedMean, rowCosine, segmentMean } from "./composite.ts";
import { gradCheck } from "./grad_check.ts";
import { Graph } from "./graph.ts";
import { interpret } from "./interpret.ts";
import { reduceSum } from "./ops/reduce.ts";
import { relu } from "./ops/unary.ts";

Deno.test("rowCosine: a zero row gives cosine 0 and a finite (zero) gradient", () => {
  const g = new Graph({ float: "float64" });
  const a = g.input("a", [2, 3]);
  const b = g.input("b", [2, 3]);
  const cos = rowCosine(a, b);
  const [da] = gradients(g, reduceSum(cos), [a]);
  const feeds = {
    a: { data: [0, 0, 0, 1, 2, 2], dims: [2, 3] },
    b: { data: [1, 1, 1, 2, 4, 4], dims: [2, 3] },
  };
  const [c, d] = interpret(g, feeds, [cos, da]);
  assert.equal(c.data[0], 0);
  assert.ok(Math.abs(c.data[1] - 1) < 1e-15);
  // At a zero row: cos = a·b / (1e-8·|b|), so d cos / d a = b / (1e-8·|b|) — finite.
  const nb = Math.sqrt(3);
  for (let j = 0; j < 3; j++) assert.ok(Math.abs(d.data[j] - 1 / (1e-8 * nb)) < 1e-3);
  assert.ok(d.data.every(Number.isFinite));
});

Deno.test("maskedMean: mean over the mask; empty mask gives 0 with zero gradient", () => {
  const g = new Graph({ float: "float64" });
  const x = g.input("x", [4]);
  const m = g.input("m", [4], "bool");
  const y = maskedMean(x, m);
  const [dx] = gradients(g, y, [x]);
  const run = (mask: number[]) =>
    interpret(g, { x: { data: [1, 2, 3, 4], dims: [4] }, m: { data: mask, dims: [4] } }, [y, dx]);
  const [v, d] = run([1, 0, 1, 0]);
  assert.equal(v.data[0], 2);
  assert.deepEqual(Array.from(d.data), [0.5, 0, 0.5, 0]);
  const [e, de] = run([0, 0, 0, 0]);
  assert.equal(e.data[0], 0);
  assert.deepEqual(Array.from(de.data), [0, 0, 0, 0]);
});

Deno.test("bceWithLogits: equals −y·log σ(x) − (1−y)·log(1−σ(x)) and stays finite at |x| = 500", () => {
  const g = new Graph({ float: "float64" });
  const x = g.input("x", [6]);
  const y = g.input("y", [6]);
  const out = bceWithLogits(x, y);
  const xs = [-3, -0.5, 0, 2, 500, -500], ys = [1, 0, 1, 0, 1, 0];
  const [v] = interpret(g, { x: { data: xs, dims: [6] }, y: { data: ys, dims: [6] } }, [out]);
  for (let i = 0; i < 4; i++) {
    const s = 1 / (1 + Math.exp(-xs[i]));
    const want = -ys[i] * Math.log(s) - (1 - ys[i]) * Math.log(1 - s);
    assert.ok(Math.abs(v.data[i] - want) < 1e-12);
  }
  assert.ok(Math.abs(v.data[4]) < 1e-12 && Math.abs(v.data[5]) < 1e-12);
});

Deno.test("segmentMean: hand-made segments with duplicates, an empty segment and N = 1", () => {
  const g = new Graph({ float: "float64" });
  const v = g.input("v", ["N"]);
  const s = g.input("s", ["N"], "int64");
  const m = segmentMean(v, s, 3);
  const [a] = interpret(g, {
    v: { data: [1, 3, 5, 10], dims: [4] },
    s: { data: [2, 2, 2, 0], dims: [4] },
  }, [m]);
  assert.deepEqual(Array.from(a.data), [10, 0, 3]);
  const [b] = interpret(g, { v: { data: [7], dims: [1] }, s: { data: [1], dims: [1] } }, [m]);
  assert.deepEqual(Array.from(b.data), [0, 7, 0]);
});

Deno.test("gradCheck detects a wrong derivative (ReLU at its kink: analytic 0, numeric ½)", () => {
  const g = new Graph({ float: "float64" });
  const x = g.input("x", [2]);
  const loss = reduceSum(relu(x));
  assert.equal(gradCheck(loss, [x], { x: { data: [0.5, -0.5], dims: [2] } }).ok, true);
  const bad = gradCheck(loss, [x], { x: { data: [0.5, 0], dims: [2] } });
  assert.equal(bad.ok, false);
  assert.match(bad.worst, /x\[1\]: analytic 0, numeric 0\.5/);
});
