/**
 * The same seed gives the same model bytes: two runs of the trainer in one process, on
 * scenes large enough that onnxruntime would split the objective's ScatterND-add pooling
 * over several threads (where it loses updates at random unless the session is
 * single-threaded), give identical per-step losses and identical adapter and reliability
 * bytes.
 */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Rng } from "../src/kernels/random.ts";
import { resolveTrainConfig } from "../src/train/config.ts";
import { trainAdapter } from "../src/train/loop.ts";
import type { TrainScene } from "../src/train/scene.ts";

const DG = 16, C = 32;

/**
 * A prepared scene of n voxels: random features, ~n/40 superpoints and 12 instances
 * (a superpoint lies in one instance or in none), ids scattered over the points as in
 * real scenes, so that the pooling's threads would write the same rows.
 */
function syntheticScene(name: string, n: number, rng: Rng): TrainScene {
  const normal = (k: number) => Float32Array.from({ length: k }, () => rng.normal());
  const superpoint = Int32Array.from({ length: n }, () => rng.int(Math.ceil(n / 40)));
  return {
    name,
    count: n,
    points: n,
    coord: Float32Array.from({ length: 3 * n }, () => 4 * rng.next()),
    geometric: normal(n * DG),
    teacher: normal(n * C),
    valid: Uint8Array.from({ length: n }, () => (rng.next() < 0.9 ? 1 : 0)),
    superpoint,
    instance: superpoint.map((s) => (s % 5 === 0 ? -1 : s % 12)),
    voxelOf: Int32Array.from({ length: n }, (_, i) => i),
    cached: false,
  };
}

const rng = new Rng(11);
const scenes = [syntheticScene("a", 30_000, rng), syntheticScene("b", 24_000, rng)];
const config = resolveTrainConfig({
  steps: 3,
  hidden: 32,
  reliabilityHidden: 8,
  warmup: 1,
  maskCandidates: 2048,
  simSuperpoints: 256,
  maxPointsPerStep: 20_000,
  validateEvery: 0,
  checkpointEvery: 0,
  seed: 9,
});

const digest = (w: Record<string, Float32Array>) => {
  const h = createHash("sha256");
  for (const k of ["w1", "b1", "w2", "b2"]) {
    h.update(new Uint8Array(w[k].buffer, w[k].byteOffset, w[k].byteLength));
  }
  return h.digest("hex");
};

Deno.test("train: two runs with the same seed give identical losses and weight bytes", async () => {
  const run = () => trainAdapter({ config, scenes, dims: { dg: DG, c: C } });
  const a = await run(), b = await run();
  assert.equal(a.lossCurve.length, 3);
  assert.deepEqual(b.lossCurve, a.lossCurve);
  assert.equal(digest({ ...b.adapter }), digest({ ...a.adapter }));
  assert.equal(digest({ ...b.reliability }), digest({ ...a.reliability }));
});
