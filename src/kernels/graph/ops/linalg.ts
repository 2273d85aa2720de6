/**
 * MatMul and Transpose: builders and float64 evaluation side by side (gradient rules:
 * vjp_structural.ts).
 *
 * @module
 */

import { invalid } from "../../errors.ts";
import { broadcastShapes, type Dim, type Tensor } from "../graph.ts";
import { matmul as matmulValues, transpose as transposeValues } from "../ndarray.ts";
import { attrInts, type OpDef } from "../op.ts";

/**
 * Matrix product a·b (numpy matmul rules). The gradient rule covers rank-2 operands
 * and batched operands (rank ≥ 2) whose batch dims broadcast.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.rank < 2 || b.rank < 2) throw invalid(`MatMul operands need rank ≥ 2: ${a}, ${b}`);
  if (a.dtype !== b.dtype) throw invalid(`MatMul operands differ in dtype: ${a} vs ${b}`);
  const [m, k] = a.shape.slice(-2), [k2, n] = b.shape.slice(-2);
  if (typeof k === "number" && typeof k2 === "number" && k !== k2) {
    throw invalid(`MatMul inner dims differ: ${a} · ${b}`);
  }
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const shape: Dim[] = [...batch, m, n];
  return a.graph.emit("MatMul", [a, b], {}, [{ dtype: a.dtype, shape }])[0];
}

/** Permutes axes (default: reverses them); out.shape[i] = x.shape[perm[i]]. */
export function transpose(x: Tensor, perm?: number[]): Tensor {
  const p = perm ?? [...x.shape.keys()].reverse();
  if (p.length !== x.rank) throw invalid(`Transpose perm [${p}] does not fit ${x}`);
  return x.graph.emit("Transpose", [x], { perm: { kind: "ints", value: p } }, [
    { dtype: x.dtype, shape: p.map((i) => x.shape[i]) },
  ])[0];
}

/** Swaps the last two axes. */
export function transposeLast(x: Tensor): Tensor {
  const p = [...x.shape.keys()];
  [p[x.rank - 2], p[x.rank - 1]] = [p[x.rank - 1], p[x.rank - 2]];
  return transpose(x, p);
}

/** Op-table entries of this file. */
export const LINALG_OPS: Record<string, OpDef> = {
  MatMul: { eval: (v) => [matmulValues(v[0], v[1])] },
  Transpose: {
    eval: (
      v,
      node,
    ) => [transposeValues(v[0], attrInts(node, "perm", [...v[0].dims.keys()].reverse()))],
  },
};
