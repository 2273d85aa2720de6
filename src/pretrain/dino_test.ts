import assert from "node:assert/strict";
import * as G from "../kernels/graph/mod.ts";
import { Rng } from "../kernels/random.ts";
import type { Feed } from "../kernels/graph/interpret.ts";
import { randomViewPair, TINY_GEONET as TINY } from "./random_views.ts";
import { geonetParamShapes, initGeonetWeights } from "../features/backbones/geonet_graph.ts";
import {
  buildDinoGraph,
  DINO_DEFAULTS,
  type DinoConfig,
  dinoHeadShapes,
  initDinoHead,
  logSoftmax,
  TEACHER_PREFIX,
} from "./dino.ts";
import { makeObjective } from "./objectives.ts";

const D: DinoConfig = { ...DINO_DEFAULTS, hidden: 5, bottleneck: 3, prototypes: 6 };

function feeds(rng: Rng): Record<string, Feed> {
  const shapes = [...geonetParamShapes(TINY), ...dinoHeadShapes(TINY, D)];
  const student = { ...initGeonetWeights(TINY, rng), ...initDinoHead(TINY, D, rng) };
  const teacher = { ...initGeonetWeights(TINY, rng), ...initDinoHead(TINY, D, rng) };
  const out: Record<string, Feed> = {
    center: { data: Array.from({ length: 6 }, () => 0.1 * rng.normal()), dims: [6] },
    ...randomViewPair(rng, TINY),
  };
  for (const [n, dims] of shapes) {
    out[n] = { data: Array.from(student[n]), dims };
    out[TEACHER_PREFIX + n] = { data: Array.from(teacher[n]), dims };
  }
  return out;
}

Deno.test("DINO objective: student gradients match finite differences", () => {
  const { graph, params } = buildDinoGraph(TINY, D, "float64");
  const loss = graph.outputs.find((t) => t.name === "loss")!;
  const wrt = params.map((name) => graph.inputs.find((t) => t.name === name)!);
  const report = G.gradCheck(loss, wrt, feeds(new Rng(2)), { atol: 1e-5, rtol: 1e-4 });
  assert.ok(report.ok, report.worst);
});

Deno.test("DINO objective: entropies within [0, log K] and H(mean) ≥ mean H", () => {
  const rng = new Rng(8);
  const f = feeds(rng);
  for (const k of Object.keys(f)) {
    if (k.startsWith(TEACHER_PREFIX)) f[k] = f[k.slice(TEACHER_PREFIX.length)];
  }
  const { graph } = buildDinoGraph(TINY, D, "float64");
  const get = (name: string) => graph.outputs.find((t) => t.name === name)!;
  const [loss, te, be] = G.interpret(graph, f, [
    get("loss"),
    get("teacher_entropy"),
    get("batch_entropy"),
  ]).map((v) => v.data[0]);
  assert.ok(loss > 0 && Number.isFinite(loss));
  assert.ok(te >= 0 && te <= Math.log(6) + 1e-9, `${te}`);
  assert.ok(be >= te - 1e-9 && be <= Math.log(6) + 1e-9, `${be} vs ${te}`); // H(mean) ≥ mean H
});

Deno.test("logSoftmax equals log(exp(x)/Σexp) on random rows, large values included", () => {
  const rng = new Rng(4);
  const rows = 5, k = 7;
  const x = Array.from({ length: rows * k }, (_, i) => (i % 3 === 0 ? 500 : 3) * rng.normal());
  const g = new G.Graph({ float: "float64" });
  const t = g.input("x", [rows, k]);
  const out = G.interpret(g, { x: { data: x, dims: [rows, k] } }, [logSoftmax(t)])[0].data;
  for (let r = 0; r < rows; r++) {
    const row = x.slice(r * k, r * k + k), m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    row.forEach((v, j) => assert.ok(Math.abs(out[r * k + j] - (v - lse)) < 1e-9));
  }
});

Deno.test("DINO objective: the teacher follows the student by EMA and is what is exported", () => {
  const obj = makeObjective(TINY, { kind: "dino", dino: D });
  const w = obj.init(new Rng(1));
  const first = Float32Array.from(obj.exported(w)["geonet.in.w"]);
  assert.deepEqual(first, w["geonet.in.w"]);
  const moved = Object.fromEntries(Object.entries(w).map(([k, v]) => [k, v.map((x) => x + 1)]));
  obj.after(moved, { teacher_mean: new Float64Array(6).fill(2) }, 0, 10);
  const m = D.teacherMomentum; // cosine schedule starts at the base momentum
  obj.exported(w)["geonet.in.w"].forEach((x, i) =>
    assert.ok(Math.abs(x - (first[i] + (1 - m))) < 1e-5)
  );
  const saved = obj.save();
  assert.ok(Math.abs(saved.center[0] - (1 - D.centerMomentum) * 2) < 1e-6);
  const other = makeObjective(TINY, { kind: "dino", dino: D });
  other.init(new Rng(5));
  other.load(saved);
  assert.deepEqual(other.exported(w)["geonet.in.w"], obj.exported(w)["geonet.in.w"]);
});
