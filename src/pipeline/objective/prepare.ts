/**
 * Everything of the objective that does not depend on the trainable parameters, computed
 * once per scene and step in float64: dense superpoint / instance ids, counts, valid masks,
 * the reliability inputs z, the normalised geometric embeddings of IIRC, the IMR candidates
 * and the weights of the balanced BCE. The result is the feed set of the graph of
 * `graph.ts` (parameters are fed separately by the runner).
 *
 * Empty sets are padded with one dummy row whose weights are 0 (and whose vectors are not
 * zero), so the graph never sees a zero-sized tensor and every mean is a weighted sum.
 *
 * @module
 */

import { invalid } from "../../kernels/errors.ts";
import type { ObjectiveScene } from "../../kernels/objective_reference.ts";
import type { Rng } from "../../kernels/random.ts";
import {
  DEFAULT_MASK_CANDIDATES,
  DEFAULT_SIM_SUPERPOINTS,
  type ObjectiveSpec,
  objectiveTerms,
} from "./spec.ts";

/** One graph feed: float data (cast to the graph's float at the session) or int64 ids
 * (held as Int32Array). */
export interface ObjectiveFeed {
  dims: number[];
  data: Float32Array | Float64Array | Int32Array;
}

/** Feeds of one step, plus the sampling that was drawn (raw ids, for checks). */
export interface PreparedObjective {
  /** graph feeds by input name (parameters excluded) */
  feeds: Record<string, ObjectiveFeed>;
  /** IMR candidate point indices and IIRC raw superpoint ids actually used */
  sampling: { candidates: Int32Array; simSuperpoints: Int32Array };
  /** true when the scene has no point (the runner returns zeros without running) */
  empty: boolean;
}

/** Dense ids 0..K−1 in first-occurrence order (ids < 0 → −1) and the raw id of each. */
export function denseIds(ids: ArrayLike<number>): { index: Int32Array; raw: number[] } {
  const map = new Map<number, number>();
  const raw: number[] = [];
  const index = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id < 0) {
      index[i] = -1;
      continue;
    }
    let d = map.get(id);
    if (d === undefined) {
      d = raw.length;
      map.set(id, d);
      raw.push(id);
    }
    index[i] = d;
  }
  return { index, raw };
}

const ints = (a: ArrayLike<number>, pad: number[]): ObjectiveFeed => {
  const data = a.length > 0 ? new Int32Array(a) : new Int32Array(pad);
  return { dims: [data.length], data };
};
const floats = (a: ArrayLike<number>, dims: number[]): ObjectiveFeed => ({
  dims,
  data: a instanceof Float64Array || a instanceof Float32Array ? a : new Float64Array(a),
});

/** Row means of x (n×d) over k groups given as a dense id per row (−1 skipped), and counts. */
function groupMeans(x: ArrayLike<number>, d: number, groups: { index: Int32Array; k: number }) {
  const { index, k } = groups;
  const sum = new Float64Array(k * d);
  const count = new Float64Array(k);
  for (let i = 0; i < index.length; i++) {
    const s = index[i];
    if (s < 0) continue;
    count[s]++;
    for (let t = 0; t < d; t++) sum[s * d + t] += x[i * d + t];
  }
  for (let s = 0; s < k; s++) {
    if (count[s] > 0) { for (let t = 0; t < d; t++) sum[s * d + t] /= count[s]; }
  }
  return { mean: sum, count };
}

/** Rows of x normalised as a / max(|a|, 1e-8), in place. */
function normalizeRows(x: Float64Array, d: number): Float64Array {
  for (let r = 0; r < x.length / d; r++) {
    let s = 0;
    for (let t = 0; t < d; t++) s += x[r * d + t] ** 2;
    const len = Math.max(Math.sqrt(s), 1e-8);
    for (let t = 0; t < d; t++) x[r * d + t] /= len;
  }
  return x;
}

/** Rows `rows` of x (n×d) gathered into a new array. */
function gatherRows(x: ArrayLike<number>, d: number, rows: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows.length * d);
  for (let q = 0; q < rows.length; q++) {
    for (let t = 0; t < d; t++) out[q * d + t] = x[rows[q] * d + t];
  }
  return out;
}

interface Ctx {
  scene: ObjectiveScene;
  dg: number;
  c: number;
  sp: { index: Int32Array; raw: number[] };
  inst: { index: Int32Array; raw: number[] };
  feeds: Record<string, ObjectiveFeed>;
}

