/**
 * Elementwise unary ops: Abs, Sign, Exp, Log, Sqrt, Relu, Sigmoid, Softplus —
 * builders and op-table entries side by side.
 *
 * Relu'(0) = 0; Abs'(0) = Sign(0) = 0. Softplus is evaluated in the stable form
 * max(x,0) + log1p(exp(−|x|)).
 *
 * @module
 */

import type { Tensor } from "../graph.ts";
import { mapN } from "../ndarray.ts";
import type { OpDef, VjpContext } from "../op.ts";
import { div, greater, maskGrad, mul, sub } from "./arith.ts";

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

function io(c: VjpContext): [Tensor, Tensor, Tensor] {
  return [c.node.inputs[0], c.node.outputs[0], c.grads[0]!];
}

/** Op-table entries of this file (every VJP broadcasts, so gradients may stay lazy). */
export const UNARY_OPS: Record<string, OpDef> = Object.fromEntries(
  Object.entries(
    <Record<string, OpDef>> {
      Abs: {
        eval: (v) => [mapN(v, Math.abs)],
        vjp: (c) => {
          const [x, , g] = io(c);
          return [mul(g, sign(x))];
        },
      },
      Sign: { eval: (v) => [mapN(v, Math.sign)], nondiff: true },
      Exp: {
        eval: (v) => [mapN(v, Math.exp)],
        vjp: (c) => {
          const [, y, g] = io(c);
          return [mul(g, y)];
        },
      },
      Log: {
        eval: (v) => [mapN(v, Math.log)],
        vjp: (c) => {
          const [x, , g] = io(c);
          return [div(g, x)];
        },
      },
      Sqrt: {
        eval: (v) => [mapN(v, Math.sqrt)],
        vjp: (c) => {
          const [, y, g] = io(c);
          return [div(mul(g, 0.5), y)];
        },
      },
      Relu: {
        eval: (v) => [mapN(v, (a) => (a > 0 ? a : 0))],
        vjp: (c) => {
          // From the output (y > 0 ⇔ x > 0) so that onnxruntime may fuse Gemm+Relu.
          const [, y, g] = io(c);
          return [maskGrad(g, greater(y, 0))];
        },
      },
      Sigmoid: {
        eval: (v) => [mapN(v, (a) => 1 / (1 + Math.exp(-a)))],
        vjp: (c) => {
          const [, y, g] = io(c);
          return [mul(g, mul(y, sub(1, y)))];
        },
      },
      Softplus: {
        eval: (v) => [mapN(v, stableSoftplus)],
        vjp: (c) => {
          const [x, , g] = io(c);
          return [mul(g, sigmoid(x))];
        },
      },
    },
  ).map(([k, d]) => [k, d.nondiff ? d : { ...d, lazyGrad: true }]),
);
