/**
 * The op tables: every op the graph engine knows, by ONNX op type — its float64
 * evaluation (`OP_TABLE`, from the builder files) and its gradient rule
 * (`VJP_TABLE`, from vjp_elementwise.ts and vjp_structural.ts). Builders never
 * import gradient rules, so the op files import each other without cycles.
 *
 * @module
 */

import type { GradRule, OpDef } from "../op.ts";
import { ARITH_OPS } from "./arith.ts";
import { GATHER_OPS } from "./gather.ts";
import { LINALG_OPS } from "./linalg.ts";
import { REDUCE_OPS } from "./reduce.ts";
import { SHAPE_OPS } from "./shape.ts";
import { UNARY_OPS } from "./unary.ts";
import { ARITH_GRADS, UNARY_GRADS } from "./vjp_elementwise.ts";
import { GATHER_GRADS, LINALG_GRADS, REDUCE_GRADS, SHAPE_GRADS } from "./vjp_structural.ts";

/** ONNX op type → float64 evaluation. */
export const OP_TABLE: Readonly<Record<string, OpDef>> = {
  ...ARITH_OPS,
  ...UNARY_OPS,
  ...REDUCE_OPS,
  ...SHAPE_OPS,
  ...LINALG_OPS,
  ...GATHER_OPS,
};

/** ONNX op type → gradient rule (VJP, or `nondiff` for integer/bool results). */
export const VJP_TABLE: Readonly<Record<string, GradRule>> = {
  ...ARITH_GRADS,
  ...UNARY_GRADS,
  ...REDUCE_GRADS,
  ...SHAPE_GRADS,
  ...LINALG_GRADS,
  ...GATHER_GRADS,
};
