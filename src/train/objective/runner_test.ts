import assert from "node:assert/strict";
import type { ObjectiveConfig } from "./types.ts";
import { Rng } from "../../kernels/random.ts";
import { PARAM_NAMES } from "./graph.ts";
import { prepareObjectiveInputs } from "./prepare.ts";
import {
  randomObjectiveParams,
  randomObjectiveScene,
  type RandomSceneDims,
  randomSceneSpec,
} from "./random_scene.ts";
import { flattenParams, ObjectiveRunner, type ObjectiveStepResult } from "./runner.ts";
import type { ObjectiveSpec } from "./spec.ts";

const DIMS: RandomSceneDims = { n: 300, dg: 8, c: 6, h: 16, hr: 4, superpoints: 20, instances: 6 };

function spec(config: Partial<ObjectiveConfig> = {}): ObjectiveSpec {
  return randomSceneSpec(DIMS, config, { maskCandidates: 64, simSuperpoints: 12 });
}

function assertClose(got: ObjectiveStepResult, want: ObjectiveStepResult, what: string) {
  for (const k of ["sp", "mask", "sim", "total"] as const) {
    const tol = 1e-4 * Math.max(Math.abs(want.loss[k]), 1e-6);
    assert.ok(
      Math.abs(got.loss[k] - want.loss[k]) <= tol,
      `${what} ${k}: ${got.loss[k]} vs ${want.loss[k]}`,
    );
  }
  for (const p of PARAM_NAMES) {
    const scale = Math.max(1, ...Array.from(want.grads[p], Math.abs));
    let err = 0;
    want.grads[p].forEach((x, i) => err = Math.max(err, Math.abs(x - got.grads[p][i])));
    assert.ok(err <= 1e-4 * scale, `${what} ${p}: max error ${err}`);
  }
}

Deno.test("ObjectiveRunner: one float32 onnxruntime session = float64 interpreter", async () => {
  const rng = new Rng(21);
  const params = flattenParams(randomObjectiveParams(rng, DIMS));
  for (const config of [{}, { useReliability: false }, { objective: "naive" as const }]) {
    const ort = await ObjectiveRunner.create(spec(config));
    const exact = await ObjectiveRunner.create(spec(config), { backend: "interpreter" });
    try {
      // Different sizes through the same session; the first is sampled (300 > 64 candidates).
      for (const n of [300, 41, 1]) {
        const scene = randomObjectiveScene(rng, { ...DIMS, n });
        const prepared = prepareObjectiveInputs(scene, ort.objective.spec, rng);
        const got = await ort.run(prepared, params);
        const want = await exact.run(prepared, params);
        assertClose(got, want, `${JSON.stringify(config)} n=${n}`);
        if (n === 300) {
          assert.equal(got.sampling.candidates.length, config.objective === "naive" ? 0 : 64);
          assert.ok(want.loss.total > 0);
        }
        const rel = got.grads.reliability_w1;
        const usesR = config.objective !== "naive" && !("useReliability" in config);
        if (!usesR) assert.ok(rel.every((x) => x === 0), "R gets zero gradient");
        else if (n === 300) assert.ok(rel.some((x) => x !== 0), "R gets a gradient");
      }
    } finally {
      await ort.close();
      await exact.close();
    }
  }
});

Deno.test("ObjectiveRunner: an empty scene gives zero losses and zero gradients", async () => {
  const runner = await ObjectiveRunner.create(spec(), { backend: "interpreter" });
  const rng = new Rng(22);
  const params = flattenParams(randomObjectiveParams(rng, DIMS));
  const r = await runner.step(randomObjectiveScene(rng, { ...DIMS, n: 0 }), params, rng);
  assert.deepEqual(r.loss, { sp: 0, mask: 0, sim: 0, total: 0 });
  assert.equal(r.grads.adapter_w1.length, DIMS.dg * DIMS.h);
  assert.ok(r.grads.adapter_w1.every((x) => x === 0));
  await runner.close();
});
