/**
 * The index work of the objective, computed once per scene and step: dense ids, counts,
 * valid points, the IMR candidates and the weights of the balanced BCE (float64). The result
 * is the feed set of the graph of `graph.ts` (parameters are fed separately by the runner).
 *
 * The big per-point tensors G and T are fed as the scene's own arrays (no copy) and every
 * mean of them (superpoint / instance means of G, superpoint means of T) is pooled in the
 * graph. All pooling goes through "fine groups", the points sharing (superpoint, instance,
 * visible flag): the graph pools a point tensor once, and every superpoint / instance sum
 * is a sum of fine-group rows. Ids are fed as int32 (the graph casts where it needs int64).
 *
 * Empty sets are padded with one dummy row whose weights are 0 (and whose vectors are not
 * zero), so the graph never sees a zero-sized tensor and every mean is a weighted sum.
 *
 * @module
 */

import { invalid } from "../../kernels/errors.ts";
import type { ObjectiveScene } from "./types.ts";
import type { Rng } from "../../kernels/random.ts";
import {
  DEFAULT_MASK_CANDIDATES,
  DEFAULT_SIM_SUPERPOINTS,
  type ObjectiveSpec,
  type ObjectiveTerms,
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
  if (ids instanceof Int32Array) return denseInt32(ids);
  let int32 = true;
  for (let i = 0; i < ids.length && int32; i++) int32 = ids[i] === (ids[i] | 0);
  return int32 ? denseInt32(Int32Array.from(ids)) : denseMap(ids);
}

/** denseIds of int32 ids: a lookup table when the ids are small, else a Map. */
function denseInt32(ids: Int32Array): { index: Int32Array; raw: number[] } {
  const n = ids.length;
  let top = -1;
  for (let i = 0; i < n; i++) if (ids[i] > top) top = ids[i];
  if (top >= 4 * n + 4096) return denseMap(ids);
  const raw: number[] = [];
  const index = new Int32Array(n);
  const table = new Int32Array(top + 1).fill(-1);
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    if (id < 0) {
      index[i] = -1;
      continue;
    }
    let d = table[id];
    if (d < 0) {
      d = table[id] = raw.length;
      raw.push(id);
    }
    index[i] = d;
  }
  return { index, raw };
}

function denseMap(ids: ArrayLike<number>): { index: Int32Array; raw: number[] } {
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
  const data = a.length > 0 ? Int32Array.from(a) : new Int32Array(pad);
  return { dims: [data.length], data };
};
const floats = (a: ArrayLike<number>, dims: number[]): ObjectiveFeed => ({
  dims,
  data: a instanceof Float64Array || a instanceof Float32Array ? a : Float64Array.from(a),
});
/** 1/x of each count. */
const inverse = (x: Float64Array) => x.map((v) => 1 / v);

interface Ctx {
  scene: ObjectiveScene;
  dg: number;
  c: number;
  sp: { index: Int32Array; raw: number[] };
  inst: { index: Int32Array; raw: number[] };
  feeds: Record<string, ObjectiveFeed>;
}

/** USD / naive inputs (L_sp slot). */
function prepareSp(ctx: Ctx, mode: ObjectiveTerms["sp"]): void {
  const { scene, c, sp, feeds } = ctx;
  const n = scene.count;
  const valid = new Uint8Array(n);
  let v = 0;
  for (let i = 0; i < n; i++) if (scene.valid[i]) v += valid[i] = 1;
  const points = new Int32Array(v);
  for (let i = 0, q = 0; i < n; i++) if (valid[i]) points[q++] = i;
  feeds.usd_point = ints(points, [0]);
  feeds.usd_point_weight = v > 0 ? floats(new Float64Array(v).fill(1 / v), [v]) : floats([0], [1]);
  // T is read only at valid points; with none, a row of ones stands in.
  feeds.teacher = v > 0
    ? floats(scene.teacher, [n, c])
    : floats(new Float64Array(c).fill(1), [1, c]);
  if (mode === "naive") return;
  // Superpoints with ≥ 1 valid point, dense 0..Sv−1 in first-occurrence order.
  const pointSp = denseIds(points.map((i) => sp.index[i]));
  const sv = pointSp.raw.length;
  feeds.usd_point_sp = ints(pointSp.index, [0]);
  feeds.usd_sp = ints(pointSp.raw, [0]);
  feeds.usd_sp_weight = sv > 0 ? floats(new Float64Array(sv).fill(1 / sv), [sv]) : floats([0], [1]);
  // Point-level term over every point: invalid points get weight 0 and target row 0.
  const eachSp = new Int32Array(n), eachW = new Float64Array(n);
  for (let q = 0; q < v; q++) {
    eachSp[points[q]] = pointSp.index[q];
    eachW[points[q]] = 1 / v;
  }
  feeds.usd_each_sp = { dims: [n], data: eachSp };
  feeds.usd_each_weight = floats(eachW, [n]);
  // Valid points per Sv superpoint: ST = Σ T / count, or r ≡ 1: S̄T = Σ T / (count + 1e-6).
  const count = new Float64Array(Math.max(sv, 1)).fill(1);
  if (sv > 0) {
    count.fill(0);
    for (let q = 0; q < v; q++) count[pointSp.index[q]]++;
  }
  feeds.usd_sp_count = floats(count, [count.length, 1]);
}

