/**
 * A simulated 2D open-vocabulary segmenter (an OpenSeg/LSeg stand-in): for a
 * rendered view it returns a per-pixel feature map in the text-embedding space
 * whose errors follow the known failure modes of such models — blurred object
 * boundaries (the nearer object bleeds onto its neighbours), thin structures
 * taking the background's class, whole or partial masks given to a confusable
 * class in some views, weak (low-confidence) responses and spatially
 * correlated noise. Occluder leakage comes later, at fusion (depth tolerance).
 *
 * @module
 */

import type { Rng } from "../kernels/random.ts";
import { CONFUSABLE, DESIGNED_CONFUSIONS } from "./classes.ts";

/** Strengths of the simulated failure modes (all probabilities per view unless said). */
export interface TeacherOptions {
  /** Feature map resolution relative to the depth image (default 0.5). */
  featureScale: number;
  /** Widest boundary bleed, feature pixels (default 4). */
  boundaryWidth: number;
  /** Fraction of object edges that bleed (default 0.6). */
  boundaryRate: number;
  /** Share of bleeding that goes from the nearer object onto the farther one (default 0.8). */
  foregroundBias: number;
  /** Probability that an instance's thin parts (legs, frames) take the background's class (default 0.8). */
  thinRate: number;
  /** Probability that an instance of a designed confusable class is (partly) given its look-alike (default 0.35). */
  confuseRate: number;
  /** Same for the other classes (default 0.08). */
  confuseRateOther: number;
  /** Given a swap, probability that only part of the mask (a half plane) is swapped (default 0.6). */
  partialRate: number;
  /** Probability that an instance is hard for the model: swapped to one fixed look-alike in most views (default 0.3). */
  hardRate: number;
  /** Per-view swap probability of a hard instance (default 0.7). */
  hardSwapRate: number;
  /** Probability that an instance gets a weak response (default 0.3). */
  weakRate: number;
  /** Weight of the true class embedding: [weak, confident] (default [0.3, 1]). */
  signal: [number, number];
  /** Largest weight of the look-alike class blended into every pixel of an instance (default 0.35). */
  mix: number;
  /** Per-dimension std of per-pixel Gaussian noise (default 0.15). */
  pixelNoise: number;
  /** Per-dimension std of noise shared by 8×8-pixel blocks (default 0.15). */
  blockNoise: number;
}

/** Default failure-mode strengths. */
export const DEFAULT_TEACHER: TeacherOptions = {
  featureScale: 0.5,
  boundaryWidth: 4,
  boundaryRate: 0.6,
  foregroundBias: 0.8,
  thinRate: 0.8,
  confuseRate: 0.35,
  confuseRateOther: 0.08,
  partialRate: 0.6,
  hardRate: 0.3,
  hardSwapRate: 0.7,
  weakRate: 0.3,
  signal: [0.3, 1],
  mix: 0.35,
  pixelNoise: 0.15,
  blockNoise: 0.15,
};

/** Input of {@link simulateTeacher}: a view's images at depth resolution W×H. */
export interface TeacherInput {
  width: number;
  height: number;
  /** Int32Array W×H instance id per pixel (−1 = nothing). */
  instance: Int32Array;
  /** Uint8Array W×H, 1 on thin parts. */
  thin: Uint8Array;
  /** Float32Array W×H depth, metres (0 = missing). */
  depth: Float32Array;
  /** Class id of each instance id. */
  instanceClass: ArrayLike<number>;
  /** Scene-level plan (hard instances, noise bank) from {@link planTeacher}. */
  plan: TeacherPlan;
}

/** What stays the same for a scene across its views. */
export interface TeacherPlan {
  /** Int16Array per instance: the look-alike class a hard instance is taken for, −1 when not hard. */
  hard: Int16Array;
  /** Float32Array B×C of standard normal vectors, per-pixel noise drawn from its rows. */
  noiseBank: Float32Array;
}

/**
 * Draws the scene-level part of the simulated model: which instances are hard
 * (and for what) and a bank of noise vectors.
 *
 * @param instanceClass class id of each instance
 * @param dim feature dimension C
 * @param sim rng (consumed) and options
 */
