import assert from "node:assert/strict";
import {
  fitProbe,
  type ProbeScene,
  probeScores,
  probeTable,
  probeVoxels,
  voxelTruth,
} from "../bench/linear_probe.ts";
import { Rng } from "../src/kernels/random.ts";

const NAMES = ["wall", "floor", "chair", "table"];
const D = 6;

/**
 * A scene of `voxels` voxels with 2 points each; a voxel of class k has features
 * centre[k] + noise, in columns of very different offsets and scales.
 */
function scene(rng: Rng, centres: number[][], voxels: number, noise: number): ProbeScene {
  const cls = Array.from({ length: voxels }, () => rng.int(NAMES.length));
  const geometric = Float32Array.from(
    cls.flatMap((k) =>
      centres[k].map((c, j) => (c + noise * rng.normal()) * 10 ** (j - 2) + 50 * j)
    ),
  );
  const voxelOf = Int32Array.from({ length: 2 * voxels }, (_, i) => i >> 1);
  const segment = Int16Array.from(voxelOf, (v) => cls[v]);
  return { count: voxels, points: 2 * voxels, geometric, voxelOf, segment };
}

function centres(rng: Rng): number[][] {
  return NAMES.map(() => Array.from({ length: D }, () => 2 * rng.normal()));
}

Deno.test("linear probe recovers classes that are linear in the features, far above chance", () => {
  const rng = new Rng(21);
  const c = centres(rng);
  const train = [scene(rng, c, 300, 0.3), scene(rng, c, 200, 0.3)];
  const test = [scene(rng, c, 250, 0.3)];
  const probe = fitProbe(train, { dim: D, classes: NAMES.length, lambda: 1 });
  assert.equal(probe.rows, 500);
  const s = probeScores(probe, test, NAMES)!;
  assert.ok(s.allAcc > 0.95, `accuracy ${s.allAcc}`);
  assert.ok(s.mIoU > 0.9, `mIoU ${s.mIoU}`);
  // pure noise features: no better than guessing (4 classes → about 1/4 … the majority share)
  const noise = (n: number) => {
    const sc = scene(rng, c, n, 0);
    return { ...sc, geometric: sc.geometric.map(() => rng.normal()) };
  };
  const blind = probeScores(
    fitProbe([noise(400)], { dim: D, classes: NAMES.length, lambda: 1 }),
    [noise(400)],
    NAMES,
  )!;
  assert.ok(blind.allAcc < 0.4, `accuracy on noise ${blind.allAcc}`);
});

Deno.test("linear probe: a huge λ leaves only the bias, which predicts the most frequent class", () => {
  const rng = new Rng(4);
  const c = centres(rng);
  const train = scene(rng, c, 200, 0.3);
  // make "chair" the most frequent class by relabelling a third of the voxels
  const segment = Int16Array.from(train.segment!, (k, i) => ((i >> 1) % 3 === 0 ? 2 : k));
  const probe = fitProbe([{ ...train, segment }], { dim: D, classes: 4, lambda: 1e12 });
  const pred = probeVoxels(probe, scene(rng, c, 50, 0.3).geometric);
  assert.deepEqual(new Set(pred), new Set([2]));
});

Deno.test("linear probe skips scenes without ground truth and voxels labelled −1", () => {
  const rng = new Rng(9);
  const c = centres(rng);
  const a = scene(rng, c, 40, 0.3);
  const unlabelled = { ...scene(rng, c, 30, 0.3), segment: undefined };
  const partial = { ...a, segment: Int16Array.from(a.segment!, (k, i) => (i < 20 ? -1 : k)) };
  assert.equal(voxelTruth(unlabelled).every((k) => k === -1), true);
  const probe = fitProbe([partial, unlabelled], { dim: D, classes: 4, lambda: 1 });
  assert.equal(probe.rows, 30); // 40 voxels, the first 10 (20 points) unlabelled
  assert.equal(probeScores(probe, [unlabelled], NAMES), undefined);
});

Deno.test("probeTable prints one row per class, the means and the overall accuracy", () => {
  const rng = new Rng(2);
  const c = centres(rng);
  const sc = [scene(rng, c, 100, 0.3)];
  const probe = fitProbe(sc, { dim: D, classes: 4, lambda: 1 });
  const s = probeScores(probe, sc, NAMES)!;
  const lines = probeTable("T", { train: s, test: s }).split("\n");
  assert.equal(lines.length, 4 + NAMES.length + 2);
  assert.match(lines[4], /^\| wall \| \d+\.\d \| \d+\.\d \| \d+ \| \d+\.\d \| \d+\.\d \|$/);
  assert.match(lines.at(-2)!, /^\| \*\*mean \(mIoU \/ mAcc\)\*\* \| \*\*\d+\.\d\*\* \|/);
  assert.match(lines.at(-1)!, /^\| overall accuracy \| \| \d+\.\d \|/);
});
