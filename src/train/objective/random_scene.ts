/**
 * Seeded random objective scenes and parameters, with the awkward cases the objective must
 * survive built in: sparse (gapped) superpoint / instance ids, points in no instance,
 * unseen points, a superpoint with no valid point and an instance whose draw hid every
 * point. Used by tests and benchmarks.
 *
 * @module
 */

import type { ObjectiveConfig, ObjectiveParams, ObjectiveScene } from "./types.ts";
import type { Rng } from "../../kernels/random.ts";
import { fullConfig, type ObjectiveSpec } from "./spec.ts";

/** Sizes of a random scene and its parameters. */
export interface RandomSceneDims {
  /** points N */
  n: number;
  dg: number;
  c: number;
  h: number;
  hr: number;
  /** superpoints drawn (ids are spread out with gaps) */
  superpoints: number;
  /** instances drawn (ids are spread out with gaps; about a fifth of points get −1) */
  instances: number;
}

/** A random scene with gapped ids and the edge cases of the module doc (float64 arrays). */
export function randomObjectiveScene(rng: Rng, d: RandomSceneDims): ObjectiveScene {
  const { n, dg, c } = d;
  const geometric = Float64Array.from({ length: n * dg }, () => rng.normal());
  const teacher = Float64Array.from({ length: n * c }, () => rng.normal());
  const superpoint = Int32Array.from({ length: n }, () => 3 * rng.int(d.superpoints) + 2);
  const instance = Int32Array.from(
    { length: n },
    () => (rng.bernoulli(0.2) ? -1 : 5 * rng.int(d.instances) + 1),
  );
  const valid = Uint8Array.from({ length: n }, () => (rng.bernoulli(0.75) ? 1 : 0));
  const visible = Uint8Array.from({ length: n }, () => (rng.bernoulli(0.5) ? 1 : 0));
  if (n > 0) {
    // The superpoint of point 0 has no valid point; the instance of point 0 is fully hidden.
    for (let i = 0; i < n; i++) {
      if (superpoint[i] === superpoint[0]) valid[i] = 0;
      if (instance[0] >= 0 && instance[i] === instance[0]) visible[i] = 0;
    }
  }
  return { count: n, geometric, teacher, valid, superpoint, instance, visible };
}

/** Random parameters (scaled normal) of the adapter Dg→H→C and reliability (Dg+C)→Hr→1. */
export function randomObjectiveParams(rng: Rng, d: RandomSceneDims): ObjectiveParams {
  const m = (rows: number, cols: number) =>
    Float64Array.from({ length: rows * cols }, () => rng.normal() / Math.sqrt(rows));
  const b = (k: number) => Float64Array.from({ length: k }, () => 0.1 * rng.normal());
  return {
    adapter: { w1: m(d.dg, d.h), b1: b(d.h), w2: m(d.h, d.c), b2: b(d.c) },
    reliability: { w1: m(d.dg + d.c, d.hr), b1: b(d.hr), w2: m(d.hr, 1), b2: b(1) },
  };
}

/**
 * The objective spec of a random scene's sizes: `config` over the full objective's
 * defaults, then `extra` (e.g. maskCandidates / simSuperpoints; default: no sampling).
 */
export function randomSceneSpec(
  d: RandomSceneDims,
  config: Partial<ObjectiveConfig> = {},
  extra: Partial<ObjectiveSpec> = {},
): ObjectiveSpec {
  return {
    dg: d.dg,
    c: d.c,
    h: d.h,
    hr: d.hr,
    config: fullConfig(config),
    maskCandidates: Infinity,
    simSuperpoints: Infinity,
    ...extra,
  };
}
