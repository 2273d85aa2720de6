/**
 * Limits and faults of Training.Train over gRPC, against started servers with tiny
 * limits: stream caps (bytes, scenes, frames, steps), idle and wall-time deadlines, the
 * server-wide cap of open Train streams and the per-connection stream cap. Each case is
 * followed by a good Segment request and a health check that must answer fast.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { listVersions, loadVersion } from "../src/models/registry.ts";
import { SegmentLoad } from "../src/runtime/segment_load.ts";
import type { TrainService } from "../src/train/api.ts";
import { createWorkerTrainService } from "../src/runtime/train_worker.ts";
import { typedToBytes } from "../src/io/typed_bytes.ts";
import { defaultProtoDir } from "../src/server/grpc.ts";
import type { TrainEventMsg, TrainRequestMsg } from "../src/server/wire.ts";
import type { StartOptions } from "../src/server/server.ts";
import { GRPC_CODES as C } from "../src/server/status.ts";
import { tinyTrainScenes } from "./fixtures/tiny_train_scenes.ts";
import {
  HeightBandSegmenter,
  MeanFitTrainer,
  randomCoords,
  rejectsWith,
  startQuietServer,
  startRig,
  type TestRig,
  xyzBytes,
} from "./server_fixtures.ts";

const TOKEN = "train-limits-token";

/** A rig with a train token (sent by its client) and the given limits. */
const rigWith = (options: StartOptions, trainer = new MeanFitTrainer()) =>
  startRig({ trainToken: TOKEN, ...options }, { token: TOKEN }, trainer);

/** A good Segment call and the health check, each within `ms`. */
async function stillHealthy(rig: TestRig, ms = 3000): Promise<void> {
  const res = await rig.client.segment(
    { cloud: { raw: { xyz: xyzBytes(randomCoords(50, 3)) } }, labels: ["a", "b"] },
    { timeoutMs: ms },
  );
  assert.equal(res.point_count, 50);
  assert.equal(await rig.client.health("", { timeoutMs: ms }), "SERVING");
}

function scene(n: number, value: number, frames = 0): TrainRequestMsg {
  const teacher = new Float32Array(n * 4).fill(value);
  return {
    scene: {
      name: `s${value}`,
      cloud: { raw: { xyz: xyzBytes(randomCoords(n, value)) } },
      teacher: new Uint8Array(teacher.buffer),
      dim: 4,
      frames: Array.from({ length: frames }, () => ({ width: 1, height: 1 })),
    },
  };
}

/** A raw Train call that stays open until the test ends it (GeoguideClient half-closes). */
function openTrain(port: number, opts: { deadlineMs?: number; channel?: grpc.Client } = {}) {
  const def = protoLoader.loadSync(["geoguide/v1/training.proto"], {
    keepCase: true,
    longs: Number,
    enums: String,
    defaults: true,
    oneofs: true,
    includeDirs: [defaultProtoDir()],
  });
  // deno-lint-ignore no-explicit-any
  const v1 = (grpc.loadPackageDefinition(def) as any).geoguide.v1;
  // A connection of its own (not the global subchannel shared with the rig's client).
  const client = opts.channel ??
    new v1.Training(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
      "grpc.use_local_subchannel_pool": 1,
    });
  const md = new grpc.Metadata();
  md.set("authorization", `Bearer ${TOKEN}`);
  const deadline = opts.deadlineMs ? Date.now() + opts.deadlineMs : Infinity;
  const call = client.Train(md, { deadline });
  const status = new Promise<{ code: number; details: string }>((resolve) => {
    call.on("data", () => {});
    call.on("error", (e: { code: number; details: string }) => resolve(e));
    call.on("end", () => resolve({ code: 0, details: "" }));
  });
  return { client, call, status };
}

Deno.test("Train caps: scenes, frames, bytes and steps are refused while reading, naming the flag", async () => {
  const rig = await rigWith({
    maxTrainScenes: 2,
    maxTrainFrames: 1,
    maxTrainBytes: 20_000,
    maxTrainSteps: 100,
  });
  try {
    const config = { config: { site: "lab", steps: 3, publish: true } };
    await rejectsWith(
      rig.client.train([config, scene(10, 1), scene(10, 2), scene(10, 3)], () => {}),
      C.RESOURCE_EXHAUSTED,
      /^The Train stream exceeds 2 scenes \(--max-train-scenes\)$/,
    );
    await rejectsWith(
      rig.client.train([config, scene(10, 1, 2)], () => {}),
      C.RESOURCE_EXHAUSTED,
      /exceeds 1 frames \(--max-train-frames\)/,
    );
    // 1000 points: 12 kB of xyz + 16 kB of teacher > 20 kB.
    await rejectsWith(
      rig.client.train([config, scene(1000, 1)], () => {}),
      C.RESOURCE_EXHAUSTED,
      /exceeds 20000 bytes \(--max-train-bytes\)/,
    );
    await rejectsWith(
      rig.client.train([{ config: { site: "lab", steps: 101 } }, scene(10, 1)], () => {}),
      C.INVALID_ARGUMENT,
      /steps 101 exceeds the limit of 100 steps \(--max-train-steps\)/,
    );
    await rejectsWith(
      rig.client.train([{ config: { site: "lab" } }, scene(10, 1)], () => {}),
      C.INVALID_ARGUMENT,
      /default 1000.*--max-train-steps/,
    );
    await rejectsWith(
      rig.client.train([{ config: { site: "x".repeat(5000) } }, scene(10, 1)], () => {}),
      C.INVALID_ARGUMENT,
      /^config\.site "x{40}"… \(5000 characters\)/,
    );
    assert.equal(rig.trainer.published, 0);
    await stillHealthy(rig);
    // Within the limits a Train still runs.
    const events: TrainEventMsg[] = [];
    await rig.client.train([config, scene(10, 1), scene(10, 2)], (e) => events.push(e));
    assert.equal(events.at(-1)?.done?.version, 1);
  } finally {
    await rig.close();
  }
});

