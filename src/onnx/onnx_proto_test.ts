import assert from "node:assert/strict";
import { Graph } from "../kernels/graph/graph.ts";
import { add, mul } from "../kernels/graph/ops/arith.ts";
import { reduceSum } from "../kernels/graph/ops/reduce.ts";
import { describeModel, encodeModel, OPSET } from "./onnx_proto.ts";

Deno.test("encodeModel: opset 18, symbolic dims as dim_param, dead nodes and constants pruned", () => {
  const g = new Graph({ float: "float32" });
  const x = g.input("x", ["N", 3]);
  const w = g.constant([1, 2, 3], [3], { name: "w" });
  const unusedConst = g.constant([7], [1], { name: "unused" });
  mul(x, unusedConst); // dead node
  const y = add(x, w);
  g.output("y", y);
  g.output("s", reduceSum(y, [1]));
  const m = describeModel(encodeModel(g));
  assert.equal(m.opset, OPSET);
  assert.deepEqual(m.inputs, [{ name: "x", dims: ["N", 3] }]);
  assert.deepEqual(m.outputs, [{ name: "y", dims: ["N", 3] }, { name: "s", dims: ["N"] }]);
  assert.ok(m.initializers.includes("w"));
  assert.ok(!m.initializers.includes("unused"));
  assert.deepEqual(m.ops, ["Add", "ReduceSum"]);
});

Deno.test("encodeModel: an input returned as output goes through Identity; no outputs is an error", () => {
  const g = new Graph();
  const x = g.input("x", [2]);
  assert.throws(() => encodeModel(g), /no outputs/);
  g.output("x_out", x);
  const m = describeModel(encodeModel(g));
  assert.deepEqual(m.ops, ["Identity"]);
  assert.deepEqual(m.outputs.map((o) => o.name), ["x_out"]);
});
