/**
 * The graph engine in one import: builder, primitive ops, composites, autodiff and
 * the float64 interpreter. See `graph.ts` for the model and conventions.
 *
 * ```ts
 * import * as G from "./mod.ts";
 * const g = new G.Graph({ float: "float64" }); // "float32" for onnxruntime serving/training
 * const x = g.input("x", ["N", 3]); // symbolic N
 * const ids = g.input("ids", ["N"], "int64");
 * const w = g.input("w", [3, 4]);
 * const f = G.relu(G.matmul(x, w));
 * const pooled = G.segmentMean(f, ids, 2); // ScatterND-add pooling, 2 segments
 * const loss = G.add(G.reduceMean(G.sub(1, G.rowCosine(f, G.gather(pooled, ids)))), 0);
 * const [dw] = G.gradients(g, loss, [w]); // gradient nodes in the same graph
 * g.output("loss", loss);
 * g.output("dw", dw);
 * // G.interpret(g, feeds) → float64 values; encodeModel(g) (src/onnx) → ONNX bytes
 * ```
 *
 * Op builders take tensors (numbers where an operand may be a scalar constant). Each
 * primitive is one ONNX node whose float64 evaluation sits beside its builder in
 * `ops/*.ts`; its VJP is in the one gradient table (`ops/vjp_*.ts`, `ops/table.ts`);
 * composites (`composite.ts`) inherit their gradients from primitives.
 *
 * @module
 */

export * from "./graph.ts";
export type { Value } from "./ndarray.ts";
export * from "./ops/arith.ts";
export * from "./ops/unary.ts";
export * from "./ops/reduce.ts";
export * from "./ops/shape.ts";
export * from "./ops/linalg.ts";
export * from "./ops/gather.ts";
export * from "./composite.ts";
export * from "./autodiff.ts";
export * from "./interpret.ts";
export * from "./grad_check.ts";
