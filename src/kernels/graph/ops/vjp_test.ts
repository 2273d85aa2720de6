import assert from "node:assert/strict";
import { Rng } from "../../random.ts";
import { type Feed, gradCheck, Graph, interpret, isFloat, mul, reduceSum } from "../mod.ts";
import { drawValues, inputDtype, OP_CASES } from "./op_cases.ts";
import { OP_TABLE, VJP_TABLE } from "./table.ts";

// Every differentiable op: gradient of sum(out ⊙ R) (R random) against central differences
// in float64 through the interpreter. Tolerances: eps 1e-6, atol 1e-7, rtol 1e-6.
for (const c of OP_CASES.filter((c) => c.diff !== false)) {
  Deno.test(`VJP matches finite differences: ${c.name}`, () => {
    const rng = new Rng(1234);
    const g = new Graph({ float: "float64" });
    const xs = c.inputs.map((inp, k) =>
      g.input(`x${k}`, inp.shape ?? inp.dims, inputDtype(inp, "float64"))
    );
    const feeds: Record<string, Feed> = {};
    c.inputs.forEach((inp, k) => (feeds[`x${k}`] = { data: drawValues(inp, rng), dims: inp.dims }));
    const out = c.build(g, xs);
    const dims = interpret(g, feeds, [out])[0].dims;
    const r = g.constant(drawValues({ dims }, rng), dims);
    const loss = reduceSum(mul(out, r));
    const wrt = xs.filter((x) => isFloat(x.dtype));
    assert.ok(wrt.length > 0);
    const rep = gradCheck(loss, wrt, feeds, { atol: 1e-7, rtol: 1e-6 });
    assert.ok(rep.ok, `${c.name}: worst ${rep.worst}`);
  });
}

Deno.test("the gradient table covers exactly the ops of the op table", () => {
  assert.deepEqual(Object.keys(VJP_TABLE).sort(), Object.keys(OP_TABLE).sort());
  for (const [op, rule] of Object.entries(VJP_TABLE)) {
    assert.ok(!!rule.nondiff !== !!rule.vjp, `${op}: exactly one of vjp and nondiff`);
  }
});
