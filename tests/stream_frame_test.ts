/**
 * SegmentStream in a map frame that is not z up (a visual odometry's camera-style frame,
 * y down): the stream estimates the map's up on its first fused scan (or takes
 * `open.map_up`), so the labels match those of the same scans in a z-up map frame, and
 * positions and objects come back in the client's frame.
 */
import assert from "node:assert/strict";
import { generateSequence } from "../src/synth/scan_sequence.ts";
import { bytesToFloat32, bytesToInt16 } from "../src/io/typed_bytes.ts";
import { replayStream } from "../src/commands/stream_replay.ts";
import type { ScanResultMsg, StreamOpenMsg } from "../src/server/wire.ts";
import { startModelServer } from "./server_fixtures.ts";

const MODELS = new URL("../models/", import.meta.url).pathname;
const LABELS = ["wall", "floor", "chair", "table", "door", "cabinet"];
/** World (z up) → the y-down map frame: x stays, z → −y, y → z. */
const Q = Float64Array.of(1, 0, 0, 0, 0, -1, 0, 1, 0);

/** Q applied on the left of a 4×4 row-major pose. */
function turnPose(pose: Float64Array): Float64Array {
  const out = Float64Array.from(pose);
  for (let c = 0; c < 4; c++) {
    for (let r = 0; r < 3; r++) {
      out[4 * r + c] = Q[3 * r] * pose[c] + Q[3 * r + 1] * pose[4 + c] + Q[3 * r + 2] * pose[8 + c];
    }
  }
  return out;
}

Deno.test("SegmentStream: a map frame that is not z up is estimated (or given) and labels match", async () => {
  const seq = await generateSequence({ type: "office", seed: 11, name: "f" }, {
    scans: 4,
    points: 8000,
    scale: 0.3,
    poseNoise: 0,
  });
  const rig = await startModelServer(MODELS);
  const run = async (turned: boolean, open: Partial<StreamOpenMsg> = {}) => {
    const out: ScanResultMsg[] = [];
    await replayStream(
      rig.client,
      {
        count: seq.scans.length,
        get: (i) =>
          Promise.resolve({
            cloud: {
              count: seq.scans[i].coord.length / 3,
              coord: seq.scans[i].coord,
              color: seq.scans[i].color,
            },
            pose: turned ? turnPose(seq.scans[i].pose) : seq.scans[i].pose,
            timestamp: i,
          }),
      },
      { open: { labels: LABELS, return_positions: true, ...open }, period: 0 },
      (s) => {
        out.push(s.result);
      },
    );
    return out;
  };
  try {
    const upright = await run(false);
    const estimated = await run(true);
    const given = await run(true, { map_up: [0, -1, 0] });
    // A z-up map is kept as it is; the y-down one is found to have up = −y once an estimate
    // is confident (the first scan's is not: it is labelled in the frame it had).
    const last = seq.scans.length - 1;
    assert.deepEqual(upright[last].map_up.map((v) => Math.round(v * 1000) / 1000), [0, 0, 1]);
    assert.ok(estimated[last].map_up[1] < -0.99, `estimated map up ${estimated[last].map_up}`);
    assert.deepEqual(given[0].map_up.map((v) => Math.round(v * 1000) / 1000), [0, -1, 0]);
    const settled = estimated.findIndex((r) => r.map_up.length === 3);
    assert.ok(settled >= 0 && settled < last, `settled at scan ${settled}`);
    for (let i = 0; i < seq.scans.length; i++) {
      assert.ok(estimated[i].fused && given[i].fused);
      const a = bytesToInt16(upright[i].labels, "a");
      for (const other of i >= settled ? [estimated[i], given[i]] : [given[i]]) {
        const b = bytesToInt16(other.labels, "b");
        let same = 0;
        for (let j = 0; j < a.length; j++) same += a[j] === b[j] ? 1 : 0;
        assert.ok(same >= 0.8 * a.length, `scan ${i}: ${same} of ${a.length} labels agree`);
      }
      // Positions stay in the client's map frame: Q times the upright map's.
      const p = bytesToFloat32(upright[i].positions, "p");
      const q = bytesToFloat32(estimated[i].positions, "q");
      for (let j = 0; j < p.length; j += 3 * 97) {
        assert.ok(Math.abs(q[j + 1] + p[j + 2]) < 1e-4 && Math.abs(q[j + 2] - p[j + 1]) < 1e-4);
      }
    }
    // Without the turn the y-down frame would label differently: the estimate matters.
    const wrong = await run(true, { map_up: [0, 0, 1] });
    const a = bytesToInt16(upright[3].labels, "a"), w = bytesToInt16(wrong[3].labels, "w");
    let same = 0;
    for (let j = 0; j < a.length; j++) same += a[j] === w[j] ? 1 : 0;
    assert.ok(same < 0.8 * a.length, `a wrong up still agreed on ${same} of ${a.length}`);
  } finally {
    await rig.close();
  }
});
