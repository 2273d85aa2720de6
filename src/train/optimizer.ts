/**
 * The trainer's optimiser: AdamW with exactly the update of `kernels/adamw.ts` (same
 * order of operations, float64 moments, global-norm clipping by its `clipGradNorm`), plus
 * access to its state (moments and step count) so that checkpoints can resume a run
 * bit for bit. `optimizer_test.ts` checks it against the kernel step by step.
 *
 * @module
 */

import { type AdamWOptions, clipGradNorm, type StepInfo } from "../kernels/adamw.ts";
import { invalid } from "../kernels/errors.ts";

/** The optimiser state a checkpoint stores. */
export interface OptimizerState {
  /** steps taken */
  t: number;
  /** first moments per parameter group (Float64Array, same lengths as the groups) */
  m: Float64Array[];
  /** second moments per parameter group */
  v: Float64Array[];
}

/** AdamW over float32 parameter groups (updated in place) with exportable state. */
export class StatefulAdamW {
  readonly #params: Float32Array[];
  readonly #o: Required<Omit<AdamWOptions, "maxGradNorm" | "decay">> & AdamWOptions;
  #state: OptimizerState;

  /**
   * @param params parameter groups, updated in place by `step`
   * @param options AdamW hyperparameters (as for the kernel's `AdamW`)
   */
  constructor(params: Float32Array[], options: AdamWOptions) {
    this.#params = params;
    this.#o = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, ...options };
    if (options.decay && options.decay.length !== params.length) {
      throw invalid(`AdamW decay has ${options.decay.length} flags for ${params.length} groups`);
    }
    this.#state = {
      t: 0,
      m: params.map((p) => new Float64Array(p.length)),
      v: params.map((p) => new Float64Array(p.length)),
    };
  }

  /** The live state (not a copy). */
  get state(): OptimizerState {
    return this.#state;
  }

  /**
   * Replaces the state (from a checkpoint).
   *
   * @throws GeoError invalid_argument when the moment sizes differ from the groups
   */
  load(state: OptimizerState): void {
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
   * One update; `grads` are clipped in place when maxGradNorm is set.
   *
   * @param grads one Float32Array per group
   * @param lr learning rate of this step (default options.lr)
   */
  step(grads: readonly Float32Array[], lr = this.#o.lr): StepInfo {
    if (
      grads.length !== this.#params.length ||
      grads.some((g, k) => g.length !== this.#params[k].length)
    ) {
      throw invalid(`AdamW got gradients that do not match the ${this.#params.length} groups`);
    }
    const gradNorm = clipGradNorm(grads, this.#o.maxGradNorm ?? Infinity);
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
