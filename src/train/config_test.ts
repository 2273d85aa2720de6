import assert from "node:assert/strict";
import { GeoError } from "../kernels/errors.ts";
import {
  configRecord,
  DEFAULT_TRAIN_CONFIG,
  FINE_TUNE_LEARNING_RATE,
  objectiveSpecOf,
  parseLambda,
  resolveTrainConfig,
} from "./config.ts";

Deno.test("resolveTrainConfig: defaults, undefined fields ignored, ablation switches reach the spec", () => {
  const c = resolveTrainConfig({
    steps: undefined,
    seed: 2 ** 32 + 5,
    useReliability: false,
    lambda: [1, 0, 1],
  });
  assert.equal(c.steps, DEFAULT_TRAIN_CONFIG.steps);
  assert.equal(c.seed, 5);
  const spec = objectiveSpecOf(c, { dg: 48, c: 100 });
  assert.equal(spec.config.useReliability, false);
  assert.deepEqual(spec.config.lambda, [1, 0, 1]);
  assert.equal(spec.skipZeroTerms, true);
  assert.equal(
    objectiveSpecOf(resolveTrainConfig({ objective: "naive" }), { dg: 1, c: 1 }).config.objective,
    "naive",
  );
  assert.equal(configRecord(resolveTrainConfig({ maxGradNorm: Infinity })).maxGradNorm, null);
});

Deno.test("resolveTrainConfig: a fine-tune takes the fine-tune rate unless it names one", () => {
  assert.equal(resolveTrainConfig().learningRate, DEFAULT_TRAIN_CONFIG.learningRate);
  assert.equal(resolveTrainConfig({}, { fineTune: true }).learningRate, FINE_TUNE_LEARNING_RATE);
  assert.notEqual(FINE_TUNE_LEARNING_RATE, DEFAULT_TRAIN_CONFIG.learningRate);
  assert.equal(resolveTrainConfig({ learningRate: 0.02 }, { fineTune: true }).learningRate, 0.02);
  assert.equal(resolveTrainConfig({ steps: 7 }, { fineTune: true }).steps, 7);
});

Deno.test("resolveTrainConfig: a bad setting is named", () => {
  const bad = (over: Record<string, unknown>, field: string) =>
    assert.throws(
      () => resolveTrainConfig(over),
      (e) => e instanceof GeoError && e.kind === "invalid_argument" && e.message.includes(field),
    );
  bad({ steps: 0 }, "'steps'");
  bad({ steps: 1.5 }, "'steps'");
  bad({ learningRate: -1 }, "'learningRate'");
  bad({ maskRatio: 1 }, "'maskRatio'");
  bad({ lambda: [0, 0, 0] }, "'lambda'");
  bad({ lambda: [1, -1, 0] }, "'lambda'");
  bad({ seed: -1 }, "'seed'");
  bad({ objective: "other" }, "'objective'");
  bad({ voxelSize: 0 }, "'voxelSize'");
});

Deno.test("parseLambda: three numbers or an error", () => {
  assert.deepEqual(parseLambda("1, 0,0.5"), [1, 0, 0.5]);
  assert.throws(() => parseLambda("1,2"), /three/);
  assert.throws(() => parseLambda("1,x,2"), /three/);
});
