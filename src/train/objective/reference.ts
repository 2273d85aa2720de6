/**
 * Brute-force float64 forward of the GeoGuide training objective (USD + IMR + IIRC and the
 * naive distillation baseline), written with plain loops straight from the definition in
 * `docs/objective.md`. It is slow (IMR is K×M, IIRC is K² and S²) and exists as the oracle
 * that the graph implementation is tested against (tests only; the types it shares with
 * production are in `types.ts`); gradients come from central differences
 * ({@link objectiveFiniteDifferences}).
 *
 * @module
 */

import {
  DEFAULT_OBJECTIVE_CONFIG,
  type FloatArray,
  type MlpParams,
  type ObjectiveConfig,
  type ObjectiveLosses,
  type ObjectiveParams,
  type ObjectiveScene,
} from "./types.ts";

/** Optional per-step sampling; absent = every point / every superpoint. */
export interface ObjectiveSampling {
  /** IMR candidate point indices (shared by all instances). */
  candidates?: ArrayLike<number>;
  /** Raw superpoint ids entering the IIRC superpoint level. */
  simSuperpoints?: ArrayLike<number>;
}

const EPS = 1e-8;

/** Output width of an MLP given its parameters (b2 length). */
function mlpShape(p: MlpParams): { din: number; h: number; dout: number } {
  const h = p.b1.length;
  return { din: p.w1.length / h, h, dout: p.b2.length };
}

/** y (n×dout) = relu(x·w1 + b1)·w2 + b2 for x n×din, float64. */
function mlp(x: Float64Array, n: number, p: MlpParams): Float64Array {
  const { din, h, dout } = mlpShape(p);
  const y = new Float64Array(n * dout);
  const hid = new Float64Array(h);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < h; k++) {
      let s = p.b1[k];
      for (let d = 0; d < din; d++) s += x[i * din + d] * p.w1[d * h + k];
      hid[k] = s > 0 ? s : 0;
    }
    for (let o = 0; o < dout; o++) {
      let s = p.b2[o];
      for (let k = 0; k < h; k++) s += hid[k] * p.w2[k * dout + o];
      y[i * dout + o] = s;
    }
  }
  return y;
}

/** Row `i` (width d) of a row-major array, as a view. */
function row(x: FloatArray, i: number, d: number): FloatArray {
  return x.subarray(i * d, (i + 1) * d);
}

/** cos(a,b) = a·b / (max(|a|,1e-8)·max(|b|,1e-8)) of two equal-length vectors. */
function cos(a: FloatArray, b: FloatArray): number {
  let ab = 0, aa = 0, bb = 0;
  for (let t = 0; t < a.length; t++) {
    ab += a[t] * b[t];
    aa += a[t] * a[t];
    bb += b[t] * b[t];
  }
  return ab / (Math.max(Math.sqrt(aa), EPS) * Math.max(Math.sqrt(bb), EPS));
}

/** Mean of rows `idx` of x (n×d); zeros when idx is empty. */
function meanRows(x: ArrayLike<number>, d: number, idx: number[]): Float64Array {
  const m = new Float64Array(d);
  for (const i of idx) for (let t = 0; t < d; t++) m[t] += x[i * d + t];
  if (idx.length > 0) { for (let t = 0; t < d; t++) m[t] /= idx.length; }
  return m;
}

/** Groups point indices by id (ids < 0 skipped), in first-occurrence order. */
function groupBy(ids: ArrayLike<number>): Map<number, number[]> {
  const g = new Map<number, number[]>();
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id < 0) continue;
    let list = g.get(id);
    if (!list) g.set(id, list = []);
    list.push(i);
  }
  return g;
}

function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** L_naive = mean over valid points of (1 − cos(F_i, T_i)); 0 without valid points. */
function naiveLoss(scene: ObjectiveScene, f: Float64Array, c: number): number {
  let sum = 0, n = 0;
  for (let i = 0; i < scene.count; i++) {
    if (!scene.valid[i]) continue;
    sum += 1 - cos(row(f, i, c), row(scene.teacher, i, c));
    n++;
  }
  return n > 0 ? sum / n : 0;
}

