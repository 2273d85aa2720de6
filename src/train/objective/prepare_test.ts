import assert from "node:assert/strict";
import type { ObjectiveScene } from "./types.ts";
import { Rng } from "../../kernels/random.ts";
import { interpret } from "../../kernels/graph/interpret.ts";
import { buildObjectiveGraph } from "./graph.ts";
import { denseIds, type ObjectiveFeed, prepareObjectiveInputs } from "./prepare.ts";
import { randomObjectiveScene, type RandomSceneDims } from "./random_scene.ts";
import { fullConfig, type ObjectiveSpec } from "./spec.ts";

const DIMS: RandomSceneDims = { n: 80, dg: 3, c: 2, h: 4, hr: 2, superpoints: 9, instances: 5 };
const SPEC: ObjectiveSpec = {
  dg: 3,
  c: 2,
  h: 4,
  hr: 2,
  config: fullConfig(),
  maskCandidates: Infinity,
  simSuperpoints: Infinity,
};
const sum = (a: ArrayLike<number>) => Array.from(a).reduce((x, y) => x + y, 0);

/** z of the reliability MLP as the graph forms it from the feeds (rows of valid points). */
function reliabilityInputs(feeds: Record<string, ObjectiveFeed>): number[] {
  const og = buildObjectiveGraph(SPEC, { float: "float64" });
  const zs = og.reliabilityInputs!;
  const [zg, zt] = interpret(og.graph, feeds, [zs.geometric, zs.teacher]);
  const z: number[] = [];
  for (let q = 0; q < zg.dims[0]; q++) {
    z.push(...zg.data.subarray(q * SPEC.dg, (q + 1) * SPEC.dg));
    z.push(...zt.data.subarray(q * SPEC.c, (q + 1) * SPEC.c));
  }
  return z;
}

Deno.test("denseIds: first-occurrence order, gaps closed, −1 kept out", () => {
  const d = denseIds([40, 7, 40, -1, 9, 7]);
  assert.deepEqual(Array.from(d.index), [0, 1, 0, -1, 2, 1]);
  assert.deepEqual(d.raw, [40, 7, 9]);
  assert.deepEqual(denseIds([]).raw, []);
});

Deno.test("prepareObjectiveInputs: every mean's weights sum to 1, balanced BCE weights too", () => {
  const rng = new Rng(31);
  const scene = randomObjectiveScene(rng, DIMS);
  const { feeds } = prepareObjectiveInputs(scene, SPEC);
  assert.ok(Math.abs(sum(feeds.usd_point_weight.data) - 1) < 1e-12);
  assert.ok(Math.abs(sum(feeds.usd_sp_weight.data) - 1) < 1e-12);
  // With every logit 0, every BCE is log 2, so L_mask = log 2: Σ weights of all pairs = 1.
  const m = feeds.imr_candidate_group.data.length;
  const pairs = sum(feeds.imr_neg_weight.data) * m + sum(feeds.imr_pos_weight_sp.data);
  assert.ok(Math.abs(pairs - 1) < 1e-12, `pair weights sum to ${pairs}`);
  const k = feeds.sim_inst_inv_count.dims[0];
  assert.equal(feeds.sim_inst_weight.data[0], 1 / (k * k));
  // The fully hidden instance of point 0 is left out of IMR but kept in IIRC.
  assert.equal(feeds.imr_inv_count.dims[0], k - 1);
});

Deno.test("prepareObjectiveInputs: reliability inputs z = [SG − G_i ; ST − T_i]", () => {
  // Superpoint 5: points 0, 1 (both valid), 2 (unseen); superpoint 8: point 3 (unseen).
  const scene: ObjectiveScene = {
    count: 4,
    geometric: Float64Array.from([1, 2, 3, 3, 2, 1, 2, 2, 2, 9, 9, 9]),
    teacher: Float64Array.from([1, 0, 0, 1, 5, 5, 7, 7]),
    valid: [1, 1, 0, 0],
    superpoint: [5, 5, 5, 8],
    instance: [-1, -1, -1, -1],
    visible: [1, 1, 1, 1],
  };
  const { feeds } = prepareObjectiveInputs(scene, SPEC);
  assert.deepEqual(Array.from(feeds.usd_point.data), [0, 1]);
  assert.deepEqual(Array.from(feeds.usd_sp.data), [0]);
  // SG = (2,2,2) over all three points; ST = (½,½) over the valid two. The graph forms
  // z_i = [SG_sp(i) − G_i ; ST_sp(i) − T_i] from the feeds.
  assert.deepEqual(Array.from(feeds.usd_sp_count.data), [2]);
  assert.deepEqual(Array.from(feeds.usd_point_sp.data), [0, 0]);
  assert.deepEqual(reliabilityInputs(feeds), [1, 0, -1, -0.5, 0.5, -1, 0, 1, 0.5, -0.5]);
  assert.deepEqual(Array.from(feeds.sp_inv_count.data), [1 / 3, 1]);
});

Deno.test("prepareObjectiveInputs: empty sets are padded with weight-0, non-zero rows", () => {
  const rng = new Rng(32);
  const base = randomObjectiveScene(rng, DIMS);
  const scene = {
    ...base,
    valid: new Uint8Array(base.count),
    instance: new Int32Array(base.count).fill(-1),
  };
  const { feeds } = prepareObjectiveInputs(scene, SPEC);
  assert.deepEqual(feeds.usd_point_weight.data, Float64Array.from([0]));
  assert.deepEqual(feeds.usd_sp_weight.data, Float64Array.from([0]));
  assert.ok(Array.from(feeds.teacher.data).every((x) => x !== 0));
  assert.deepEqual(Array.from(feeds.usd_sp_count.data), [1]);
  assert.deepEqual(Array.from(feeds.usd_each_weight.data), new Array(scene.count).fill(0));
  assert.deepEqual(feeds.imr_neg_weight.data, Float64Array.from([0]));
  assert.deepEqual(feeds.imr_pos_weight_logit.data, Float64Array.from([0]));
  assert.equal(feeds.sim_inst_weight.data[0], 0);
  assert.equal(feeds.sim_inst_inv_count.dims[0], 1);
});