export function planTeacher(
  instanceClass: ArrayLike<number>,
  dim: number,
  sim: { rng: Rng; options?: Partial<TeacherOptions> },
): TeacherPlan {
  const o = { ...DEFAULT_TEACHER, ...sim.options }, rng = sim.rng;
  const hard = new Int16Array(instanceClass.length).fill(-1);
  for (let i = 0; i < instanceClass.length; i++) {
    const alts = CONFUSABLE[instanceClass[i]] ?? [];
    // Structure (wall, floor: ids 0 and 1) is never hard for such models.
    const p = instanceClass[i] <= 1
      ? 0
      : DESIGNED_CONFUSIONS.has(instanceClass[i])
      ? o.hardRate
      : o.hardRate / 3;
    if (alts.length && rng.bernoulli(p)) hard[i] = alts[rng.int(Math.min(2, alts.length))];
  }
  const noiseBank = new Float32Array(2048 * dim);
  for (let k = 0; k < noiseBank.length; k++) noiseBank[k] = rng.normal();
  return { hard, noiseBank };
}

/** A simulated feature map: Float32Array h×w×C unit rows, and the label each pixel was made from (Int16Array h×w, −1 none). */
export interface TeacherMap {
  width: number;
  height: number;
  features: Float32Array;
  label: Int16Array;
}

/**
 * Simulates the 2D model on one view.
 *
 * @param view label, thin and depth images of the view
 * @param embeddings Float32Array L×C class text embeddings (unit rows), row = class id
 * @param sim rng (consumed) and options (defaults: {@link DEFAULT_TEACHER})
 */
export function simulateTeacher(
  view: TeacherInput,
  embeddings: Float32Array,
  sim: { rng: Rng; options?: Partial<TeacherOptions>; classes: number },
): TeacherMap {
  const o = { ...DEFAULT_TEACHER, ...sim.options }, rng = sim.rng, L = sim.classes;
  const C = embeddings.length / L;
  const w = Math.max(1, Math.round(view.width * o.featureScale));
  const h = Math.max(1, Math.round(view.height * o.featureScale));
  const n = w * h;
  // 1. Sample the view at feature resolution.
  const inst = new Int32Array(n), depth = new Float32Array(n), thin = new Uint8Array(n);
  for (let v = 0; v < h; v++) {
    const sv = Math.min(view.height - 1, Math.floor(((v + 0.5) * view.height) / h));
    for (let u = 0; u < w; u++) {
      const su = Math.min(view.width - 1, Math.floor(((u + 0.5) * view.width) / w));
      const s = sv * view.width + su, j = v * w + u;
      inst[j] = view.instance[s];
      depth[j] = view.depth[s];
      thin[j] = view.thin[s];
    }
  }
  const clsOf = (i: number) => (i < 0 ? -1 : view.instanceClass[i]);
  const label = new Int16Array(n);
  for (let j = 0; j < n; j++) label[j] = clsOf(inst[j]);
  // 2. Per-instance decisions, in order of first appearance (deterministic).
  const seen = new Map<
    number,
    { swap: number; plane: number[] | null; weak: boolean; thin: boolean; mix: number; alt: number }
  >();
  const centroid = new Map<number, [number, number, number]>();
  for (let j = 0; j < n; j++) {
    const i = inst[j];
    if (i < 0) continue;
    const c = centroid.get(i) ?? [0, 0, 0];
    c[0] += j % w;
    c[1] += Math.floor(j / w);
    c[2]++;
    centroid.set(i, c);
  }
  for (const [i, c] of centroid) {
    const cls = clsOf(i), alts = CONFUSABLE[cls] ?? [];
    const alt = alts.length ? alts[rng.int(Math.min(2, alts.length))] : cls;
    const rate = DESIGNED_CONFUSIONS.has(cls) ? o.confuseRate : o.confuseRateOther;
    const hard = view.plan.hard[i];
    const swap = hard >= 0 && rng.bernoulli(o.hardSwapRate)
      ? hard
      : alts.length && rng.bernoulli(rate)
      ? alt
      : -1;
    const a = rng.uniform(0, 2 * Math.PI);
    const plane = swap >= 0 && rng.bernoulli(o.partialRate)
      ? [
        Math.cos(a),
        Math.sin(a),
        (Math.cos(a) * c[0] + Math.sin(a) * c[1]) / c[2] + rng.uniform(-3, 3),
      ]
      : null;
    seen.set(i, {
      swap,
      plane,
      weak: rng.bernoulli(o.weakRate),
      thin: rng.bernoulli(o.thinRate),
      mix: rng.uniform(0, o.mix),
      alt,
    });
  }
  for (let j = 0; j < n; j++) {
    const d = seen.get(inst[j]);
    if (!d || d.swap < 0) continue;
    if (!d.plane || (j % w) * d.plane[0] + Math.floor(j / w) * d.plane[1] > d.plane[2]) {
      label[j] = d.swap;
    }
  }
  // 3. Thin parts take the class of the nearest non-thin surface of another instance.
  const base = label.slice();
  for (let j = 0; j < n; j++) {
    if (!thin[j] || !seen.get(inst[j])?.thin) continue;
    const r = ringSearch(
      j,
      { w: w, h: h, r: 4 },
      (q) => inst[q] !== inst[j] && !thin[q] && inst[q] >= 0,
    );
    if (r >= 0) label[j] = base[r];
  }
  // 4. Boundary bleed, coherent along edges through a coarse random field.
  const field = smoothField([w, h], 12, rng), widthField = smoothField([w, h], 12, rng);
  const before = label.slice();
  const ratio = o.foregroundBias > 0 ? (1 - o.foregroundBias) / o.foregroundBias : 1;
  for (let j = 0; j < n; j++) {
    if (field[j] >= o.boundaryRate) continue;
    const r = Math.max(1, Math.round(widthField[j] * o.boundaryWidth));
    const q = ringSearch(j, { w: w, h: h, r: r }, (q) => inst[q] !== inst[j] && inst[q] >= 0);
    if (q < 0 || inst[j] < 0) continue;
    const nearer = depth[q] > 0 && (depth[j] === 0 || depth[q] < depth[j] - 0.05);
    if (nearer || field[j] < o.boundaryRate * ratio) label[j] = before[q];
  }
  // 5. Features: signal + look-alike blend + block noise + pixel noise, unit length.
  const features = new Float32Array(n * C);
  const bw = Math.ceil(w / 8), bh = Math.ceil(h / 8);
  const blocks = new Float32Array(bw * bh * C);
  for (let k = 0; k < blocks.length; k++) blocks[k] = rng.normal() * o.blockNoise;
  const bank = view.plan.noiseBank, bankRows = bank.length / C;
  for (let j = 0; j < n; j++) {
    const lab = label[j], d = seen.get(inst[j]), dst = j * C;
    const b = (Math.floor(Math.floor(j / w) / 8) * bw + Math.floor((j % w) / 8)) * C;
    const a = d?.weak ? o.signal[0] : o.signal[1];
    const row = rng.int(bankRows) * C, sign = rng.bernoulli(0.5) ? o.pixelNoise : -o.pixelNoise;
    for (let k = 0; k < C; k++) features[dst + k] = blocks[b + k] + bank[row + k] * sign;
    if (lab >= 0) {
      const alt = (CONFUSABLE[lab] ?? [])[0] ?? lab;
      const m = d ? d.mix : 0;
      for (let k = 0; k < C; k++) {
        features[dst + k] += a * embeddings[lab * C + k] + m * embeddings[alt * C + k];
      }
    }
    let s = 0;
    for (let k = 0; k < C; k++) s += features[dst + k] * features[dst + k];
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let k = 0; k < C; k++) features[dst + k] *= inv;
  }
  return { width: w, height: h, features, label };
}

