import assert from "node:assert/strict";
import { GeoError } from "./errors.ts";
import { Rng } from "./random.ts";
import { SEGMENT_CONTEXT_COLUMNS, segmentContext } from "./segment_context.ts";

const W = SEGMENT_CONTEXT_COLUMNS;
const clip = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);

/** Brute force of the columns that do not need an eigen-decomposition (3–13). */
function reference(
  input: Parameters<typeof segmentContext>[0],
  s: number,
): Map<number, number> {
  const { coord, normal, color, planarity, floor } = input;
  const members = [...input.segments.ids.keys()].filter((i) => input.segments.ids[i] === s);
  const m = members.length;
  const mean = (f: (i: number) => number) => members.reduce((a, i) => a + f(i), 0) / m;
  const zs = members.map((i) => coord[3 * i + 2]);
  const mx = mean((i) => coord[3 * i]), my = mean((i) => coord[3 * i + 1]);
  const sxx = mean((i) => (coord[3 * i] - mx) ** 2),
    syy = mean((i) => (coord[3 * i + 1] - my) ** 2);
  const sxy = mean((i) => (coord[3 * i] - mx) * (coord[3 * i + 1] - my));
  // Eigenvalues of the 2×2 covariance, then the product of the two lengths √12·σ.
  const tr = sxx + syy, disc = Math.sqrt(Math.max(((sxx - syy) / 2) ** 2 + sxy * sxy, 0));
  const l1 = tr / 2 + disc, l2 = Math.max(tr / 2 - disc, 0);
  const out = new Map<number, number>([
    [3, clip((Math.max(...zs) - floor) / 3, -1, 2)],
    [4, clip((Math.min(...zs) - floor) / 3, -1, 2)],
    [5, clip((12 * Math.sqrt(l1 * l2)) / 4, 0, 3)],
    [6, clip(Math.log10(input.weight ? mean((i) => input.weight![i]) * m : m) / 4, 0, 2)],
    [11, mean((i) => (Math.abs(normal[3 * i + 2]) >= 0.9 ? 1 : 0))],
    [12, mean((i) => (Math.abs(normal[3 * i + 2]) <= 0.3 ? 1 : 0))],
    [13, mean((i) => planarity[i])],
  ]);
  let std = 0;
  for (let c = 0; c < 3; c++) {
    const mu = color ? mean((i) => color[3 * i + c]) : 127.5;
    out.set(7 + c, mu / 255);
    if (color) std += Math.sqrt(mean((i) => (color[3 * i + c] - mu) ** 2));
  }
  out.set(10, clip(std / 3 / 128, 0, 1));
  return out;
}

function randomInput(rng: Rng, n: number, count: number, withColor: boolean) {
  const coord = new Float32Array(3 * n), normal = new Float32Array(3 * n);
  const color = new Uint8Array(3 * n), planarity = new Float32Array(n), ids = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    coord.set([rng.uniform(2, 5), rng.uniform(-4, -1), rng.uniform(0, 2)], 3 * i);
    const v = [rng.normal(), rng.normal(), rng.normal()];
    const len = Math.hypot(...v) || 1;
    normal.set(v.map((x) => x / len), 3 * i);
    for (let c = 0; c < 3; c++) color[3 * i + c] = rng.int(256);
    planarity[i] = rng.next();
    ids[i] = rng.int(count + 1) - 1;
  }
  return {
    coord,
    normal,
    color: withColor ? color : undefined,
    planarity,
    segments: { ids, count },
    floor: 0.25,
  };
}

Deno.test("segmentContext equals a brute-force aggregation on seeded segments", () => {
  const rng = new Rng(21);
  for (const [withColor, weighted] of [[true, false], [false, false], [true, true]]) {
    const input = {
      ...randomInput(rng, 600, 5, withColor),
      weight: weighted ? Float32Array.from({ length: 600 }, () => rng.uniform(0.1, 40)) : undefined,
    };
    const { rows } = segmentContext(input);
    assert.equal(rows.length, 5 * W);
    for (let s = 0; s < 5; s++) {
      for (const [c, want] of reference(input, s)) {
        assert.ok(Math.abs(rows[s * W + c] - want) < 1e-5, `segment ${s} column ${c}`);
      }
      // Principal lengths descending, and the largest one bounds the footprint's xy lengths.
      assert.ok(rows[s * W] >= rows[s * W + 1] && rows[s * W + 1] >= rows[s * W + 2]);
    }
  }
});

