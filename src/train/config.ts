/**
 * Training configuration of the GeoGuide adapter: every knob with its default, the
 * validation that runs before the first step, and the objective spec derived from it.
 *
 * @module
 */

import { invalid } from "../kernels/errors.ts";
import type { ObjectiveConfig } from "./objective/types.ts";
import { statSync } from "node:fs";
import { join } from "node:path";
import { isDescriptorVersion } from "../features/backbones/backbone.ts";
import { BACKBONE_FOLDER_FILES } from "../features/backbones/folder.ts";
import { BACKBONE_REF_HELP } from "../features/backbones/load.ts";
import { fullConfig, type ObjectiveSpec } from "./objective/spec.ts";
import { DEFAULT_TRAIN_STEPS } from "./default_steps.ts";

/** Every training setting (see `docs/objective.md` for the objective's symbols). */
export interface TrainConfig {
  /** optimiser steps (one scene per step) */
  steps: number;
  /**
   * peak learning rate of the cosine schedule (a run that names none: 4e-3 from scratch,
   * {@link FINE_TUNE_LEARNING_RATE} from a base model)
   */
  learningRate: number;
  /** AdamW decoupled weight decay (weights only, not biases) */
  weightDecay: number;
  /** linear warmup steps */
  warmup: number;
  /** clip the global gradient L2 norm to this (Infinity = no clipping) */
  maxGradNorm: number;
  /** [λ1, λ2, λ3] of L_sp, L_mask, L_sim */
  lambda: [number, number, number];
  /** IMR: probability that a point of an instance is hidden (0 ≤ r < 1) */
  maskRatio: number;
  /** IMR logit temperature τ */
  maskTemperature: number;
  /** IMR logit bias β */
  maskBias: number;
  /** USD reliability weights (false = "USD without weights") */
  useReliability: boolean;
  /** USD at all (false = "w/o USD": L_sp replaced by L_naive) */
  useUsd: boolean;
  /** "geoguide" or the OpenScene-style "naive" distillation baseline */
  objective: "geoguide" | "naive";
  /** seed of the initialisation and of every per-step draw (uint32) */
  seed: number;
  /** adapter hidden width H */
  hidden: number;
  /** reliability MLP hidden width Hr */
  reliabilityHidden: number;
  /** IMR candidates sampled per step */
  maskCandidates: number;
  /** IIRC superpoints sampled per step */
  simSuperpoints: number;
  /** most points per step: larger scenes are cropped around a random point (0 = whole scenes) */
  maxPointsPerStep: number;
  /** validation (mIoU / mAcc) every this many steps when ground truth exists; 0 = only at the end */
  validateEvery: number;
  /** checkpoint every this many steps when a checkpoint path is given; 0 = never */
  checkpointEvery: number;
  /** voxel side of training and inference, metres */
  voxelSize: number;
  /**
   * the backbone (`loadBackbone`): a descriptor version, "geodesc-1" (48 columns),
   * "geodesc-2" … "geodesc-6" (71 columns), or the path of a backbone folder
   * (`backbone.json` + `backbone.onnx`, an ONNX backbone)
   */
  backbone: string;
}

/**
 * Peak learning rate of a fine-tune (a run from a base model) that names none: a base model's
 * adapter is already trained, and the from-scratch rate (`DEFAULT_TRAIN_CONFIG.learningRate`)
 * moves it too far in the few steps a site run takes (README, "The learning rate").
 */
export const FINE_TUNE_LEARNING_RATE = 1e-3;

/** Defaults of every setting (of a run from scratch: see {@link FINE_TUNE_LEARNING_RATE}). */
export const DEFAULT_TRAIN_CONFIG: Readonly<TrainConfig> = {
  steps: DEFAULT_TRAIN_STEPS,
  learningRate: 4e-3,
  weightDecay: 1e-4,
  warmup: 50,
  maxGradNorm: 1,
  lambda: [1, 1, 1],
  maskRatio: 0.5,
  maskTemperature: 10,
  maskBias: 0.5,
  useReliability: true,
  useUsd: true,
  objective: "geoguide",
  seed: 0,
  hidden: 256,
  reliabilityHidden: 64,
  maskCandidates: 8192,
  simSuperpoints: 1024,
  maxPointsPerStep: 0,
  validateEvery: 100,
  checkpointEvery: 100,
  voxelSize: 0.02,
  backbone: "geodesc-6",
};

/** Settings that do not change what is computed (left out of checkpoint fingerprints). */
export const SCHEDULING_KEYS: readonly (keyof TrainConfig)[] = ["validateEvery", "checkpointEvery"];

/**
 * Full config from a partial one; undefined fields take the defaults, those of a fine-tune
 * (the learning rate {@link FINE_TUNE_LEARNING_RATE}) when `o.fineTune` (the run starts from a
 * base model).
 *
 * @throws GeoError invalid_argument naming the first bad field
 */
