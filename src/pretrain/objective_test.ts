import assert from "node:assert/strict";
import * as G from "../kernels/graph/mod.ts";
import { Rng } from "../kernels/random.ts";
import {
  buildPretrainGraph,
  initExpanderWeights,
  pretrainParamShapes,
  VICREG_DEFAULTS,
  type VicregConfig,
  vicregTerms,
} from "./objective.ts";
import { initGeonetWeights } from "../features/backbones/geonet_graph.ts";
import type { Feed } from "../kernels/graph/interpret.ts";
import { randomView, randomViewPair, TINY_GEONET as TINY } from "./random_views.ts";

const V: VicregConfig = { ...VICREG_DEFAULTS, expander: 6 };

function weightFeeds(rng: Rng): Record<string, Feed> {
  const w = { ...initGeonetWeights(TINY, rng), ...initExpanderWeights(TINY, V, rng) };
  return Object.fromEntries(
    pretrainParamShapes(TINY, V).map(([name, dims]) => [name, { data: Array.from(w[name]), dims }]),
  );
}

Deno.test("pre-training objective: gradients of every parameter match finite differences", () => {
  for (const pool of ["mean", "max"] as const) {
    const c = { ...TINY, pool };
    const rng = new Rng(3);
    const { graph, params } = buildPretrainGraph(c, V, "float64");
    const feeds = {
      ...weightFeeds(rng),
      ...randomViewPair(rng, TINY),
    };
    const loss = graph.outputs.find((t) => t.name === "loss")!;
    const wrt = params.map((name) => graph.inputs.find((t) => t.name === name)!);
    const report = G.gradCheck(loss, wrt, feeds, { atol: 1e-5, rtol: 1e-4 });
    assert.ok(report.ok, `${pool}: ${report.worst}`);
  }
});

/** VICReg by hand: rows with mask 1 only. */
function vicregBrute(ea: number[][], eb: number[][], mask: number[], v: VicregConfig) {
  const rows = mask.flatMap((m, i) => (m ? [i] : []));
  const n = rows.length, e = ea[0].length;
  let inv = 0;
  for (const i of rows) for (let j = 0; j < e; j++) inv += (ea[i][j] - eb[i][j]) ** 2;
  inv /= n * e;
  const spread = (x: number[][]) => {
    const mean = Array.from({ length: e }, (_, j) => rows.reduce((s, i) => s + x[i][j], 0) / n);
    const cov = (j: number, l: number) =>
      rows.reduce((s, i) => s + (x[i][j] - mean[j]) * (x[i][l] - mean[l]), 0) / (n - 1);
    let variance = 0, covariance = 0;
    for (let j = 0; j < e; j++) {
      variance += Math.max(0, 1 - Math.sqrt(cov(j, j) + 1e-4)) / e;
      for (let l = 0; l < e; l++) if (l !== j) covariance += cov(j, l) ** 2 / e;
    }
    return { variance, covariance };
  };
  const a = spread(ea), b = spread(eb);
  const variance = a.variance + b.variance, covariance = a.covariance + b.covariance;
  return {
    loss: v.invariance * inv + v.variance * variance + v.covariance * covariance,
    invariance: inv,
    variance,
    covariance,
  };
}

Deno.test("VICReg terms equal a brute-force computation on random rows", () => {
  const rng = new Rng(11);
  for (const [s, e, scale] of [[7, 3, 0.3], [12, 5, 2]] as const) {
    const rand = () =>
      Array.from({ length: s }, () => Array.from({ length: e }, () => scale * rng.normal()));
    const ea = rand(), eb = rand();
    const mask = Array.from({ length: s }, (_, i) => (i === 0 || rng.next() < 0.2 ? 0 : 1));
    const g = new G.Graph({ float: "float64" });
    const ta = g.input("ea", [s, e]), tb = g.input("eb", [s, e]), tm = g.input("m", [s]);
    const t = vicregTerms(ta, tb, tm, { ...V, expander: e });
    const out = G.interpret(g, {
      ea: { data: ea.flat(), dims: [s, e] },
      eb: { data: eb.flat(), dims: [s, e] },
      m: { data: mask, dims: [s] },
    }, [t.loss, t.invariance, t.variance, t.covariance]).map((x) => x.data[0]);
    const want = vicregBrute(ea, eb, mask, { ...V, expander: e });
    const names = ["loss", "invariance", "variance", "covariance"] as const;
    names.forEach((k, i) =>
      assert.ok(
        Math.abs(out[i] - want[k]) < 1e-9 * (1 + Math.abs(want[k])),
        `${k}: ${out[i]} vs ${want[k]}`,
      )
    );
  }
});

Deno.test("pre-training objective: identical views have zero invariance", () => {
  const rng = new Rng(5);
  const { graph } = buildPretrainGraph(TINY, V, "float64");
  const view = randomView(rng, TINY, "a.", [0, 1, 1, 2, 2, 3, 3, 1, 2]);
  const same = Object.fromEntries(Object.entries(view).map(([k, f]) => [k.replace("a.", "b."), f]));
  const out = G.interpret(graph, {
    ...weightFeeds(rng),
    ...view,
    ...same,
    sp_count: { data: [4], dims: [1] },
  }, [graph.outputs.find((t) => t.name === "invariance")!]);
  assert.ok(Math.abs(out[0].data[0]) < 1e-12);
});
