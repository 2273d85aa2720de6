/**
 * Per-step random draws of the trainer: the step's own Rng (so that a resumed run draws
 * exactly what an uninterrupted one would) and the IMR visibility column.
 *
 * @module
 */

import { Rng } from "../kernels/random.ts";

/** The Rng of step `step` (0-based) of a run seeded with `seed` (uint32). */
export function stepRng(seed: number, step: number): Rng {
  return new Rng((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(step + 1, 0x85ebca77)) >>> 0);
}

/**
 * IMR partial masks (objective.md, IMR 1): every point of an instance stays visible with
 * probability 1 − maskRatio, at least one point of each instance kept (drawn uniformly
 * among its points when the first draw kept none). Points without instance get 0.
 *
 * @param instance Int32Array N instance ids, −1 = none
 * @param maskRatio probability of hiding a point, in [0, 1)
 * @param rng the step's Rng
 * @returns Uint8Array N, 1 = visible
 */
export function drawVisibility(instance: Int32Array, maskRatio: number, rng: Rng): Uint8Array {
  const n = instance.length;
  const visible = new Uint8Array(n);
  const kept = new Map<number, number>();
  const members = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const k = instance[i];
    if (k < 0) continue;
    members.set(k, (members.get(k) ?? 0) + 1);
    if (rng.next() < 1 - maskRatio) {
      visible[i] = 1;
      kept.set(k, (kept.get(k) ?? 0) + 1);
    }
  }
  const empty = [...members.keys()].filter((k) => !kept.has(k));
  if (empty.length === 0) return visible;
  const pick = new Map(empty.map((k) => [k, rng.int(members.get(k)!)]));
  const seen = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const k = instance[i];
    const target = k >= 0 ? pick.get(k) : undefined;
    if (target === undefined) continue;
    const r = seen.get(k) ?? 0;
    if (r === target) visible[i] = 1;
    seen.set(k, r + 1);
  }
  return visible;
}