/** USD / naive inputs (L_sp slot). */
function prepareSp(ctx: Ctx, mode: "reliability" | "plain" | "naive"): void {
  const { scene, dg, c, sp, feeds } = ctx;
  const points: number[] = [];
  for (let i = 0; i < scene.count; i++) if (scene.valid[i]) points.push(i);
  const v = points.length;
  feeds.usd_point = ints(points, [0]);
  const teacher = gatherRows(scene.teacher, c, points);
  feeds.usd_teacher = v > 0 ? floats(teacher, [v, c]) : floats(new Array(c).fill(1), [1, c]);
  feeds.usd_point_weight = v > 0 ? floats(new Array(v).fill(1 / v), [v]) : floats([0], [1]);
  if (mode === "naive") return;
  // Superpoints with ≥ 1 valid point, dense 0..Sv−1 in first-occurrence order.
  const pointSp = denseIds(points.map((i) => sp.index[i]));
  const sv = pointSp.raw.length;
  feeds.usd_point_sp = ints(pointSp.index, [0]);
  feeds.usd_sp = ints(pointSp.raw, [0]);
  feeds.usd_sp_weight = sv > 0 ? floats(new Array(sv).fill(1 / sv), [sv]) : floats([0], [1]);
  const st = groupMeans(teacher, c, { index: pointSp.index, k: sv });
  if (mode === "plain") {
    // r ≡ 1: S̄T_s = Σ T / (n + 1e-6), no parameter involved.
    const target = st.mean.map((x, q) =>
      x * st.count[Math.floor(q / c)] / (st.count[Math.floor(q / c)] + 1e-6)
    );
    feeds.usd_target = sv > 0 ? floats(target, [sv, c]) : floats(new Array(c).fill(1), [1, c]);
    return;
  }
  const sg = groupMeans(scene.geometric, dg, { index: sp.index, k: sp.raw.length }).mean;
  const z = new Float64Array(Math.max(v, 1) * (dg + c));
  points.forEach((i, row) => {
    const s = sp.index[i], u = pointSp.index[row];
    for (let t = 0; t < dg; t++) {
      z[row * (dg + c) + t] = sg[s * dg + t] - scene.geometric[i * dg + t];
    }
    for (let t = 0; t < c; t++) {
      z[row * (dg + c) + dg + t] = st.mean[u * c + t] - scene.teacher[i * c + t];
    }
  });
  feeds.usd_z = floats(z, [Math.max(v, 1), dg + c]);
}

/** IMR inputs: candidates, visible members, balanced-BCE weights. */
function prepareMask(ctx: Ctx, candidates: Int32Array): void {
  const { scene, inst, feeds } = ctx;
  const k = inst.raw.length;
  const m = candidates.length;
  const visCount = new Float64Array(k);
  for (let i = 0; i < scene.count; i++) {
    if (inst.index[i] >= 0 && scene.visible[i]) visCount[inst.index[i]]++;
  }
  // Included instances: ≥ 1 visible point (and ≥ 1 candidate), dense 0..Kv−1.
  const rowOf = new Int32Array(k).fill(-1);
  let kv = 0;
  for (let q = 0; q < k; q++) if (visCount[q] > 0 && m > 0) rowOf[q] = kv++;
  const visPoint: number[] = [], visInst: number[] = [];
  for (let i = 0; i < scene.count; i++) {
    const r = inst.index[i] >= 0 ? rowOf[inst.index[i]] : -1;
    if (r >= 0 && scene.visible[i]) {
      visPoint.push(i);
      visInst.push(r);
    }
  }
  const nPos = new Float64Array(kv);
  for (const j of candidates) {
    const r = inst.index[j] >= 0 ? rowOf[inst.index[j]] : -1;
    if (r >= 0) nPos[r]++;
  }
  const alpha = new Float64Array(kv), beta = new Float64Array(kv), invCount = new Float64Array(kv);
  for (let q = 0; q < k; q++) {
    const r = rowOf[q];
    if (r < 0) continue;
    const nNeg = m - nPos[r];
    const halves = (nPos[r] > 0 ? 1 : 0) + (nNeg > 0 ? 1 : 0);
    alpha[r] = nPos[r] > 0 ? 1 / (halves * nPos[r] * kv) : 0;
    beta[r] = nNeg > 0 ? 1 / (halves * nNeg * kv) : 0;
    invCount[r] = 1 / visCount[q];
  }
  const posInst: number[] = [], posPoint: number[] = [], wSp: number[] = [], wLogit: number[] = [];
  for (const j of candidates) {
    const r = inst.index[j] >= 0 ? rowOf[inst.index[j]] : -1;
    if (r < 0) continue;
    posInst.push(r);
    posPoint.push(j);
    wSp.push(alpha[r] - beta[r]);
    wLogit.push(alpha[r]);
  }
  feeds.imr_candidate = ints(candidates, [0]);
  feeds.imr_visible_point = ints(visPoint, [0]);
  feeds.imr_visible_inst = ints(visInst, [0]);
  feeds.imr_inv_count = kv > 0 ? floats(invCount, [kv, 1]) : floats([1], [1, 1]);
  feeds.imr_neg_weight = kv > 0 ? floats(beta, [kv]) : floats([0], [1]);
  feeds.imr_pos_inst = ints(posInst, [0]);
  feeds.imr_pos_point = ints(posPoint, [0]);
  const p = Math.max(posInst.length, 1);
  feeds.imr_pos_weight_sp = floats(wSp.length > 0 ? wSp : [0], [p]);
  feeds.imr_pos_weight_logit = floats(wLogit.length > 0 ? wLogit : [0], [p]);
}

