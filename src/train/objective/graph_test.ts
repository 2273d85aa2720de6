import assert from "node:assert/strict";
import { objectiveFiniteDifferences, objectiveReference } from "./reference.ts";
import type { ObjectiveConfig, ObjectiveLosses, ObjectiveScene } from "./types.ts";
import { Rng } from "../../kernels/random.ts";
import { PARAM_NAMES } from "./graph.ts";
import { prepareObjectiveInputs } from "./prepare.ts";
import {
  randomObjectiveParams,
  randomObjectiveScene,
  type RandomSceneDims,
  randomSceneSpec,
} from "./random_scene.ts";
import { evaluateObjective, flattenParams } from "./runner.ts";
import type { ObjectiveSpec } from "./spec.ts";

const DIMS: RandomSceneDims = { n: 50, dg: 4, c: 3, h: 5, hr: 3, superpoints: 7, instances: 4 };

function spec(config: Partial<ObjectiveConfig>, extra: Partial<ObjectiveSpec> = {}): ObjectiveSpec {
  return randomSceneSpec(DIMS, config, extra);
}

const CONFIGS: Partial<ObjectiveConfig>[] = [
  {},
  { lambda: [0.5, 1.5, 2], maskTemperature: 8, maskBias: 0.3 },
  { useReliability: false },
  { useUsd: false },
  { lambda: [1, 0, 1] },
  { lambda: [1, 1, 0] },
  { objective: "naive" },
];

function assertLossesClose(
  got: ObjectiveLosses,
  want: ObjectiveLosses,
  what: string,
) {
  for (const k of ["sp", "mask", "sim", "total"] as const) {
    const tol = 1e-10 * Math.max(1, Math.abs(want[k]));
    assert.ok(Math.abs(got[k] - want[k]) <= tol, `${what} ${k}: ${got[k]} vs ${want[k]}`);
  }
}

/** Scenes with every edge case of docs/objective.md. */
function edgeScenes(rng: Rng): [string, ObjectiveScene][] {
  const base = randomObjectiveScene(rng, DIMS);
  const n = base.count;
  const fill = (v: number) => new Int32Array(n).fill(v);
  return [
    ["random", base],
    ["no valid point", { ...base, valid: new Uint8Array(n) }],
    ["no visible point", { ...base, visible: new Uint8Array(n) }],
    ["no instance", { ...base, instance: fill(-1) }],
    ["one instance, one superpoint", { ...base, instance: fill(9), superpoint: fill(4) }],
    ["one point", randomObjectiveScene(rng, { ...DIMS, n: 1 })],
    ["empty", randomObjectiveScene(rng, { ...DIMS, n: 0 })],
  ];
}

Deno.test("objective graph (f64) = reference, edge cases × ablations", async () => {
  const rng = new Rng(11);
  const params = randomObjectiveParams(rng, DIMS);
  for (const [name, scene] of edgeScenes(rng)) {
    for (const config of CONFIGS) {
      const got =
        (await evaluateObjective(scene, flattenParams(params), { spec: spec(config) })).loss;
      const want = objectiveReference(scene, params, { config });
      assertLossesClose(got, want, `${name} ${JSON.stringify(config)}`);
    }
  }
});

Deno.test("objective graph: the edge cases give the zeros objective.md names", async () => {
  const rng = new Rng(12);
  const params = flattenParams(randomObjectiveParams(rng, DIMS));
  const scenes = Object.fromEntries(edgeScenes(rng));
  assert.equal(
    (await evaluateObjective(scenes["no valid point"], params, { spec: spec({}) })).loss.sp,
    0,
  );
  assert.equal(
    (await evaluateObjective(scenes["no visible point"], params, { spec: spec({}) })).loss.mask,
    0,
  );
  const one = await evaluateObjective(scenes["one instance, one superpoint"], params, {
    spec: spec({}),
  });
  assert.equal(one.loss.sim, 0);
  assert.ok(one.loss.mask > 0, "a lone instance still has a positive half");
  const random = (await evaluateObjective(scenes.random, params, { spec: spec({}) })).loss;
  assert.ok(random.sp > 0 && random.mask > 0 && random.sim > 0);
});

