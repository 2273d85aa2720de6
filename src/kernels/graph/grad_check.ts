/**
 * Finite-difference gradient checking through the float64 interpreter: compares the
 * gradients built by `gradients()` with central differences of the loss.
 *
 * @module
 */

import { invalid } from "../errors.ts";
import { gradients } from "./autodiff.ts";
import type { Graph, Tensor } from "./graph.ts";
import { type Feed, interpret } from "./interpret.ts";
import { reduceSum } from "./ops/reduce.ts";

/** Result of `gradCheck`: the worst error found. */
export interface GradCheckReport {
  /** max |analytic − numeric| over all checked entries */
  maxAbsError: number;
  /** the entry with the largest error relative to atol + rtol·|numeric|, e.g. "w[3]" */
  worst: string;
  /** true when every entry satisfies |a − n| ≤ atol + rtol·|n| */
  ok: boolean;
}

/** Options of `gradCheck`. */
export interface GradCheckOptions {
  /** central-difference step (default 1e-6) */
  eps?: number;
  /** absolute tolerance (default 1e-6) */
  atol?: number;
  /** relative tolerance (default 1e-5) */
  rtol?: number;
}

/**
 * Checks d(sum of `loss`)/d(input) for every graph input in `wrt` (float64 graph) at `feeds`
 * by central differences, evaluating everything with the interpreter.
 */
export function gradCheck(
  loss: Tensor,
  wrt: readonly Tensor[],
  feeds: Record<string, Feed>,
  options: GradCheckOptions = {},
): GradCheckReport {
  const g: Graph = loss.graph;
  if (g.float !== "float64") throw invalid("Gradient checks need a float64 graph");
  const { eps = 1e-6, atol = 1e-6, rtol = 1e-5 } = options;
  const total = loss.rank === 0 ? loss : reduceSum(loss);
  const analytic = interpret(g, feeds, gradients(g, total, wrt));
  let maxAbsError = 0, worstScore = -1, worst = "";
  wrt.forEach((w, k) => {
    const base = feeds[w.name];
    if (!base) throw invalid(`gradCheck: '${w.name}' must be a fed graph input`);
    const data = Float64Array.from(base.data as ArrayLike<number>);
    for (let i = 0; i < data.length; i++) {
      const at = (x: number) => {
        const d = Float64Array.from(data);
        d[i] = x;
        return interpret(g, { ...feeds, [w.name]: { data: d, dims: base.dims } }, [total])[0]
          .data[0];
      };
      const numeric = (at(data[i] + eps) - at(data[i] - eps)) / (2 * eps);
      const err = Math.abs(analytic[k].data[i] - numeric);
      maxAbsError = Math.max(maxAbsError, err);
      const score = err / (atol + rtol * Math.abs(numeric));
      if (score > worstScore) {
        worstScore = score;
        worst = `${w.name}[${i}]: analytic ${analytic[k].data[i]}, numeric ${numeric}`;
      }
    }
  });
  return { maxAbsError, worst, ok: worstScore <= 1 };
}
