/**
 * Gradient rules of the reduction, shape, linear-algebra and indexing ops
 * (reduce.ts, shape.ts, linalg.ts, gather.ts), written with the op builders.
 *
 * Shape-changing VJPs reshape the gradient back with `Shape(x)` taken at run time,
 * so they work with symbolic dims. ScatterND-add's VJP is GatherND, and Gather's VJP
 * is ScatterND-add into zeros.
 *
 * @module
 */

import { invalid } from "../../errors.ts";
import { normAxis, staticSize, type Tensor } from "../graph.ts";
import { attrInt, attrInts, attrString, type GradRule, type VjpContext } from "../op.ts";
import { cast, div, equal, max, mul, sub } from "./arith.ts";
import { gather, gatherND, scatterND } from "./gather.ts";
import { matmul, transpose, transposeLast } from "./linalg.ts";
import { reduceSum, unbroadcast } from "./reduce.ts";
import {
  concat,
  pad,
  reshape,
  shape,
  size,
  slice,
  sliceBounds,
  split,
  squeeze,
  unsqueeze,
  zerosLike,
} from "./shape.ts";

const NONDIFF: GradRule = { nondiff: true };

/** The upstream gradient with the reduced axes back as size 1 (lazily broadcast to x). */
function spread(c: VjpContext): Tensor {
  const [x, axesT] = c.node.inputs;
  const g = c.grads[0]!;
  const keep = attrInt(c.node, "keepdims", 1) === 1;
  const axes = x.graph.constants.get(axesT.id)!.data;
  return keep ? g : unsqueeze(g, Array.from(axes));
}

/** Gradient rules of reduce.ts's ops. */
export const REDUCE_GRADS: Record<string, GradRule> = {
  ReduceSum: { vjp: (c) => [spread(c), null], lazyGrad: true },
  ReduceMean: {
    vjp: (c) => {
      const x = c.node.inputs[0], y = c.node.outputs[0];
      const nx = staticSize(x.shape), ny = staticSize(y.shape);
      const scale = nx !== undefined && ny !== undefined
        ? ny / nx
        : div(cast(size(y), x.dtype), cast(size(x), x.dtype));
      return [mul(spread(c), scale), null];
    },
    lazyGrad: true,
  },
  ReduceMax: {
    // g·[x = max] / (number of maxima in the reduced window). Tie rule: tied maxima share
    // the upstream gradient evenly (as TensorFlow and torch.amax), which is the exact
    // gradient when the ties are copies of one value (e.g. a row gathered twice).
    vjp: (c) => {
      const x = c.node.inputs[0], y = c.node.outputs[0];
      const keep = attrInt(c.node, "keepdims", 1) === 1;
      const axes = Array.from(x.graph.constants.get(c.node.inputs[1].id)!.data);
      const hit = cast(equal(x, keep ? y : unsqueeze(y, axes)), x.dtype);
      return [mul(spread(c), div(hit, reduceSum(hit, axes, true))), null];
    },
    lazyGrad: true,
  },
  ArgMax: NONDIFF,
};

/** Gradient rules of linalg.ts's ops. */
export const LINALG_GRADS: Record<string, GradRule> = {
  MatMul: {
    vjp: (c) => {
      const [a, b] = c.node.inputs;
      const g = c.grads[0]!;
      return [
        c.needs[0] ? unbroadcast(matmul(g, transposeLast(b)), a.shape) : null,
        c.needs[1] ? unbroadcast(matmul(transposeLast(a), g), b.shape) : null,
      ];
    },
  },
  Transpose: {
    vjp: (c) => {
      const perm = attrInts(c.node, "perm");
      const inv = new Array<number>(perm.length);
      perm.forEach((p, i) => (inv[p] = i));
      return [transpose(c.grads[0]!, inv)];
    },
  },
};

function sliceVjp(c: VjpContext): (Tensor | null)[] {
  const [x, st, en, ax] = c.node.inputs;
  const g = x.graph;
  const k = (t: Tensor) => Number(g.constants.get(t.id)!.data[0]);
  const a = normAxis(k(ax), x.rank), start = k(st), end = k(en);
  const d = x.shape[a];
  const zeros = (n: number) => new Array<number>(n).fill(0);
  let pads: Tensor;
  if (typeof d === "number") {
    const [b, e] = sliceBounds(start, end, d);
    const p = zeros(2 * x.rank);
    p[a] = b;
    p[x.rank + a] = d - e;
    pads = g.ints(p);
  } else {
    if (start < 0 || end < start) {
      throw invalid(`Slice gradient over symbolic dim ${d} needs 0 ≤ start ≤ end`);
    }
    const after = max(sub(shape(x, a, a + 1), end), 0);
    pads = concat([
      g.ints([...zeros(a), start, ...zeros(x.rank - 1)]),
      after,
      g.ints(zeros(x.rank - a - 1)),
    ], 0);
  }
  return [pad(c.grads[0]!, pads, x.shape), null, null, null];
}

