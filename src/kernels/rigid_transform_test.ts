import assert from "node:assert/strict";
import { Rng } from "./random.ts";
import { randomRotation } from "./rotate_up.ts";
import { poseOrigin, transformPoints } from "./rigid_transform.ts";

function randomPose(rng: Rng): Float64Array {
  const r = randomRotation(rng);
  const pose = new Float64Array(16);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) pose[4 * i + j] = r[3 * i + j];
    pose[4 * i + 3] = rng.uniform(-5, 5);
  }
  pose[15] = 1;
  return pose;
}

Deno.test("transformPoints matches a 4x4 product with homogeneous rows", () => {
  const rng = new Rng(7);
  for (let trial = 0; trial < 5; trial++) {
    const pose = randomPose(rng);
    const n = 1 + rng.int(50);
    const coord = new Float32Array(3 * n).map(() => rng.uniform(-3, 3));
    const got = transformPoints(coord, pose);
    for (let i = 0; i < n; i++) {
      const h = [coord[3 * i], coord[3 * i + 1], coord[3 * i + 2], 1];
      for (let r = 0; r < 3; r++) {
        let s = 0;
        for (let c = 0; c < 4; c++) s += pose[4 * r + c] * h[c];
        assert.ok(Math.abs(got[3 * i + r] - s) < 1e-4);
      }
    }
    // Distances are kept (rigid).
    if (n >= 2) {
      const d0 = Math.hypot(coord[0] - coord[3], coord[1] - coord[4], coord[2] - coord[5]);
      const d1 = Math.hypot(got[0] - got[3], got[1] - got[4], got[2] - got[5]);
      assert.ok(Math.abs(d0 - d1) < 1e-4);
    }
  }
});

Deno.test("transformPoints: empty input, NaN rows stay NaN, bad shapes throw", () => {
  const pose = randomPose(new Rng(1));
  assert.equal(transformPoints(new Float32Array(0), pose).length, 0);
  const out = transformPoints(Float32Array.of(NaN, 0, 0, 1, 2, 3), pose);
  assert.ok(Number.isNaN(out[0]) && Number.isNaN(out[1]) && Number.isNaN(out[2]));
  assert.ok(Number.isFinite(out[3]));
  assert.throws(() => transformPoints(new Float32Array(3), [1, 0, 0]), /16 numbers/);
  assert.throws(() => transformPoints(new Float32Array(4), pose), /rows of 3/);
  assert.deepEqual(poseOrigin(pose), [pose[3], pose[7], pose[11]]);
});
