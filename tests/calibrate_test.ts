/**
 * The calibrated "unknown" end to end on a tiny seeded dataset: `train --val` writes the
 * reject threshold into the manifest, the served path measures the same shares again,
 * Segment without min_score rejects that share (in process and over gRPC) while an
 * explicit min_score wins, and `calibrate --out` publishes a calibrated copy.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { run as calibrateCommand } from "../src/commands/calibrate.ts";
import { run as trainCommand } from "../src/commands/train.ts";
import { readDataset, readScene } from "../src/io/dataset.ts";
import { bytesToInt16, typedToBytes } from "../src/io/typed_bytes.ts";
import { rejectShares } from "../src/kernels/reject_threshold.ts";
import { createSegmentService } from "../src/infer/segment_service.ts";
import { segmentInput } from "../src/infer/segment_input.ts";
import { loadVersion } from "../src/models/registry.ts";
import { calibrateModel, correctness, scoreModel } from "../src/train/calibrate.ts";
import { CALIBRATION_DATA, createTrainService } from "../src/train/service.ts";
import { GLOVE_SG_100D_ID } from "../src/text/glove_convert.ts";
import { tinyTrainScenes } from "./fixtures/tiny_train_scenes.ts";
import { TINY_CLASSES, writeTinyDataset } from "./fixtures/tiny_dataset.ts";
import { startModelServer } from "./server_fixtures.ts";
import { captured } from "./fixtures/captured.ts";

const root = await Deno.makeTempDir({ prefix: "geoguide-calibrate-" });
const data = join(root, "data"), val = join(root, "val"), cache = join(root, "cache");
const models = join(root, "models"), out = join(models, "site");
const { embeddings } = await writeTinyDataset(data, { scenes: 2, spacing: 0.05, seed: 3 });
// The same seed gives the same class embeddings; another spacing, other rooms.
await writeTinyDataset(val, { scenes: 2, spacing: 0.045, seed: 3, wrong: 0.4 });
const dim = embeddings.length / TINY_CLASSES.length;
const labelEmbeddings = TINY_CLASSES.map((label, k) => ({
  label,
  vector: embeddings.slice(k * dim, (k + 1) * dim),
}));

const trainFlags = [
  ...["--data", data, "--out", out, "--hidden", "16", "--cache", cache],
  ...["--backbone", "geodesc-1", "--steps", "12", "--seed", "2", "--validate-every", "0"],
];

/** A raw cloud as Segment takes it. */
type RawCloud = { kind: "raw"; xyz: Uint8Array; rgb?: Uint8Array };

/** Per point of the validation scenes: (score, label) of a Segment call without threshold. */
async function servedPoints() {
  const info = await readDataset(val);
  const out: { scores: Float32Array; labels: Int16Array; gt: Int16Array; cloud: RawCloud }[] = [];
  const svc = createSegmentService({ modelsDir: models, preloadText: false });
  try {
    await svc.whenStarted();
    for (const name of info.scenes) {
      const s = await readScene(val, name);
      const cloud = { kind: "raw" as const, xyz: typedToBytes(s.coord), rgb: s.color };
      const r = await svc.segment(
        segmentInput(cloud, TINY_CLASSES, {
          minScore: -Infinity,
          returnScores: true,
          labelEmbeddings,
        }),
        new AbortController().signal,
      );
      out.push({ scores: r.scores!, labels: r.labels, gt: s.segment!, cloud });
    }
  } finally {
    await svc.close();
  }
  return out;
}

Deno.test("train --val publishes a calibration the served path measures again", async () => {
  const r = await captured(() => trainCommand([...trainFlags, "--val", val]));
  assert.equal(r.code, 0);
  const v1 = (await loadVersion(models, "site", 1)).manifest;
  const c = v1.calibration!;
  assert.ok(c, "a calibration is written");
  assert.equal(c.data, val);
  assert.ok(c.wrong_rejected >= 0.5 && c.wrong_rejected < 1, `${c.wrong_rejected}`);
  assert.ok(c.right_kept > 0 && c.right_kept <= 1);
  // The served path (a published model on the dataset, as eval runs it) finds the same shares
  // at the stored threshold, and chooses the same threshold again.
  const scored = await scoreModel(join(out, "1"), val);
  assert.equal(scored.points.gt.length, c.points);
  const again = rejectShares(scored.points.scores, correctness(scored.points), c.min_score);
  assert.equal(again.wrongRejected, c.wrong_rejected);
  assert.equal(again.rightKept, c.right_kept);
  const chosen = await calibrateModel(join(out, "1"), val, { q: 0.5 });
  assert.ok(Math.abs(chosen.min_score - c.min_score) < 1e-6);
  assert.equal(chosen.wrong_rejected, c.wrong_rejected);

  // Segment without min_score rejects that share of the wrong labels; min_score 0 does not.
  const served = await servedPoints();
  let wrong = 0, wrongOut = 0, right = 0, rightIn = 0, belowZero = 0;
  const svc = createSegmentService({ modelsDir: models, preloadText: false });
  try {
    await svc.whenStarted();
    for (const p of served) {
      const cloud = p.cloud;
      const unset = await svc.segment(
        segmentInput(cloud, TINY_CLASSES, { minScore: undefined, labelEmbeddings }),
        new AbortController().signal,
      );
      assert.equal(unset.minScore, c.min_score);
      const zero = await svc.segment(
        segmentInput(cloud, TINY_CLASSES, { minScore: 0, labelEmbeddings }),
        new AbortController().signal,
      );
      for (let i = 0; i < p.gt.length; i++) {
        if (p.scores[i] < 0) belowZero++;
        assert.equal(zero.labels[i], p.scores[i] >= 0 ? p.labels[i] : -1);
        if (p.labels[i] === p.gt[i]) {
          right++;
          if (unset.labels[i] !== -1) rightIn++;
        } else {
          wrong++;
          if (unset.labels[i] === -1) wrongOut++;
        }
      }
    }
  } finally {
    await svc.close();
  }
  assert.equal(wrong + right, c.points);
  assert.equal(wrongOut / wrong, c.wrong_rejected);
  assert.equal(rightIn / right, c.right_kept);
  assert.equal(belowZero, 0, "every best cosine of this model is ≥ 0: min_score 0 rejects none");

  // Over gRPC: an absent min_score is the calibrated one, an explicit 0 rejects none.
  const rig = await startModelServer(models, {}, { preloadText: false });
  const client = rig.client;
  try {
    await new Promise((r) => setTimeout(r, 200)); // the transport re-reads readiness every 50 ms
    const request = {
      cloud: { raw: { xyz: served[0].cloud.xyz, rgb: served[0].cloud.rgb } },
      labels: TINY_CLASSES,
      label_embeddings: labelEmbeddings.map((e) => ({ ...e, vector: typedToBytes(e.vector) })),
    };
    const unset = await client.segment(request);
    assert.equal(unset.min_score, c.min_score);
    const got = bytesToInt16(unset.labels, "labels");
    const p = served[0];
    assert.deepEqual(got, p.labels.map((l, i) => (p.scores[i] >= c.min_score ? l : -1)));
    assert.ok(got.includes(-1));
    const zero = bytesToInt16((await client.segment({ ...request, min_score: 0 })).labels, "l");
    assert.ok(!zero.includes(-1));
  } finally {
    await rig.close();
  }
});

