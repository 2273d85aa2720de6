/**
 * Gradient rules of the elementwise ops (arith.ts, unary.ts), written with the op
 * builders. Binary VJPs un-broadcast with ReduceSum (`unbroadcast`). Every rule here
 * accepts and returns lazily broadcast gradients (`GradRule.lazyGrad`).
 *
 * @module
 */

import { isFloat, type Tensor } from "../graph.ts";
import type { GradRule, VjpContext } from "../op.ts";
import {
  cast,
  div,
  greater,
  greaterOrEqual,
  lessOrEqual,
  maskGrad,
  mul,
  neg,
  not,
  sub,
  where,
} from "./arith.ts";
import { unbroadcast } from "./reduce.ts";
import { sigmoid, sign } from "./unary.ts";

const NONDIFF: GradRule = { nondiff: true };

function lazy(vjp: GradRule["vjp"]): GradRule {
  return { vjp, lazyGrad: true };
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

function maxMinVjp(c: VjpContext, ge: (a: Tensor, b: Tensor) => Tensor): (Tensor | null)[] {
  const [a, b, g] = inputs(c);
  const takeA = ge(a, b);
  return pick(c, () => maskGrad(g, takeA), () => maskGrad(g, not(takeA)));
}

/** The single input, single output and upstream gradient of a unary op. */
function io(c: VjpContext): [Tensor, Tensor, Tensor] {
  return [c.node.inputs[0], c.node.outputs[0], c.grads[0]!];
}

/** Gradient rules of arith.ts's ops. */
export const ARITH_GRADS: Record<string, GradRule> = {
  Add: lazy((c) => {
    const g = c.grads[0]!;
    return pick(c, () => g, () => g);
  }),
  Sub: lazy((c) => {
    const g = c.grads[0]!;
    return pick(c, () => g, () => neg(g));
  }),
  Mul: lazy((c) => {
    const [a, b, g] = inputs(c);
    // x·x: one product 2g·x instead of two (g is often a cheap lazy N×1 gradient).
    if (a === b) return [unbroadcast(mul(mul(g, 2), a), a.shape), null];
    return pick(c, () => mul(g, b), () => mul(g, a));
  }),
  Div: lazy((c) => {
    const [a, b, g] = inputs(c);
    return pick(c, () => div(g, b), () => neg(div(mul(g, a), mul(b, b))));
  }),
  Max: lazy((c) => maxMinVjp(c, greaterOrEqual)),
  Min: lazy((c) => maxMinVjp(c, lessOrEqual)),
  Neg: lazy((c) => [neg(c.grads[0]!)]),
  Greater: NONDIFF,
  GreaterOrEqual: NONDIFF,
  Less: NONDIFF,
  LessOrEqual: NONDIFF,
  Equal: NONDIFF,
  Not: NONDIFF,
  Where: lazy((c) => {
    const [cond, a, b] = c.node.inputs;
    const g = c.grads[0]!;
    return [
      null,
      c.needs[1] ? unbroadcast(where(cond, g, 0), a.shape) : null,
      c.needs[2] ? unbroadcast(where(cond, 0, g), b.shape) : null,
    ];
  }),
  Cast: lazy((c) => {
    const x = c.node.inputs[0];
    const g = c.grads[0]!;
    return [isFloat(x.dtype) && isFloat(g.dtype) ? cast(g, x.dtype) : null];
  }),
  Identity: lazy((c) => [c.grads[0]]),
};

/** Gradient rules of unary.ts's ops (Relu'(0) = 0; Abs'(0) = Sign(0) = 0). */
export const UNARY_GRADS: Record<string, GradRule> = {
  Abs: lazy((c) => {
    const [x, , g] = io(c);
    return [mul(g, sign(x))];
  }),
  Sign: NONDIFF,
  Exp: lazy((c) => {
    const [, y, g] = io(c);
    return [mul(g, y)];
  }),
  Log: lazy((c) => {
    const [x, , g] = io(c);
    return [div(g, x)];
  }),
  Sqrt: lazy((c) => {
    const [, y, g] = io(c);
    return [div(mul(g, 0.5), y)];
  }),
  Relu: lazy((c) => {
    // From the output (y > 0 ⇔ x > 0) so that onnxruntime may fuse Gemm+Relu.
    const [, y, g] = io(c);
    return [maskGrad(g, greater(y, 0))];
  }),
  Sigmoid: lazy((c) => {
    const [, y, g] = io(c);
    return [mul(g, mul(y, sub(1, y)))];
  }),
  Softplus: lazy((c) => {
    const [x, , g] = io(c);
    return [mul(g, sigmoid(x))];
  }),
};
