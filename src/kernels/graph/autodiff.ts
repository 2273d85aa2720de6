/**
 * Reverse-mode automatic differentiation over a `Graph`: gradient nodes are appended
 * to the same graph (so forward and backward run as one onnxruntime session).
 *
 * Walks the nodes that the loss depends on in reverse creation (topological) order,
 * calls each op's VJP rule from the gradient table (`VJP_TABLE`) and sums the contributions per tensor.
 * A gradient may stay "lazy" (size-1 axes where its tensor has more, e.g. after a
 * ReduceSum) while it flows through broadcasting ops (`GradRule.lazyGrad`); it is expanded
 * only before other ops and before it is returned, which saves N×C Expand nodes.
 *
 * @module
 */

import { GeoError } from "../errors.ts";
import { type Graph, isFloat, type Tensor } from "./graph.ts";
import { add } from "./ops/arith.ts";
import { constantOfShape, expand, shape, zerosLike } from "./ops/shape.ts";
import { VJP_TABLE } from "./ops/table.ts";

/**
 * Gradients of `loss` with respect to each tensor of `wrt` (same shapes and dtypes).
 * A non-scalar loss is seeded with ones (the gradient of its sum). A `wrt` tensor the
 * loss does not depend on gets zeros.
 * @throws GeoError failed_precondition naming the op when a node on the path has no rule
 */
export function gradients(graph: Graph, loss: Tensor, wrt: readonly Tensor[]): Tensor[] {
  if (!isFloat(loss.dtype)) throw new GeoError("invalid_argument", `Loss ${loss} is not float`);
  const live = graph.liveNodes([loss]);
  const dep = new Set(wrt.map((w) => w.id));
  for (const node of live) {
    if (node.inputs.some((t) => dep.has(t.id))) { for (const o of node.outputs) dep.add(o.id); }
  }
  const acc = new Map<number, Tensor>();
  if (dep.has(loss.id)) acc.set(loss.id, ones(graph, loss));
  for (let n = live.length - 1; n >= 0; n--) {
    const node = live[n];
    const gOut = node.outputs.map((o) => acc.get(o.id) ?? null);
    if (gOut.every((g) => g === null)) continue;
    const needs = node.inputs.map((t) => dep.has(t.id) && isFloat(t.dtype));
    if (!needs.some(Boolean)) continue;
    const def = VJP_TABLE[node.op];
    if (def?.nondiff) continue;
    if (!def?.vjp) {
      throw new GeoError(
        "failed_precondition",
        `No gradient rule for op ${node.op} (computing ${node.outputs[0].name})`,
      );
    }
    const grads = def.lazyGrad
      ? gOut
      : gOut.map((g, i) => (g ? materialize(g, node.outputs[i]) : g));
    const gIn = def.vjp({ node, grads, needs });
    if (gIn.length !== node.inputs.length) {
      throw new GeoError(
        "internal",
        `Gradient rule of ${node.op} gave ${gIn.length} gradients for ${node.inputs.length} inputs`,
      );
    }
    node.inputs.forEach((x, i) => {
      const g = gIn[i];
      if (!needs[i] || !g) return;
      checkGrad(node.op, x, g);
      const prev = acc.get(x.id);
      acc.set(x.id, prev ? add(prev, g) : g);
    });
  }
  return wrt.map((w) => {
    const g = acc.get(w.id);
    return g ? materialize(g, w) : zerosLike(w);
  });
}

function ones(graph: Graph, t: Tensor): Tensor {
  if (t.rank === 0) return graph.scalar(1, t.dtype);
  return constantOfShape(shape(t), t.shape, { value: 1, dtype: t.dtype });
}

/** True when g has size-1 axes where t has not (a gradient still to be broadcast). */
function isLazy(g: Tensor, t: Tensor): boolean {
  return g.shape.some((d, i) => d === 1 && t.shape[i] !== 1);
}

/** g broadcast to the full shape of t (Expand by t's runtime shape) when it is lazy. */
function materialize(g: Tensor, t: Tensor): Tensor {
  return isLazy(g, t) ? expand(g, shape(t), t.shape) : g;
}

function checkGrad(op: string, x: Tensor, g: Tensor): void {
  const bad = g.rank !== x.rank || g.dtype !== x.dtype ||
    x.shape.some((d, i) =>
      typeof d === "number" && typeof g.shape[i] === "number" && d !== g.shape[i] &&
      g.shape[i] !== 1
    );
  if (bad) {
    throw new GeoError("internal", `Gradient rule of ${op} gave ${g} for input ${x}`);
  }
}
