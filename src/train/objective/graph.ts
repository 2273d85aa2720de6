/**
 * The GeoGuide objective as a tensor graph: the adapter F, the reliability r, every pooling
 * of F (and of the frozen G and T, so that TS never walks the big per-point tensors), the
 * cosines, the BCE and the relation matrices; the index work arrives as feeds from
 * `prepare.ts`. Outputs are the four losses and, after `gradients`, d total / d parameter
 * for each parameter.
 *
 * Pooling is `segmentSum` (ScatterND with add), never a dense N×S matrix. Point tensors
 * (F, G) are pooled once into fine groups (points sharing superpoint, instance and visible
 * flag; each IMR candidate alone); superpoint, instance and candidate rows are group rows,
 * so F's gradient comes back as one Gather instead of several N×C scatters. The point-level USD term runs over every point
 * with weight 0 where unseen (no gather / scatter of F rows); teacher rows are read only at
 * valid points. Every mean is a weighted sum with weights fed from TS, so empty sets
 * (padded with weight-0 rows) cost nothing and never divide by zero.
 *
 * Inputs (symbolic dims: N points, Gf fine groups, S superpoints, V valid points, Sv
 * superpoints with a valid point, M IMR candidates, Kv instances with a visible point, Gv
 * their visible fine groups, P positive (instance, candidate) pairs, K instances, Gi their
 * fine groups, Ss IIRC superpoints; ids int32, the rest float):
 * - parameters `adapter_{w1,b1,w2,b2}` and, with reliability, `reliability_{w1,b1,w2,b2}`;
 * - `geometric` N×Dg, `fine_index` N, `fine_sp` Gf, `sp_inv_count` S×1;
 * - L_sp: `teacher` N×C (1×C of ones when no point is valid), `usd_point` V,
 *   `usd_point_weight` V; for USD also `usd_point_sp` V, `usd_sp` Sv, `usd_sp_weight` Sv,
 *   `usd_sp_count` Sv×1 (valid points), `usd_each_sp` N, `usd_each_weight` N;
 * - IMR: `imr_candidate_group` M (each candidate is a fine group of its own),
 *   `imr_visible_group`/`imr_visible_inst` Gv, `imr_inv_count` Kv×1, `imr_neg_weight` Kv, `imr_pos_flat` P (row·M + candidate position),
 *   `imr_pos_weight_sp`/`imr_pos_weight_logit` P, so that
 *   L_mask = Σ_k β_k Σ_j softplus(l_kj) + Σ_p [(α−β)·softplus(l_p) − α·l_p];
 * - IIRC: `sim_inst_group`/`sim_inst_index` Gi, `sim_inst_inv_count` K×1,
 *   `sim_inst_weight` (1/K² or 0), `sim_sp` Ss, `sim_sp_weight`.
 *
 * @module
 */