Deno.test("prepareObjectiveInputs: sampling sizes, Rng required, bad ids rejected", () => {
  const rng = new Rng(33);
  const scene = randomObjectiveScene(rng, DIMS);
  const s = { ...SPEC, maskCandidates: 10, simSuperpoints: 3 };
  const p = prepareObjectiveInputs(scene, s, new Rng(1));
  assert.equal(p.feeds.imr_candidate_group.data.length, 10);
  assert.equal(p.feeds.sim_sp.data.length, 3);
  assert.equal(p.feeds.sim_sp_weight.data[0], 1 / 9);
  assert.equal(new Set(p.sampling.candidates).size, 10);
  assert.throws(() => prepareObjectiveInputs(scene, s), /needs an Rng/);
  const bad = {
    ...scene,
    superpoint: Int32Array.from(scene.superpoint, (x, i) => (i === 3 ? -2 : x)),
  };
  assert.throws(() => prepareObjectiveInputs(bad, SPEC), /superpoint id of point 3/);
  assert.throws(() => prepareObjectiveInputs({ ...scene, count: 5 }, SPEC), /geometric/);
});

Deno.test("denseIds: lookup-table, Map and non-integer paths agree", () => {
  const small = [5, 3, 5, -1, 0, 3];
  const want = { index: [0, 1, 0, -1, 2, 1], raw: [5, 3, 0] };
  for (const ids of [small, Int32Array.from(small), Float64Array.from(small)]) {
    const d = denseIds(ids);
    assert.deepEqual({ index: Array.from(d.index), raw: d.raw }, want);
  }
  // Ids far above 4·n go through a Map; fractional ids too.
  const big = denseIds(Int32Array.from([2e9, 7, 2e9, -3]));
  assert.deepEqual(Array.from(big.index), [0, 1, 0, -1]);
  assert.deepEqual(big.raw, [2e9, 7]);
  const frac = denseIds([0.5, 2, 0.5]);
  assert.deepEqual(Array.from(frac.index), [0, 1, 0]);
  assert.deepEqual(frac.raw, [0.5, 2]);
});

Deno.test("prepareObjectiveInputs: fine groups split superpoints by instance and visibility", () => {
  const rng = new Rng(34);
  const scene = randomObjectiveScene(rng, DIMS);
  const { feeds, sampling } = prepareObjectiveInputs(scene, { ...SPEC, maskCandidates: 10 }, rng);
  const fine = feeds.fine_index.data, fineSp = feeds.fine_sp.data;
  const sp = denseIds(scene.superpoint).index, inst = denseIds(scene.instance).index;
  const isCandidate = new Uint8Array(scene.count);
  for (const j of sampling.candidates) isCandidate[j] = 1;
  // Brute force: two points share a group iff they share (superpoint, instance, visible)
  // and neither is an IMR candidate (a candidate is a group of its own).
  for (let i = 0; i < scene.count; i++) {
    assert.equal(fineSp[fine[i]], sp[i]);
    for (let j = 0; j < i; j++) {
      const same = !isCandidate[i] && !isCandidate[j] && sp[i] === sp[j] &&
        inst[i] === inst[j] && (inst[i] < 0 || !scene.visible[i] === !scene.visible[j]);
      assert.equal(fine[i] === fine[j], same, `points ${i}, ${j}`);
    }
  }
  assert.deepEqual(
    Array.from(feeds.imr_candidate_group.data),
    Array.from(sampling.candidates, (j) => fine[j]),
  );
  // Each instance's groups hold exactly its points; IMR groups exactly its visible points.
  const k = feeds.sim_inst_inv_count.dims[0];
  const members = new Float64Array(k);
  const groupSize = new Float64Array(fineSp.length);
  for (let i = 0; i < scene.count; i++) groupSize[fine[i]]++;
  feeds.sim_inst_group.data.forEach((grp, q) =>
    members[feeds.sim_inst_index.data[q]] += groupSize[grp]
  );
  members.forEach((m, q) => assert.equal(1 / m, feeds.sim_inst_inv_count.data[q]));
  const kv = feeds.imr_inv_count.dims[0];
  const vis = new Float64Array(kv);
  feeds.imr_visible_group.data.forEach((grp, q) =>
    vis[feeds.imr_visible_inst.data[q]] += groupSize[grp]
  );
  vis.forEach((m, q) => assert.equal(1 / m, feeds.imr_inv_count.data[q]));
});

Deno.test("prepareObjectiveInputs: point-level USD weights cover exactly the valid points", () => {
  const rng = new Rng(35);
  const scene = randomObjectiveScene(rng, DIMS);
  const { feeds } = prepareObjectiveInputs(scene, SPEC);
  const v = Array.from(scene.valid).filter(Boolean).length;
  const w = feeds.usd_each_weight.data, eachSp = feeds.usd_each_sp.data;
  const sp = denseIds(scene.superpoint).index;
  const svRaw = feeds.usd_sp.data;
  for (let i = 0; i < scene.count; i++) {
    assert.equal(w[i], scene.valid[i] ? 1 / v : 0);
    if (scene.valid[i]) assert.equal(svRaw[eachSp[i]], sp[i]);
  }
});
