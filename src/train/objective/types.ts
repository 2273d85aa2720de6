/**
 * The data types of the training objective (scene, parameters, config, losses) and its
 * default constants (`docs/objective.md`), shared by the graph (`graph.ts`), its feeds
 * (`prepare.ts`), the trainer and the float64 oracle (`reference.ts`).
 *
 * @module
 */

/** A float tensor stored row-major in a flat typed array. */
export type FloatArray = Float32Array | Float64Array;

/** Weights of one two-layer MLP `y = relu(x·w1 + b1)·w2 + b2`, row-major, float32 or float64. */
export interface MlpParams {
  /** Din×H */
  w1: FloatArray;
  /** H */
  b1: FloatArray;
  /** H×Dout */
  w2: FloatArray;
  /** Dout */
  b2: FloatArray;
}

/** Trainable parameters of the objective: the adapter A and the reliability MLP R. */
export interface ObjectiveParams {
  /** Dg → H → C adapter producing F (F_3d^sem). */
  adapter: MlpParams;
  /** (Dg+C) → Hr → 1 reliability MLP (logit; r = sigmoid of it). */
  reliability: MlpParams;
}

/** One training scene, N points. */
export interface ObjectiveScene {
  /** Number of points N. */
  count: number;
  /** G: N×Dg frozen geometric features. */
  geometric: FloatArray;
  /** T: N×C teacher features. */
  teacher: FloatArray;
  /** v: N, 1 where the point was seen by a view (T meaningful), else 0. */
  valid: ArrayLike<number>;
  /** sp: N superpoint ids ≥ 0 (need not be dense). */
  superpoint: ArrayLike<number>;
  /** inst: N instance ids, −1 = no instance (need not be dense). */
  instance: ArrayLike<number>;
  /** vis: N IMR partial-mask draw, 1 = point stays visible. */
  visible: ArrayLike<number>;
}

/** Which objective and which constants; see `docs/objective.md`. */
export interface ObjectiveConfig {
  /** [λ1, λ2, λ3] weights of L_sp, L_mask, L_sim. */
  lambda: readonly [number, number, number];
  /** τ of the IMR logits (default 10). */
  maskTemperature: number;
  /** β of the IMR logits (default 0.5). */
  maskBias: number;
  /** false = "USD without weights" ablation: r ≡ 1. */
  useReliability: boolean;
  /** false = "w/o USD" ablation: L_sp is replaced by L_naive (default true). */
  useUsd?: boolean;
  /** "naive" = OpenScene-style baseline: total = λ1·L_naive, L_mask = L_sim = 0. */
  objective?: "geoguide" | "naive";
}

/** The four reported losses (dimensionless). */
export interface ObjectiveLosses {
  sp: number;
  mask: number;
  sim: number;
  total: number;
}

/** Default constants of `docs/objective.md`. */
export const DEFAULT_OBJECTIVE_CONFIG: ObjectiveConfig = {
  lambda: [1, 1, 1],
  maskTemperature: 10,
  maskBias: 0.5,
  useReliability: true,
  useUsd: true,
  objective: "geoguide",
};
