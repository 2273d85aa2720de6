/**
 * The op table: every op the graph engine knows, by ONNX op type.
 *
 * @module
 */

import type { OpDef } from "../op.ts";
import { ARITH_OPS } from "./arith.ts";
import { GATHER_OPS } from "./gather.ts";
import { LINALG_OPS } from "./linalg.ts";
import { REDUCE_OPS } from "./reduce.ts";
import { SHAPE_OPS } from "./shape.ts";
import { UNARY_OPS } from "./unary.ts";

/** ONNX op type → evaluation and gradient rule. */
export const OP_TABLE: Readonly<Record<string, OpDef>> = {
  ...ARITH_OPS,
  ...UNARY_OPS,
  ...REDUCE_OPS,
  ...SHAPE_OPS,
  ...LINALG_OPS,
  ...GATHER_OPS,
};
