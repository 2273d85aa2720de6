import assert from "node:assert/strict";
import { Rng } from "./random.ts";
import { wallEvidence } from "./wall_evidence.ts";

/** Brute force: for every point, scan all points of its cell. */
function reference(
  coord: Float32Array,
  normal: Float32Array,
  floor: number,
  o = { cell: 0.25, vnz: 0.3, minTop: 1.4, minSpan: 0.8 },
): Uint8Array {
  const n = coord.length / 3, out = new Uint8Array(n);
  const vertical = (i: number) => Math.abs(normal[3 * i + 2]) <= o.vnz;
  const cellOf = (i: number) =>
    `${Math.floor(coord[3 * i] / o.cell)},${Math.floor(coord[3 * i + 1] / o.cell)}`;
  for (let i = 0; i < n; i++) {
    if (!vertical(i)) continue;
    let lo = Infinity, hi = -Infinity;
    for (let j = 0; j < n; j++) {
      if (!vertical(j) || cellOf(j) !== cellOf(i)) continue;
      lo = Math.min(lo, coord[3 * j + 2]);
      hi = Math.max(hi, coord[3 * j + 2]);
    }
    out[i] = hi - floor >= o.minTop && hi - lo >= o.minSpan ? 1 : 0;
  }
  return out;
}

Deno.test("wallEvidence matches the brute-force reference on random clouds", () => {
  const rng = new Rng(7);
  for (let trial = 0; trial < 5; trial++) {
    const n = 400;
    const coord = new Float32Array(n * 3), normal = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      coord[3 * i] = rng.uniform(-1, 1);
      coord[3 * i + 1] = rng.uniform(-1, 1);
      coord[3 * i + 2] = rng.uniform(0, 2.5);
      const nz = rng.uniform(-1, 1), r = Math.sqrt(1 - nz * nz), a = rng.uniform(0, 6.28);
      normal.set([r * Math.cos(a), r * Math.sin(a), nz], 3 * i);
    }
    assert.deepEqual(
      wallEvidence(coord, normal, 0.1 * trial),
      reference(coord, normal, 0.1 * trial),
    );
  }
});

Deno.test("wallEvidence: a partial wall counts, a low box does not", () => {
  const pts: number[] = [], nrm: number[] = [];
  // Wall at x = 0 seen from 0.9 m to 2.0 m only (furniture hides the bottom).
  for (let k = 0; k < 23; k++) pts.push(0.01, 0.1, 0.9 + 0.05 * k), nrm.push(1, 0, 0);
  // A 0.7 m box side at x = 2.
  for (let k = 0; k < 15; k++) pts.push(2.01, 0.1, 0.05 * k), nrm.push(1, 0, 0);
  // Floor.
  pts.push(1.01, 0.1, 0), nrm.push(0, 0, 1);
  const out = wallEvidence(Float32Array.from(pts), Float32Array.from(nrm), 0);
  const wall = Array.from(out.subarray(0, 23)), box = Array.from(out.subarray(23, 38));
  assert.ok(wall.every((v) => v === 1));
  assert.ok(box.every((v) => v === 0));
  assert.equal(out[out.length - 1], 0);
});

Deno.test("wallEvidence rejects mismatched normals", () => {
  assert.throws(() => wallEvidence(new Float32Array(3), new Float32Array(6), 0));
});
