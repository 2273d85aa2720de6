import assert from "node:assert/strict";
import type { TrainEventMsg, TrainRequestMsg } from "../src/server/wire.ts";
import { GRPC_CODES as C } from "../src/server/status.ts";
import {
  MeanFitTrainer,
  randomCoords,
  rejectsWith,
  startRig,
  xyzBytes,
} from "./server_fixtures.ts";

function scene(n: number, value: number): TrainRequestMsg {
  const teacher = new Float32Array(n * 4).fill(value);
  return {
    scene: {
      name: `s${value}`,
      cloud: { raw: { xyz: xyzBytes(randomCoords(n, value)) } },
      teacher: new Uint8Array(teacher.buffer),
      teacher_dtype: "FLOAT32",
      dim: 4,
      gt_labels: new Uint8Array(new Int16Array(n).fill(1).buffer),
      gt_label_names: ["wall", "floor"],
    },
  };
}

Deno.test("Train streams progress then done; steps are counted", async () => {
  const rig = await startRig();
  try {
    const events: TrainEventMsg[] = [];
    await rig.client.train([
      { config: { site: "lab", steps: 4, publish: true, objective: "NAIVE" } },
      scene(10, 1),
      scene(10, 3),
    ], (e) => events.push(e));
    assert.deepEqual(events.map((e) => e.event), [
      "progress",
      "progress",
      "progress",
      "progress",
      "done",
    ]);
    assert.deepEqual(events.slice(0, 4).map((e) => e.progress!.step), [1, 2, 3, 4]);
    assert.equal(events[0].progress!.total_steps, 4);
    const done = events[4].done!;
    assert.equal(done.model, "lab");
    assert.equal(done.version, 1);
    assert.deepEqual(JSON.parse(done.summary), { w: 2, mean: 2 });
    assert.equal(rig.server.metrics.trainingSteps.get(), 4);
    assert.equal(rig.trainer.published, 1);
  } finally {
    await rig.close();
  }
});

Deno.test("Train rejects bad streams with INVALID_ARGUMENT", async () => {
  const rig = await startRig();
  try {
    await rejectsWith(
      rig.client.train([scene(5, 1)], () => {}),
      C.INVALID_ARGUMENT,
      /first message must be config/,
    );
    await rejectsWith(
      rig.client.train([{ config: { site: "lab" } }], () => {}),
      C.INVALID_ARGUMENT,
      /without any scene/,
    );
    await rejectsWith(
      rig.client.train([{ config: { site: "../x" } }, scene(5, 1)], () => {}),
      C.INVALID_ARGUMENT,
      /site/,
    );
    const noTeacher = scene(5, 1);
    noTeacher.scene!.teacher = new Uint8Array(0);
    await rejectsWith(
      rig.client.train([{ config: { site: "lab" } }, noTeacher], () => {}),
      C.INVALID_ARGUMENT,
      /teacher/,
    );
  } finally {
    await rig.close();
  }
});

Deno.test("cancelling Train stops training and publishes nothing; shutdown cancels training", async () => {
  const trainer = new MeanFitTrainer(20);
  const rig = await startRig({}, {}, trainer);
  try {
    const ac = new AbortController();
    let progress = 0;
    const run = rig.client.train([
      { config: { site: "lab", steps: 1000, publish: true } },
      scene(5, 1),
    ], () => {
      if (++progress === 3) ac.abort();
    }, { signal: ac.signal });
    await rejectsWith(run, C.CANCELLED, /cancel/i);
    const t0 = Date.now();
    while (!trainer.aborted && Date.now() - t0 < 2000) await new Promise((r) => setTimeout(r, 10));
    assert.equal(trainer.aborted, true);
    assert.equal(trainer.published, 0);

    trainer.aborted = false;
    let started = false;
    const long = rig.client.train([
      { config: { site: "lab", steps: 1000, publish: true } },
      scene(5, 1),
    ], () => {
      started = true;
    });
    const caught = long.then(() => null, (e) => e as { code: number });
    while (!started) await new Promise((r) => setTimeout(r, 10));
    await rig.server.shutdown();
    const err = await caught;
    assert.ok(
      err && [C.CANCELLED, C.UNAVAILABLE].includes(err.code as 1 | 14),
      `got ${JSON.stringify(err)}`,
    );
    assert.equal(trainer.aborted, true);
    assert.equal(trainer.published, 0);
  } finally {
    await rig.close();
  }
});