/** IIRC inputs: instance members and normalised geometric embeddings of both levels. */
function prepareSim(ctx: Ctx, simSp: Int32Array): void {
  const { scene, dg, sp, inst, feeds } = ctx;
  const k = inst.raw.length;
  const points: number[] = [], index: number[] = [];
  for (let i = 0; i < scene.count; i++) {
    if (inst.index[i] >= 0) {
      points.push(i);
      index.push(inst.index[i]);
    }
  }
  const ig = groupMeans(scene.geometric, dg, { index: inst.index, k });
  feeds.sim_inst_point = ints(points, [0]);
  feeds.sim_inst_index = ints(index, [0]);
  feeds.sim_inst_inv_count = k > 0
    ? floats(ig.count.map((x) => 1 / x), [k, 1])
    : floats([1], [1, 1]);
  feeds.sim_inst_geo = k > 0
    ? floats(normalizeRows(ig.mean, dg), [k, dg])
    : floats(new Array(dg).fill(1), [1, dg]);
  feeds.sim_inst_weight = floats([k >= 2 ? 1 / (k * k) : 0], []);
  const sg = normalizeRows(
    groupMeans(scene.geometric, dg, { index: sp.index, k: sp.raw.length }).mean,
    dg,
  );
  const ss = simSp.length;
  feeds.sim_sp = ints(simSp, [0]);
  feeds.sim_sp_geo = floats(gatherRows(sg, dg, simSp), [ss, dg]);
  feeds.sim_sp_weight = floats([ss >= 2 ? 1 / (ss * ss) : 0], []);
}

/**
 * Feeds of one scene and step for the graph of `spec`.
 *
 * @param scene N points; G N×Dg and T N×C float, ids as in `docs/objective.md`
 * @param spec the graph's spec (widths, config, sampling sizes)
 * @param rng draws the IMR candidates / IIRC superpoints when a set exceeds its size;
 *   required only then
 */
export function prepareObjectiveInputs(
  scene: ObjectiveScene,
  spec: ObjectiveSpec,
  rng?: Rng,
): PreparedObjective {
  const { dg, c } = spec;
  const n = scene.count;
  if (scene.geometric.length !== n * dg) {
    throw invalid(
      `Scene geometric features must be ${n}×${dg}, found ${scene.geometric.length} values`,
    );
  }
  if (scene.teacher.length !== n * c) {
    const found = scene.teacher.length;
    throw invalid(`Scene teacher features must be ${n}×${c}, found ${found} values`);
  }
  const terms = objectiveTerms(spec);
  const sp = denseIds(scene.superpoint);
  const inst = denseIds(scene.instance);
  for (let i = 0; i < n; i++) {
    if (sp.index[i] < 0) throw invalid(`Scene superpoint id of point ${i} is negative`);
  }
  const feeds: Record<string, ObjectiveFeed> = {};
  const ctx: Ctx = { scene, dg, c, sp, inst, feeds };
  const draw = (total: number, max: number) => {
    if (total <= max) return Int32Array.from({ length: total }, (_, i) => i);
    if (!rng) throw invalid(`Objective sampling of ${max} out of ${total} needs an Rng`);
    return rng.sample(total, max);
  };
  const candidates = terms.mask
    ? draw(n, spec.maskCandidates ?? DEFAULT_MASK_CANDIDATES)
    : new Int32Array(0);
  const simDense = terms.sim
    ? draw(sp.raw.length, spec.simSuperpoints ?? DEFAULT_SIM_SUPERPOINTS)
    : new Int32Array(0);
  const sampling = { candidates, simSuperpoints: Int32Array.from(simDense, (s) => sp.raw[s]) };
  if (n === 0) return { feeds, sampling, empty: true };
  feeds.geometric = floats(scene.geometric, [n, dg]);
  feeds.sp_index = ints(sp.index, [0]);
  feeds.sp_inv_count = floats(
    groupMeans(new Float64Array(n), 1, { index: sp.index, k: sp.raw.length }).count.map((x) =>
      1 / x
    ),
    [sp.raw.length, 1],
  );
  prepareSp(ctx, terms.sp);
  if (terms.mask) prepareMask(ctx, candidates);
  if (terms.sim) prepareSim(ctx, simDense);
  return { feeds, sampling, empty: false };
}
