/**
 * A table of small random test cases covering every op and composite, shared by the
 * gradient tests (finite differences through the interpreter) and the onnxruntime
 * parity tests. Not used by the product.
 *
 * @module
 */

import type { Dim, DType, Graph, Tensor } from "../graph.ts";
import * as G from "../mod.ts";
import type { Rng } from "../../random.ts";

/** How an input's values are drawn. */
export type Draw =
  | "normal" // N(0, 1)
  | "positive" // U(0.5, 2)
  | "apart" // ±U(0.1, 2): away from kinks at 0
  | { index: number } // int64 in [0, n)
  | { indices: number[] } // fixed int64 values
  | "bool";

/** One input of a case. */
export interface CaseInput {
  /** dims fed */
  dims: number[];
  /** declared shape (default: dims); may use symbolic names */
  shape?: Dim[];
  /** value distribution (default normal) */
  draw?: Draw;
}

/** One op case. */
export interface OpCase {
  /** label, e.g. "Add broadcast row" */
  name: string;
  /** inputs, named x0, x1, … */
  inputs: CaseInput[];
  /** builds the op under test from the inputs */
  build: (g: Graph, xs: Tensor[]) => Tensor;
  /** false for ops without gradient (only forward parity is checked) */
  diff?: boolean;
  /** float64 only (the CPU provider lacks a float32 kernel), or float32 only */
  only?: "float64" | "float32";
}

/** Dtype of a case input inside a graph built in `float`. */
export function inputDtype(inp: CaseInput, float: DType): DType {
  const d = inp.draw;
  if (d === "bool") return "bool";
  return typeof d === "object" ? "int64" : float;
}

/** Random values for an input. */
export function drawValues(inp: CaseInput, rng: Rng): number[] {
  const n = inp.dims.reduce((a, b) => a * b, 1);
  const d = inp.draw ?? "normal";
  if (typeof d === "object" && "indices" in d) return d.indices;
  return Array.from({ length: n }, () => {
    if (d === "normal") return rng.normal();
    if (d === "positive") return rng.uniform(0.5, 2);
    if (d === "apart") return (rng.bernoulli(0.5) ? 1 : -1) * rng.uniform(0.1, 2);
    if (d === "bool") return rng.bernoulli(0.5) ? 1 : 0;
    return rng.int(d.index);
  });
}

const i = (dims: number[], draw?: Draw, shape?: Dim[]): CaseInput => ({ dims, draw, shape });

