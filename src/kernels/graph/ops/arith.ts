/**
 * Broadcasting binary ops (Add, Sub, Mul, Div, Max, Min), Neg, Where, comparisons,
 * Cast and Identity: builders and their float64 evaluation side by side (gradient
 * rules: vjp_elementwise.ts).
 *
 * Binary builders take `Tensor | number`; a number becomes a rank-0 constant of the
 * other operand's dtype. Broadcasting follows numpy.
 *
 * @module
 */

import { invalid } from "../../errors.ts";
import { broadcastShapes, type DType, type Graph, isFloat, type Node, Tensor } from "../graph.ts";
import { mapN, type Value } from "../ndarray.ts";
import type { OpDef } from "../op.ts";

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

function arith(f: (a: number, b: number) => number): OpDef {
  return { eval: (v: Value[]) => [mapN(v, f)] };
}

function compare(f: (a: number, b: number) => boolean): OpDef {
  return { eval: (v: Value[]) => [mapN(v, (a, b) => (f(a, b) ? 1 : 0))] };
}

/** g where `mask` (bool) holds, else 0: g·cast(mask) (faster than Where in onnxruntime). */
export function maskGrad(g: Tensor, mask: Tensor): Tensor {
  return mul(g, cast(mask, g.dtype));
}

function castTo(v: number, dtype: DType): number {
  if (dtype === "bool") return v !== 0 ? 1 : 0;
  return isFloat(dtype) ? v : Math.trunc(v);
}

/** Op-table entries of this file. */
export const ARITH_OPS: Record<string, OpDef> = {
  Add: arith((a, b) => a + b),
  Sub: arith((a, b) => a - b),
  Mul: arith((a, b) => a * b),
  Div: arith((a, b) => a / b),
  Max: arith((a, b) => Math.max(a, b)),
  Min: arith((a, b) => Math.min(a, b)),
  Neg: { eval: (v) => [mapN(v, (a) => -a)] },
  Greater: compare((a, b) => a > b),
  GreaterOrEqual: compare((a, b) => a >= b),
  Less: compare((a, b) => a < b),
  LessOrEqual: compare((a, b) => a <= b),
  Equal: compare((a, b) => a === b),
  Not: { eval: (v) => [mapN(v, (a) => (a === 0 ? 1 : 0))] },
  Where: { eval: (v) => [mapN(v, (c, a, b) => (c !== 0 ? a : b))] },
  Cast: {
    eval: (v, node: Node) => {
      const to = node.outputs[0].dtype;
      return [mapN(v, (a) => castTo(a, to))];
    },
  },
  Identity: { eval: (v) => [v[0]] },
};
