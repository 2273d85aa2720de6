/**
 * Broadcasting binary ops (Add, Sub, Mul, Div, Max, Min), Neg, Where, comparisons,
 * Cast and Identity: builders and their op-table entries side by side.
 *
 * Binary builders take `Tensor | number`; a number becomes a rank-0 constant of the
 * other operand's dtype. Broadcasting follows numpy; VJPs un-broadcast with ReduceSum.
 *
 * @module
 */

import { invalid } from "../../errors.ts";
import {
  broadcastShapes,
  type Dim,
  type DType,
  type Graph,
  isFloat,
  type Node,
  Tensor,
} from "../graph.ts";
import { mapN, type Value } from "../ndarray.ts";
import type { OpDef, VjpContext } from "../op.ts";
import { reduceSum, sumRows } from "./reduce.ts";

/** A tensor or a plain number (lifted to a rank-0 constant). */
export type Operand = Tensor | number;

/** ONNX TensorProto.DataType codes of our dtypes (used by Cast's `to`). */
export const DTYPE_CODE: Record<DType, number> = {
  float32: 1,
  int32: 6,
  int64: 7,
  bool: 9,
  float64: 11,
};

function graphOf(a: Operand, b: Operand): Graph {
  if (a instanceof Tensor) return a.graph;
  if (b instanceof Tensor) return b.graph;
  throw invalid("A graph op needs at least one tensor operand");
}

/** Lifts numbers to rank-0 constants typed like the tensor operand. */
export function lift(a: Operand, b: Operand): [Tensor, Tensor] {
  const g = graphOf(a, b);
  const dt = a instanceof Tensor ? a.dtype : (b as Tensor).dtype;
  return [
    a instanceof Tensor ? a : g.scalar(a, dt),
    b instanceof Tensor ? b : g.scalar(b, dt),
  ];
}

function binary(op: string, a: Operand, b: Operand, outDtype?: DType): Tensor {
  const [x, y] = lift(a, b);
  if (x.dtype !== y.dtype) throw invalid(`${op} operands differ in dtype: ${x} vs ${y}`);
  const shape = broadcastShapes(x.shape, y.shape);
  return x.graph.emit(op, [x, y], {}, [{ dtype: outDtype ?? x.dtype, shape }])[0];
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

/** a + b, broadcast. */
export function add(a: Operand, b: Operand): Tensor {
  return binary("Add", a, b);
}
/** a − b, broadcast. */
export function sub(a: Operand, b: Operand): Tensor {
  return binary("Sub", a, b);
}
/** a · b elementwise, broadcast. */
export function mul(a: Operand, b: Operand): Tensor {
  return binary("Mul", a, b);
}
/** a / b elementwise, broadcast. */
export function div(a: Operand, b: Operand): Tensor {
  return binary("Div", a, b);
}
/** Elementwise max(a, b), broadcast; gradient goes to `a` where a ≥ b, else to `b`. */
export function max(a: Operand, b: Operand): Tensor {
  return binary("Max", a, b);
}
/** Elementwise min(a, b), broadcast; gradient goes to `a` where a ≤ b, else to `b`. */
export function min(a: Operand, b: Operand): Tensor {
  return binary("Min", a, b);
}
/** −x. */
export function neg(x: Tensor): Tensor {
  return x.graph.emit("Neg", [x], {}, [{ dtype: x.dtype, shape: x.shape }])[0];
}
/** a > b → bool, broadcast. */
export function greater(a: Operand, b: Operand): Tensor {
  return binary("Greater", a, b, "bool");
}
/** a ≥ b → bool, broadcast. */
export function greaterOrEqual(a: Operand, b: Operand): Tensor {
  return binary("GreaterOrEqual", a, b, "bool");
}
/** a < b → bool, broadcast. */
export function less(a: Operand, b: Operand): Tensor {
  return binary("Less", a, b, "bool");
}
/** a ≤ b → bool, broadcast. */
export function lessOrEqual(a: Operand, b: Operand): Tensor {
  return binary("LessOrEqual", a, b, "bool");
}
/** a = b → bool, broadcast. */
export function equal(a: Operand, b: Operand): Tensor {
  return binary("Equal", a, b, "bool");
}
/** Logical not of a bool tensor. */
export function not(x: Tensor): Tensor {
  return x.graph.emit("Not", [x], {}, [{ dtype: "bool", shape: x.shape }])[0];
}

/** cond ? a : b elementwise (cond bool), all three broadcast. */
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  const [x, y] = lift(a, b);
  if (cond.dtype !== "bool") throw invalid(`Where condition must be bool, got ${cond}`);
  const shape = broadcastShapes(cond.shape, broadcastShapes(x.shape, y.shape));
  return cond.graph.emit("Where", [cond, x, y], {}, [{ dtype: x.dtype, shape }])[0];
}

