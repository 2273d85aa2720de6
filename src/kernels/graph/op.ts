/**
 * The op-table entry types: for each ONNX op, its float64 evaluation (`OpDef`, used
 * by `interpret.ts`) and its gradient rule (`GradRule`: the vector-Jacobian product
 * expressed as graph ops, used by `autodiff.ts`). Emission needs no entry: every
 * graph node is one ONNX node.
 *
 * @module
 */

import { GeoError } from "../errors.ts";
import type { ConstData, Node, Tensor } from "./graph.ts";
import type { Value } from "./ndarray.ts";

/** What a VJP rule receives. */
export interface VjpContext {
  /** the node being differentiated */
  node: Node;
  /** upstream gradient of each node output (null: that output gets no gradient) */
  grads: (Tensor | null)[];
  /** which inputs need a gradient (a rule may return null for the others) */
  needs: boolean[];
}

/** One op-table entry (`OP_TABLE` in ops/table.ts). */
export interface OpDef {
  /** float64 forward: input values → output values (dtype of each output from `node`) */
  eval(inputs: Value[], node: Node): Value[];
}

/** One gradient-rule entry (`VJP_TABLE` in ops/table.ts). */
export interface GradRule {
  /** gradient of each input as graph tensors (null = none), same length as node.inputs */
  vjp?(ctx: VjpContext): (Tensor | null)[];
  /** true when no gradient flows through this op by definition (integer/bool results) */
  nondiff?: boolean;
  /**
   * true when `vjp` accepts output gradients that are only broadcastable to the outputs
   * (same rank, size-1 axes) and may return such input gradients (broadcasting ops)
   */
  lazyGrad?: boolean;
}

/** Integer attribute `name` of `node` (or `fallback`). */
export function attrInt(node: Node, name: string, fallback?: number): number {
  const a = node.attrs[name];
  if (a && (a.kind === "int" || a.kind === "float")) return a.value;
  if (fallback !== undefined) return fallback;
  throw new GeoError("internal", `${node.op} node lacks integer attribute '${name}'`);
}

/** Float attribute `name` of `node` (or `fallback`). */
export function attrFloat(node: Node, name: string, fallback?: number): number {
  return attrInt(node, name, fallback);
}

/** Integer-list attribute `name` of `node` (or `fallback`). */
export function attrInts(node: Node, name: string, fallback?: number[]): number[] {
  const a = node.attrs[name];
  if (a && (a.kind === "ints" || a.kind === "floats")) return a.value;
  if (fallback !== undefined) return fallback;
  throw new GeoError("internal", `${node.op} node lacks list attribute '${name}'`);
}

/** String attribute `name` of `node` (or `fallback`). */
export function attrString(node: Node, name: string, fallback?: string): string {
  const a = node.attrs[name];
  if (a && a.kind === "string") return a.value;
  if (fallback !== undefined) return fallback;
  throw new GeoError("internal", `${node.op} node lacks string attribute '${name}'`);
}

/** Tensor attribute `name` of `node`, if present. */
export function attrTensor(node: Node, name: string): ConstData | undefined {
  const a = node.attrs[name];
  return a && a.kind === "tensor" ? a.value : undefined;
}