/**
 * Fine groups: points sharing superpoint, instance and (for IMR) the visible flag, dense
 * in first-occurrence order; each IMR candidate is a group of its own, so that its F row
 * is a row of the pooled table (its gradient then needs no N×C scatter). Returns the group
 * of each point, each group's superpoint, instance (−1: none) and visible flag.
 */
function fineGroups(ctx: Ctx, terms: ObjectiveTerms, candidates: Int32Array) {
  const { scene, sp, inst } = ctx;
  const n = scene.count;
  const useInst = terms.mask || terms.sim;
  const kk = useInst ? 2 * inst.raw.length + 1 : 1;
  const mask = terms.mask, spIndex = sp.index, instIndex = inst.index;
  const visible = new Uint8Array(mask ? n : 0);
  for (let i = 0; i < visible.length; i++) if (scene.visible[i]) visible[i] = 1;
  const top = sp.raw.length * kk;
  const keys = top + candidates.length < 2 ** 31 ? new Int32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = instIndex[i];
    const sub = !useInst || k < 0 ? 0 : 1 + 2 * k + (mask && visible[i] ? 1 : 0);
    keys[i] = spIndex[i] * kk + sub;
  }
  for (let q = 0; q < candidates.length; q++) keys[candidates[q]] = top + q;
  const dense = denseIds(keys);
  const g = dense.raw.length;
  const groupSp = new Int32Array(g), groupInst = new Int32Array(g), groupVis = new Uint8Array(g);
  const seen = new Uint8Array(g);
  for (let i = 0; i < n; i++) {
    const d = dense.index[i];
    if (seen[d]) continue;
    seen[d] = 1;
    groupSp[d] = spIndex[i];
    groupInst[d] = useInst ? instIndex[i] : -1;
    groupVis[d] = mask ? visible[i] : 0;
  }
  return { index: dense.index, groupSp, groupInst, groupVis };
}

type Fine = ReturnType<typeof fineGroups>;

/** IMR inputs: candidates, visible fine groups, balanced-BCE weights. */
function prepareMask(ctx: Ctx, fine: Fine, candidates: Int32Array): void {
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
  const visGroup: number[] = [], visInst: number[] = [];
  fine.groupInst.forEach((q, grp) => {
    if (q >= 0 && fine.groupVis[grp] && rowOf[q] >= 0) {
      visGroup.push(grp);
      visInst.push(rowOf[q]);
    }
  });
  const rowOfPoint = (j: number) => (inst.index[j] >= 0 ? rowOf[inst.index[j]] : -1);
  const nPos = new Float64Array(kv);
  for (const j of candidates) {
    const r = rowOfPoint(j);
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
  const posFlat: number[] = [], wSp: number[] = [], wLogit: number[] = [];
  candidates.forEach((j, col) => {
    const r = rowOfPoint(j);
    if (r < 0) return;
    posFlat.push(r * m + col);
    wSp.push(alpha[r] - beta[r]);
    wLogit.push(alpha[r]);
  });
  feeds.imr_candidate_group = ints(candidates.map((j) => fine.index[j]), [0]);
  feeds.imr_visible_group = ints(visGroup, [0]);
  feeds.imr_visible_inst = ints(visInst, [0]);
  feeds.imr_inv_count = kv > 0 ? floats(invCount, [kv, 1]) : floats([1], [1, 1]);
  feeds.imr_neg_weight = kv > 0 ? floats(beta, [kv]) : floats([0], [1]);
  feeds.imr_pos_flat = ints(posFlat, [0]);
  const p = Math.max(posFlat.length, 1);
  feeds.imr_pos_weight_sp = floats(wSp.length > 0 ? wSp : [0], [p]);
  feeds.imr_pos_weight_logit = floats(wLogit.length > 0 ? wLogit : [0], [p]);
}

/** IIRC inputs: instance fine groups, counts and the sampled superpoints. */
function prepareSim(ctx: Ctx, fine: Fine, simSp: Int32Array): void {
  const { scene, inst, feeds } = ctx;
  const k = inst.raw.length;
  const groups: number[] = [], index: number[] = [];
  fine.groupInst.forEach((q, grp) => {
    if (q >= 0) {
      groups.push(grp);
      index.push(q);
    }
  });
  const count = new Float64Array(k);
  for (let i = 0; i < scene.count; i++) if (inst.index[i] >= 0) count[inst.index[i]]++;
  feeds.sim_inst_group = ints(groups, [0]);
  feeds.sim_inst_index = ints(index, [0]);
  feeds.sim_inst_inv_count = k > 0 ? floats(inverse(count), [k, 1]) : floats([1], [1, 1]);
  feeds.sim_inst_weight = floats([k >= 2 ? 1 / (k * k) : 0], []);
  const ss = simSp.length;
  feeds.sim_sp = ints(simSp, [0]);
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
  const fine = fineGroups(ctx, terms, candidates);
  feeds.fine_index = { dims: [n], data: fine.index };
  feeds.fine_sp = { dims: [fine.groupSp.length], data: fine.groupSp };
  const spCount = new Float64Array(sp.raw.length);
  for (let i = 0; i < n; i++) spCount[sp.index[i]]++;
  feeds.sp_inv_count = floats(inverse(spCount), [sp.raw.length, 1]);
  prepareSp(ctx, terms.sp);
  if (terms.mask) prepareMask(ctx, fine, candidates);
  if (terms.sim) prepareSim(ctx, fine, simDense);
  return { feeds, sampling, empty: false };
}
