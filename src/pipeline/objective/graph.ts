/**
 * The GeoGuide objective as a tensor graph: only what depends on the parameters is in it
 * (the adapter F, the reliability r, every pooling of F, the cosines, the BCE and the
 * relation matrices of F); everything else arrives as feeds from `prepare.ts`. Outputs
 * are the four losses and, after `gradients`, d total / d parameter for each parameter.
 *
 * Pooling is `segmentSum` (ScatterND with add), never a dense N×S matrix. Every mean is a
 * weighted sum with weights fed from TS, so empty sets (padded with weight-0 rows) cost
 * nothing and never divide by zero.
 *
 * Inputs (symbolic dims: N points, S superpoints, V valid points, Sv superpoints with a
 * valid point, M IMR candidates, Kv instances with a visible point, Nvis their visible
 * points, P positive (instance, candidate) pairs, K instances, Ni points in an instance,
 * Ss IIRC superpoints; ids int64, the rest float):
 * - parameters `adapter_{w1,b1,w2,b2}` and, with reliability, `reliability_{w1,b1,w2,b2}`;
 * - `geometric` N×Dg, `sp_index` N (dense superpoint), `sp_inv_count` S×1;
 * - L_sp: `usd_point` V, `usd_teacher` V×C, `usd_point_weight` V; for USD also
 *   `usd_point_sp` V, `usd_sp` Sv, `usd_sp_weight` Sv and `usd_z` V×(Dg+C) (reliability)
 *   or `usd_target` Sv×C (r ≡ 1);
 * - IMR: `imr_candidate` M, `imr_visible_point`/`imr_visible_inst` Nvis, `imr_inv_count`
 *   Kv×1, `imr_neg_weight` Kv, `imr_pos_inst`/`imr_pos_point`/`imr_pos_weight_sp`/
 *   `imr_pos_weight_logit` P, so that
 *   L_mask = Σ_k β_k Σ_j softplus(l_kj) + Σ_p [(α−β)·softplus(l_p) − α·l_p];
 * - IIRC: `sim_inst_point`/`sim_inst_index` Ni, `sim_inst_inv_count` K×1, `sim_inst_geo`
 *   K×Dg (unit rows), `sim_inst_weight` (1/K² or 0), `sim_sp` Ss, `sim_sp_geo` Ss×Dg,
 *   `sim_sp_weight`.
 *
 * @module
 */

import { type FloatDType, Graph, type Tensor } from "../../kernels/graph/graph.ts";
import { add, div, mul, sub } from "../../kernels/graph/ops/arith.ts";
import { matmul, transposeLast } from "../../kernels/graph/ops/linalg.ts";
import { reduceSum } from "../../kernels/graph/ops/reduce.ts";
import { relu, sigmoid, softplus } from "../../kernels/graph/ops/unary.ts";
import { gradients } from "../../kernels/graph/autodiff.ts";
import { l2Normalize, rowCosine, segmentSum as segSum } from "../../kernels/graph/composite.ts";
import { gather } from "../../kernels/graph/ops/gather.ts";
import { shape } from "../../kernels/graph/ops/shape.ts";
import {
  fullConfig,
  type ObjectiveSpec,
  type ObjectiveTerms,
  objectiveTerms,
  validateSpec,
} from "./spec.ts";

/** Names of the trainable parameter inputs, in output order of the gradients. */
export const PARAM_NAMES = [
  "adapter_w1",
  "adapter_b1",
  "adapter_w2",
  "adapter_b2",
  "reliability_w1",
  "reliability_b1",
  "reliability_w2",
  "reliability_b2",
] as const;

/** One trainable parameter input name. */
export type ParamName = typeof PARAM_NAMES[number];

/** A built objective graph and what it holds. */
export interface ObjectiveGraph {
  graph: Graph;
  spec: ObjectiveSpec;
  terms: ObjectiveTerms;
  /** parameters that are graph inputs (the reliability ones only in "reliability" mode) */
  params: ParamName[];
}

/** Static shape of each parameter for a spec. */
export function paramShapes(spec: ObjectiveSpec): Record<ParamName, number[]> {
  const { dg, c, h, hr } = spec;
  return {
    adapter_w1: [dg, h],
    adapter_b1: [h],
    adapter_w2: [h, c],
    adapter_b2: [c],
    reliability_w1: [dg + c, hr],
    reliability_b1: [hr],
    reliability_w2: [hr, 1],
    reliability_b2: [1],
  };
}

/** Segment sums of `values` [R, …] by int64 `ids` [R] into as many rows as `like` has. */
function segmentSum(values: Tensor, ids: Tensor, like: Tensor): Tensor {
  return segSum(values, ids, shape(like, 0, 1));
}

/** Σ w·(1 − cos(a, b)) row-wise, a scalar. */
function weightedOneMinusCos(a: Tensor, b: Tensor, w: Tensor): Tensor {
  return reduceSum(mul(w, sub(1, rowCosine(a, b))));
}

/** y = relu(x·w1 + b1)·w2 + b2. */
function mlp(x: Tensor, w: Tensor[]): Tensor {
  return add(matmul(relu(add(matmul(x, w[0]), w[1])), w[2]), w[3]);
}

/** Σ weight·(P^G − P^sem)² for unit rows `geo` [M,Dg] and `sem` [M,C]. */
function relationLoss(geo: Tensor, sem: Tensor, weight: Tensor): Tensor {
  const d = sub(matmul(geo, transposeLast(geo)), matmul(sem, transposeLast(sem)));
  return mul(reduceSum(mul(d, d)), weight);
}