Deno.test("segmentContext of a hand-made box on a floor: extents, heights and surface shares", () => {
  // Top face z = 0.8 (horizontal normals) and two long side faces (vertical normals) of a box
  // 2.0 m × 1.0 m × 0.8 m standing on the floor z = 0; one segment, plus unassigned points.
  const pts: number[] = [], nrm: number[] = [], ids: number[] = [];
  const steps = 41;
  for (let a = 0; a < steps; a++) {
    for (let b = 0; b < 21; b++) {
      pts.push((2 * a) / (steps - 1), b / 20, 0.8), nrm.push(0, 0, 1), ids.push(0);
    }
    for (let h = 0; h < 17; h++) {
      for (const y of [0, 1]) pts.push((2 * a) / (steps - 1), y, (0.8 * h) / 16);
      nrm.push(0, 1, 0, 0, -1, 0), ids.push(0, 0);
    }
  }
  pts.push(9, 9, 9), nrm.push(0, 0, 1), ids.push(-1);
  const n = ids.length;
  const input = {
    coord: new Float32Array(pts),
    normal: new Float32Array(nrm),
    color: new Uint8Array(3 * n).fill(200),
    planarity: new Float32Array(n).fill(1),
    segments: { ids: Int32Array.from(ids), count: 2 },
    floor: 0,
  };
  const { rows, shape } = segmentContext(input);
  const top = 41 * 21, sides = 41 * 17 * 2;
  assert.equal(shape.size[0], top + sides);
  assert.ok(Math.abs(rows[3] - 0.8 / 3) < 1e-6, "top above the floor");
  assert.equal(rows[4], 0, "bottom on the floor");
  // The box is symmetric about its centre in x and y, so the principal axes are x, y, z and
  // the principal variances are the per-axis variances of the points.
  const m = top + sides;
  const sd = [0, 1, 2].map((c) => {
    let mu = 0, sq = 0;
    for (let i = 0; i < m; i++) mu += pts[3 * i + c] / m;
    for (let i = 0; i < m; i++) sq += (pts[3 * i + c] - mu) ** 2 / m;
    return Math.sqrt(sq);
  });
  const lengths = sd.map((x) => (Math.sqrt(12) * x) / 2).sort((a, b) => b - a);
  for (let c = 0; c < 3; c++) assert.ok(Math.abs(rows[c] - lengths[c]) < 1e-4, `length ${c}`);
  assert.ok(Math.abs(rows[0] - 1) < 0.05, "the 2 m side comes first");
  assert.ok(Math.abs(rows[5] - (12 * sd[0] * sd[1]) / 4) < 1e-4, "footprint");
  assert.ok(Math.abs(rows[11] - top / (top + sides)) < 1e-6, "horizontal share");
  assert.ok(Math.abs(rows[12] - sides / (top + sides)) < 1e-6, "vertical share");
  assert.ok(Math.abs(rows[7] - 200 / 255) < 1e-6 && rows[10] === 0, "uniform colour");
  assert.equal(rows[13], 1);
  // Segment 1 is empty: all zeros.
  assert.deepEqual([...rows.subarray(W, 2 * W)], new Array(W).fill(0));
});

Deno.test("segmentContext edge cases: no points, one point, wrong lengths", () => {
  const none = segmentContext({
    coord: new Float32Array(0),
    normal: new Float32Array(0),
    planarity: new Float32Array(0),
    segments: { ids: new Int32Array(0), count: 3 },
    floor: 0,
  });
  assert.deepEqual([...none.rows], new Array(3 * W).fill(0));
  const one = segmentContext({
    coord: new Float32Array([1, 2, 3]),
    normal: new Float32Array([0, 0, 1]),
    planarity: new Float32Array([0.5]),
    segments: { ids: new Int32Array([0]), count: 1 },
    floor: 1,
  });
  assert.deepEqual([...one.rows.subarray(0, 3)], [0, 0, 0]);
  assert.ok(Math.abs(one.rows[3] - 2 / 3) < 1e-6 && one.rows[6] === 0 && one.rows[7] === 0.5);
  assert.throws(
    () =>
      segmentContext({
        coord: new Float32Array(6),
        normal: new Float32Array(3),
        planarity: new Float32Array(2),
        segments: { ids: new Int32Array(2), count: 1 },
        floor: 0,
      }),
    (e) => e instanceof GeoError && e.kind === "invalid_argument",
  );
  const input = {
    coord: new Float32Array([1, 2, 3]),
    normal: new Float32Array([0, 0, 1]),
    planarity: new Float32Array([0.5]),
    segments: { ids: new Int32Array([0]), count: 1 },
    floor: 1,
  };
  assert.throws(() => segmentContext({ ...input, weight: new Float32Array(2) }), /weights/);
  // One point standing for 100 reference points reads as a segment of 100 points.
  const heavy = segmentContext({ ...input, weight: new Float32Array([100]) });
  assert.ok(Math.abs(heavy.rows[6] - 0.5) < 1e-6);
});
