import assert from "node:assert/strict";
import { GeoError } from "../errors.ts";
import { gradients } from "./autodiff.ts";
import { Graph } from "./graph.ts";
import { interpret } from "./interpret.ts";
import { add, greater, mul, sub, where } from "./ops/arith.ts";
import { argMax, reduceMax, reduceSum } from "./ops/reduce.ts";
import { exp } from "./ops/unary.ts";
import { gather } from "./ops/gather.ts";

Deno.test("gradients: a tensor used twice accumulates both contributions (d(x²+3x)/dx = 2x+3)", () => {
  const g = new Graph({ float: "float64" });
  const x = g.input("x", [3]);
  const y = reduceSum(add(mul(x, x), mul(x, 3)));
  const [dx] = gradients(g, y, [x]);
  const [v] = interpret(g, { x: { data: [1, -2, 0.5], dims: [3] } }, [dx]);
  assert.deepEqual(Array.from(v.data), [5, -1, 4]);
});

Deno.test("gradients: wrt tensors the loss ignores get zeros of their shape", () => {
  const g = new Graph({ float: "float64" });
  const x = g.input("x", ["N", 2]);
  const unused = g.input("u", ["N", 2]);
  const loss = reduceSum(exp(x));
  const [dx, du] = gradients(g, loss, [x, unused]);
  const feeds = {
    x: { data: [0, 0, 0, 0, 0, 0], dims: [3, 2] },
    u: { data: [1, 2, 3, 4, 5, 6], dims: [3, 2] },
  };
  const [vx, vu] = interpret(g, feeds, [dx, du]);
  assert.deepEqual(Array.from(vx.data), [1, 1, 1, 1, 1, 1]);
  assert.deepEqual(vu.dims, [3, 2]);
  assert.deepEqual(Array.from(vu.data), [0, 0, 0, 0, 0, 0]);
});

Deno.test("gradients: an op without a rule on the path raises naming the op", () => {
  const g = new Graph({ float: "float64" });
  const x = g.input("x", [4]);
  const [y] = g.emit("Erf", [x], {}, [{ dtype: x.dtype, shape: x.shape }]);
  assert.throws(
    () => gradients(g, reduceSum(y), [x]),
    (e: unknown) => e instanceof GeoError && /No gradient rule for op Erf/.test(e.message),
  );
});

Deno.test("gradients: integer paths (ArgMax, Where condition, Gather indices) carry no gradient", () => {
  const g = new Graph({ float: "float64" });
  const x = g.input("x", [4, 3]);
  const idx = argMax(x, 1); // int64 [4], depends on x but is not differentiable
  const picked = gather(x, idx, 0); // rows of x chosen by the argmax
  const loss = reduceSum(where(greater(x, 0), x, mul(x, 2)));
  const total = add(loss, reduceSum(picked));
  const [dx] = gradients(g, total, [x]);
  const data = [1, -1, 2, -3, 0.5, 0.25, 2, 1, -1, 0.5, 3, -2];
  const [v] = interpret(g, { x: { data, dims: [4, 3] } }, [dx]);
  // argmax rows: 2, 1, 0, 1 → row 0 picked once, row 1 twice, row 2 once (each adds 1).
  const picks = [1, 2, 1, 0];
  const want = data.map((a, i) => (a > 0 ? 1 : 2) + picks[Math.floor(i / 3)]);
  assert.deepEqual(Array.from(v.data), want);
});

Deno.test("gradients: a non-scalar loss is seeded with ones; a float loss is required", () => {
  const g = new Graph({ float: "float64" });
  const x = g.input("x", [2]);
  const y = sub(mul(x, x), 1);
  const [dx] = gradients(g, y, [x]);
  const [v] = interpret(g, { x: { data: [3, -4], dims: [2] } }, [dx]);
  assert.deepEqual(Array.from(v.data), [6, -8]);
  assert.throws(() => gradients(g, argMax(x, 0), [x]), /not float/);
});

Deno.test("gradients: ReduceMax sends the gradient to the max, shared evenly among ties", () => {
  const g = new Graph({ float: "float64" });
  const x = g.input("x", ["N", 3]);
  const w = g.constant([1, 10, 100], [3]);
  const [dx] = gradients(g, reduceSum(mul(reduceMax(x, [0]), w)), [x]);
  // column 0: a unique max in row 1; column 1: tied in rows 0 and 2; column 2: all tied
  const data = [1, 5, -2, 4, 3, -2, 0, 5, -2];
  const [v] = interpret(g, { x: { data, dims: [3, 3] } }, [dx]);
  const want = [0, 5, 100 / 3, 1, 0, 100 / 3, 0, 5, 100 / 3];
  want.forEach((w, i) => assert.ok(Math.abs(v.data[i] - w) < 1e-12, `dx[${i}] = ${v.data[i]}`));
  const [empty] = interpret(g, { x: { data: [], dims: [0, 3] } }, [dx]);
  assert.deepEqual(empty.dims, [0, 3]);
});
