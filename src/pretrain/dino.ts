/**
 * Self-distillation pre-training objective (DINO, Caron et al. 2021; the recipe Sonata
 * applies to point clouds): a student and a teacher geonet — the teacher an exponential
 * moving average of the student, never trained by gradients — see two views of a room.
 * Per room superpoint seen by both views, each network's pooled features go through a
 * head onto K prototypes; the student's distribution must match the teacher's sharpened,
 * centred distribution of the other view:
 *
 * ```
 * z      = mean over the superpoint's points of geonet(view)                 S×D
 * h      = l2norm(relu(z·H1 + c1)·H2 + c2)                                   S×P
 * logits = h · l2norm_cols(Proto)                                            S×K
 * p_t    = softmax((logits_teacher − center) / τ_t)       (no gradient)
 * loss   = ½ Σ_views mean_s −Σ_k p_t(other view) · log softmax(logits_student / τ_s)
 * ```
 *
 * The centre is an EMA of the teacher's mean logits (updated by the loop from the graph's
 * `teacher_mean` output); together with the sharpening it keeps the distribution from
 * collapsing onto one prototype. Row 0 (points of superpoints not shared) is masked out.
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

/** Sizes and temperatures of the DINO objective. */
export interface DinoConfig {
  /** hidden width of the head */
  hidden: number;
  /** P, width of the head's normalised output */
  bottleneck: number;
  /** K, number of prototypes */
  prototypes: number;
  /** τ_s, student temperature */
  studentTemp: number;
  /** τ_t, teacher temperature */
  teacherTemp: number;
  /** centre EMA momentum */
  centerMomentum: number;
  /** teacher EMA momentum at the first step (rises to 1 on a cosine by the last) */
  teacherMomentum: number;
}

/** DINO's published temperatures and momenta, at a size for a few hundred rows per step. */
export const DINO_DEFAULTS: DinoConfig = {
  hidden: 128,
  bottleneck: 64,
  prototypes: 64,
  studentTemp: 0.1,
  teacherTemp: 0.04,
  centerMomentum: 0.9,
  teacherMomentum: 0.996,
};

/** Head parameter shapes, in order. */
export function dinoHeadShapes(c: GeonetConfig, d: DinoConfig): [string, number[]][] {
  return [
    ...mlpShapes("head", c.dim, d.hidden, d.bottleneck),
    ["head.proto", [d.bottleneck, d.prototypes]],
  ];
}

/** Head weights drawn like nn.Linear (U(±1/√fan_in)); prototypes N(0, 1). */
export function initDinoHead(c: GeonetConfig, d: DinoConfig, rng: Rng): GeonetWeights {
  const shapes = dinoHeadShapes(c, d);
  const out = initLinear(shapes.filter(([name]) => name !== "head.proto"), rng);
  const proto = d.bottleneck * d.prototypes;
  out["head.proto"] = Float32Array.from({ length: proto }, () => rng.normal());
  return out;
}

/** Prefix of the teacher's copies of the parameters among the graph inputs. */
export const TEACHER_PREFIX = "teacher.";

/** Loss outputs of the DINO graph (besides `teacher_mean`, the teacher's mean logits, [K]). */
export const DINO_LOSSES = ["loss", "teacher_entropy", "batch_entropy"] as const;

/**
 * Builds the DINO objective graph. Feeds: student parameters by name, the teacher's as
 * `teacher.<name>`, `center` (float [K]), the two views' geonet feeds (`a.*`, `b.*`),
 * `a.sp` / `b.sp` and `sp_count` as in objective.ts.
 *
 * Outputs: `loss`; `teacher_entropy` (mean entropy of the teacher's distributions, nats:
 * low = confident), `batch_entropy` (entropy of their mean, nats: near log K = prototypes
 * used evenly, near 0 = collapse), `teacher_mean` ([K], mean teacher logits over the
 * compared rows of both views, for the centre), and `grad.<name>` per student parameter.
 */
