/**
 * Elementwise unary ops: Abs, Sign, Exp, Log, Sqrt, Relu, Sigmoid, Softplus —
 * builders and float64 evaluation side by side (gradient rules: vjp_elementwise.ts).
 *
 * Relu'(0) = 0; Abs'(0) = Sign(0) = 0. Softplus is evaluated in the stable form
 * max(x,0) + log1p(exp(−|x|)).
 *
 * @module
 */

import type { Tensor } from "../graph.ts";
import { mapN } from "../ndarray.ts";
import type { OpDef } from "../op.ts";

function unary(op: string, x: Tensor): Tensor {
  return x.graph.emit(op, [x], {}, [{ dtype: x.dtype, shape: x.shape }])[0];
}

/** |x|. */
export function abs(x: Tensor): Tensor {
  return unary("Abs", x);
}
/** sign(x) ∈ {−1, 0, 1}. */
export function sign(x: Tensor): Tensor {
  return unary("Sign", x);
}
/** eˣ. */
export function exp(x: Tensor): Tensor {
  return unary("Exp", x);
}
/** Natural log. */
export function log(x: Tensor): Tensor {
  return unary("Log", x);
}
/** √x. */
export function sqrt(x: Tensor): Tensor {
  return unary("Sqrt", x);
}
/** max(x, 0); gradient 0 at x = 0. */
export function relu(x: Tensor): Tensor {
  return unary("Relu", x);
}
/** 1 / (1 + e⁻ˣ). */
export function sigmoid(x: Tensor): Tensor {
  return unary("Sigmoid", x);
}
/** log(1 + eˣ). */
export function softplus(x: Tensor): Tensor {
  return unary("Softplus", x);
}

function stableSoftplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** Op-table entries of this file. */
export const UNARY_OPS: Record<string, OpDef> = {
  Abs: { eval: (v) => [mapN(v, Math.abs)] },
  Sign: { eval: (v) => [mapN(v, Math.sign)] },
  Exp: { eval: (v) => [mapN(v, Math.exp)] },
  Log: { eval: (v) => [mapN(v, Math.log)] },
  Sqrt: { eval: (v) => [mapN(v, Math.sqrt)] },
  Relu: { eval: (v) => [mapN(v, (a) => (a > 0 ? a : 0))] },
  Sigmoid: { eval: (v) => [mapN(v, (a) => 1 / (1 + Math.exp(-a)))] },
  Softplus: { eval: (v) => [mapN(v, stableSoftplus)] },
};
