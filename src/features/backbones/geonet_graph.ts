/**
 * "geonet": our learned point network, as graph ops (standard ONNX, dynamic N). It reads
 * the multi-input backbone roles of `inputs.ts` — the descriptor columns, the points
 * matrix, kNN indices and cell ids of cubic grids at several sizes — and gives Dg
 * features per point:
 *
 * ```
 * x   = [descriptor | z, r, g, b]                      N×(Dd+4)
 * h1  = relu(x·W1 + b1)                                N×W
 * h2  = relu([h1 | pool_k(h1[knn])]·W2 + b2)           N×W      pool: max or mean over k
 * c_s = relu(mean_{cell s}(h2)·Ws + bs)[cell_s]        N×Cs     for each grid size s
 * h3  = relu([h2 | c_s…]·W3 + b3)                      N×W3
 * out = h3·W4 + b4                                     N×D      (hybrid: [descriptor | out])
 * ```
 *
 * The same builder makes the pre-training graph (weights as graph inputs) and the
 * exported `backbone.onnx` (weights as initializers).
 *
 * @module
 */

import { invalid } from "../../kernels/errors.ts";
import * as G from "../../kernels/graph/mod.ts";
import type { Rng } from "../../kernels/random.ts";
import type { BackboneInput } from "./inputs.ts";

/** Architecture of a geonet. */
export interface GeonetConfig {
  /** descriptor version of the hybrid input, e.g. "geodesc-4" */
  descriptor: string;
  /** Dd, that descriptor's width (71 for geodesc-4) */
  descriptorDim: number;
  /** neighbours gathered per point (≤ 16) */
  k: number;
  /** how the k neighbours' rows are pooled */
  pool: "max" | "mean";
  /** grid cell sides, metres, smallest first (e.g. [0.1, 0.3, 1]) */
  grids: number[];
  /** W, hidden width of the point layers */
  width: number;
  /** Cs, width of each grid's context rows */
  context: number;
  /** W3, width of the fusion layer */
  fusion: number;
  /** D, width of the learned output */
  dim: number;
  /** true: the output is [descriptor | learned] (Dd + D columns) */
  hybrid: boolean;
}

/** The default architecture ("geonet-1"). */
export const GEONET_DEFAULTS: GeonetConfig = {
  descriptor: "geodesc-4",
  descriptorDim: 71,
  k: 8,
  pool: "max",
  grids: [0.1, 0.3, 1],
  width: 64,
  context: 32,
  fusion: 96,
  dim: 64,
  hybrid: false,
};

/** Output width Dg of a geonet. */
export function geonetDim(c: GeonetConfig): number {
  return c.hybrid ? c.descriptorDim + c.dim : c.dim;
}

/** The graph inputs a geonet declares, with their roles (what `backbone.json` lists). */
export function geonetInputs(c: GeonetConfig, prefix = ""): BackboneInput[] {
  return [
    { name: `${prefix}descriptor`, role: "descriptor", version: c.descriptor },
    { name: `${prefix}points`, role: "points" },
    { name: `${prefix}knn`, role: "knn", k: c.k },
    ...c.grids.flatMap((size, i): BackboneInput[] => [
      { name: `${prefix}grid${i}`, role: "grid", size },
      { name: `${prefix}grid${i}_count`, role: "grid_count", size },
    ]),
  ];
}

/** Parameter shapes by name, in a fixed order (weights `*.w` I×O, biases `*.b` O). */
export function geonetParamShapes(c: GeonetConfig): [string, number[]][] {
  const layer = (name: string, i: number, o: number): [string, number[]][] => [
    [`${name}.w`, [i, o]],
    [`${name}.b`, [o]],
  ];
  return [
    ...layer("geonet.in", c.descriptorDim + 4, c.width),
    ...layer("geonet.local", 2 * c.width, c.width),
    ...c.grids.flatMap((_, i) => layer(`geonet.grid${i}`, c.width, c.context)),
    ...layer("geonet.fuse", c.width + c.grids.length * c.context, c.fusion),
    ...layer("geonet.out", c.fusion, c.dim),
  ];
}

/** Geonet weights by parameter name, float32 row-major. */
export type GeonetWeights = Record<string, Float32Array>;

/**
 * Weights of linear layers drawn like PyTorch's nn.Linear, in the order given: a weight
 * `*.w` (I×O) and the bias after it both from U(±1/√I).
 *
 * @param shapes `[name, dims]` pairs, each bias after its weight
 */
