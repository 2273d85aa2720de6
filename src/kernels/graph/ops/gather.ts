/**
 * Indexing ops: Gather, GatherND and ScatterND (reduction none | add) — builders and
 * float64 evaluation side by side (gradient rules: vjp_structural.ts). Indices are
 * int64 and must be non-negative here.
 *
 * ScatterND with reduction add is how segments are pooled (fast in onnxruntime).
 *
 * @module
 */

import { invalid } from "../../errors.ts";
import { type Attrs, normAxis, type Tensor } from "../graph.ts";
import { full, sizeOf, stridesOf, type Value } from "../ndarray.ts";
import { attrInt, attrString, type OpDef } from "../op.ts";

/** Rows (slices along `axis`, default 0) of `data` picked by int64 `indices` (any rank). */
export function gather(data: Tensor, indices: Tensor, axis = 0): Tensor {
  const a = normAxis(axis, data.rank);
  if (indices.dtype !== "int64" && indices.dtype !== "int32") {
    throw invalid(`Gather indices must be integers, got ${indices}`);
  }
  const shape = [...data.shape.slice(0, a), ...indices.shape, ...data.shape.slice(a + 1)];
  return data.graph.emit("Gather", [data, indices], { axis: { kind: "int", value: a } }, [
    { dtype: data.dtype, shape },
  ])[0];
}

/** GatherND (batch_dims 0): indices […, q] pick slices data[i0..iq−1]. */
export function gatherND(data: Tensor, indices: Tensor): Tensor {
  const q = indices.shape[indices.rank - 1];
  if (typeof q !== "number") throw invalid(`GatherND index depth must be fixed: ${indices}`);
  const shape = [...indices.shape.slice(0, -1), ...data.shape.slice(q)];
  return data.graph.emit("GatherND", [data, indices], {}, [{ dtype: data.dtype, shape }])[0];
}

/**
 * ScatterND: a copy of `data` where the slices named by `indices` […, q] are replaced by
 * (reduction "none") or incremented by (reduction "add") the matching `updates`.
 */
export function scatterND(
  data: Tensor,
  indices: Tensor,
  updates: Tensor,
  reduction: "none" | "add" = "none",
): Tensor {
  const attrs: Attrs = reduction === "none"
    ? {}
    : { reduction: { kind: "string", value: reduction } };
  return data.graph.emit("ScatterND", [data, indices, updates], attrs, [
    { dtype: data.dtype, shape: data.shape },
  ])[0];
}

function checkIndex(i: number, n: number, op: string): number {
  const j = i < 0 ? i + n : i;
  if (!(j >= 0 && j < n)) throw invalid(`${op} index ${i} is out of range [0, ${n})`);
  return j;
}

function evalGather(data: Value, idx: Value, axis: number): Value {
  const outer = sizeOf(data.dims.slice(0, axis));
  const inner = sizeOf(data.dims.slice(axis + 1));
  const n = data.dims[axis];
  const out = full([...data.dims.slice(0, axis), ...idx.dims, ...data.dims.slice(axis + 1)]);
  let o = 0;
  for (let q = 0; q < outer; q++) {
    for (let k = 0; k < idx.data.length; k++) {
      const src = (q * n + checkIndex(idx.data[k], n, "Gather")) * inner;
      out.data.set(data.data.subarray(src, src + inner), o);
      o += inner;
    }
  }
  return out;
}

/** For GatherND/ScatterND: slice offsets named by index tuples, and the slice length. */
function tupleOffsets(data: Value, idx: Value, op: string): { offsets: number[]; len: number } {
  const q = idx.dims[idx.dims.length - 1];
  const st = stridesOf(data.dims);
  const len = sizeOf(data.dims.slice(q));
  const count = q === 0 ? sizeOf(idx.dims) : idx.data.length / q;
  const offsets: number[] = [];
  for (let t = 0; t < count; t++) {
    let off = 0;
    for (let j = 0; j < q; j++) off += checkIndex(idx.data[t * q + j], data.dims[j], op) * st[j];
    offsets.push(off);
  }
  return { offsets, len };
}

/** Op-table entries of this file. */
export const GATHER_OPS: Record<string, OpDef> = {
  Gather: {
    eval: (v, node) => [evalGather(v[0], v[1], attrInt(node, "axis", 0))],
  },
  GatherND: {
    eval: (v) => {
      const [data, idx] = v;
      const { offsets, len } = tupleOffsets(data, idx, "GatherND");
      const q = idx.dims[idx.dims.length - 1];
      const out = full([...idx.dims.slice(0, -1), ...data.dims.slice(q)]);
      offsets.forEach((off, t) => out.data.set(data.data.subarray(off, off + len), t * len));
      return [out];
    },
  },
  ScatterND: {
    eval: (v, node) => {
      const [data, idx, upd] = v;
      const add = attrString(node, "reduction", "none") === "add";
      const out = { dims: [...data.dims], data: Float64Array.from(data.data) };
      const { offsets, len } = tupleOffsets(data, idx, "ScatterND");
      offsets.forEach((off, t) => {
        for (let j = 0; j < len; j++) {
          const u = upd.data[t * len + j];
          out.data[off + j] = add ? out.data[off + j] + u : u;
        }
      });
      return [out];
    },
  },
};
