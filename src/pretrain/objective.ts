/**
 * The pre-training objective as one graph: the geonet runs on two views of a room (shared
 * weights), its features are pooled per room superpoint seen by both views, a small
 * expander maps the pooled rows, and VICReg (Bardes et al., 2022) asks the two views to
 * agree while keeping every expander column spread and the columns decorrelated:
 *
 * ```
 * z_v = mean over the view's points of superpoint s of geonet(view v)     S×D
 * e_v = relu(z_v·E1 + c1)·E2 + c2                                         S×E
 * inv = Σ_s m_s |e_a,s − e_b,s|² / (Σm · E)
 * var(e) = mean_j relu(1 − sqrt(Var_m[e_·j] + 1e-4))
 * cov(e) = Σ_{j≠l} Cov_m[e]_{jl}² / E
 * loss = λ·inv + μ·(var(e_a) + var(e_b)) + ν·(cov(e_a) + cov(e_b))
 * ```
 *
 * Row 0 of the pooled rows collects points of superpoints not shared by both views and
 * is masked out (m_0 = 0). No labels of any kind are read.
 *
 * @module
 */

import { invalid } from "../kernels/errors.ts";
import * as G from "../kernels/graph/mod.ts";
import type { Rng } from "../kernels/random.ts";
import {
  declareGeonetFeeds,
  type GeonetConfig,
  geonetForward,
  geonetParams,
  geonetParamShapes,
  type GeonetWeights,
  initLinear,
} from "../features/backbones/geonet_graph.ts";

/** Weights of the VICReg terms and the expander width. */
export interface VicregConfig {
  /** E, expander width */
  expander: number;
  /** λ, invariance weight (VICReg: 25) */
  invariance: number;
  /** μ, variance weight (VICReg: 25) */
  variance: number;
  /** ν, covariance weight (VICReg: 1) */
  covariance: number;
}

/** VICReg's published weights with a 128-wide expander. */
export const VICREG_DEFAULTS: VicregConfig = {
  expander: 128,
  invariance: 25,
  variance: 25,
  covariance: 1,
};

/**
 * Shapes of a two-layer head `<name>.l1` (I×H) then `<name>.l2` (H×O), weights and biases,
 * in order (the heads of every objective).
 */
export function mlpShapes(name: string, i: number, h: number, o: number): [string, number[]][] {
  return [
    [`${name}.l1.w`, [i, h]],
    [`${name}.l1.b`, [h]],
    [`${name}.l2.w`, [h, o]],
    [`${name}.l2.b`, [o]],
  ];
}

/** relu(x·W1 + b1)·W2 + b2 with the weights of {@link mlpShapes} `name`. */
export function mlpForward(x: G.Tensor, p: Record<string, G.Tensor>, name: string): G.Tensor {
  const h = G.relu(G.linear(x, p[`${name}.l1.w`], p[`${name}.l1.b`]));
  return G.linear(h, p[`${name}.l2.w`], p[`${name}.l2.b`]);
}

/** Expander parameter shapes, in order. */
export function expanderShapes(c: GeonetConfig, v: VicregConfig): [string, number[]][] {
  return mlpShapes("expander", c.dim, v.expander, v.expander);
}

/** Every trained parameter (geonet then expander) with its shape, in order. */
export function pretrainParamShapes(c: GeonetConfig, v: VicregConfig): [string, number[]][] {
  return [...geonetParamShapes(c), ...expanderShapes(c, v)];
}

/** Expander weights drawn like nn.Linear (U(±1/√fan_in)). */
export function initExpanderWeights(c: GeonetConfig, v: VicregConfig, rng: Rng): GeonetWeights {
  return initLinear(expanderShapes(c, v), rng);
}

/** Names of the loss outputs. */
export const PRETRAIN_LOSSES = ["loss", "invariance", "variance", "covariance"] as const;

/** The built objective: graph, trained parameter names, gradient output names. */
export interface PretrainGraph {
  /** the graph; inputs: parameters, `a.*` / `b.*` view feeds, `a.sp`, `b.sp`, `sp_count` */
  graph: G.Graph;
  /** parameter input names, in order */
  params: string[];
  /** gradient output name of each parameter (`grad.<name>`) */
  grads: string[];
}