import { type FloatDType, Graph, type Tensor } from "../../kernels/graph/graph.ts";
import { add, cast, div, mul, sub } from "../../kernels/graph/ops/arith.ts";
import { matmul, transposeLast } from "../../kernels/graph/ops/linalg.ts";
import { reduceSum } from "../../kernels/graph/ops/reduce.ts";
import { relu, sigmoid, softplus } from "../../kernels/graph/ops/unary.ts";
import { gradients } from "../../kernels/graph/autodiff.ts";
import {
  l2Normalize,
  rowCosine,
  rowNorm,
  segmentSum as segSum,
} from "../../kernels/graph/composite.ts";
import { gather } from "../../kernels/graph/ops/gather.ts";
import { reshape, shape, slice, squeeze } from "../../kernels/graph/ops/shape.ts";
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
  /**
   * the reliability MLP's input z_i = [SG_sp(i) − G_i ; ST_sp(i) − T_i] of each valid point,
   * as its two blocks V×Dg and V×C ("reliability" mode only; for checks)
   */
  reliabilityInputs?: { geometric: Tensor; teacher: Tensor };
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
  // Ids arrive as int32 (no int64 conversion in TS); ScatterND needs int64.
  const idx = (name: string, dim: string) => cast(g.input(name, [dim], "int32"), "int64");
  const geometric = g.input("geometric", ["N", dg]);
  const f = mlp(geometric, [
    p.adapter_w1,
    p.adapter_b1,
    p.adapter_w2,
    p.adapter_b2,
  ]);
  // F and G are pooled once, into fine groups; superpoint / instance sums add group rows.
  const fineSp = idx("fine_sp", "Gf"), fineIndex = idx("fine_index", "N");
  const fg = segmentSum(f, fineIndex, fineSp);
  const gg = segmentSum(geometric, fineIndex, fineSp);
  const spInv = g.input("sp_inv_count", ["S", 1]);
  const sf = mul(segmentSum(fg, fineSp, spInv), spInv);
  const sg = mul(segmentSum(gg, fineSp, spInv), spInv);

  // L_sp slot: USD (with or without reliability) or L_naive.
  const usdPoint = idx("usd_point", "V");
  const teacherV = gather(g.input("teacher", ["Nt", c]), usdPoint);
  const pointW = g.input("usd_point_weight", ["V"]);
  let lossSp: Tensor;
  let reliabilityInputs: ObjectiveGraph["reliabilityInputs"];
  if (terms.sp === "naive") {
    lossSp = weightedOneMinusCos(gather(f, usdPoint), teacherV, pointW);
  } else {
    const pointSp = idx("usd_point_sp", "V"), usdSp = idx("usd_sp", "Sv");
    const spW = g.input("usd_sp_weight", ["Sv"]);
    let target: Tensor;
    const spCount = g.input("usd_sp_count", ["Sv", 1]);
    const teacherSum = segmentSum(teacherV, pointSp, spCount);
    if (terms.sp === "plain") {
      // r ≡ 1: S̄T_s = Σ T / (n + 1e-6).
      target = div(teacherSum, add(spCount, 1e-6));
    } else {
      const zg = sub(gather(gather(sg, usdSp), pointSp), gather(geometric, usdPoint));
      const zt = sub(gather(div(teacherSum, spCount), pointSp), teacherV);
      reliabilityInputs = { geometric: zg, teacher: zt };
      const w1 = p.reliability_w1;
      const hidden = relu(
        add(
          add(matmul(zg, slice(w1, 0, 0, dg)), matmul(zt, slice(w1, 0, dg, dg + c))),
          p.reliability_b1,
        ),
      );
      const r = sigmoid(add(matmul(hidden, p.reliability_w2), p.reliability_b2));
      const like = spW;
      const num = segmentSum(mul(r, teacherV), pointSp, like);
      const den = segmentSum(r, pointSp, like);
      target = div(num, add(den, 1e-6));
    }
    const lossS = weightedOneMinusCos(gather(sf, usdSp), target, spW);
    // Point level over every point (weight 0 where unseen): no gather / scatter of F rows.
    const eachSp = idx("usd_each_sp", "N");
    const dot = reduceSum(mul(f, gather(target, eachSp)), [-1]);
    const norms = mul(squeeze(rowNorm(f), [-1]), gather(squeeze(rowNorm(target), [-1]), eachSp));
    const lossP = reduceSum(mul(g.input("usd_each_weight", ["N"]), sub(1, div(dot, norms))));
    lossSp = add(lossS, lossP);
  }

  const zero = g.scalar(0);
  let lossMask = zero;
  if (terms.mask) {
    const tau = cfg.maskTemperature, beta = cfg.maskBias;
    const invCount = g.input("imr_inv_count", ["Kv", 1]);
    const mBar = mul(
      segmentSum(
        gather(fg, idx("imr_visible_group", "Gv")),
        idx("imr_visible_inst", "Gv"),
        invCount,
      ),
      invCount,
    );
    const mn = l2Normalize(mBar);
    const fc = l2Normalize(gather(fg, idx("imr_candidate_group", "M")));
    const logits = mul(sub(matmul(mn, transposeLast(fc)), beta), tau);
    const neg = reduceSum(mul(reduceSum(softplus(logits), [1]), g.input("imr_neg_weight", ["Kv"])));
    const lp = gather(reshape(logits, [-1]), idx("imr_pos_flat", "P"));
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
    const instGroup = idx("sim_inst_group", "Gi"), instIndex = idx("sim_inst_index", "Gi");
    const instMean = (x: Tensor) =>
      l2Normalize(mul(segmentSum(gather(x, instGroup), instIndex, instInv), instInv));
    const inst = relationLoss(instMean(gg), instMean(fg), g.input("sim_inst_weight", []));
    const simSp = idx("sim_sp", "Ss");
    const spLevel = relationLoss(
      l2Normalize(gather(sg, simSp)),
      l2Normalize(gather(sf, simSp)),
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
  return { graph: g, spec, terms, params, reliabilityInputs };
}