export function buildDinoGraph(
  c: GeonetConfig,
  d: DinoConfig,
  float: G.FloatDType = "float32",
): PretrainGraph {
  const g = new G.Graph({ float, name: "geonet_dino" });
  const shapes = [...geonetParamShapes(c), ...dinoHeadShapes(c, d)];
  const student = { ...geonetParams(g, c), ...headInputs(g, c, d, "") };
  const teacher: Record<string, G.Tensor> = {};
  for (const [name, dims] of shapes) teacher[name] = g.input(TEACHER_PREFIX + name, dims);
  const center = g.input("center", [d.prototypes]);
  const a = declareGeonetFeeds(g, c, "a.", "Na");
  const b = declareGeonetFeeds(g, c, "b.", "Nb");
  const spA = g.input("a.sp", ["Na"], "int64");
  const spB = g.input("b.sp", ["Nb"], "int64");
  const count = g.input("sp_count", [1], "int64");
  const mask = sharedMask(G.segmentCount(spA, count));
  const logits = (feeds: typeof a, sp: G.Tensor, p: Record<string, G.Tensor>) => {
    const z = G.segmentMean(geonetForward(feeds, p, c), sp, count);
    const h = G.l2Normalize(mlpForward(z, p, "head"));
    const proto = G.transpose(G.l2Normalize(G.transpose(p["head.proto"])));
    return G.matmul(h, proto);
  };
  const sa = logits(a, spA, student), sb = logits(b, spB, student);
  const ta = logits(a, spA, teacher), tb = logits(b, spB, teacher);
  const pa = softmax(G.div(G.sub(ta, center), d.teacherTemp));
  const pb = softmax(G.div(G.sub(tb, center), d.teacherTemp));
  const n = G.reduceSum(mask);
  const m = G.unsqueeze(mask, [-1]);
  const ce = (target: G.Tensor, s: G.Tensor) =>
    G.div(G.reduceSum(G.mul(m, G.mul(target, G.neg(logSoftmax(G.div(s, d.studentTemp)))))), n);
  const loss = G.mul(G.add(ce(pb, sa), ce(pa, sb)), 0.5);
  const entropy = (p: G.Tensor) => G.neg(G.reduceSum(G.mul(p, G.log(G.max(p, 1e-12))), [-1]));
  const teacherEntropy = G.div(
    G.reduceSum(G.mul(mask, G.add(entropy(pa), entropy(pb)))),
    G.mul(n, 2),
  );
  const meanP = G.div(G.reduceSum(G.mul(m, G.add(pa, pb)), [0]), G.mul(n, 2));
  const teacherMean = G.div(G.reduceSum(G.mul(m, G.add(ta, tb)), [0]), G.mul(n, 2));
  const params = shapes.map(([name]) => name);
  const grads = G.gradients(g, loss, params.map((name) => student[name]));
  g.output("loss", loss);
  g.output("teacher_entropy", teacherEntropy);
  g.output("batch_entropy", entropy(meanP));
  g.output("teacher_mean", teacherMean);
  const gradNames = params.map((name, i) => g.output(`grad.${name}`, grads[i]).name);
  return { graph: g, params, grads: gradNames };
}

function headInputs(
  g: G.Graph,
  c: GeonetConfig,
  d: DinoConfig,
  prefix: string,
): Record<string, G.Tensor> {
  const out: Record<string, G.Tensor> = {};
  for (const [name, dims] of dinoHeadShapes(c, d)) out[name] = g.input(prefix + name, dims);
  return out;
}

/** Row-wise log-softmax over the last axis (max-shifted). */
export function logSoftmax(x: G.Tensor): G.Tensor {
  const shifted = G.sub(x, G.reduceMax(x, [-1], true));
  return G.sub(shifted, G.log(G.reduceSum(G.exp(shifted), [-1], true)));
}

/** Row-wise softmax over the last axis. */
export function softmax(x: G.Tensor): G.Tensor {
  return G.exp(logSoftmax(x));
}
