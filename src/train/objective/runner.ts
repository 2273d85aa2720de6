/**
 * Runs the objective graph: losses and d total / d parameter for one scene and step.
 *
 * Two backends share one graph builder: `interpreter` (float64, exact; the probe command
 * and tests) and `onnxruntime` (float32, one session created once and reused per step;
 * the trainer; loaded on first use). Both implement `GraphBackend` (backend.ts).
 *
 * The onnxruntime sessions are always `deterministic` (one thread, see `session.ts`): the
 * graph pools segments with ScatterND-add, which a multi-threaded CPU session computes
 * with lost updates at random, so the same feeds gave different losses and gradients and
 * the same seed different weights.
 *
 * @module
 */

import type { FloatDType, Graph } from "../../kernels/graph/graph.ts";
import type { Feed } from "../../kernels/graph/interpret.ts";
import type { FloatArray, ObjectiveLosses, ObjectiveParams, ObjectiveScene } from "./types.ts";
import type { Rng } from "../../kernels/random.ts";
import {
  buildObjectiveGraph,
  type ObjectiveGraph,
  PARAM_NAMES,
  type ParamName,
  paramShapes,
} from "./graph.ts";
import { type PreparedObjective, prepareObjectiveInputs } from "./prepare.ts";
import type { ObjectiveSpec } from "./spec.ts";
import { type GraphBackend, interpreterBackend } from "./backend.ts";

/** Flat row-major parameter tensors by input name (e.g. `adapter_w1`, Dg×H). */
export type ParamTensors = Record<ParamName, FloatArray>;

/** Losses and gradients of one step. */
export interface ObjectiveStepResult {
  /** the four losses (float64 numbers) */
  loss: ObjectiveLosses;
  /** d total / d parameter, same layout as the parameter; zeros where none flows */
  grads: Record<ParamName, Float32Array>;
  /** IMR candidates and IIRC raw superpoint ids drawn for this step */
  sampling: PreparedObjective["sampling"];
}

/** Flat tensors of nested {adapter, reliability} parameters. */
export function flattenParams(p: ObjectiveParams): ParamTensors {
  return {
    adapter_w1: p.adapter.w1,
    adapter_b1: p.adapter.b1,
    adapter_w2: p.adapter.w2,
    adapter_b2: p.adapter.b2,
    reliability_w1: p.reliability.w1,
    reliability_b1: p.reliability.b1,
    reliability_w2: p.reliability.w2,
    reliability_b2: p.reliability.b2,
  };
}

/** Loads the onnxruntime backend lazily, so interpreter-only users never load the runtime. */
async function onnxBackend(
  graph: Graph,
  options: Pick<RunnerOptions, "provider" | "profile">,
): Promise<GraphBackend> {
  const mod = await import("./onnx_backend.ts");
  return await mod.createOnnxBackend(graph, {
    provider: options.provider,
    profile: options.profile,
    deterministic: true,
  });
}

/** Which backend runs the graph and in which float dtype. */
export interface RunnerOptions {
  /** "onnxruntime" (default) or "interpreter" (always float64) */
  backend?: "onnxruntime" | "interpreter";
  /** graph float dtype for onnxruntime (default float32; float64 for exact checks) */
  float?: FloatDType;
  /** onnxruntime execution provider (default "auto") */
  provider?: "auto" | "cpu" | "cuda";
  /** onnxruntime per-node profile file prefix (performance work only) */
  profile?: string;
}

/** Creates the graph once, then runs one scene per call. */
export class ObjectiveRunner {
  readonly objective: ObjectiveGraph;
  readonly #backend: GraphBackend;
  readonly #shapes: Record<ParamName, number[]>;

  private constructor(objective: ObjectiveGraph, backend: GraphBackend) {
    this.objective = objective;
    this.#backend = backend;
    this.#shapes = paramShapes(objective.spec);
  }

  /**
   * @param spec shapes, config and sampling sizes
   * @param options backend, float dtype and provider (default onnxruntime float32, auto)
   */
  static async create(spec: ObjectiveSpec, options: RunnerOptions = {}): Promise<ObjectiveRunner> {
    const interp = options.backend === "interpreter";
    const og = buildObjectiveGraph(spec, {
      float: interp ? "float64" : options.float ?? "float32",
    });
    const backend = interp ? interpreterBackend(og.graph) : await onnxBackend(og.graph, options);
    return new ObjectiveRunner(og, backend);
  }

  /** Prepares the feeds of `scene` (drawing the sampling from `rng`) and runs one step. */
  async step(scene: ObjectiveScene, params: ParamTensors, rng?: Rng): Promise<ObjectiveStepResult> {
    return await this.run(prepareObjectiveInputs(scene, this.objective.spec, rng), params);
  }

  /** Runs one step on already prepared feeds; gradients as float32. */
  async run(prepared: PreparedObjective, params: ParamTensors): Promise<ObjectiveStepResult> {
    const alloc = (n: number) => new Float32Array(n);
    const r = await runOnce(this.#backend, this.objective, { prepared, params, alloc });
    return { ...r, sampling: prepared.sampling };
  }

  /** Frees the session. */
  async close(): Promise<void> {
    await this.#backend.close();
  }
}

/** Runs a graph once on prepared feeds and parameters; gradients in arrays from `alloc`. */
async function runOnce<A extends FloatArray>(
  backend: GraphBackend,
  og: ObjectiveGraph,
  step: { prepared: PreparedObjective; params: ParamTensors; alloc: (n: number) => A },
): Promise<{ loss: ObjectiveLosses; grads: Record<ParamName, A> }> {
  const shapes = paramShapes(og.spec);
  const grads = Object.fromEntries(
    PARAM_NAMES.map((n) => [n, step.alloc(shapes[n].reduce((a, b) => a * b, 1))]),
  ) as Record<ParamName, A>;
  const loss = { sp: 0, mask: 0, sim: 0, total: 0 };
  if (step.prepared.empty) return { loss, grads };
  const feeds: Record<string, Feed> = { ...step.prepared.feeds };
  for (const n of og.params) feeds[n] = { data: step.params[n], dims: shapes[n] };
  const out = await backend.run(feeds);
  for (const k of ["sp", "mask", "sim", "total"] as const) loss[k] = Number(out[`loss_${k}`][0]);
  for (const n of og.params) grads[n].set(out[`grad_${n}`]);
  return { loss, grads };
}

/**
 * Float64 losses and gradients of one scene (the probe's evaluation): a float64 graph run
 * by the interpreter (default) or by a CPU onnxruntime session in double, created and
 * released here. No sampling unless the spec asks for it (then `options.rng` draws it).
 */
export async function evaluateObjective(
  scene: ObjectiveScene,
  params: ParamTensors,
  options: { spec: ObjectiveSpec; backend?: "onnxruntime" | "interpreter"; rng?: Rng },
): Promise<{ loss: ObjectiveLosses; grads: Record<ParamName, Float64Array> }> {
  const { spec } = options;
  const prepared = prepareObjectiveInputs(scene, spec, options.rng);
  const og = buildObjectiveGraph(spec, { float: "float64" });
  const backend = options.backend === "onnxruntime" && !prepared.empty
    ? await onnxBackend(og.graph, { provider: "cpu" })
    : interpreterBackend(og.graph);
  try {
    const alloc = (n: number) => new Float64Array(n);
    return await runOnce(backend, og, { prepared, params, alloc });
  } finally {
    await backend.close();
  }
}
