/**
 * Composite ops built from primitives (their gradients come from the primitives):
 * segment pooling, clamped norms and cosines, masked means and the losses the
 * objective uses.
 *
 * @module
 */

import { type Dim, staticSize, type Tensor } from "./graph.ts";
import { add, cast, div, max, mul, type Operand, sub } from "./ops/arith.ts";
import { gather, scatterND } from "./ops/gather.ts";
import { matmul } from "./ops/linalg.ts";
import { reduceMean, reduceSum } from "./ops/reduce.ts";
import { concat, constantOfShape, reshape, shape, squeeze, unsqueeze } from "./ops/shape.ts";
import { softplus, sqrt } from "./ops/unary.ts";

/** The smallest norm `rowNorm`/`rowCosine` divide by (objective.md: max(|a|, 1e-8)). */
export const NORM_EPS = 1e-8;

/**
 * Segment sums: out[s] = Σ_{i: ids[i]=s} values[i] (ScatterND reduction add into zeros).
 * @param values N×… float tensor
 * @param ids int64 [N], each in [0, count)
 * @param count number of segments: a number, or an int64 tensor (rank 0 or [1]) whose
 *   value is S at run time (the static dim is then named after that tensor)
 * @returns S×… sums (rows of empty segments are 0); gradient flows to `values` as a Gather
 */
export function segmentSum(values: Tensor, ids: Tensor, count: number | Tensor): Tensor {
  const g = values.graph;
  const rest = values.shape.slice(1);
  const sDim: Dim = typeof count === "number" ? count : count.name;
  const outShape = [sDim, ...rest];
  let shapeT: Tensor;
  if (typeof count === "number" && staticSize(rest) !== undefined) {
    shapeT = g.ints(outShape as number[]);
  } else {
    const head = typeof count === "number" ? g.ints([count]) : reshape(count, [1]);
    shapeT = rest.length === 0 ? head : concat([head, shape(values, 1)], 0);
  }
  const zeros = constantOfShape(shapeT, outShape, { dtype: values.dtype });
  return scatterND(zeros, unsqueeze(ids, [-1]), values, "add");
}

/** Number of members of each segment as a float [S] tensor (dtype of the graph). */
export function segmentCount(ids: Tensor, count: number | Tensor): Tensor {
  const g = ids.graph;
  const ones = constantOfShape(shape(ids), ids.shape, { value: 1, dtype: g.float });
  return segmentSum(ones, ids, count);
}

/** Segment means S×… (empty segments give 0): segmentSum / max(count, 1). */
export function segmentMean(values: Tensor, ids: Tensor, count: number | Tensor): Tensor {
  const sums = segmentSum(values, ids, count);
  const n = max(segmentCount(ids, count), 1);
  return div(sums, values.rank > 1 ? unsqueeze(n, [-1]) : n);
}

/** Each segment's row broadcast back to its members: rows[ids] (a Gather). */
export function scatterBack(rows: Tensor, ids: Tensor): Tensor {
  return gather(rows, ids, 0);
}

/** Row norms clamped below: max(|x_i|, 1e-8) over the last axis, keepdims (N×1). */
export function rowNorm(x: Tensor): Tensor {
  // sqrt(max(s, eps²)) = max(sqrt(s), eps), but its gradient stays finite at s = 0.
  return sqrt(max(reduceSum(mul(x, x), [-1], true), NORM_EPS * NORM_EPS));
}

/** x_i / max(|x_i|, 1e-8) row-wise (last axis). */
export function l2Normalize(x: Tensor): Tensor {
  return div(x, rowNorm(x));
}

/** Row-wise cos(a_i, b_i) = a_i·b_i / (max(|a_i|,1e-8)·max(|b_i|,1e-8)); a, b broadcast; [N]. */
export function rowCosine(a: Tensor, b: Tensor): Tensor {
  const dot = reduceSum(mul(a, b), [-1], false);
  return div(dot, squeeze(mul(rowNorm(a), rowNorm(b)), [-1]));
}

/** All-pairs cosine matrix N×M of the rows of a (N×D) and b (M×D). */
export function cosineMatrix(a: Tensor, b: Tensor): Tensor {
  return matmul(l2Normalize(a), transposeRows(l2Normalize(b)));
}

function transposeRows(x: Tensor): Tensor {
  return x.graph.emit("Transpose", [x], { perm: { kind: "ints", value: [1, 0] } }, [
    { dtype: x.dtype, shape: [x.shape[1], x.shape[0]] },
  ])[0];
}

/**
 * Mean of x over the entries where mask = 1 (mask 0/1, same shape as x, any dtype); a
 * scalar. An empty mask gives 0 (no division by zero).
 */
export function maskedMean(x: Tensor, mask: Tensor): Tensor {
  const m = cast(mask, x.dtype);
  return div(reduceSum(mul(x, m)), max(reduceSum(m), 1));
}

/** Elementwise binary cross-entropy from logits, softplus form: softplus(x) − y·x. */
export function bceWithLogits(logits: Tensor, targets: Operand): Tensor {
  return sub(softplus(logits), mul(logits, targets));
}

/** Mean squared error over all entries: mean((a − b)²), a scalar. */
export function mse(a: Tensor, b: Operand): Tensor {
  const d = sub(a, b);
  return reduceMean(mul(d, d));
}

/** Affine map x·w + b (x …×I, w I×O, b O). */
export function linear(x: Tensor, w: Tensor, b: Tensor): Tensor {
  return add(matmul(x, w), b);
}