/** Every case. */
export const OP_CASES: OpCase[] = [
  {
    name: "Add broadcast row",
    inputs: [i([4, 3], "normal", ["N", 3]), i([3])],
    build: (_, [a, b]) => G.add(a, b),
  },
  {
    name: "Add broadcast both",
    inputs: [i([2, 1, 3]), i([4, 1])],
    build: (_, [a, b]) => G.add(a, b),
  },
  {
    name: "Sub broadcast column",
    inputs: [i([3, 4]), i([3, 1])],
    build: (_, [a, b]) => G.sub(a, b),
  },
  { name: "Mul broadcast", inputs: [i([4, 3]), i([1, 3])], build: (_, [a, b]) => G.mul(a, b) },
  { name: "Mul by number", inputs: [i([2, 3])], build: (_, [a]) => G.mul(a, 2.5) },
  {
    name: "Div broadcast",
    inputs: [i([3, 4]), i([4], "positive")],
    build: (_, [a, b]) => G.div(a, b),
  },
  { name: "Max", inputs: [i([3, 4]), i([3, 4])], build: (_, [a, b]) => G.max(a, b) },
  { name: "Max clamp", inputs: [i([5], "apart")], build: (_, [a]) => G.max(G.abs(a), 0.5) },
  { name: "Min broadcast", inputs: [i([3, 4]), i([4])], build: (_, [a, b]) => G.min(a, b) },
  { name: "Neg", inputs: [i([3, 2])], build: (_, [a]) => G.neg(a) },
  {
    name: "Where",
    inputs: [i([3, 4], "bool"), i([3, 4]), i([1, 4])],
    build: (_, [c, a, b]) => G.where(c, a, b),
  },
  {
    name: "Greater",
    inputs: [i([3, 4]), i([4])],
    build: (g, [a, b]) => G.cast(G.greater(a, b), g.float),
    diff: false,
  },
  {
    name: "Equal+Not",
    inputs: [i([6], { index: 3 }), i([6], { index: 3 })],
    build: (g, [a, b]) => G.cast(G.not(G.equal(a, b)), g.float),
    diff: false,
  },
  {
    name: "Cast float→int64→float",
    inputs: [i([5], "apart")],
    build: (g, [a]) => G.cast(G.cast(G.mul(a, 3), "int64"), g.float),
    diff: false,
  },
  { name: "Identity", inputs: [i([2, 3])], build: (_, [a]) => G.identity(a) },
  { name: "Abs", inputs: [i([3, 4], "apart")], build: (_, [a]) => G.abs(a) },
  { name: "Sign", inputs: [i([5], "apart")], build: (_, [a]) => G.sign(a), diff: false },
  { name: "Exp", inputs: [i([3, 4])], build: (_, [a]) => G.exp(a) },
  { name: "Log", inputs: [i([3, 4], "positive")], build: (_, [a]) => G.log(a) },
  { name: "Sqrt", inputs: [i([3, 4], "positive")], build: (_, [a]) => G.sqrt(a) },
  { name: "Relu", inputs: [i([3, 4], "apart")], build: (_, [a]) => G.relu(a) },
  { name: "Sigmoid", inputs: [i([3, 4])], build: (_, [a]) => G.sigmoid(a) },
  { name: "Softplus", inputs: [i([3, 4])], build: (_, [a]) => G.softplus(G.mul(a, 3)) },
  {
    name: "ReduceSum axis",
    inputs: [i([3, 4, 2], "normal", ["N", 4, 2])],
    build: (_, [a]) => G.reduceSum(a, [1]),
  },
  {
    name: "ReduceSum keepdims",
    inputs: [i([3, 4, 2])],
    build: (_, [a]) => G.reduceSum(a, [0, 2], true),
  },
  { name: "ReduceSum all", inputs: [i([3, 4])], build: (_, [a]) => G.reduceSum(a) },
  {
    name: "ReduceMean symbolic",
    inputs: [i([5, 3], "normal", ["N", 3])],
    build: (_, [a]) => G.reduceMean(a, [0]),
  },
  {
    name: "ReduceMean keepdims",
    inputs: [i([3, 4])],
    build: (_, [a]) => G.reduceMean(a, [-1], true),
  },
  // Distinct normal draws: no ties, and the gap to the runner-up is far above the
  // finite-difference step.
  { name: "ReduceMax", inputs: [i([3, 4])], build: (_, [a]) => G.reduceMax(a, [1]) },
  {
    name: "ReduceMax symbolic middle axis",
    inputs: [i([3, 4, 2], "normal", ["N", 4, 2])],
    build: (_, [a]) => G.reduceMax(a, [1]),
  },
  {
    name: "ReduceMax symbolic keepdims",
    inputs: [i([3, 4, 2], "normal", ["N", 4, 2])],
    build: (_, [a]) => G.reduceMax(a, [1], true),
  },
  {
    // Windows {0, 1, 1} and {2, 0, 0}: a maximum that is a repeated row is a tie between
    // copies of one value, where only the even split of the gradient is exact.
    name: "ReduceMax over repeated rows",
    inputs: [i([3, 2]), i([6], { indices: [0, 1, 1, 2, 0, 0] })],
    build: (_, [a, x]) => G.reduceMax(G.reshape(G.gather(a, x), [2, 3, 2]), [1]),
  },
  {
    name: "ArgMax",
    inputs: [i([3, 4])],
    build: (g, [a]) => G.cast(G.argMax(a, 1), g.float),
    diff: false,
  },
  {
    name: "MatMul",
    inputs: [i([3, 4], "normal", ["N", 4]), i([4, 2])],
    build: (_, [a, b]) => G.matmul(a, b),
  },
  {
    name: "MatMul batched",
    inputs: [i([2, 3, 4]), i([4, 5])],
    build: (_, [a, b]) => G.matmul(a, b),
  },
  { name: "Transpose", inputs: [i([2, 3, 4])], build: (_, [a]) => G.transpose(a, [1, 0, 2]) },
  { name: "Reshape", inputs: [i([3, 4])], build: (_, [a]) => G.reshape(a, [2, -1]) },
  {
    name: "Unsqueeze+Squeeze",
    inputs: [i([3, 4])],
    build: (_, [a]) =>
      G.mul(G.unsqueeze(a, [0, -1]), G.unsqueeze(G.squeeze(G.unsqueeze(a, [1]), [1]), [-1])),
  },
  {
    name: "Concat",
    inputs: [i([2, 3]), i([2, 1]), i([2, 2], "normal", [2, "M"])],
    build: (_, xs) => G.concat(xs, 1),
  },
  {
    name: "Split",
    inputs: [i([5, 3])],
    build: (_, [a]) => {
      const [p, q] = G.split(a, [2, 3], 0);
      return G.add(G.reduceSum(p, [0]), G.mul(G.reduceSum(q, [0]), 2));
    },
  },
  { name: "Slice", inputs: [i([5, 3])], build: (_, [a]) => G.slice(a, 0, 1, 4) },
  { name: "Slice negative bounds", inputs: [i([3, 6])], build: (_, [a]) => G.slice(a, 1, -4, -1) },
  {
    name: "Slice symbolic dim",
    inputs: [i([6, 2], "normal", ["N", 2])],
    build: (_, [a]) => G.mul(G.slice(a, 0, 2, 100), 1),
  },
  {
    name: "Pad",
    inputs: [i([2, 3])],
    build: (g, [a]) => G.pad(a, g.ints([1, 0, 0, 2]), [3, 5]),
  },
  { name: "Expand", inputs: [i([1, 3])], build: (g, [a]) => G.expand(a, g.ints([4, 3]), [4, 3]) },
  {
    name: "Gather rows with repeats",
    inputs: [i([5, 3]), i([6], { indices: [4, 0, 4, 2, 2, 1] })],
    build: (_, [a, x]) => G.gather(a, x),
  },
  {
    name: "Gather 2-D indices",
    inputs: [i([4, 2]), i([2, 3], { index: 4 })],
    build: (_, [a, x]) => G.gather(a, x),
  },
  {
    name: "GatherND",
    inputs: [i([3, 4, 2]), i([5, 2], { index: 3 })],
    build: (_, [a, x]) => G.gatherND(a, x),
  },
  {
    name: "ScatterND add",
    inputs: [i([4, 3]), i([6, 1], { indices: [3, 0, 3, 1, 3, 0] }), i([6, 3])],
    build: (_, [d, x, u]) => G.scatterND(d, x, u, "add"),
  },
  {
    name: "ScatterND none",
    inputs: [i([4, 3]), i([2, 1], { indices: [2, 0] }), i([2, 3])],
    build: (_, [d, x, u]) => G.scatterND(d, x, u),
  },
  {
    name: "segmentSum",
    inputs: [i([7, 3], "normal", ["N", 3]), i([7], { indices: [0, 2, 2, 0, 3, 2, 0] }, ["N"])],
    build: (_, [v, s]) => G.segmentSum(v, s, 5),
  },
  {
    name: "segmentMean runtime count",
    inputs: [i([6, 2]), i([6], { indices: [1, 1, 0, 2, 1, 0] }), i([], { indices: [4] })],
    build: (_, [v, s, n]) => G.segmentMean(v, s, n),
  },
  {
    name: "segmentMean rank 1",
    inputs: [i([5]), i([5], { indices: [0, 1, 1, 0, 1] })],
    build: (_, [v, s]) => G.segmentMean(v, s, 2),
  },
  { name: "rowNorm", inputs: [i([4, 3])], build: (_, [a]) => G.rowNorm(a) },
  { name: "l2Normalize", inputs: [i([4, 3])], build: (_, [a]) => G.l2Normalize(a) },
  {
    name: "rowCosine broadcast",
    inputs: [i([4, 3]), i([1, 3])],
    build: (_, [a, b]) => G.rowCosine(a, b),
  },
  {
    name: "cosineMatrix",
    inputs: [i([4, 3]), i([2, 3])],
    build: (_, [a, b]) => G.cosineMatrix(a, b),
  },
  {
    name: "maskedMean",
    inputs: [i([6]), i([6], "bool")],
    build: (_, [a, m]) => G.maskedMean(a, m),
  },
  {
    name: "maskedMean empty",
    inputs: [i([3]), i([3], { indices: [0, 0, 0] })],
    build: (_, [a, m]) => G.maskedMean(a, m),
  },
  {
    name: "bceWithLogits",
    inputs: [i([5]), i([5], "bool")],
    build: (g, [a, y]) => G.bceWithLogits(G.mul(a, 4), G.cast(y, g.float)),
  },
  { name: "mse", inputs: [i([3, 2]), i([3, 2])], build: (_, [a, b]) => G.mse(a, b) },
  {
    name: "sumRows symbolic",
    inputs: [i([5, 3], "normal", ["N", 3])],
    build: (_, [a]) => G.sumRows(a),
  },
  { name: "sumRows fixed", inputs: [i([4, 2])], build: (_, [a]) => G.sumRows(a) },
  {
    name: "ScatterND add, index depth 2",
    inputs: [i([3, 4, 2]), i([5, 2], { indices: [0, 1, 2, 3, 0, 1, 1, 1, 2, 0] }), i([5, 2])],
    build: (_, [d, x, u]) => G.scatterND(d, x, u, "add"),
  },
  {
    name: "lazy gradient into MatMul, Gather, Concat, Transpose",
    inputs: [i([4, 3], "normal", ["N", 3]), i([3, 2]), i([5], { indices: [3, 0, 0, 2, 1] })],
    build: (_, [a, b, x]) => {
      const rows = G.reduceSum(G.matmul(a, b), [1], true); // N×1, grad lazy into MatMul
      const picked = G.reduceMean(G.gather(G.transpose(G.concat([a, a], 1)), x), [0]);
      return G.add(G.reduceSum(G.mul(rows, rows)), G.reduceSum(G.sqrt(G.mul(picked, picked))));
    },
  },
];