Deno.test("Train idle timeout: a config-only stream left open ends with DEADLINE_EXCEEDED", async () => {
  const rig = await rigWith({ trainIdleMs: 300 });
  const raw = openTrain(rig.server.grpcPort);
  try {
    const t0 = performance.now();
    raw.call.write({ config: { site: "lab", steps: 2 } });
    const s = await raw.status;
    assert.equal(s.code, C.DEADLINE_EXCEEDED);
    assert.match(s.details, /300 ms \(--train-idle-ms\)/);
    assert.ok(performance.now() - t0 < 5000);
    // A silent stream (no message at all) ends the same way.
    const silent = openTrain(rig.server.grpcPort, { channel: raw.client });
    assert.equal((await silent.status).code, C.DEADLINE_EXCEEDED);
    await stillHealthy(rig);
  } finally {
    raw.client.close();
    await rig.close();
  }
});

Deno.test("Train wall time: training past --max-train-seconds stops, publishes nothing", async () => {
  const trainer = new MeanFitTrainer(20);
  const rig = await rigWith({ maxTrainSeconds: 1 }, trainer);
  try {
    let progress = 0;
    await rejectsWith(
      rig.client.train(
        [{ config: { site: "lab", steps: 10_000, publish: true } }, scene(5, 1)],
        () => progress++,
      ),
      C.DEADLINE_EXCEEDED,
      /more than 1 s \(--max-train-seconds\); nothing was published/,
    );
    assert.ok(progress > 0, "training had started");
    assert.equal(trainer.aborted, true);
    assert.equal(trainer.published, 0);
    await stillHealthy(rig);
  } finally {
    await rig.close();
  }
});