/**
 * Builds the objective graph.
 *
 * Feeds besides the parameters: each view's geonet inputs prefixed `a.` / `b.`, `a.sp` /
 * `b.sp` (int64 per view point: shared superpoint 0..S, 0 = not shared) and `sp_count`
 * (int64 [1] = S + 1).
 */
export function buildPretrainGraph(
  c: GeonetConfig,
  v: VicregConfig,
  float: G.FloatDType = "float32",
): PretrainGraph {
  if (c.hybrid) throw invalid("Pre-training learns the learned columns only (hybrid: false)");
  const g = new G.Graph({ float, name: "geonet_pretrain" });
  const p = geonetParams(g, c);
  const e: Record<string, G.Tensor> = {};
  for (const [name, dims] of expanderShapes(c, v)) e[name] = g.input(name, dims);
  const a = declareGeonetFeeds(g, c, "a.", "Na");
  const b = declareGeonetFeeds(g, c, "b.", "Nb");
  const spA = g.input("a.sp", ["Na"], "int64");
  const spB = g.input("b.sp", ["Nb"], "int64");
  const count = g.input("sp_count", [1], "int64");
  const mask = sharedMask(G.segmentCount(spA, count));
  const expand = (feeds: typeof a, sp: G.Tensor) => {
    const z = G.segmentMean(geonetForward(feeds, p, c), sp, count);
    return mlpForward(z, e, "expander");
  };
  const { loss, invariance, variance, covariance } = vicregTerms(
    expand(a, spA),
    expand(b, spB),
    mask,
    v,
  );
  const params = pretrainParamShapes(c, v).map(([name]) => name);
  const all = { ...p, ...e };
  const grads = G.gradients(g, loss, params.map((name) => all[name]));
  g.output("loss", loss);
  g.output("invariance", invariance);
  g.output("variance", variance);
  g.output("covariance", covariance);
  const gradNames = params.map((name, i) => g.output(`grad.${name}`, grads[i]).name);
  return { graph: g, params, grads: gradNames };
}

/** The VICReg terms (scalars) of two S×E expander outputs and a float [S] row mask. */
export function vicregTerms(
  ea: G.Tensor,
  eb: G.Tensor,
  mask: G.Tensor,
  v: VicregConfig,
): { loss: G.Tensor; invariance: G.Tensor; variance: G.Tensor; covariance: G.Tensor } {
  const m = G.unsqueeze(mask, [-1]);
  const n = G.reduceSum(mask);
  const d = G.sub(ea, eb);
  const invariance = G.div(G.reduceSum(G.mul(m, G.mul(d, d))), G.mul(n, v.expander));
  const sa = spread(ea, m, n, v.expander), sb = spread(eb, m, n, v.expander);
  const variance = G.add(sa.variance, sb.variance);
  const covariance = G.add(sa.covariance, sb.covariance);
  const loss = G.add(
    G.add(G.mul(invariance, v.invariance), G.mul(variance, v.variance)),
    G.mul(covariance, v.covariance),
  );
  return { loss, invariance, variance, covariance };
}

/** 1 for rows 1..S, 0 for row 0 (the not-shared bin), as a float [S+1] vector. */
export function sharedMask(counts: G.Tensor): G.Tensor {
  const ones = G.div(counts, G.max(counts, 1)); // 1 where the row has points (all shared rows do)
  const first = G.slice(ones, 0, 0, 1);
  return G.concat([G.sub(first, first), G.slice(ones, 0, 1, 2 ** 31 - 1)], 0);
}

/** VICReg's variance hinge and covariance penalty of the masked rows of e (S×E). */
function spread(
  e: G.Tensor,
  m: G.Tensor,
  n: G.Tensor,
  width: number,
): { variance: G.Tensor; covariance: G.Tensor } {
  const mean = G.div(G.reduceSum(G.mul(e, m), [0], true), n);
  const centred = G.mul(G.sub(e, mean), m);
  const dof = G.max(G.sub(n, 1), 1);
  const colVar = G.div(G.reduceSum(G.mul(centred, centred), [0]), dof);
  const variance = G.reduceMean(G.relu(G.sub(1, G.sqrt(G.add(colVar, 1e-4)))));
  const cov = G.div(G.matmul(G.transpose(centred), centred), dof);
  const off = G.sub(G.reduceSum(G.mul(cov, cov)), G.reduceSum(G.mul(colVar, colVar)));
  return { variance, covariance: G.div(off, width) };
}
