/**
 * Shape ops: Shape, Size, Reshape, Unsqueeze, Squeeze, Expand, ConstantOfShape,
 * Concat, Split, Slice, Pad — builders and float64 evaluation side by side
 * (gradient rules: vjp_structural.ts).
 *
 * @module
 */

import { invalid } from "../../errors.ts";
import { type Dim, type DType, normAxis, staticSize, type Tensor } from "../graph.ts";
import {
  concat as concatValues,
  full,
  mapN,
  sizeOf,
  sliceAxis,
  stridesOf,
  type Value,
} from "../ndarray.ts";
import { attrInt, attrTensor, type OpDef } from "../op.ts";

/** Runtime shape of x as int64 [rank]; `start`/`end` select a range of axes (opset 15). */
export function shape(x: Tensor, start?: number, end?: number): Tensor {
  const s = start ?? 0, e = end ?? x.rank;
  const attrs = {
    ...(start !== undefined ? { start: { kind: "int" as const, value: s } } : {}),
    ...(end !== undefined ? { end: { kind: "int" as const, value: e } } : {}),
  };
  return x.graph.emit("Shape", [x], attrs, [{ dtype: "int64", shape: [e - s] }])[0];
}

/** Runtime element count of x as an int64 scalar. */
export function size(x: Tensor): Tensor {
  return x.graph.emit("Size", [x], {}, [{ dtype: "int64", shape: [] }])[0];
}

/**
 * Reshape to `dims` (ONNX rules: 0 copies the input dim, −1 is inferred), or to a
 * runtime int64 shape tensor with its static shape given as `staticShape`.
 */
export function reshape(x: Tensor, dims: number[] | Tensor, staticShape?: Dim[]): Tensor {
  let out: Dim[];
  let t: Tensor;
  if (Array.isArray(dims)) {
    t = x.graph.ints(dims);
    out = dims.map((d, i) => (d === 0 ? x.shape[i] : d));
    const neg = out.indexOf(-1);
    if (neg >= 0) {
      const total = staticSize(x.shape), rest = staticSize(out.filter((_, i) => i !== neg));
      out[neg] = total !== undefined && rest !== undefined
        ? total / rest
        : `?${x.graph.tensors.length}`;
    }
  } else {
    t = dims;
    if (!staticShape) throw invalid("Reshape by a runtime shape needs its static shape");
    out = staticShape;
  }
  return x.graph.emit("Reshape", [x, t], {}, [{ dtype: x.dtype, shape: out }])[0];
}

/** Inserts size-1 axes at `axes` (positions in the output). */
export function unsqueeze(x: Tensor, axes: number[]): Tensor {
  const r = x.rank + axes.length;
  const ax = new Set(axes.map((a) => normAxis(a, r)));
  const out: Dim[] = [];
  let j = 0;
  for (let i = 0; i < r; i++) out.push(ax.has(i) ? 1 : x.shape[j++]);
  return x.graph.emit("Unsqueeze", [x, x.graph.ints([...ax])], {}, [{
    dtype: x.dtype,
    shape: out,
  }])[0];
}

/** Removes the size-1 axes `axes`. */
export function squeeze(x: Tensor, axes: number[]): Tensor {
  const ax = new Set(axes.map((a) => normAxis(a, x.rank)));
  const out = x.shape.filter((_, i) => !ax.has(i));
  return x.graph.emit("Squeeze", [x, x.graph.ints([...ax])], {}, [{
    dtype: x.dtype,
    shape: out,
  }])[0];
}

/** Broadcasts x to the runtime shape `shapeT` whose static value is `staticShape`. */
export function expand(x: Tensor, shapeT: Tensor, staticShape: readonly Dim[]): Tensor {
  return x.graph.emit("Expand", [x, shapeT], {}, [{ dtype: x.dtype, shape: staticShape }])[0];
}

/** A tensor of runtime shape `shapeT` (static value `staticShape`) filled with `value`. */
export function constantOfShape(
  shapeT: Tensor,
  staticShape: readonly Dim[],
  options: { value?: number; dtype: DType },
): Tensor {
  const value = {
    kind: "tensor" as const,
    value: { dtype: options.dtype, dims: [1], data: [options.value ?? 0] },
  };
  return shapeT.graph.emit("ConstantOfShape", [shapeT], { value }, [
    { dtype: options.dtype, shape: staticShape },
  ])[0];
}

/** Zeros with the shape and dtype of `t` (shape taken at run time when symbolic). */
export function zerosLike(t: Tensor): Tensor {
  const st = staticSize(t.shape) !== undefined ? t.graph.ints(t.shape as number[]) : shape(t);
  return constantOfShape(st, t.shape, { dtype: t.dtype });
}

/** Concatenates tensors of equal rank along `axis`. */
export function concat(xs: Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw invalid("Concat needs at least one tensor");
  const a = normAxis(axis, xs[0].rank);
  const out = [...xs[0].shape];
  const sizes = xs.map((x) => x.shape[a]);
  out[a] = sizes.every((d) => typeof d === "number")
    ? (sizes as number[]).reduce((s, d) => s + d, 0)
    : sizes.join("+");
  return xs[0].graph.emit("Concat", xs, { axis: { kind: "int", value: a } }, [
    { dtype: xs[0].dtype, shape: out },
  ])[0];
}

/**
 * Splits x along `axis` into pieces of `sizes` (numbers, or a runtime int64 tensor with
 * the pieces' static sizes given as `staticSizes`).
 */