/** L_sp of USD (superpoint + point level). */
function usdLoss(
  scene: ObjectiveScene,
  f: Float64Array,
  opts: { params: ObjectiveParams; useReliability: boolean },
): number {
  const { geometric: g, teacher: t } = scene;
  const c = opts.params.adapter.b2.length;
  const dg = g.length / Math.max(scene.count, 1);
  const groups = groupBy(scene.superpoint);
  const target = new Map<number, Float64Array>();
  let lossS = 0, nS = 0;
  for (const [s, members] of groups) {
    const validMembers = members.filter((i) => scene.valid[i]);
    if (validMembers.length === 0) continue;
    const sg = meanRows(g, dg, members);
    const st = meanRows(t, c, validMembers);
    const z = new Float64Array(validMembers.length * (dg + c));
    validMembers.forEach((i, row) => {
      for (let d = 0; d < dg; d++) z[row * (dg + c) + d] = sg[d] - g[i * dg + d];
      for (let d = 0; d < c; d++) z[row * (dg + c) + dg + d] = st[d] - t[i * c + d];
    });
    const logits = opts.useReliability
      ? mlp(z, validMembers.length, opts.params.reliability)
      : undefined;
    const num = new Float64Array(c);
    let den = 0;
    validMembers.forEach((i, row) => {
      const r = logits ? 1 / (1 + Math.exp(-logits[row])) : 1;
      for (let d = 0; d < c; d++) num[d] += r * t[i * c + d];
      den += r;
    });
    for (let d = 0; d < c; d++) num[d] /= den + 1e-6;
    target.set(s, num);
    const sf = meanRows(f, c, members);
    lossS += 1 - cos(sf, num);
    nS++;
  }
  if (nS === 0) return 0;
  let lossP = 0, nP = 0;
  for (let i = 0; i < scene.count; i++) {
    if (!scene.valid[i]) continue;
    lossP += 1 - cos(row(f, i, c), target.get(scene.superpoint[i])!);
    nP++;
  }
  return lossS / nS + lossP / nP;
}

/** L_mask of IMR (balanced BCE over candidates, instances with ≥ 1 visible point). */
function imrLoss(
  scene: ObjectiveScene,
  f: Float64Array,
  opts: { c: number; tau: number; beta: number; candidates: ArrayLike<number> },
): number {
  const { c, tau, beta, candidates } = opts;
  let sum = 0, n = 0;
  for (const [k, members] of groupBy(scene.instance)) {
    const vis = members.filter((i) => scene.visible[i]);
    if (vis.length === 0) continue;
    const m = meanRows(f, c, vis);
    let pos = 0, nPos = 0, neg = 0, nNeg = 0;
    for (let q = 0; q < candidates.length; q++) {
      const j = candidates[q];
      const logit = tau * (cos(m, row(f, j, c)) - beta);
      if (scene.instance[j] === k) {
        pos += softplus(logit) - logit;
        nPos++;
      } else {
        neg += softplus(logit);
        nNeg++;
      }
    }
    if (nPos === 0 && nNeg === 0) continue;
    const halves = (nPos > 0 ? 1 : 0) + (nNeg > 0 ? 1 : 0);
    sum += ((nPos > 0 ? pos / nPos : 0) + (nNeg > 0 ? neg / nNeg : 0)) / halves;
    n++;
  }
  return n > 0 ? sum / n : 0;
}

/** mean((P^G − P^sem)²) over all m² entries of one level; 0 with fewer than 2 members. */
function relationLevel(
  groups: number[][],
  x: { g: ArrayLike<number>; f: Float64Array; dg: number; c: number },
): number {
  const m = groups.length;
  if (m < 2) return 0;
  const unit = (x: Float64Array) => {
    const len = Math.max(Math.hypot(...x), EPS);
    return x.map((v) => v / len);
  };
  const ig = groups.map((idx) => unit(meanRows(x.g, x.dg, idx)));
  const is = groups.map((idx) => unit(meanRows(x.f, x.c, idx)));
  let sum = 0;
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) {
      const d = cos(ig[a], ig[b]) - cos(is[a], is[b]);
      sum += d * d;
    }
  }
  return sum / (m * m);
}