export function resolveTrainConfig(
  partial: Partial<TrainConfig> = {},
  o: { fineTune?: boolean } = {},
): TrainConfig {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const defaults = o.fineTune
    ? { ...DEFAULT_TRAIN_CONFIG, learningRate: FINE_TUNE_LEARNING_RATE }
    : DEFAULT_TRAIN_CONFIG;
  const c: TrainConfig = { ...defaults, ...defined } as TrainConfig;
  c.lambda = [...c.lambda] as [number, number, number];
  const int = (k: keyof TrainConfig, min: number) => {
    const v = c[k] as number;
    if (!Number.isInteger(v) || v < min) {
      throw invalid(`Training setting '${k}' must be an integer ≥ ${min}, got ${v}`);
    }
  };
  const num = (k: keyof TrainConfig, ok: (v: number) => boolean, what: string) => {
    const v = c[k] as number;
    if (typeof v !== "number" || Number.isNaN(v) || !ok(v)) {
      throw invalid(`Training setting '${k}' must be ${what}, got ${v}`);
    }
  };
  int("steps", 1);
  int("warmup", 0);
  int("hidden", 1);
  int("reliabilityHidden", 1);
  int("maskCandidates", 1);
  int("simSuperpoints", 1);
  int("maxPointsPerStep", 0);
  int("validateEvery", 0);
  int("checkpointEvery", 0);
  num("learningRate", (v) => v > 0 && Number.isFinite(v), "a positive number");
  num("weightDecay", (v) => v >= 0 && Number.isFinite(v), "≥ 0");
  num("maxGradNorm", (v) => v > 0, "positive (Infinity = no clipping)");
  num("maskRatio", (v) => v >= 0 && v < 1, "in [0, 1)");
  num("maskTemperature", (v) => v > 0 && Number.isFinite(v), "a positive number");
  num("maskBias", Number.isFinite, "a finite number");
  num("voxelSize", (v) => v > 0 && Number.isFinite(v), "a positive number of metres");
  if (!Number.isInteger(c.seed) || c.seed < 0) {
    throw invalid(`Training setting 'seed' must be a non-negative integer, got ${c.seed}`);
  }
  c.seed = c.seed % 2 ** 32;
  if (c.lambda.length !== 3 || c.lambda.some((x) => !(x >= 0 && Number.isFinite(x)))) {
    throw invalid(`Training setting 'lambda' must be three numbers ≥ 0, got [${c.lambda}]`);
  }
  if (c.lambda.every((x) => x === 0)) throw invalid("Training setting 'lambda' is all zeros");
  if (!isDescriptorVersion(c.backbone) && !isBackboneFolder(c.backbone)) {
    throw invalid(`Training setting 'backbone' must be ${BACKBONE_REF_HELP}, got ${c.backbone}`);
  }
  if (c.objective !== "geoguide" && c.objective !== "naive") {
    throw invalid(`Training setting 'objective' must be geoguide or naive, got ${c.objective}`);
  }
  return c;
}

/** Whether `path` is a folder holding a `backbone.json` (its content is checked on load). */
function isBackboneFolder(path: unknown): boolean {
  if (typeof path !== "string" || path === "") return false;
  try {
    return statSync(join(path, BACKBONE_FOLDER_FILES.json)).isFile();
  } catch {
    return false;
  }
}

/**
 * Parses `a,b,c` into three loss weights.
 *
 * @throws GeoError invalid_argument when it is not three numbers
 */
export function parseLambda(text: string): [number, number, number] {
  const parts = text.split(",").map((s) => Number(s.trim()));
  if (parts.length !== 3 || parts.some((x) => Number.isNaN(x))) {
    throw invalid(`--lambda must be three comma-separated numbers, got '${text}'`);
  }
  return parts as [number, number, number];
}

/** The objective's constants and switches for a config. */
export function objectiveConfigOf(c: TrainConfig): ObjectiveConfig {
  return fullConfig({
    lambda: c.lambda,
    maskTemperature: c.maskTemperature,
    maskBias: c.maskBias,
    useReliability: c.useReliability,
    useUsd: c.useUsd,
    objective: c.objective,
  });
}

/**
 * The objective graph's spec for a config and widths (zero-λ terms left out of the graph).
 *
 * @param dims Dg (backbone width) and C (teacher / text width)
 */
export function objectiveSpecOf(c: TrainConfig, dims: { dg: number; c: number }): ObjectiveSpec {
  return {
    dg: dims.dg,
    c: dims.c,
    h: c.hidden,
    hr: c.reliabilityHidden,
    config: objectiveConfigOf(c),
    maskCandidates: c.maskCandidates,
    simSuperpoints: c.simSuperpoints,
    skipZeroTerms: true,
  };
}

/** The config as a JSON object for manifests (Infinity written as null). */
export function configRecord(c: TrainConfig): Record<string, unknown> {
  return JSON.parse(JSON.stringify(c, (_, v) => (v === Infinity ? null : v)));
}