/** Gradient of a zero Pad with constant pads: slice each padded axis back. */
function sliceOfPad(c: VjpContext): Tensor {
  const [x, padsT] = c.node.inputs;
  const p = padsT.graph.constants.get(padsT.id)?.data;
  if (!p) throw invalid("Pad has a gradient rule only for constant pads");
  let g = c.grads[0]!;
  for (let a = 0; a < x.rank; a++) {
    if (p[a] !== 0 || p[x.rank + a] !== 0) {
      const d = g.shape[a];
      const end = typeof d === "number" ? d - p[x.rank + a] : -p[x.rank + a] || 2 ** 62;
      g = slice(g, a, p[a], end);
    }
  }
  return reshape(g, shape(x), [...x.shape]);
}

/** The gradient g reshaped back to x's runtime shape. */
function reshapeBack(c: VjpContext): (Tensor | null)[] {
  const x = c.node.inputs[0];
  return [reshape(c.grads[0]!, shape(x), [...x.shape]), null];
}

/** Gradient rules of shape.ts's ops. */
export const SHAPE_GRADS: Record<string, GradRule> = {
  Shape: NONDIFF,
  Size: NONDIFF,
  Reshape: { vjp: reshapeBack },
  Unsqueeze: { vjp: reshapeBack },
  Squeeze: { vjp: reshapeBack },
  Expand: {
    vjp: (c) => [unbroadcast(c.grads[0]!, c.node.inputs[0].shape), null],
    lazyGrad: true,
  },
  ConstantOfShape: NONDIFF,
  Concat: {
    vjp: (c) => {
      const xs = c.node.inputs;
      const a = attrInt(c.node, "axis");
      const dims = xs.map((x) => x.shape[a]);
      const sizes = dims.every((d) => typeof d === "number")
        ? (dims as number[])
        : concat(xs.map((x) => shape(x, a, a + 1)), 0);
      return split(c.grads[0]!, sizes, a, dims);
    },
  },
  Split: {
    vjp: (c) => {
      const parts = c.node.outputs.map((o, i) => c.grads[i] ?? zerosLike(o));
      return [concat(parts, attrInt(c.node, "axis", 0)), null];
    },
  },
  Pad: { vjp: (c) => [sliceOfPad(c), null] },
  Slice: { vjp: sliceVjp },
};

/**
 * GatherND(g, idx), as a plain Gather when idx is […, 1] (onnxruntime runs Gather about
 * twice as fast); reuses the tensor idx was unsqueezed from when there is one.
 */
function gatherSlices(g: Tensor, idx: Tensor): Tensor {
  if (idx.shape[idx.rank - 1] !== 1) return gatherND(g, idx);
  const src = idx.graph.producer.get(idx.id);
  const axes = src?.op === "Unsqueeze"
    ? idx.graph.constants.get(src.inputs[1].id)?.data
    : undefined;
  const lastOnly = axes?.length === 1 && (axes[0] === -1 || axes[0] === idx.rank - 1);
  return gather(g, lastOnly ? src!.inputs[0] : squeeze(idx, [-1]), 0);
}

/** Gradient rules of gather.ts's ops. */
export const GATHER_GRADS: Record<string, GradRule> = {
  Gather: {
    vjp: (c) => {
      const [data, idx] = c.node.inputs;
      if (attrInt(c.node, "axis", 0) !== 0) {
        throw invalid("Gather has a gradient rule only for axis 0");
      }
      return [scatterND(zerosLike(data), unsqueeze(idx, [-1]), c.grads[0]!, "add"), null];
    },
  },
  GatherND: {
    vjp: (c) => {
      const [data, idx] = c.node.inputs;
      return [scatterND(zerosLike(data), idx, c.grads[0]!, "add"), null];
    },
  },
  ScatterND: {
    vjp: (c) => {
      const [, idx, upd] = c.node.inputs;
      const g = c.grads[0]!;
      const add = attrString(c.node, "reduction", "none") === "add";
      return [
        c.needs[0] ? (add ? g : scatterND(g, idx, zerosLike(upd))) : null,
        null,
        c.needs[2] ? gatherSlices(g, idx) : null,
      ];
    },
  },
};
