import assert from "node:assert/strict";
import { Rng } from "../kernels/random.ts";
import { encodeModel } from "../onnx/onnx_proto.ts";
import { createSession } from "../onnx/session.ts";
import { buildAdapterInferenceGraph, INFERENCE_IO, initAdapterWeights } from "./adapter_graph.ts";

const DIMS = { dg: 6, hidden: 8, dim: 5 };

/** Brute force: F = relu(G·W1+b1)·W2+b2, then cos against each label, first argmax. */
function reference(
  geo: Float32Array,
  emb: Float32Array,
  n: number,
  l: number,
  w: ReturnType<typeof initAdapterWeights>,
) {
  const { dg, hidden: h, dim: c } = DIMS;
  const labels: number[] = [], scores: number[] = [];
  for (let i = 0; i < n; i++) {
    const hid = Array.from({ length: h }, (_, j) => {
      let s = w.b1[j];
      for (let k = 0; k < dg; k++) s += geo[i * dg + k] * w.w1[k * h + j];
      return Math.max(s, 0);
    });
    const f = Array.from({ length: c }, (_, j) => {
      let s = w.b2[j];
      for (let k = 0; k < h; k++) s += hid[k] * w.w2[k * c + j];
      return s;
    });
    let best = -Infinity, arg = -1;
    for (let q = 0; q < l; q++) {
      let dot = 0, nf = 0, ne = 0;
      for (let j = 0; j < c; j++) {
        dot += f[j] * emb[q * c + j];
        nf += f[j] * f[j];
        ne += emb[q * c + j] ** 2;
      }
      const cos = dot / (Math.max(Math.sqrt(nf), 1e-8) * Math.max(Math.sqrt(ne), 1e-8));
      if (cos > best) [best, arg] = [cos, q];
    }
    labels.push(arg);
    scores.push(best);
  }
  return { labels, scores };
}

Deno.test("adapter inference graph: labels and scores match a brute-force cosine argmax", async () => {
  const rng = new Rng(11);
  const weights = initAdapterWeights(DIMS, rng);
  const s = await createSession(encodeModel(buildAdapterInferenceGraph({ ...DIMS, weights })), {
    threads: 1,
    provider: "cpu",
  });
  for (const [n, l] of [[40, 7], [3, 1], [0, 4]]) {
    const geo = Float32Array.from({ length: n * DIMS.dg }, () => rng.normal());
    const emb = Float32Array.from({ length: l * DIMS.dim }, () => rng.normal());
    const out = await s.run({
      [INFERENCE_IO.geometric]: { data: geo, dims: [n, DIMS.dg] },
      [INFERENCE_IO.labels]: { data: emb, dims: [l, DIMS.dim] },
    });
    const ref = reference(geo, emb, n, l, weights);
    assert.equal(out.label.type, "int64");
    assert.deepEqual(Array.from(out.label.data as BigInt64Array, Number), ref.labels);
    assert.equal(out.score.data.length, n);
    (out.score.data as Float32Array).forEach((v, i) =>
      assert.ok(Math.abs(v - ref.scores[i]) < 1e-5)
    );
  }
  await s.release();
});

Deno.test("adapter inference graph: wrong weight sizes are rejected naming the tensor", () => {
  const weights = initAdapterWeights(DIMS, new Rng(1));
  weights.b2 = new Float32Array(3);
  assert.throws(() => buildAdapterInferenceGraph({ ...DIMS, weights }), /weight b2 has 3 values/);
});