Deno.test("objective graph: skipZeroTerms leaves λ=0 terms out but keeps the total", async () => {
  const rng = new Rng(13);
  const params = randomObjectiveParams(rng, DIMS);
  const scene = randomObjectiveScene(rng, DIMS);
  const config = { lambda: [1, 0, 0] as const };
  const full = await evaluateObjective(scene, flattenParams(params), { spec: spec(config) });
  const skip = await evaluateObjective(
    scene,
    flattenParams(params),
    { spec: spec(config, { skipZeroTerms: true }) },
  );
  assert.ok(full.loss.mask > 0 && full.loss.sim > 0);
  assert.equal(skip.loss.mask, 0);
  assert.equal(skip.loss.sim, 0);
  assert.ok(Math.abs(skip.loss.total - full.loss.total) < 1e-12);
  for (const p of PARAM_NAMES) {
    full.grads[p].forEach((x, i) => assert.ok(Math.abs(x - skip.grads[p][i]) < 1e-12, p));
  }
});

Deno.test("objective graph: sampled candidates, superpoints = reference", async () => {
  const rng = new Rng(14);
  const params = randomObjectiveParams(rng, DIMS);
  const scene = randomObjectiveScene(rng, DIMS);
  const s = spec({}, { maskCandidates: 9, simSuperpoints: 4 });
  const draws = new Set<string>();
  for (let step = 0; step < 3; step++) {
    const stepRng = new Rng(100 + step);
    const got = await evaluateObjective(scene, flattenParams(params), { spec: s, rng: stepRng });
    const sampling = evaluateSampling(scene, s, new Rng(100 + step));
    assert.equal(sampling.candidates.length, 9);
    assert.equal(sampling.simSuperpoints.length, 4);
    draws.add(sampling.candidates.join(","));
    const want = objectiveReference(scene, params, { sampling });
    assertLossesClose(got.loss, want, `step ${step}`);
  }
  assert.ok(draws.size > 1, "different seeds draw different candidates");
});

function evaluateSampling(scene: ObjectiveScene, s: ObjectiveSpec, rng: Rng) {
  return prepareObjectiveInputs(scene, s, rng).sampling;
}

Deno.test("objective graph gradients = central differences of the reference", async () => {
  const rng = new Rng(15);
  const dims = { ...DIMS, n: 30 };
  const params = randomObjectiveParams(rng, dims);
  const scene = randomObjectiveScene(rng, dims);
  const configs: Partial<ObjectiveConfig>[] = [
    { lambda: [0.7, 1.3, 2] },
    { useReliability: false },
    { objective: "naive" },
  ];
  for (const config of configs) {
    const got =
      (await evaluateObjective(scene, flattenParams(params), { spec: spec(config) })).grads;
    const fd = objectiveFiniteDifferences(scene, params, { config });
    const want = flattenParams(fd);
    for (const p of PARAM_NAMES) {
      const scale = Math.max(1, ...Array.from(want[p], Math.abs));
      let err = 0;
      want[p].forEach((x, i) => err = Math.max(err, Math.abs(x - got[p][i])));
      assert.ok(err <= 1e-6 * scale, `${JSON.stringify(config)} ${p}: max error ${err}`);
    }
    if (config.useReliability === false || config.objective === "naive") {
      assert.ok(got.reliability_w1.every((x) => x === 0), "R gets no gradient");
    } else {
      assert.ok(got.reliability_w1.some((x) => x !== 0), "R gets a gradient through r");
    }
  }
});

Deno.test("objective graph: teacher rows of unseen points never enter (NaN there is harmless)", async () => {
  const rng = new Rng(16);
  const params = flattenParams(randomObjectiveParams(rng, DIMS));
  const scene = randomObjectiveScene(rng, DIMS);
  const teacher = Float64Array.from(scene.teacher);
  for (let i = 0; i < scene.count; i++) {
    if (!scene.valid[i]) teacher.fill(NaN, i * DIMS.c, (i + 1) * DIMS.c);
  }
  for (const config of [{}, { useReliability: false }, { objective: "naive" as const }]) {
    const want = await evaluateObjective(scene, params, { spec: spec(config) });
    const got = await evaluateObjective({ ...scene, teacher }, params, { spec: spec(config) });
    assertLossesClose(got.loss, want.loss, JSON.stringify(config));
    for (const p of PARAM_NAMES) assert.deepEqual(got.grads[p], want.grads[p], p);
  }
});
