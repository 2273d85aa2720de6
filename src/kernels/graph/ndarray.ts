/**
 * Plain float64 n-d array helpers used by the graph interpreter (`interpret.ts`).
 *
 * A `Value` is a row-major Float64Array with fixed dims. Integer and bool tensors are
 * held as float64 too (exact up to 2^53), so one representation serves every op.
 *
 * @module
 */

import { invalid } from "../errors.ts";

/** A concrete tensor: row-major `data` of length product(dims). */
export interface Value {
  /** fixed dims */
  dims: number[];
  /** row-major values */
  data: Float64Array;
}

/** Product of dims (1 for rank 0). */
export function sizeOf(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Row-major strides of `dims`. */
export function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i];
  }
  return s;
}

/** A new value of the given dims filled with `fill`. */
export function full(dims: readonly number[], fill = 0): Value {
  return { dims: [...dims], data: new Float64Array(sizeOf(dims)).fill(fill) };
}

/** Numpy broadcast of fixed dims. */
export function broadcastDims(a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const da = i < r - a.length ? 1 : a[i - (r - a.length)];
    const db = i < r - b.length ? 1 : b[i - (r - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw invalid(`Cannot broadcast dims [${a}] and [${b}]`);
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** For each flat index of `outDims`, the flat index into a tensor of `dims` broadcast to it. */
export function broadcastIndex(dims: readonly number[], outDims: readonly number[]): Int32Array {
  const n = sizeOf(outDims);
  const idx = new Int32Array(n);
  const r = outDims.length;
  const st = stridesOf(dims);
  const eff = outDims.map((_, i) => {
    const j = i - (r - dims.length);
    return j < 0 || dims[j] === 1 ? 0 : st[j];
  });
  const ctr = new Array<number>(r).fill(0);
  let off = 0;
  for (let k = 0; k < n; k++) {
    idx[k] = off;
    for (let ax = r - 1; ax >= 0; ax--) {
      ctr[ax]++;
      off += eff[ax];
      if (ctr[ax] < outDims[ax]) break;
      off -= eff[ax] * ctr[ax];
      ctr[ax] = 0;
    }
  }
  return idx;
}

/** Elementwise map over any number of broadcast inputs. */
export function mapN(inputs: Value[], f: (...xs: number[]) => number): Value {
  let dims: number[] = [];
  for (const v of inputs) dims = broadcastDims(dims, v.dims);
  const idx = inputs.map((v) => broadcastIndex(v.dims, dims));
  const out = full(dims);
  const xs = new Array<number>(inputs.length);
  for (let k = 0; k < out.data.length; k++) {
    for (let j = 0; j < inputs.length; j++) xs[j] = inputs[j].data[idx[j][k]];
    out.data[k] = f(...xs);
  }
  return out;
}

/**
 * Reduces over `axes` (all axes when empty) with `kind`; keepdims keeps size-1 axes.
 * Returns for "argmax" the first index of the maximum.
 */
export function reduce(
  v: Value,
  axes: readonly number[],
  options: { keepdims: boolean; kind: "sum" | "mean" | "max" | "argmax" },
): Value {
  const r = v.dims.length;
  const ax = new Set(axes.length === 0 ? v.dims.map((_, i) => i) : axes.map((a) => (a + r) % r));
  const keptDims = v.dims.map((d, i) => (ax.has(i) ? 1 : d));
  const out = full(keptDims, options.kind === "max" || options.kind === "argmax" ? -Infinity : 0);
  const best = options.kind === "argmax" ? full(keptDims, 0) : undefined;
  const idx = broadcastIndex(keptDims, v.dims);
  const vst = stridesOf(v.dims);
  for (let k = 0; k < v.data.length; k++) {
    const o = idx[k];
    const x = v.data[k];
    if (options.kind === "sum" || options.kind === "mean") out.data[o] += x;
    else if (x > out.data[o] || (Number.isNaN(x) && !Number.isNaN(out.data[o]))) {
      out.data[o] = x;
      if (best) {
        const a = [...ax][0];
        best.data[o] = Math.floor(k / vst[a]) % v.dims[a];
      }
    }
  }
  if (options.kind === "mean") {
    let cnt = 1;
    for (const a of ax) cnt *= v.dims[a];
    for (let i = 0; i < out.data.length; i++) out.data[i] /= cnt;
  }
  const res = best ?? out;
  const dims = options.keepdims ? keptDims : v.dims.filter((_, i) => !ax.has(i));
  return { dims, data: res.data };
}

/** Permutes axes: out.dims[i] = v.dims[perm[i]]. */
export function transpose(v: Value, perm: readonly number[]): Value {
  const dims = perm.map((p) => v.dims[p]);
  const st = stridesOf(v.dims);
  const permSt = perm.map((p) => st[p]);
  const outSt = stridesOf(dims);
  const out = full(dims);
  for (let k = 0; k < out.data.length; k++) {
    let off = 0;
    let rem = k;
    for (let i = 0; i < dims.length; i++) {
      const c = Math.floor(rem / outSt[i]);
      rem -= c * outSt[i];
      off += c * permSt[i];
    }
    out.data[k] = v.data[off];
  }
  return out;
}

/** Matrix product of rank-2 values (or batched with identical leading dims, or a 1-D side). */
export function matmul(a: Value, b: Value): Value {
  const a2 = a.dims.length === 1 ? { dims: [1, a.dims[0]], data: a.data } : a;
  const b2 = b.dims.length === 1 ? { dims: [b.dims[0], 1], data: b.data } : b;
  const ra = a2.dims.length, rb = b2.dims.length;
  const [m, k] = a2.dims.slice(ra - 2), [k2, n] = b2.dims.slice(rb - 2);
  if (k !== k2) throw invalid(`MatMul inner dims differ: [${a.dims}] · [${b.dims}]`);
  const batchA = a2.dims.slice(0, ra - 2), batchB = b2.dims.slice(0, rb - 2);
  const batch = broadcastDims(batchA, batchB);
  const ia = broadcastIndex(batchA, batch), ib = broadcastIndex(batchB, batch);
  const nb = sizeOf(batch);
  const out = full([...batch, m, n]);
  for (let q = 0; q < nb; q++) {
    const ao = ia[q] * m * k, bo = ib[q] * k * n, oo = q * m * n;
    for (let i = 0; i < m; i++) {
      for (let p = 0; p < k; p++) {
        const x = a2.data[ao + i * k + p];
        if (x === 0) continue;
        for (let j = 0; j < n; j++) out.data[oo + i * n + j] += x * b2.data[bo + p * n + j];
      }
    }
  }
  let dims = out.dims;
  if (a.dims.length === 1) dims = dims.filter((_, i) => i !== dims.length - 2);
  if (b.dims.length === 1) dims = dims.slice(0, -1);
  return { dims, data: out.data };
}

/** Concatenates values along `axis`. */
export function concat(vs: Value[], axis: number): Value {
  const dims = [...vs[0].dims];
  dims[axis] = vs.reduce((s, v) => s + v.dims[axis], 0);
  const outer = sizeOf(dims.slice(0, axis));
  const inner = sizeOf(dims.slice(axis + 1));
  const out = full(dims);
  let o = 0;
  for (let q = 0; q < outer; q++) {
    for (const v of vs) {
      const len = v.dims[axis] * inner;
      out.data.set(v.data.subarray(q * len, (q + 1) * len), o);
      o += len;
    }
  }
  return out;
}

/** Slices `v` along one axis: [start, end) with step 1. */
export function sliceAxis(v: Value, axis: number, start: number, end: number): Value {
  const dims = [...v.dims];
  dims[axis] = Math.max(0, end - start);
  const outer = sizeOf(v.dims.slice(0, axis));
  const inner = sizeOf(v.dims.slice(axis + 1));
  const out = full(dims);
  const len = dims[axis] * inner;
  for (let q = 0; q < outer; q++) {
    const src = (q * v.dims[axis] + start) * inner;
    out.data.set(v.data.subarray(src, src + len), q * len);
  }
  return out;
}
