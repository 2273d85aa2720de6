/**
 * Float64 reference interpreter: evaluates a `Graph` in plain TypeScript through the
 * op table. Every dtype is held as float64 (float32 tensors are not rounded), so the
 * result is the exact reference the onnxruntime run is compared with.
 *
 * @module
 */

import { GeoError, invalid } from "../errors.ts";
import type { Graph, Tensor } from "./graph.ts";
import type { Value } from "./ndarray.ts";
import { OP_TABLE } from "./ops/table.ts";

/** One fed tensor: row-major data (any numeric typed array, or BigInt64Array) and dims. */
export interface Feed {
  /** row-major values */
  data: ArrayLike<number> | BigInt64Array;
  /** dims; must match the input's fixed dims, symbolic dims bind consistently */
  dims: readonly number[];
}

/**
 * Evaluates `targets` (default: the graph outputs) given feeds for the graph inputs
 * they depend on, by input name.
 * @returns one float64 Value per target, in order
 * @throws GeoError invalid_argument for a missing or mis-shaped feed
 */
export function interpret(
  graph: Graph,
  feeds: Record<string, Feed>,
  targets: readonly Tensor[] = graph.outputs,
): Value[] {
  const values = new Map<number, Value>();
  const bound = new Map<string, number>();
  for (const t of graph.inputs) {
    const f = feeds[t.name];
    if (!f) continue;
    values.set(t.id, toValue(t, f, bound));
  }
  for (const [id, c] of graph.constants) {
    values.set(id, { dims: [...c.dims], data: Float64Array.from(c.data as ArrayLike<number>) });
  }
  for (const node of graph.liveNodes(targets)) {
    const def = OP_TABLE[node.op];
    if (!def) throw new GeoError("internal", `The interpreter has no rule for op ${node.op}`);
    const ins = node.inputs.map((t) => {
      const v = values.get(t.id);
      if (!v) throw invalid(`Graph input '${t.name}' was not fed`);
      return v;
    });
    const outs = def.eval(ins, node);
    node.outputs.forEach((t, i) => values.set(t.id, outs[i]));
  }
  return targets.map((t) => {
    const v = values.get(t.id);
    if (!v) throw invalid(`Graph input '${t.name}' was not fed`);
    return v;
  });
}

/** Like `interpret` over the graph outputs, keyed by output name. */
export function interpretNamed(graph: Graph, feeds: Record<string, Feed>): Record<string, Value> {
  const vals = interpret(graph, feeds);
  return Object.fromEntries(graph.outputs.map((t, i) => [t.name, vals[i]]));
}

function toValue(t: Tensor, f: Feed, bound: Map<string, number>): Value {
  if (f.dims.length !== t.rank) {
    throw invalid(`Feed '${t.name}' has rank ${f.dims.length}, expected ${t}`);
  }
  t.shape.forEach((d, i) => {
    const got = f.dims[i];
    if (typeof d === "number" && d !== got) {
      throw invalid(`Feed '${t.name}' dim ${i} is ${got}, expected ${t}`);
    }
    if (typeof d === "string") {
      if (bound.has(d) && bound.get(d) !== got) {
        throw invalid(`Feed '${t.name}' binds ${d} = ${got} but it is already ${bound.get(d)}`);
      }
      bound.set(d, got);
    }
  });
  const n = f.dims.reduce((a, b) => a * b, 1);
  if (f.data.length !== n) {
    throw invalid(`Feed '${t.name}' has ${f.data.length} values, dims need ${n}`);
  }
  const data = f.data instanceof BigInt64Array
    ? Float64Array.from(f.data, (x) => Number(x))
    : Float64Array.from(f.data);
  return { dims: [...f.dims], data };
}
