import assert from "node:assert/strict";
import * as G from "../kernels/graph/mod.ts";
import { Rng } from "../kernels/random.ts";
import type { Feed } from "../kernels/graph/interpret.ts";
import { randomViewPair, TINY_GEONET as TINY } from "./random_views.ts";
import { geonetParamShapes, initGeonetWeights } from "../features/backbones/geonet_graph.ts";
import {
  buildCompleteGraph,
  type CompleteConfig,
  completeHeadShapes,
  initCompleteHead,
} from "./complete.ts";
import { analyzeScene, sceneInstanceProposals } from "../features/scene_geometry.ts";
import { descriptorBackbone } from "../features/backbones/backbone.ts";
import { roomTargets } from "./rooms.ts";

const O: CompleteConfig = { hidden: 5, targets: 6 };

function feeds(rng: Rng): Record<string, Feed> {
  const w = { ...initGeonetWeights(TINY, rng), ...initCompleteHead(TINY, O, rng) };
  const out: Record<string, Feed> = {
    ...randomViewPair(rng, TINY),
    target: { data: Array.from({ length: 4 * 6 }, () => rng.normal()), dims: [4, 6] },
  };
  for (const [n, dims] of [...geonetParamShapes(TINY), ...completeHeadShapes(TINY, O)]) {
    out[n] = { data: Array.from(w[n]), dims };
  }
  return out;
}

Deno.test("completion objective: gradients match finite differences", () => {
  const { graph, params } = buildCompleteGraph(TINY, O, "float64");
  const loss = graph.outputs.find((t) => t.name === "loss")!;
  const wrt = params.map((name) => graph.inputs.find((t) => t.name === name)!);
  const report = G.gradCheck(loss, wrt, feeds(new Rng(6)), { atol: 1e-5, rtol: 1e-4 });
  assert.ok(report.ok, report.worst);
});

Deno.test("completion objective: row 0 (not shared) never counts", () => {
  const { graph } = buildCompleteGraph(TINY, O, "float64");
  const f = feeds(new Rng(7));
  const loss = graph.outputs.find((t) => t.name === "loss")!;
  const before = G.interpret(graph, f, [loss])[0].data[0];
  const target = Array.from(f.target.data as ArrayLike<number>);
  for (let j = 0; j < 6; j++) target[j] += 100; // row 0 only
  const after = G.interpret(graph, { ...f, target: { data: target, dims: [4, 6] } }, [loss])[0]
    .data[0];
  assert.ok(Math.abs(before - after) < 1e-12);
  target[6] += 1; // row 1 counts
  const moved = G.interpret(graph, { ...f, target: { data: target, dims: [4, 6] } }, [loss])[0]
    .data[0];
  assert.ok(moved !== before);
});

Deno.test("roomTargets: superpoint means and majority-proposal means of the descriptor", async () => {
  const rng = new Rng(3);
  const n = 1500;
  const coord = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    const box = i % 3; // a floor and two boxes
    coord.set(
      box === 0
        ? [rng.uniform(0, 3), rng.uniform(0, 3), 0]
        : [box + rng.uniform(0, 0.4), 1 + rng.uniform(0, 0.4), rng.uniform(0, 0.6)],
      3 * i,
    );
  }
  const geometry = analyzeScene({ count: n, coord });
  const t = await roomTargets(geometry, "geodesc-4");
  const desc = await descriptorBackbone("geodesc-4").features(geometry);
  const d = 71, sp = geometry.superpoints, prop = sceneInstanceProposals(geometry);
  assert.equal(t.length, sp.count * 2 * d);
  const mean = (rows: number[]) =>
    Array.from(
      { length: d },
      (_, j) => rows.reduce((s, i) => s + desc[i * d + j], 0) / rows.length,
    );
  for (let s = 0; s < sp.count; s++) {
    const members = [...sp.ids.keys()].filter((i) => sp.ids[i] === s);
    const own = mean(members);
    own.forEach((v, j) => assert.ok(Math.abs(t[s * 2 * d + j] - v) < 1e-4));
    const votes = new Map<number, number>();
    for (const i of members) {
      if (prop.ids[i] >= 0) votes.set(prop.ids[i], (votes.get(prop.ids[i]) ?? 0) + 1);
    }
    const best = [...votes].sort((x, y) => y[1] - x[1] || x[0] - y[0])[0];
    const ctx = best ? mean([...prop.ids.keys()].filter((i) => prop.ids[i] === best[0])) : own;
    ctx.forEach((v, j) => assert.ok(Math.abs(t[s * 2 * d + d + j] - v) < 1e-4));
  }
});
