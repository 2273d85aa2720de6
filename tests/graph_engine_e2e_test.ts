import assert from "node:assert/strict";
import { AdamW } from "../src/kernels/adamw.ts";
import type { FloatDType } from "../src/kernels/graph/graph.ts";
import * as G from "../src/kernels/graph/mod.ts";
import { Rng } from "../src/kernels/random.ts";
import { encodeModel } from "../src/onnx/onnx_proto.ts";
import { createSession, type Session, type TensorArray } from "../src/onnx/session.ts";
import {
  adapterForward,
  adapterInputs,
  initAdapterWeights,
} from "../src/features/adapter_graph.ts";

const DIMS = { dg: 5, hidden: 7, dim: 4 };
const N = 12;
const NAMES = ["w1", "b1", "w2", "b2"] as const;

/** Tiny adapter MLP + point cosine distillation loss + superpoint-mean cosine term. */
function build(float: FloatDType) {
  const g = new G.Graph({ float });
  const geo = g.input("geo", ["N", DIMS.dg]);
  const teacher = g.input("teacher", ["N", DIMS.dim]);
  const sp = g.input("sp", ["N"], "int64");
  const p = adapterInputs(g, DIMS, "");
  const f = adapterForward(geo, p);
  const pointLoss = G.reduceMean(G.sub(1, G.rowCosine(f, teacher)));
  const sf = G.segmentMean(f, sp, 3);
  const st = G.segmentMean(teacher, sp, 3);
  const loss = G.add(pointLoss, G.reduceMean(G.sub(1, G.rowCosine(sf, st))));
  const grads = G.gradients(g, loss, NAMES.map((k) => p[k]));
  g.output("loss", loss);
  NAMES.forEach((k, i) => g.output(`grad_${k}`, grads[i]));
  return { g, loss, params: NAMES.map((k) => p[k]) };
}

function data(seed: number) {
  const rng = new Rng(seed);
  const normals = (n: number) => Array.from({ length: n }, () => rng.normal());
  return {
    geo: normals(N * DIMS.dg),
    teacher: normals(N * DIMS.dim),
    sp: Array.from({ length: N }, (_, i) => i % 3),
    weights: initAdapterWeights(DIMS, rng),
  };
}

function feedsOf(
  d: ReturnType<typeof data>,
  weights: Record<string, Float32Array>,
  float: FloatDType,
) {
  const F = float === "float32" ? Float32Array : Float64Array;
  const feeds: Record<string, { data: TensorArray; dims: number[] }> = {
    geo: { data: F.from(d.geo), dims: [N, DIMS.dg] },
    teacher: { data: F.from(d.teacher), dims: [N, DIMS.dim] },
    sp: { data: BigInt64Array.from(d.sp, BigInt), dims: [N] },
  };
  const shapes = {
    w1: [DIMS.dg, DIMS.hidden],
    b1: [DIMS.hidden],
    w2: [DIMS.hidden, DIMS.dim],
    b2: [DIMS.dim],
  };
  for (const k of NAMES) feeds[k] = { data: F.from(weights[k]), dims: shapes[k] };
  return feeds;
}

Deno.test("forward+backward in one onnxruntime session matches the interpreter and finite differences", async () => {
  const d = data(3);
  const w = d.weights as unknown as Record<string, Float32Array>;
  // float64: interpreter gradients against central differences.
  const m64 = build("float64");
  const feeds64 = feedsOf(d, w, "float64");
  const rep = G.gradCheck(m64.loss, m64.params, feeds64, { atol: 1e-8, rtol: 1e-6 });
  assert.ok(rep.ok, rep.worst);
  const ref = G.interpretNamed(m64.g, feeds64);
  for (const float of ["float64", "float32"] as FloatDType[]) {
    const m = build(float);
    const s = await createSession(encodeModel(m.g), { threads: 1, provider: "cpu" });
    const out = await s.run(feedsOf(d, w, float));
    await s.release();
    const tol = float === "float64" ? 1e-12 : 2e-5;
    for (const name of ["loss", ...NAMES.map((k) => `grad_${k}`)]) {
      const got = out[name].data as Float32Array, want = ref[name].data;
      assert.equal(got.length, want.length);
      const scale = Math.max(1, ...Array.from(want, Math.abs));
      for (let i = 0; i < want.length; i++) {
        assert.ok(
          Math.abs(got[i] - want[i]) <= tol * scale,
          `${float} ${name}[${i}]: ${got[i]} vs ${want[i]}`,
        );
      }
    }
  }
});

async function train(s: Session, seed: number, steps: number) {
  const d = data(seed);
  const w = { ...d.weights } as unknown as Record<string, Float32Array>;
  const opt = new AdamW(NAMES.map((k) => w[k]), { lr: 0.03, weightDecay: 0.01, maxGradNorm: 5 });
  const losses: number[] = [];
  for (let t = 0; t < steps; t++) {
    const out = await s.run(feedsOf(d, w, "float32"));
    losses.push(out.loss.data[0] as number);
    opt.step(NAMES.map((k) => Float32Array.from(out[`grad_${k}`].data as Float32Array)));
  }
  return { losses, w };
}

Deno.test("AdamW steps on onnxruntime gradients reduce the loss; same seed → identical weight bytes", async () => {
  const s = await createSession(encodeModel(build("float32").g), { threads: 1, provider: "cpu" });
  const a = await train(s, 8, 40), b = await train(s, 8, 40);
  await s.release();
  assert.ok(a.losses[39] < 0.7 * a.losses[0], `loss ${a.losses[0]} → ${a.losses[39]}`);
  for (const k of NAMES) {
    assert.deepEqual(new Uint8Array(a.w[k].buffer), new Uint8Array(b.w[k].buffer));
  }
});
