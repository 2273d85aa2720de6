/**
 * The GeoGuide adapter as graph ops: `F = relu(G·W1 + b1)·W2 + b2` (objective.md), and
 * the served inference graph that labels every point by its best cosine against the
 * label text embeddings.
 *
 * @module
 */

import { invalid } from "../kernels/errors.ts";
import * as G from "../kernels/graph/mod.ts";
import type { Rng } from "../kernels/random.ts";

/** Adapter sizes: geometric feature dim Dg, hidden width H, output (text) dim C. */
export interface AdapterDims {
  /** Dg, columns of the geometric features */
  dg: number;
  /** H, hidden width (default in training: 256) */
  hidden: number;
  /** C, output dim = text-embedding dim */
  dim: number;
}

/** Adapter weights, float32 row-major: w1 Dg×H, b1 H, w2 H×C, b2 C. */
export interface AdapterWeights {
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: Float32Array;
}

/** The adapter weights as graph tensors (inputs when training, constants when serving). */
export interface AdapterTensors {
  w1: G.Tensor;
  b1: G.Tensor;
  w2: G.Tensor;
  b2: G.Tensor;
}

/** Parameter names in order, with their dims for `dims`. */
export function adapterShapes(dims: AdapterDims): Record<keyof AdapterWeights, number[]> {
  return {
    w1: [dims.dg, dims.hidden],
    b1: [dims.hidden],
    w2: [dims.hidden, dims.dim],
    b2: [dims.dim],
  };
}

/**
 * Declares the adapter weights as graph inputs named `${prefix}w1` … (fed every
 * training step).
 */
export function adapterInputs(g: G.Graph, dims: AdapterDims, prefix = "adapter."): AdapterTensors {
  const s = adapterShapes(dims);
  return {
    w1: g.input(`${prefix}w1`, s.w1),
    b1: g.input(`${prefix}b1`, s.b1),
    w2: g.input(`${prefix}w2`, s.w2),
    b2: g.input(`${prefix}b2`, s.b2),
  };
}

/** Stores the adapter weights in the graph as named initializers (served models). */
export function adapterConstants(g: G.Graph, dims: AdapterDims, w: AdapterWeights): AdapterTensors {
  const s = adapterShapes(dims);
  const out = {} as AdapterTensors;
  for (const k of ["w1", "b1", "w2", "b2"] as const) {
    const n = s[k].reduce((a, b) => a * b, 1);
    if (w[k].length !== n) {
      throw invalid(`Adapter weight ${k} has ${w[k].length} values, dims [${s[k]}] need ${n}`);
    }
    out[k] = g.constant(w[k], s[k], { name: `adapter.${k}` });
  }
  return out;
}

/** F = relu(geometric·W1 + b1)·W2 + b2: geometric N×Dg → F N×C. */
export function adapterForward(geometric: G.Tensor, p: AdapterTensors): G.Tensor {
  return G.linear(G.relu(G.linear(geometric, p.w1, p.b1)), p.w2, p.b2);
}

/** Adapter weights drawn like PyTorch's nn.Linear: U(±1/√fan_in). */
export function initAdapterWeights(dims: AdapterDims, rng: Rng): AdapterWeights {
  const u = (n: number, fanIn: number) => {
    const a = 1 / Math.sqrt(fanIn);
    return Float32Array.from({ length: n }, () => rng.uniform(-a, a));
  };
  return {
    w1: u(dims.dg * dims.hidden, dims.dg),
    b1: u(dims.hidden, dims.dg),
    w2: u(dims.hidden * dims.dim, dims.hidden),
    b2: u(dims.dim, dims.hidden),
  };
}

/** Input and output names of the served inference graph, by role. */
export interface InferenceIo {
  /** geometric features input, float32 N×Dg */
  geometric: string;
  /** label text embeddings input, float32 L×C */
  labels: string;
  /** best label index output, int64 N */
  label: string;
  /** best cosine output, float32 N */
  score: string;
}

/** Default input and output names of the served inference graph (what manifests declare). */
export const INFERENCE_IO = {
  /** geometric features, float32 N×Dg */
  geometric: "geometric",
  /** label text embeddings, float32 L×C */
  labels: "label_embeddings",
  /** best label index per point, int64 N */
  label: "label",
  /** best cosine per point, float32 N */
  score: "score",
} as const satisfies InferenceIo;

/**
 * The served graph: inputs `geometric` (float32 N×Dg) and `label_embeddings` (float32
 * L×C), adapter weights as initializers; outputs `label` (int64 N, argmax over labels of
 * cos(F_i, E_l)) and `score` (float32 N, that best cosine). The N×L score matrix stays
 * inside the graph: F·Êᵀ (Ê row-normalised) is divided by max(|F_i|, 1e-8) after the max.
 * `io` renames the inputs and outputs (default {@link INFERENCE_IO}).
 */
export function buildAdapterInferenceGraph(
  options: AdapterDims & { weights: AdapterWeights; io?: InferenceIo },
): G.Graph {
  const io = options.io ?? INFERENCE_IO;
  const g = new G.Graph({ float: "float32", name: "geoguide_adapter" });
  const geo = g.input(io.geometric, ["N", options.dg]);
  const emb = g.input(io.labels, ["L", options.dim]);
  const f = adapterForward(geo, adapterConstants(g, options, options.weights));
  const dots = G.matmul(f, G.transpose(G.l2Normalize(emb)));
  g.output(io.label, G.argMax(dots, 1));
  const best = G.reduceMax(dots, [1]);
  g.output(io.score, G.div(best, G.squeeze(G.rowNorm(f), [1])));
  return g;
}

/** Input and output names of the semantic-feature graph ({@link buildAdapterFeatureGraph}). */
export const FEATURE_IO = {
  /** geometric features, float32 N×Dg */
  geometric: "geometric",
  /** unit semantic features F_sem / |F_sem|, float32 N×C */
  semantic: "semantic",
} as const;

/**
 * The adapter alone: input `geometric` (float32 N×Dg), output `semantic` (float32 N×C,
 * the adapter output F_sem divided by max(|F_sem|, 1e-8)), weights as initializers.
 * What streaming fuses per voxel: its cosine against the unit label embeddings is
 * exactly the score of {@link buildAdapterInferenceGraph}.
 */
export function buildAdapterFeatureGraph(
  options: AdapterDims & { weights: AdapterWeights },
): G.Graph {
  const g = new G.Graph({ float: "float32", name: "geoguide_adapter_features" });
  const geo = g.input(FEATURE_IO.geometric, ["N", options.dg]);
  const f = adapterForward(geo, adapterConstants(g, options, options.weights));
  g.output(FEATURE_IO.semantic, G.l2Normalize(f));
  return g;
}