/**
 * Builds the objective graph of a spec: inputs are the parameters and the feeds of
 * `prepareObjectiveInputs`; outputs `loss_sp`, `loss_mask`, `loss_sim`, `loss_total`
 * (rank-0) and `grad_<param>` for every parameter input.
 *
 * @param options.float graph float dtype (float32 for onnxruntime, float64 for exact checks)
 */
export function buildObjectiveGraph(
  spec: ObjectiveSpec,
  options: { float?: FloatDType } = {},
): ObjectiveGraph {
  validateSpec(spec);
  const cfg = fullConfig(spec.config);
  const terms = objectiveTerms(spec);
  const g = new Graph({ float: options.float ?? "float32", name: "geoguide_objective" });
  const shapes = paramShapes(spec);
  const params = PARAM_NAMES.filter((p) => terms.sp === "reliability" || p.startsWith("adapter"));
  const p = Object.fromEntries(params.map((name) => [name, g.input(name, shapes[name])])) as Record<
    ParamName,
    Tensor
  >;
  const { dg, c } = spec;
  const idx = (name: string, dim: string) => g.input(name, [dim], "int64");
  const f = mlp(g.input("geometric", ["N", dg]), [
    p.adapter_w1,
    p.adapter_b1,
    p.adapter_w2,
    p.adapter_b2,
  ]);
  const spInv = g.input("sp_inv_count", ["S", 1]);
  const sf = mul(segmentSum(f, idx("sp_index", "N"), spInv), spInv);

  // L_sp slot: USD (with or without reliability) or L_naive.
  const usdPoint = idx("usd_point", "V");
  const fv = gather(f, usdPoint);
  const teacher = g.input("usd_teacher", ["V", c]);
  const pointW = g.input("usd_point_weight", ["V"]);
  let lossSp: Tensor;
  if (terms.sp === "naive") {
    lossSp = weightedOneMinusCos(fv, teacher, pointW);
  } else {
    const pointSp = idx("usd_point_sp", "V");
    const spW = g.input("usd_sp_weight", ["Sv"]);
    let target: Tensor;
    if (terms.sp === "plain") {
      target = g.input("usd_target", ["Sv", c]);
    } else {
      const z = g.input("usd_z", ["V", dg + c]);
      const r = sigmoid(
        mlp(z, [p.reliability_w1, p.reliability_b1, p.reliability_w2, p.reliability_b2]),
      );
      const like = spW;
      const num = segmentSum(mul(r, teacher), pointSp, like);
      const den = segmentSum(r, pointSp, like);
      target = div(num, add(den, 1e-6));
    }
    const lossS = weightedOneMinusCos(gather(sf, idx("usd_sp", "Sv")), target, spW);
    const lossP = weightedOneMinusCos(fv, gather(target, pointSp), pointW);
    lossSp = add(lossS, lossP);
  }

  const zero = g.scalar(0);
  let lossMask = zero;
  if (terms.mask) {
    const tau = cfg.maskTemperature, beta = cfg.maskBias;
    const fn = l2Normalize(f);
    const invCount = g.input("imr_inv_count", ["Kv", 1]);
    const mBar = mul(
      segmentSum(
        gather(f, idx("imr_visible_point", "Nvis")),
        idx("imr_visible_inst", "Nvis"),
        invCount,
      ),
      invCount,
    );
    const mn = l2Normalize(mBar);
    const fc = gather(fn, idx("imr_candidate", "M"));
    const logits = mul(sub(matmul(mn, transposeLast(fc)), beta), tau);
    const neg = reduceSum(mul(reduceSum(softplus(logits), [1]), g.input("imr_neg_weight", ["Kv"])));
    const posCos = reduceSum(
      mul(gather(mn, idx("imr_pos_inst", "P")), gather(fn, idx("imr_pos_point", "P"))),
      [1],
    );
    const lp = mul(sub(posCos, beta), tau);
    const pos = reduceSum(
      sub(
        mul(softplus(lp), g.input("imr_pos_weight_sp", ["P"])),
        mul(lp, g.input("imr_pos_weight_logit", ["P"])),
      ),
    );
    lossMask = add(neg, pos);
  }

  let lossSim = zero;
  if (terms.sim) {
    const instInv = g.input("sim_inst_inv_count", ["K", 1]);
    const is = l2Normalize(
      mul(
        segmentSum(gather(f, idx("sim_inst_point", "Ni")), idx("sim_inst_index", "Ni"), instInv),
        instInv,
      ),
    );
    const inst = relationLoss(
      g.input("sim_inst_geo", ["K", dg]),
      is,
      g.input("sim_inst_weight", []),
    );
    const ss = l2Normalize(gather(sf, idx("sim_sp", "Ss")));
    const spLevel = relationLoss(
      g.input("sim_sp_geo", ["Ss", dg]),
      ss,
      g.input("sim_sp_weight", []),
    );
    lossSim = add(inst, spLevel);
  }

  const [l1, l2, l3] = cfg.lambda;
  const total = add(add(mul(lossSp, l1), mul(lossMask, l2)), mul(lossSim, l3));
  g.output("loss_sp", lossSp);
  g.output("loss_mask", lossMask);
  g.output("loss_sim", lossSim);
  g.output("loss_total", total);
  const grads = gradients(g, total, params.map((name) => p[name]));
  params.forEach((name, i) => g.output(`grad_${name}`, grads[i]));
  return { graph: g, spec, terms, params };
}
