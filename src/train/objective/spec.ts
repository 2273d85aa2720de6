/**
 * Static description of one objective graph: shapes, constants, ablation switches and the
 * per-step sampling sizes. The graph (`graph.ts`) and its feeds (`prepare.ts`) are both
 * derived from it, so that they always agree on which inputs exist.
 *
 * @module
 */

import { invalid } from "../../kernels/errors.ts";
import { DEFAULT_OBJECTIVE_CONFIG, type ObjectiveConfig } from "./types.ts";

/** Shapes, constants and sampling of one objective graph. */
export interface ObjectiveSpec {
  /** Dg: width of the frozen geometric features G */
  dg: number;
  /** C: width of the teacher features T and of F */
  c: number;
  /** H: adapter hidden width (default 256 in training) */
  h: number;
  /** Hr: reliability hidden width (default 64 in training) */
  hr: number;
  /** constants and ablation switches (see `docs/objective.md`) */
  config: ObjectiveConfig;
  /** IMR candidates sampled per step (default 8192; Infinity = every point) */
  maskCandidates?: number;
  /** IIRC superpoints sampled per step (default 1024; Infinity = every superpoint) */
  simSuperpoints?: number;
  /** leave IMR / IIRC out of the graph when their λ is 0 (then reported as 0; default false) */
  skipZeroTerms?: boolean;
}

/** How the L_sp slot is computed: USD with the reliability MLP, USD with r ≡ 1, or L_naive. */
export type SpMode = "reliability" | "plain" | "naive";

/** The terms present in a graph built from a spec. */
export interface ObjectiveTerms {
  sp: SpMode;
  /** IMR present */
  mask: boolean;
  /** IIRC present */
  sim: boolean;
}

/** Default IMR candidate count per step. */
export const DEFAULT_MASK_CANDIDATES = 8192;
/** Default IIRC superpoint count per step. */
export const DEFAULT_SIM_SUPERPOINTS = 1024;

/** Full config with defaults filled in. */
export function fullConfig(config: Partial<ObjectiveConfig> = {}): ObjectiveConfig {
  return { ...DEFAULT_OBJECTIVE_CONFIG, ...config };
}

/** Which terms a spec's graph holds. */
export function objectiveTerms(spec: ObjectiveSpec): ObjectiveTerms {
  const cfg = fullConfig(spec.config);
  if (cfg.objective === "naive") return { sp: "naive", mask: false, sim: false };
  const sp: SpMode = cfg.useUsd === false ? "naive" : cfg.useReliability ? "reliability" : "plain";
  const skip = spec.skipZeroTerms === true;
  return { sp, mask: !(skip && cfg.lambda[1] === 0), sim: !(skip && cfg.lambda[2] === 0) };
}

/** Checks the widths of a spec; throws GeoError invalid_argument naming the bad field. */
export function validateSpec(spec: ObjectiveSpec): void {
  for (const k of ["dg", "c", "h", "hr"] as const) {
    if (!Number.isInteger(spec[k]) || spec[k] < 1) {
      throw invalid(`Objective spec field '${k}' must be a positive integer, found ${spec[k]}`);
    }
  }
  for (const k of ["maskCandidates", "simSuperpoints"] as const) {
    const v = spec[k];
    if (v !== undefined && !(v >= 1)) {
      throw invalid(`Objective spec field '${k}' must be ≥ 1, found ${v}`);
    }
  }
}