/** L_sim of IIRC: instance level over all instances + superpoint level over the sampled set. */
function iircLoss(
  scene: ObjectiveScene,
  f: Float64Array,
  opts: { dg: number; c: number; simSuperpoints?: ArrayLike<number> },
): number {
  const inst = [...groupBy(scene.instance).values()];
  const spGroups = groupBy(scene.superpoint);
  const sp = opts.simSuperpoints
    ? Array.from(opts.simSuperpoints, (s) => spGroups.get(s)).filter((x) => x !== undefined)
    : [...spGroups.values()];
  const x = { g: scene.geometric, f, dg: opts.dg, c: opts.c };
  return relationLevel(inst, x) + relationLevel(sp, x);
}

/**
 * Float64 brute-force forward of the objective of `docs/objective.md`.
 *
 * @param scene one scene (N points; G N×Dg, T N×C)
 * @param params adapter Dg→H→C and reliability (Dg+C)→Hr→1 weights
 * @param options.config constants and ablation switches
 *   (defaults: {@link DEFAULT_OBJECTIVE_CONFIG})
 * @param options.sampling IMR candidates / IIRC superpoints (default: all)
 * @returns {sp, mask, sim, total}; sp is L_naive under "naive" or useUsd false
 */
export function objectiveReference(
  scene: ObjectiveScene,
  params: ObjectiveParams,
  options: { config?: Partial<ObjectiveConfig>; sampling?: ObjectiveSampling } = {},
): ObjectiveLosses {
  const cfg = { ...DEFAULT_OBJECTIVE_CONFIG, ...options.config };
  const sampling = options.sampling ?? {};
  const n = scene.count;
  const c = params.adapter.b2.length;
  const dg = mlpShape(params.adapter).din;
  const f = mlp(new Float64Array(scene.geometric), n, params.adapter);
  const [l1, l2, l3] = cfg.lambda;
  if (cfg.objective === "naive") {
    const sp = naiveLoss(scene, f, c);
    return { sp, mask: 0, sim: 0, total: l1 * sp };
  }
  const sp = cfg.useUsd === false
    ? naiveLoss(scene, f, c)
    : usdLoss(scene, f, { params, useReliability: cfg.useReliability });
  const candidates = sampling.candidates ?? Int32Array.from({ length: n }, (_, i) => i);
  const mask = imrLoss(scene, f, {
    c,
    tau: cfg.maskTemperature,
    beta: cfg.maskBias,
    candidates,
  });
  const sim = iircLoss(scene, f, { dg, c, simSuperpoints: sampling.simSuperpoints });
  return { sp, mask, sim, total: l1 * sp + l2 * mask + l3 * sim };
}

/** Gradient of one scalar wrt every parameter tensor, same layout as {@link ObjectiveParams}. */
export interface ObjectiveParamGrads {
  adapter: { w1: Float64Array; b1: Float64Array; w2: Float64Array; b2: Float64Array };
  reliability: { w1: Float64Array; b1: Float64Array; w2: Float64Array; b2: Float64Array };
}

/**
 * Central-difference gradient of `total` (float64) wrt every parameter of `params`.
 *
 * @param step finite-difference step h (default 1e-6); error O(h²)
 */
export function objectiveFiniteDifferences(
  scene: ObjectiveScene,
  params: ObjectiveParams,
  options: { config?: Partial<ObjectiveConfig>; sampling?: ObjectiveSampling; step?: number } = {},
): ObjectiveParamGrads {
  const h = options.step ?? 1e-6;
  const copy = (p: MlpParams) => ({
    w1: Float64Array.from(p.w1),
    b1: Float64Array.from(p.b1),
    w2: Float64Array.from(p.w2),
    b2: Float64Array.from(p.b2),
  });
  const work = { adapter: copy(params.adapter), reliability: copy(params.reliability) };
  const grads = {
    adapter: copy(params.adapter),
    reliability: copy(params.reliability),
  } as ObjectiveParamGrads;
  for (const part of ["adapter", "reliability"] as const) {
    for (const name of ["w1", "b1", "w2", "b2"] as const) {
      const x = work[part][name];
      const gOut = grads[part][name];
      for (let q = 0; q < x.length; q++) {
        const x0 = x[q];
        x[q] = x0 + h;
        const up = objectiveReference(scene, work, options).total;
        x[q] = x0 - h;
        const down = objectiveReference(scene, work, options).total;
        x[q] = x0;
        gOut[q] = (up - down) / (2 * h);
      }
    }
  }
  return grads;
}