/** Nearest pixel (Chebyshev rings 1..r) satisfying `ok`, or −1. */
function ringSearch(
  j: number,
  { w, h, r }: { w: number; h: number; r: number },
  ok: (q: number) => boolean,
): number {
  const u = j % w, v = (j - u) / w;
  for (let d = 1; d <= r; d++) {
    for (let dv = -d; dv <= d; dv++) {
      const vv = v + dv;
      if (vv < 0 || vv >= h) continue;
      const step = Math.abs(dv) === d ? 1 : 2 * d;
      for (let du = -d; du <= d; du += step) {
        const uu = u + du;
        if (uu < 0 || uu >= w) continue;
        const q = vv * w + uu;
        if (ok(q)) return q;
      }
    }
  }
  return -1;
}

/** Bilinearly interpolated uniform random values on a grid of `cell`-pixel cells: Float32Array h×w in [0, 1). */
function smoothField([w, h]: [number, number], cell: number, rng: Rng): Float32Array {
  const gw = Math.ceil(w / cell) + 1, gh = Math.ceil(h / cell) + 1;
  const g = new Float32Array(gw * gh);
  for (let k = 0; k < g.length; k++) g[k] = rng.next();
  const out = new Float32Array(w * h);
  for (let v = 0; v < h; v++) {
    const gy = v / cell, y0 = Math.floor(gy), fy = gy - y0;
    for (let u = 0; u < w; u++) {
      const gx = u / cell, x0 = Math.floor(gx), fx = gx - x0;
      const a = g[y0 * gw + x0],
        b = g[y0 * gw + x0 + 1],
        c = g[(y0 + 1) * gw + x0],
        d = g[(y0 + 1) * gw + x0 + 1];
      out[v * w + u] = (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
    }
  }
  return out;
}