Deno.test("train --reject-wrong 0 writes no calibration; calibrate --out publishes a copy", async () => {
  const r = await captured(() =>
    trainCommand([...trainFlags, "--val", val, "--reject-wrong", "0"])
  );
  assert.equal(r.code, 0);
  const v2 = await loadVersion(models, "site", 2);
  assert.equal(v2.manifest.calibration, null);
  const c = await captured(() =>
    calibrateCommand([
      "--model",
      join(out, "2"),
      "--data",
      val,
      "--reject-wrong",
      "0.75",
      "--out",
      out,
    ])
  );
  assert.equal(c.code, 0);
  const rows = c.lines.slice(1, -1).map((l) => l.trim().split(/\s+/)[0]);
  assert.deepEqual(rows, ["threshold", "none", "served", "q=0.25", "q=0.5", "q=0.75"]);
  const last = JSON.parse(c.lines.at(-1)!);
  assert.deepEqual([last.model, last.version, last.published.version], ["site", 2, 3]);
  const v3 = await loadVersion(models, "site", 3);
  assert.deepEqual(v3.manifest.files, v2.manifest.files);
  assert.deepEqual(v3.manifest.training, v2.manifest.training);
  assert.deepEqual(v3.manifest.calibration, last.calibration);
  assert.ok(v3.manifest.calibration!.wrong_rejected >= 0.75);
  assert.equal(v3.manifest.calibration!.data, val);
  // The source version is unchanged; bad usage is exit code 2.
  assert.equal((await loadVersion(models, "site", 2)).manifest.calibration, null);
  for (const bad of [["--model", out], ["--model", out, "--data", val, "--reject-wrong", "2"]]) {
    assert.equal((await captured(() => calibrateCommand(bad))).code, 2);
  }
  assert.equal(
    (await captured(() => trainCommand([...trainFlags, "--reject-wrong", "0.5"]))).code,
    2,
  );
});

Deno.test("Train RPC: the published version is calibrated on the scenes with gt_labels", async () => {
  const scenes = await tinyTrainScenes(join(root, "wide"), { scenes: 1, spacing: 0.06, dim: 100 });
  const wide = await readDataset(join(root, "wide"));
  const glove = {
    id: GLOVE_SG_100D_ID,
    dim: 100,
    encode: (labels: string[]) =>
      Promise.resolve(Float32Array.from(labels.flatMap((l) => {
        const k = wide.labels.indexOf(l);
        return Array.from(wide.embeddings!.subarray(100 * k, 100 * k + 100));
      }))),
  };
  const rpcModels = join(root, "rpc-models");
  const svc = createTrainService({
    modelsDir: rpcModels,
    cacheDir: null,
    glove: () => Promise.resolve(glove),
    defaults: { hidden: 16, reliabilityHidden: 4, maskCandidates: 256, simSuperpoints: 32 },
  });
  const config = { site: "lab", baseModel: "", baseVersion: 0, steps: 6, seed: 1 };
  const r = await svc.train(
    { config: { ...config, objective: "geoguide", publish: true }, scenes },
    new AbortController().signal,
    () => {},
  );
  const c = (await loadVersion(rpcModels, "lab", r.version)).manifest.calibration!;
  assert.ok(c, "a calibration is written");
  assert.equal(c.data, CALIBRATION_DATA);
  assert.equal(c.points, scenes[0].gtLabels!.length);
  assert.ok(c.wrong_rejected >= 0.5 || c.wrong_rejected === 0);
  assert.deepEqual(r.summary.calibration, c);
  // The served path measures the same shares on the same points.
  const scored = await scoreModel(join(rpcModels, "lab", String(r.version)), join(root, "wide"));
  const again = rejectShares(scored.points.scores, correctness(scored.points), c.min_score);
  assert.deepEqual([again.wrongRejected, again.rightKept], [c.wrong_rejected, c.right_kept]);
});

Deno.test({
  name: "calibrate: cleanup",
  fn: async () => await Deno.remove(root, { recursive: true }),
  sanitizeResources: false,
});
