/**
 * Train → new version → Segment with that version, through a real gRPC
 * server on loopback: the client streams a small synthetic site with teacher
 * features, the server trains, publishes atomically and streams `done`; the
 * new version is then served without a restart and labels the site's points
 * better than chance.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readDataset, readScene } from "../src/io/dataset.ts";
import { createSegmentService } from "../src/infer/segment_service.ts";
import { TINY_CLASSES, writeTinyDataset } from "./fixtures/tiny_dataset.ts";
import { createTrainService } from "../src/train/service.ts";
import { bytesToInt16, typedToBytes } from "../src/io/typed_bytes.ts";
import type { TrainEventMsg, TrainRequestMsg } from "../src/server/wire.ts";
import { startQuietServer } from "./server_fixtures.ts";

Deno.test("Train over gRPC publishes a version that Segment then serves by number", async () => {
  const root = await Deno.makeTempDir({ prefix: "geoguide-roundtrip-" });
  const data = join(root, "site"), models = join(root, "models");
  const { embeddings } = await writeTinyDataset(data, { scenes: 2, spacing: 0.06, seed: 9 });
  const dim = embeddings.length / TINY_CLASSES.length;
  const segment = createSegmentService({ modelsDir: models });
  const train = createTrainService({
    modelsDir: models,
    cacheDir: null,
    defaults: { hidden: 16, reliabilityHidden: 4, maskCandidates: 256, simSuperpoints: 32 },
  });
  const rig = await startQuietServer({ segment, train }, { trainToken: "roundtrip-token" }, {
    token: "roundtrip-token",
  });
  const { client } = rig;
  try {
    const info = await readDataset(data);
    const requests: TrainRequestMsg[] = [{
      config: { site: "lab", steps: 60, seed: 3, objective: "GEOGUIDE", publish: true },
    }];
    const scenes = [];
    for (const name of info.scenes) {
      const s = await readScene(data, name);
      scenes.push(s);
      requests.push({
        scene: {
          name,
          cloud: { raw: { xyz: typedToBytes(s.coord), rgb: s.color } },
          teacher: typedToBytes(s.teacher!),
          teacher_dtype: "FLOAT32",
          dim,
          valid: s.valid,
          gt_labels: typedToBytes(s.segment!),
          gt_label_names: TINY_CLASSES,
        },
      });
    }
    const events: TrainEventMsg[] = [];
    await client.train(requests, (e) => events.push(e), { timeoutMs: 120_000 });
    const progress = events.filter((e) => e.progress);
    const done = events.find((e) => e.done)?.done;
    assert.ok(progress.length >= 1, "progress events stream back");
    assert.ok(done, "a done event ends the stream");
    assert.equal(done.model, "lab");
    assert.equal(done.version, 1);

    // The new version is served by number without a restart, after the registry scan that
    // `serve` runs every few seconds (run here at once).
    await segment.refresh();
    assert.ok(segment.ready(), "the published version becomes the default model");
    await new Promise((r) => setTimeout(r, 200)); // the transport re-reads readiness every 50 ms
    const s = scenes[0];
    const res = await client.segment({
      cloud: { raw: { xyz: typedToBytes(s.coord), rgb: s.color } },
      labels: TINY_CLASSES,
      model: "lab",
      model_version: done.version,
      min_score: -1,
      label_embeddings: TINY_CLASSES.map((label, k) => ({
        label,
        vector: typedToBytes(embeddings.slice(k * dim, (k + 1) * dim)),
      })),
    });
    assert.equal(res.model, "lab");
    assert.equal(Number(res.model_version), 1);
    const labels = bytesToInt16(res.labels!, "labels");
    assert.equal(labels.length, s.count);
    let right = 0;
    for (let i = 0; i < labels.length; i++) if (labels[i] === s.segment![i]) right++;
    assert.ok(right / labels.length > 0.5, `accuracy ${right / labels.length}`);
  } finally {
    await rig.close();
    await segment.close();
    await Deno.remove(root, { recursive: true });
  }
});