Deno.test("Train streams: the server-wide cap refuses at once; max_concurrent_streams caps one connection", async () => {
  const rig = await rigWith({ maxTrainStreams: 3, trainIdleMs: 5000, maxConcurrentStreams: 3 });
  const a = openTrain(rig.server.grpcPort);
  const [b, c] = [1, 2].map(() => openTrain(rig.server.grpcPort, { channel: a.client }));
  try {
    for (const x of [a, b, c]) x.call.write({ config: { site: "lab", steps: 2 } });
    await new Promise((r) => setTimeout(r, 200)); // all three reached the handler
    const t0 = performance.now();
    await rejectsWith(
      rig.client.train([{ config: { site: "lab", steps: 2 } }, scene(5, 1)], () => {}),
      C.RESOURCE_EXHAUSTED,
      /^The server has 3 Train streams open \(--max-train-streams\); try again later$/,
    );
    assert.ok(performance.now() - t0 < 2000, "refused at once");
    // A 4th stream on the connection of a, b, c never reaches the server (it would be
    // refused at once there): HTTP/2 holds it until its deadline.
    const d = openTrain(rig.server.grpcPort, { channel: a.client, deadlineMs: 600 });
    d.call.write({ config: { site: "lab", steps: 2 } });
    assert.equal((await d.status).code, C.DEADLINE_EXCEEDED);
    await stillHealthy(rig);
    for (const x of [a, b, c]) x.call.cancel();
    for (const x of [a, b, c]) assert.equal((await x.status).code, C.CANCELLED);
    // Cancelled streams give their places back (once the server has seen the cancels).
    const events: TrainEventMsg[] = [];
    for (let tries = 0;; tries++) {
      try {
        await rig.client.train(
          [{ config: { site: "lab", steps: 2 } }, scene(5, 1)],
          (e) => events.push(e),
        );
        break;
      } catch (e) {
        if ((e as { code?: number }).code !== C.RESOURCE_EXHAUSTED || tries > 100) throw e;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    assert.equal(events.at(-1)?.done?.model, "lab");
    await stillHealthy(rig);
  } finally {
    a.client.close();
    await rig.close();
  }
});

// --- Real training (worker threads, tiny scenes) behind one training slot ---

const dataRoot = await Deno.makeTempDir({ prefix: "geoguide-train-limits-" });
const tinyScenes = await tinyTrainScenes(join(dataRoot, "data"), {
  scenes: 2,
  spacing: 0.06,
  seed: 4,
});
const tinyRequests: TrainRequestMsg[] = tinyScenes.map((s) => ({
  scene: {
    name: s.name,
    cloud: { raw: { xyz: (s.cloud as { xyz: Uint8Array }).xyz } },
    teacher: s.teacher,
    dim: s.dim,
    valid: s.valid,
    instances: s.instances && typedToBytes(s.instances),
    gt_labels: s.gtLabels && typedToBytes(s.gtLabels),
    gt_label_names: [...s.gtLabelNames],
  },
}));

/** `inner`, counting progress events that arrive after the call's signal aborted. */
function counting(inner: TrainService) {
  const stats = { afterCancel: 0, settled: 0 };
  const service: TrainService = {
    replay: inner.replay?.bind(inner),
    async train(request, signal, onEvent) {
      try {
        return await inner.train(request, signal, (e) => {
          if (e.type === "progress" && signal.aborted) stats.afterCancel++;
          onEvent(e);
        });
      } finally {
        stats.settled++;
      }
    },
  };
  return { stats, service };
}

/** A server training for real in worker threads, one slot, registry at `models`. */
async function realRig(models: string) {
  const worker = createWorkerTrainService({
    service: {
      modelsDir: models,
      cacheDir: null,
      defaults: { hidden: 16, reliabilityHidden: 4, maskCandidates: 256, simSuperpoints: 32 },
    },
    load: new SegmentLoad(),
  });
  const count = counting(worker);
  const segmenter = new HeightBandSegmenter();
  const quiet = await startQuietServer(
    { segment: segmenter, train: count.service },
    { trainToken: TOKEN, trainingSlots: 1 },
    { token: TOKEN },
  );
  const rig = { ...quiet, segmenter } as unknown as TestRig;
  return {
    rig,
    stats: count.stats,
    async close() {
      await quiet.close();
      await worker.close();
    },
  };
}

Deno.test("Train cancel frees the only training slot within one step; the next Train is admitted", async () => {
  const models = join(dataRoot, "cancel-models");
  const r = await realRig(models);
  try {
    const ac = new AbortController();
    const run = r.rig.client.train([
      { config: { site: "lab", steps: 5000, publish: true, seed: 1 } },
      ...tinyRequests,
    ], (e) => {
      if (e.progress?.step === 3) ac.abort();
    }, { signal: ac.signal });
    await rejectsWith(run, C.CANCELLED, /cancel/i);
    for (let i = 0; r.stats.settled === 0 && i < 1000; i++) {
      await new Promise((res) => setTimeout(res, 10));
    }
    assert.equal(r.stats.settled, 1, "the cancelled run ended");
    console.log(`steps run after the cancel reached the server: ${r.stats.afterCancel}`);
    assert.ok(r.stats.afterCancel <= 2, `${r.stats.afterCancel} steps ran after the cancel`);
    const events: TrainEventMsg[] = [];
    await r.rig.client.train([
      { config: { site: "lab", steps: 3, publish: true, seed: 1 } },
      ...tinyRequests,
    ], (e) => events.push(e));
    assert.equal(events.at(-1)?.done?.version, 1, "admitted and published as the first version");
    assert.deepEqual(await listVersions(models, "lab"), [1]);
    await stillHealthy(r.rig);
  } finally {
    await r.close();
  }
});

Deno.test("Train request_id: a retry replays the published version; concurrent twins publish once", async () => {
  const models = join(dataRoot, "replay-models");
  const r = await realRig(models);
  try {
    const train = async (requestId: string) => {
      const events: TrainEventMsg[] = [];
      await r.rig.client.train([
        { config: { site: "lab", steps: 3, publish: true, seed: 2, request_id: requestId } },
        ...tinyRequests,
      ], (e) => events.push(e));
      const done = events.at(-1)!.done!;
      return { version: done.version, summary: JSON.parse(done.summary), events: events.length };
    };
    const first = await train("job-1");
    assert.equal(first.version, 1);
    assert.equal(first.summary.replay, undefined);
    const retry = await train("job-1");
    assert.deepEqual([retry.version, retry.summary.replay, retry.events], [1, true, 1]);
    assert.equal(retry.summary.request_id, "job-1");
    const manifest = (await loadVersion(models, "lab", 1)).manifest;
    assert.equal(manifest.training?.config.request_id, "job-1");
    // Two at once with one slot: the second waits for the first, then replays it.
    const twins = await Promise.all([train("job-2"), train("job-2")]);
    assert.deepEqual(twins.map((t) => t.version), [2, 2]);
    assert.equal(twins.filter((t) => t.summary.replay === true).length, 1);
    assert.deepEqual(await listVersions(models, "lab"), [1, 2]);
    assert.equal(r.stats.settled, 2, "two runs trained; the others were replays");
    await rejectsWith(
      train("bad id!"),
      C.INVALID_ARGUMENT,
      /^config\.request_id must be at most 128 characters/,
    );
    await rejectsWith(train("x".repeat(129)), C.INVALID_ARGUMENT, /request_id/);
    await stillHealthy(r.rig);
  } finally {
    await r.close();
  }
});
