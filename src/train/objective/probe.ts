/**
 * The objective probe of `docs/objective.md`: a CASE.json object in, the four losses and
 * the gradients of `total` (nested arrays shaped like the parameters) out, evaluated in
 * float64 with every point an IMR candidate and every superpoint in IIRC.
 *
 * @module
 */

import type { ObjectiveLosses } from "./types.ts";
import { caseDims, mlpGradJson, parseObjectiveCase } from "./case.ts";
import { evaluateObjective, flattenParams } from "./runner.ts";

/** Gradients of one MLP as nested arrays (w1 Din×H rows, b1 H, w2 H×Dout rows, b2 Dout). */
export interface MlpGradJson {
  w1: number[][];
  b1: number[];
  w2: number[][];
  b2: number[];
}

/** The probe's stdout object. */
export interface ProbeOutput {
  loss: ObjectiveLosses;
  grad: { adapter: MlpGradJson; reliability: MlpGradJson };
}

/**
 * Evaluates a decoded CASE.json object in float64.
 * @param options.backend "onnxruntime" (CPU session in double, default) or "interpreter"
 * @throws GeoError invalid_argument naming the case field at fault
 */
export async function probeObjective(
  json: unknown,
  options: { backend?: "onnxruntime" | "interpreter" } = {},
): Promise<ProbeOutput> {
  const c = parseObjectiveCase(json);
  const spec = {
    ...caseDims(c),
    config: c.config,
    maskCandidates: Infinity,
    simSuperpoints: Infinity,
  };
  const { loss, grads } = await evaluateObjective(c.scene, flattenParams(c.params), {
    spec,
    backend: options.backend ?? "onnxruntime",
  });
  return {
    loss,
    grad: {
      adapter: mlpGradJson({
        w1: grads.adapter_w1,
        b1: grads.adapter_b1,
        w2: grads.adapter_w2,
        b2: grads.adapter_b2,
      }),
      reliability: mlpGradJson({
        w1: grads.reliability_w1,
        b1: grads.reliability_b1,
        w2: grads.reliability_w2,
        b2: grads.reliability_b2,
      }),
    },
  };
}