/** Converts `x` to `dtype` (to an integer dtype: truncation toward zero). */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  return x.graph.emit("Cast", [x], { to: { kind: "int", value: DTYPE_CODE[dtype] } }, [
    { dtype, shape: x.shape },
  ])[0];
}

/** A copy of x (a new value name). */
export function identity(x: Tensor): Tensor {
  return x.graph.emit("Identity", [x], {}, [{ dtype: x.dtype, shape: x.shape }])[0];
}

// ---- op table --------------------------------------------------------------------------

function arith(f: (a: number, b: number) => number, vjp: OpDef["vjp"]): OpDef {
  return { eval: (v: Value[]) => [mapN(v, f)], vjp, lazyGrad: true };
}

function compare(f: (a: number, b: number) => boolean): OpDef {
  return { eval: (v: Value[]) => [mapN(v, (a, b) => (f(a, b) ? 1 : 0))], nondiff: true };
}

function inputs(c: VjpContext): [Tensor, Tensor, Tensor] {
  return [c.node.inputs[0], c.node.inputs[1], c.grads[0]!];
}

function pick(c: VjpContext, ga: () => Tensor, gb: () => Tensor): (Tensor | null)[] {
  const [a, b] = c.node.inputs;
  return [
    c.needs[0] ? unbroadcast(ga(), a.shape) : null,
    c.needs[1] ? unbroadcast(gb(), b.shape) : null,
  ];
}

/** g where `mask` (bool) holds, else 0: g·cast(mask) (faster than Where in onnxruntime). */
export function maskGrad(g: Tensor, mask: Tensor): Tensor {
  return mul(g, cast(mask, g.dtype));
}

function maxMinVjp(c: VjpContext, ge: (a: Tensor, b: Tensor) => Tensor): (Tensor | null)[] {
  const [a, b, g] = inputs(c);
  const takeA = ge(a, b);
  return pick(c, () => maskGrad(g, takeA), () => maskGrad(g, not(takeA)));
}

function castTo(v: number, dtype: DType): number {
  if (dtype === "bool") return v !== 0 ? 1 : 0;
  return isFloat(dtype) ? v : Math.trunc(v);
}

/** Op-table entries of this file. */
export const ARITH_OPS: Record<string, OpDef> = {
  Add: arith((a, b) => a + b, (c) => {
    const g = c.grads[0]!;
    return pick(c, () => g, () => g);
  }),
  Sub: arith((a, b) => a - b, (c) => {
    const g = c.grads[0]!;
    return pick(c, () => g, () => neg(g));
  }),
  Mul: arith((a, b) => a * b, (c) => {
    const [a, b, g] = inputs(c);
    // x·x: one product 2g·x instead of two (g is often a cheap lazy N×1 gradient).
    if (a === b) return [unbroadcast(mul(mul(g, 2), a), a.shape), null];
    return pick(c, () => mul(g, b), () => mul(g, a));
  }),
  Div: arith((a, b) => a / b, (c) => {
    const [a, b, g] = inputs(c);
    return pick(c, () => div(g, b), () => neg(div(mul(g, a), mul(b, b))));
  }),
  Max: arith((a, b) => Math.max(a, b), (c) => maxMinVjp(c, greaterOrEqual)),
  Min: arith((a, b) => Math.min(a, b), (c) => maxMinVjp(c, lessOrEqual)),
  Neg: { eval: (v) => [mapN(v, (a) => -a)], vjp: (c) => [neg(c.grads[0]!)], lazyGrad: true },
  Greater: compare((a, b) => a > b),
  GreaterOrEqual: compare((a, b) => a >= b),
  Less: compare((a, b) => a < b),
  LessOrEqual: compare((a, b) => a <= b),
  Equal: compare((a, b) => a === b),
  Not: { eval: (v) => [mapN(v, (a) => (a === 0 ? 1 : 0))], nondiff: true },
  Where: {
    eval: (v) => [mapN(v, (c, a, b) => (c !== 0 ? a : b))],
    vjp: (c) => {
      const [cond, a, b] = c.node.inputs;
      const g = c.grads[0]!;
      return [
        null,
        c.needs[1] ? unbroadcast(where(cond, g, 0), a.shape) : null,
        c.needs[2] ? unbroadcast(where(cond, 0, g), b.shape) : null,
      ];
    },
    lazyGrad: true,
  },
  Cast: {
    eval: (v, node: Node) => {
      const to = node.outputs[0].dtype;
      return [mapN(v, (a) => castTo(a, to))];
    },
    vjp: (c) => {
      const x = c.node.inputs[0];
      const g = c.grads[0]!;
      return [isFloat(x.dtype) && isFloat(g.dtype) ? cast(g, x.dtype) : null];
    },
    lazyGrad: true,
  },
  Identity: { eval: (v) => [v[0]], vjp: (c) => [c.grads[0]], lazyGrad: true },
};
