/**
 * Reductions: ReduceSum, ReduceMean and ReduceMax (differentiable), ArgMax (not),
 * and `unbroadcast` (the ReduceSum that undoes numpy broadcasting in gradients):
 * builders and float64 evaluation (gradient rules: vjp_structural.ts). Opset 18
 * passes reduction axes as an int64 input; ArgMax keeps its `axis` attribute.
 *
 * @module
 */

import { type Dim, normAxis, type Tensor } from "../graph.ts";
import { reduce } from "../ndarray.ts";
import { attrInt, type OpDef } from "../op.ts";
import { invalid } from "../../errors.ts";
import { matmul } from "./linalg.ts";
import { concat, constantOfShape, shape, squeeze } from "./shape.ts";

function reduced(x: Tensor, axes: number[], keepdims: boolean): Dim[] {
  const s = new Set(axes);
  return keepdims ? x.shape.map((d, i) => (s.has(i) ? 1 : d)) : x.shape.filter((_, i) => !s.has(i));
}

function reduction(op: string, x: Tensor, axes: number[] | undefined, keepdims: boolean): Tensor {
  const ax = (axes ?? [...x.shape.keys()]).map((a) => normAxis(a, x.rank));
  return x.graph.emit(op, [x, x.graph.ints(ax)], { keepdims: { kind: "int", value: +keepdims } }, [
    { dtype: x.dtype, shape: reduced(x, ax, keepdims) },
  ])[0];
}

/**
 * Sum over `axes` (all axes when omitted).
 * @param keepdims keep reduced axes as size 1 (default false)
 */
export function reduceSum(x: Tensor, axes?: number[], keepdims = false): Tensor {
  return reduction("ReduceSum", x, axes, keepdims);
}

/** Mean over `axes` (all axes when omitted); keepdims default false. */
export function reduceMean(x: Tensor, axes?: number[], keepdims = false): Tensor {
  return reduction("ReduceMean", x, axes, keepdims);
}

/**
 * Column sums of a rank-2 tensor (x: R×C → [C]) computed as ones[1×R]·x, which
 * onnxruntime runs several times faster than ReduceSum over axis 0.
 */
export function sumRows(x: Tensor): Tensor {
  if (x.rank !== 2) throw invalid(`sumRows needs a rank-2 tensor, got ${x}`);
  const g = x.graph;
  const rows = typeof x.shape[0] === "number"
    ? g.ints([1, x.shape[0]])
    : concat([g.ints([1]), shape(x, 0, 1)], 0);
  const ones = constantOfShape(rows, [1, x.shape[0]], { value: 1, dtype: x.dtype });
  return squeeze(matmul(ones, x), [0]);
}

/**
 * Sums `grad` down to `shape` (the inverse of numpy broadcasting): leading axes are
 * summed away, axes where `shape` has 1 and `grad` does not are summed with keepdims.
 */
export function unbroadcast(grad: Tensor, shape: readonly Dim[]): Tensor {
  let t = grad;
  const lead = t.rank - shape.length;
  if (lead === 1 && t.rank === 2) t = sumRows(t);
  else if (lead > 0) t = reduceSum(t, [...Array(lead).keys()], false);
  const axes = shape.flatMap((d, i) => (d === 1 && t.shape[i] !== 1 ? [i] : []));
  return axes.length > 0 ? reduceSum(t, axes, true) : t;
}

/**
 * Max over `axes` (all axes when omitted); keepdims default false. Gradient: to the
 * position(s) equal to the max, shared evenly among tied maxima.
 */
export function reduceMax(x: Tensor, axes?: number[], keepdims = false): Tensor {
  return reduction("ReduceMax", x, axes, keepdims);
}

/** Index (int64) of the first maximum along `axis`; no gradient. */
export function argMax(x: Tensor, axis: number, keepdims = false): Tensor {
  const a = normAxis(axis, x.rank);
  const attrs = {
    axis: { kind: "int" as const, value: a },
    keepdims: { kind: "int" as const, value: +keepdims },
  };
  return x.graph.emit("ArgMax", [x], attrs, [{
    dtype: "int64",
    shape: reduced(x, [a], keepdims),
  }])[0];
}

function reduceEval(kind: "sum" | "mean" | "max"): OpDef["eval"] {
  return (
    v,
    node,
  ) => [
    reduce(v[0], Array.from(v[1].data), { keepdims: attrInt(node, "keepdims", 1) === 1, kind }),
  ];
}

/** Op-table entries of this file. */
export const REDUCE_OPS: Record<string, OpDef> = {
  ReduceSum: { eval: reduceEval("sum") },
  ReduceMean: { eval: reduceEval("mean") },
  ReduceMax: { eval: reduceEval("max") },
  ArgMax: {
    eval: (v, node) => [
      reduce(v[0], [attrInt(node, "axis")], {
        keepdims: attrInt(node, "keepdims", 1) === 1,
        kind: "argmax",
      }),
    ],
  },
};