export function split(
  x: Tensor,
  sizes: number[] | Tensor,
  axis: number,
  staticSizes?: Dim[],
): Tensor[] {
  const a = normAxis(axis, x.rank);
  const st = Array.isArray(sizes) ? sizes : staticSizes;
  if (!st) throw invalid("Split by runtime sizes needs their static sizes");
  const t = Array.isArray(sizes) ? x.graph.ints(sizes) : sizes;
  const outs = st.map((d) => ({ dtype: x.dtype, shape: x.shape.map((s, i) => (i === a ? d : s)) }));
  return x.graph.emit("Split", [x, t], { axis: { kind: "int", value: a } }, outs);
}

/**
 * x[start:end] along `axis` (step 1; numpy clamping; negative bounds count from the end).
 * Its gradient pads with zeros; with a symbolic dim it needs 0 ≤ start ≤ end.
 */
export function slice(x: Tensor, axis: number, start: number, end: number): Tensor {
  const a = normAxis(axis, x.rank);
  const g = x.graph;
  const d = x.shape[a];
  let len: Dim = `?${g.tensors.length}`;
  if (typeof d === "number") {
    const [b, e] = sliceBounds(start, end, d);
    len = e - b;
  }
  return g.emit("Slice", [x, g.ints([start]), g.ints([end]), g.ints([a])], {}, [
    { dtype: x.dtype, shape: x.shape.map((s, i) => (i === a ? len : s)) },
  ])[0];
}

/** [begin, end) of a slice of an axis of size d, clamped as ONNX/numpy do (step 1). */
export function sliceBounds(start: number, end: number, d: number): [number, number] {
  const c = (q: number) => Math.max(0, Math.min(d, q < 0 ? q + d : q));
  return [c(start), Math.max(c(start), c(end))];
}

/** Zero-pads x by `pads` = [begin_0 … begin_r−1, end_0 … end_r−1] (int64, ≥ 0). */
export function pad(x: Tensor, pads: Tensor, staticShape: readonly Dim[]): Tensor {
  return x.graph.emit("Pad", [x, pads], {}, [{ dtype: x.dtype, shape: staticShape }])[0];
}

function evalPad(x: Value, pads: Value): Value {
  const r = x.dims.length;
  const p = Array.from(pads.data);
  const dims = x.dims.map((d, i) => d + p[i] + p[r + i]);
  const out = full(dims);
  const ost = stridesOf(dims), xst = stridesOf(x.dims);
  for (let k = 0; k < x.data.length; k++) {
    let o = 0;
    for (let i = 0; i < r; i++) o += (Math.floor(k / xst[i]) % x.dims[i] + p[i]) * ost[i];
    out.data[o] = x.data[k];
  }
  return out;
}

function normalizedAxes(v: Value, rank: number): number[] {
  return Array.from(v.data, (a) => (a < 0 ? a + rank : a));
}

/** Op-table entries of this file. */
export const SHAPE_OPS: Record<string, OpDef> = {
  Shape: {
    eval: (v, node) => {
      const r = v[0].dims.length;
      const s = attrInt(node, "start", 0), e = attrInt(node, "end", r);
      const dims = v[0].dims.slice(s < 0 ? s + r : s, e < 0 ? e + r : e);
      return [{ dims: [dims.length], data: Float64Array.from(dims) }];
    },
  },
  Size: { eval: (v) => [{ dims: [], data: Float64Array.of(sizeOf(v[0].dims)) }] },
  Reshape: {
    eval: (v) => {
      const [x, s] = v;
      const dims = Array.from(s.data, (d, i) => (d === 0 ? x.dims[i] : d));
      const neg = dims.indexOf(-1);
      if (neg >= 0) dims[neg] = sizeOf(x.dims) / -sizeOf(dims);
      return [{ dims, data: x.data }];
    },
  },
  Unsqueeze: {
    eval: (v) => {
      const r = v[0].dims.length + v[1].data.length;
      const ax = new Set(normalizedAxes(v[1], r));
      const dims: number[] = [];
      let j = 0;
      for (let i = 0; i < r; i++) dims.push(ax.has(i) ? 1 : v[0].dims[j++]);
      return [{ dims, data: v[0].data }];
    },
  },
  Squeeze: {
    eval: (v) => {
      const ax = new Set(normalizedAxes(v[1], v[0].dims.length));
      return [{ dims: v[0].dims.filter((_, i) => !ax.has(i)), data: v[0].data }];
    },
  },
  Expand: {
    eval: (v) => [mapN([v[0], full(Array.from(v[1].data), 0)], (a) => a)],
  },
  ConstantOfShape: {
    eval: (
      v,
      node,
    ) => [full(Array.from(v[0].data), Number(attrTensor(node, "value")?.data[0] ?? 0))],
  },
  Concat: {
    eval: (v, node) => [concatValues(v, attrInt(node, "axis"))],
  },
  Split: {
    eval: (v, node) => {
      const a = attrInt(node, "axis", 0);
      let at = 0;
      return Array.from(v[1].data, (n) => sliceAxis(v[0], a, at, at += n));
    },
  },
  Pad: { eval: (v) => [evalPad(v[0], v[1])] },
  Slice: {
    eval: (v) => {
      const [x, s, e, ax] = v;
      let out = x;
      for (let i = 0; i < ax.data.length; i++) {
        const a = ax.data[i] < 0 ? ax.data[i] + x.dims.length : ax.data[i];
        const d = x.dims[a];
        const clamp = (q: number) => Math.max(0, Math.min(d, q < 0 ? q + d : q));
        out = sliceAxis(out, a, clamp(s.data[i]), Math.max(clamp(s.data[i]), clamp(e.data[i])));
      }
      return [out];
    },
  },
};
