import assert from "node:assert/strict";
import type { ObjectiveScene } from "../../kernels/objective_reference.ts";
import { Rng } from "../../kernels/random.ts";
import { denseIds, prepareObjectiveInputs } from "./prepare.ts";
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
  const m = feeds.imr_candidate.data.length;
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
  // SG = (2,2,2) over all three points; ST = (½,½) over the valid two.
  assert.deepEqual(Array.from(feeds.usd_z.data), [1, 0, -1, -0.5, 0.5, -1, 0, 1, 0.5, -0.5]);
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
  assert.ok(Array.from(feeds.usd_teacher.data).every((x) => x !== 0));
  assert.deepEqual(feeds.imr_neg_weight.data, Float64Array.from([0]));
  assert.deepEqual(feeds.imr_pos_weight_logit.data, Float64Array.from([0]));
  assert.equal(feeds.sim_inst_weight.data[0], 0);
  assert.equal(feeds.sim_inst_geo.dims[0], 1);
});

Deno.test("prepareObjectiveInputs: sampling sizes, Rng required, bad ids rejected", () => {
  const rng = new Rng(33);
  const scene = randomObjectiveScene(rng, DIMS);
  const s = { ...SPEC, maskCandidates: 10, simSuperpoints: 3 };
  const p = prepareObjectiveInputs(scene, s, new Rng(1));
  assert.equal(p.feeds.imr_candidate.data.length, 10);
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
