/**
 * Graph-engine benchmark on onnxruntime (CPU unless CUDA is installed):
 * 1. adapter forward + backward with the point-level cosine distillation loss,
 * 2. the served adapter inference graph (cosine against L labels, argmax),
 * at N = 100,000 points, Dg = 64, H = 256, C = 100, L = 20; median of 5 runs each.
 *
 * Usage: deno run -A bench/graph_engine.ts [--n 100000] [--threads 2] [--runs 5]
 *
 * @module
 */

import { parseArgs } from "node:util";
import * as G from "../src/kernels/graph/mod.ts";
import { Rng } from "../src/kernels/random.ts";
import { encodeModel } from "../src/onnx/onnx_proto.ts";
import { createSession, type TensorData } from "../src/onnx/session.ts";
import {
  adapterForward,
  adapterInputs,
  adapterShapes,
  buildAdapterInferenceGraph,
  initAdapterWeights,
} from "../src/features/adapter_graph.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    n: { type: "string", default: "100000" },
    threads: { type: "string", default: "2" },
    runs: { type: "string", default: "5" },
  },
});
const N = Number(values.n), THREADS = Number(values.threads), RUNS = Number(values.runs);
const DIMS = { dg: 64, hidden: 256, dim: 100 };
const L = 20;
const rng = new Rng(1);
const randn = (n: number) => Float32Array.from({ length: n }, () => rng.normal());

async function timeRuns(label: string, run: () => Promise<unknown>): Promise<number> {
  await run(); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await run();
    ms.push(performance.now() - t0);
    console.error(`${label}: run ${i + 1}/${RUNS} ${ms[i].toFixed(1)} ms`);
  }
  ms.sort((a, b) => a - b);
  return ms[Math.floor(ms.length / 2)];
}

const weights = initAdapterWeights(DIMS, rng);
const geo: TensorData = { data: randn(N * DIMS.dg), dims: [N, DIMS.dg] };

// 1. Training step graph: loss + gradients of the four adapter tensors.
const g = new G.Graph({ float: "float32" });
const geoT = g.input("geo", ["N", DIMS.dg]);
const teacher = g.input("teacher", ["N", DIMS.dim]);
const valid = g.input("valid", ["N"]);
const p = adapterInputs(g, DIMS);
const f = adapterForward(geoT, p);
const loss = G.maskedMean(G.sub(1, G.rowCosine(f, teacher)), valid);
const grads = G.gradients(g, loss, [p.w1, p.b1, p.w2, p.b2]);
g.output("loss", loss);
grads.forEach((t, i) => g.output(`grad${i}`, t));
const train = await createSession(encodeModel(g), { threads: THREADS });
const shapes = adapterShapes(DIMS);
const trainFeeds: Record<string, TensorData> = {
  geo,
  teacher: { data: randn(N * DIMS.dim), dims: [N, DIMS.dim] },
  valid: { data: Float32Array.from({ length: N }, () => (rng.bernoulli(0.8) ? 1 : 0)), dims: [N] },
};
for (const k of ["w1", "b1", "w2", "b2"] as const) {
  trainFeeds[`adapter.${k}`] = { data: weights[k], dims: shapes[k] };
}
const trainMs = await timeRuns("forward+backward", () => train.run(trainFeeds));

// 2. Inference graph.
const infer = await createSession(encodeModel(buildAdapterInferenceGraph({ ...DIMS, weights })), {
  threads: THREADS,
});
const inferFeeds = {
  geometric: geo,
  label_embeddings: { data: randn(L * DIMS.dim), dims: [L, DIMS.dim] },
};
const inferMs = await timeRuns("inference", () => infer.run(inferFeeds));

console.log(JSON.stringify({
  provider: train.provider,
  threads: THREADS,
  n: N,
  ...DIMS,
  labels: L,
  forwardBackwardMedianMs: Math.round(trainMs * 10) / 10,
  inferenceMedianMs: Math.round(inferMs * 10) / 10,
}));
