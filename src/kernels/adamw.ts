/**
 * AdamW (Loshchilov & Hutter, decoupled weight decay; PyTorch's update order) over flat
 * Float32Array parameter groups, with optional global-norm gradient clipping.
 *
 * Per step t (from 1), for each parameter p with gradient g:
 *   p ← p − lr·wd·p;  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
 *   p ← p − lr · (m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε).
 * Moments are kept in float64; parameters are updated in place. The state (step count and
 * moments) can be read and loaded back, so a checkpoint resumes a run bit for bit.
 *
 * @module
 */

import { invalid } from "./errors.ts";

/** AdamW hyperparameters. */
export interface AdamWOptions {
  /** learning rate (a schedule may override it per step) */
  lr: number;
  /** first-moment decay β1 (default 0.9) */
  beta1?: number;
  /** second-moment decay β2 (default 0.999) */
  beta2?: number;
  /** denominator ε (default 1e-8) */
  eps?: number;
  /** decoupled weight decay wd (default 0.01) */
  weightDecay?: number;
  /** per group: apply weight decay (default true for every group; biases often false) */
  decay?: readonly boolean[];
  /** clip the global L2 norm of all gradients to this value before the update */
  maxGradNorm?: number;
}

/** What one step did. */
export interface StepInfo {
  /** global L2 norm of the gradients before clipping */
  gradNorm: number;
  /** the learning rate used */
  lr: number;
}

/**
 * Scales `grads` in place so that their global L2 norm is at most `maxNorm`.
 * @returns the norm before clipping
 */
export function clipGradNorm(grads: readonly Float32Array[], maxNorm: number): number {
  let s = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) s += g[i] * g[i];
  const norm = Math.sqrt(s);
  if (norm > maxNorm && norm > 0) {
    const k = maxNorm / norm;
    for (const g of grads) for (let i = 0; i < g.length; i++) g[i] *= k;
  }
  return norm;
}

/** The optimizer state a checkpoint stores. */
export interface AdamWState {
  /** steps taken */
  t: number;
  /** first moments per parameter group (Float64Array, same lengths as the groups) */
  m: Float64Array[];
  /** second moments per parameter group */
  v: Float64Array[];
}

/** An AdamW optimizer bound to parameter groups (updated in place). */
export class AdamW {
  readonly #params: Float32Array[];
  readonly #o: Required<Omit<AdamWOptions, "maxGradNorm" | "decay">> & AdamWOptions;
  #state: AdamWState;

  /**
   * @param params parameter groups, float32, updated in place by `step`
   * @param options hyperparameters
   */
  constructor(params: Float32Array[], options: AdamWOptions) {
    this.#params = params;
    this.#state = {
      t: 0,
      m: params.map((p) => new Float64Array(p.length)),
      v: params.map((p) => new Float64Array(p.length)),
    };
    this.#o = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, ...options };
    if (options.decay && options.decay.length !== params.length) {
      throw invalid(`AdamW decay has ${options.decay.length} flags for ${params.length} groups`);
    }
  }

  /** Steps taken so far. */
  get steps(): number {
    return this.#state.t;
  }

  /** The live state (not a copy). */
  get state(): AdamWState {
    return this.#state;
  }

  /**
   * Replaces the state (from a checkpoint).
   *
   * @throws GeoError invalid_argument when the moment sizes differ from the groups
   */
  load(state: AdamWState): void {
    const ok = state.m.length === this.#params.length && state.v.length === this.#params.length &&
      this.#params.every((p, k) =>
        state.m[k].length === p.length && state.v[k].length === p.length
      );
    if (!ok || !Number.isInteger(state.t) || state.t < 0) {
      throw invalid("Optimizer state does not match the parameter groups");
    }
    this.#state = state;
  }

  /**
   * One update. `grads` (same shapes as the params) are clipped in place when
   * maxGradNorm is set.
   * @param lr learning rate for this step (default: options.lr)
   */
  step(grads: readonly Float32Array[], lr = this.#o.lr): StepInfo {
    if (grads.length !== this.#params.length) {
      throw invalid(`AdamW got ${grads.length} gradients for ${this.#params.length} groups`);
    }
    grads.forEach((g, k) => {
      if (g.length !== this.#params[k].length) {
        throw invalid(
          `AdamW gradient ${k} has ${g.length} values, parameter has ${this.#params[k].length}`,
        );
      }
    });
    const gradNorm = this.#o.maxGradNorm !== undefined
      ? clipGradNorm(grads, this.#o.maxGradNorm)
      : clipGradNorm(grads, Infinity);
    const { beta1, beta2, eps, weightDecay } = this.#o;
    const t = ++this.#state.t;
    const c1 = 1 - beta1 ** t, c2 = 1 - beta2 ** t;
    this.#params.forEach((p, k) => {
      const g = grads[k], m = this.#state.m[k], v = this.#state.v[k];
      const decay = (this.#o.decay?.[k] ?? true) ? 1 - lr * weightDecay : 1;
      for (let i = 0; i < p.length; i++) {
        m[i] = beta1 * m[i] + (1 - beta1) * g[i];
        v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
        p[i] = p[i] * decay - (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
      }
    });
    return { gradNorm, lr };
  }
}