export function initLinear(shapes: readonly [string, number[]][], rng: Rng): GeonetWeights {
  const out: GeonetWeights = {};
  let fanIn = 1;
  for (const [name, dims] of shapes) {
    if (name.endsWith(".w")) fanIn = dims[0];
    const a = 1 / Math.sqrt(fanIn);
    const size = dims.reduce((x, y) => x * y, 1);
    out[name] = Float32Array.from({ length: size }, () => rng.uniform(-a, a));
  }
  return out;
}

/** Initial geonet weights (`initLinear` over its parameters, in order). */
export function initGeonetWeights(c: GeonetConfig, rng: Rng): GeonetWeights {
  return initLinear(geonetParamShapes(c), rng);
}

/** The feed tensors of one cloud (see {@link geonetInputs}). */
export interface GeonetFeeds {
  /** float N×Dd */
  descriptor: G.Tensor;
  /** float N×9 */
  points: G.Tensor;
  /** int64 N×k */
  knn: G.Tensor;
  /** per grid: int64 N cell ids and int64 [1] cell count */
  grids: { ids: G.Tensor; count: G.Tensor }[];
}

/** Declares the feeds of one cloud as graph inputs (names from {@link geonetInputs}). */
export function declareGeonetFeeds(
  g: G.Graph,
  c: GeonetConfig,
  prefix = "",
  n: G.Dim = "N",
): GeonetFeeds {
  return {
    descriptor: g.input(`${prefix}descriptor`, [n, c.descriptorDim]),
    points: g.input(`${prefix}points`, [n, 9]),
    knn: g.input(`${prefix}knn`, [n, c.k], "int64"),
    grids: c.grids.map((_, i) => ({
      ids: g.input(`${prefix}grid${i}`, [n], "int64"),
      count: g.input(`${prefix}grid${i}_count`, [1], "int64"),
    })),
  };
}

/** Weights as graph inputs (pre-training) or initializers (export), by parameter name. */
export function geonetParams(
  g: G.Graph,
  c: GeonetConfig,
  weights?: GeonetWeights,
): Record<string, G.Tensor> {
  const out: Record<string, G.Tensor> = {};
  for (const [name, dims] of geonetParamShapes(c)) {
    if (!weights) {
      out[name] = g.input(name, dims);
      continue;
    }
    const w = weights[name];
    const n = dims.reduce((a, b) => a * b, 1);
    if (!w || w.length !== n) {
      throw invalid(`Geonet weight ${name} has ${w?.length ?? 0} values, dims [${dims}] need ${n}`);
    }
    out[name] = g.constant(w, dims, { name });
  }
  return out;
}

/**
 * The network: features N×Dg of one cloud.
 *
 * @param f the cloud's feeds
 * @param p weights from {@link geonetParams}
 */
export function geonetForward(
  f: GeonetFeeds,
  p: Record<string, G.Tensor>,
  c: GeonetConfig,
): G.Tensor {
  const lin = (x: G.Tensor, name: string) => G.linear(x, p[`${name}.w`], p[`${name}.b`]);
  const x = G.concat([f.descriptor, G.slice(f.points, 1, 2, 6)], 1);
  const h1 = G.relu(lin(x, "geonet.in"));
  const nb = G.gather(h1, f.knn, 0); // N×k×W
  const pooled = c.pool === "max" ? G.reduceMax(nb, [1]) : G.reduceMean(nb, [1]);
  const h2 = G.relu(lin(G.concat([h1, pooled], 1), "geonet.local"));
  const ctx = f.grids.map((grid, i) => {
    const cells = G.segmentMean(h2, grid.ids, grid.count);
    return G.gather(G.relu(lin(cells, `geonet.grid${i}`)), grid.ids, 0);
  });
  const h3 = G.relu(lin(G.concat([h2, ...ctx], 1), "geonet.fuse"));
  const out = lin(h3, "geonet.out");
  return c.hybrid ? G.concat([f.descriptor, out], 1) : out;
}

/** Name of the exported backbone's features output. */
export const GEONET_OUTPUT = "features";

/**
 * The exported backbone graph: the inputs of {@link geonetInputs}, weights as
 * initializers, output {@link GEONET_OUTPUT} float32 N×Dg.
 */
export function buildGeonetGraph(c: GeonetConfig, weights: GeonetWeights): G.Graph {
  const g = new G.Graph({ float: "float32", name: "geonet" });
  const f = declareGeonetFeeds(g, c);
  g.output(GEONET_OUTPUT, geonetForward(f, geonetParams(g, c, weights), c));
  return g;
}
