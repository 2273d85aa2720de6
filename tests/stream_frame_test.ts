/**
 * SegmentStream in a map frame that is not z up (a visual odometry's camera-style frame,
 * y down): with `open.map_up` the labels match those of the same scans in a z-up map
 * frame, and positions come back in the client's frame; without it they do not.
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

Deno.test("SegmentStream: a map frame that is not z up, given as map_up, labels like a z-up one", async () => {
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
    const given = await run(true, { map_up: [0, -1, 0] });
    const wrong = await run(true); // the default: +z
    const agree = (a: ScanResultMsg, b: ScanResultMsg) => {
      const x = bytesToInt16(a.labels, "a"), y = bytesToInt16(b.labels, "b");
      let same = 0;
      for (let j = 0; j < x.length; j++) same += x[j] === y[j] ? 1 : 0;
      return same / x.length;
    };
    for (let i = 0; i < seq.scans.length; i++) {
      assert.deepEqual(upright[i].map_up.map((v) => Math.round(v * 1000) / 1000 + 0), [0, 0, 1]);
      assert.deepEqual(given[i].map_up.map((v) => Math.round(v * 1000) / 1000 + 0), [0, -1, 0]);
      assert.ok(given[i].fused, given[i].warning);
      const ok = agree(upright[i], given[i]);
      assert.ok(ok >= 0.8, `scan ${i}: ${ok} of the labels agree`);
      // Positions stay in the client's map frame: Q times the upright map's.
      const p = bytesToFloat32(upright[i].positions, "p");
      const q = bytesToFloat32(given[i].positions, "q");
      for (let j = 0; j < p.length; j += 3 * 97) {
        assert.ok(Math.abs(q[j + 1] + p[j + 2]) < 1e-4 && Math.abs(q[j + 2] - p[j + 1]) < 1e-4);
      }
    }
    // The y-down frame read as z up labels differently: map_up matters.
    const bad = agree(upright[3], wrong[3]);
    assert.ok(bad < 0.8, `a wrong up still agreed on ${bad} of the labels`);
  } finally {
    await rig.close();
  }
});
