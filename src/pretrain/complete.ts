/**
 * Completion pre-training objective: the geonet sees partial, turned, re-coloured views of
 * a room, and its features pooled per room superpoint must predict what the complete room
 * says of that superpoint — the mean descriptor of its points and of the instance proposal
 * holding it, both computed on the whole room from geometry alone (rooms.ts
 * `roomTargets`). A frozen, hand-made teacher of the global view and a learned student of
 * local views: the features learn to say what a surface is whatever part of the room was
 * scanned, and to carry object-level context to every part.
 *
 * ```
 * z_v  = mean over view v's points of superpoint s of geonet(view v)          S×D
 * loss = ½ Σ_v Σ_s m_s |relu(z_v·H1 + c1)·H2 + c2 − target_s|² / (Σm · T)
 * ```
 *
 * @module
 */

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
import { mlpForward, mlpShapes, type PretrainGraph, sharedMask } from "./objective.ts";

/** Sizes of the completion head. */
export interface CompleteConfig {
  /** hidden width of the head */
  hidden: number;
  /** T, target width (2 × the descriptor width) */
  targets: number;
}

/** Head parameter shapes, in order. */
export function completeHeadShapes(c: GeonetConfig, o: CompleteConfig): [string, number[]][] {
  return mlpShapes("head", c.dim, o.hidden, o.targets);
}

/** Head weights drawn like nn.Linear (U(±1/√fan_in)). */
export function initCompleteHead(c: GeonetConfig, o: CompleteConfig, rng: Rng): GeonetWeights {
  return initLinear(completeHeadShapes(c, o), rng);
}

/**
 * Builds the completion graph. Feeds: parameters by name, the two views (`a.*`, `b.*`,
 * `a.sp`, `b.sp`, `sp_count` as in objective.ts) and `target` (float (S+1)×T, row s = the
 * room targets of shared superpoint s; row 0 unused). Outputs `loss` and `grad.<name>`.
 */
export function buildCompleteGraph(
  c: GeonetConfig,
  o: CompleteConfig,
  float: G.FloatDType = "float32",
): PretrainGraph {
  const g = new G.Graph({ float, name: "geonet_complete" });
  const p = geonetParams(g, c);
  for (const [name, dims] of completeHeadShapes(c, o)) p[name] = g.input(name, dims);
  const a = declareGeonetFeeds(g, c, "a.", "Na");
  const b = declareGeonetFeeds(g, c, "b.", "Nb");
  const spA = g.input("a.sp", ["Na"], "int64");
  const spB = g.input("b.sp", ["Nb"], "int64");
  const count = g.input("sp_count", [1], "int64");
  const target = g.input("target", [count.name, o.targets]);
  const mask = sharedMask(G.segmentCount(spA, count));
  const m = G.unsqueeze(mask, [-1]);
  const n = G.reduceSum(mask);
  const error = (feeds: typeof a, sp: G.Tensor) => {
    const z = G.segmentMean(geonetForward(feeds, p, c), sp, count);
    const d = G.sub(mlpForward(z, p, "head"), target);
    return G.reduceSum(G.mul(m, G.mul(d, d)));
  };
  const loss = G.div(G.add(error(a, spA), error(b, spB)), G.mul(n, 2 * o.targets));
  const params = [...geonetParamShapes(c), ...completeHeadShapes(c, o)].map(([name]) => name);
  const grads = G.gradients(g, loss, params.map((name) => p[name]));
  g.output("loss", loss);
  const gradNames = params.map((name, i) => g.output(`grad.${name}`, grads[i]).name);
  return { graph: g, params, grads: gradNames };
}
