import assert from "node:assert/strict";
import { GeoError } from "../kernels/errors.ts";
import { Rng } from "../kernels/random.ts";
import type { ScanOutput } from "./api.ts";
import { type ScanMeta, StreamSession, type StreamSessionOptions } from "./stream_session.ts";

const DIM = 4, SIZE = 0.5;
const A = [1, 0, 0, 0], B = [0, 1, 0, 0], C = [0, 0, 1, 0];

type Cell = [number, number, number];
/** One scan voxel: its map cell, feature (normalised here), points (default 2), proposal. */
interface Vox {
  cell: Cell;
  f: number[];
  n?: number;
  p?: number;
}

function unit(v: number[]): number[] {
  const len = Math.hypot(...v);
  return v.map((x) => x / len);
}

function mix(a: number[], wa: number, b: number[], wb: number, rng?: Rng, noise = 0): number[] {
  return unit(a.map((x, i) => wa * x + wb * b[i] + (rng ? noise * rng.normal() : 0)));
}

const center = (cell: Cell) => cell.map((i) => (i + 0.5) * SIZE);

/** A scan whose first `nan` points have no coordinates (voxelOf −1). */
function scan(voxels: Vox[], nan = 0): ScanOutput {
  const v = voxels.length;
  const voxelCenter = new Float32Array(3 * v), semantic = new Float32Array(v * DIM);
  const pos: number[] = [], of: number[] = [];
  for (let k = 0; k < nan; k++) pos.push(NaN, NaN, NaN), of.push(-1);
  voxels.forEach((x, j) => {
    const c = center(x.cell);
    voxelCenter.set(c, 3 * j);
    semantic.set(unit(x.f), j * DIM);
    for (let k = 0; k < (x.n ?? 2); k++) pos.push(c[0] + 0.05 * k, c[1], c[2]), of.push(j);
  });
  const hasProposals = voxels.some((x) => x.p !== undefined);
  return {
    model: "m",
    version: 1,
    count: of.length,
    positions: Float32Array.from(pos),
    voxelOf: Int32Array.from(of),
    voxelCenter,
    semantic,
    proposal: hasProposals ? Int32Array.from(voxels, (x) => x.p ?? -1) : new Int32Array(0),
    timing: { decode: 0, features: 0, adapter: 0 },
  };
}

function pose(x = 0, y = 0, z = 0): number[] {
  return [1, 0, 0, x, 0, 1, 0, y, 0, 0, 1, z, 0, 0, 0, 1];
}

function meta(timestamp: number, extra: Partial<ScanMeta> = {}): ScanMeta {
  return { pose: pose(), timestamp, objects: false, changes: false, ...extra };
}

function open(options: Partial<StreamSessionOptions> = {}, labels = [A, B, C]): StreamSession {
  const s = new StreamSession({
    dim: DIM,
    voxelSize: SIZE,
    mapRadius: 1000,
    maxMapVoxels: 256,
    minScore: -1,
    ...options,
  });
  s.setLabels(Float32Array.from(labels.flat()));
  return s;
}

/** Label of each voxel's first point. */
function voxelLabels(s: ScanOutput, labels: Int16Array): number[] {
  return Array.from({ length: s.voxelCenter.length / 3 }, (_, j) => labels[s.voxelOf.indexOf(j)]);
}

const cells = (n: number, x0 = 0): Cell[] => Array.from({ length: n }, (_, i) => [x0 + i, 0, 0]);

Deno.test("fused labels follow the running mean; independent ones each scan's own feature", () => {
  const rng = new Rng(3);
  const fused = open(), alone = open({ independent: true });
  const where = cells(6);
  const sums = where.map(() => [0, 0, 0, 0]);
  for (let t = 0; t < 6; t++) {
    // Five scans closer to A, then one closer to B.
    const s = scan(where.map((cell) => ({
      cell,
      f: t < 5 ? mix(A, 0.8, B, 0.6, rng, 0.03) : mix(A, 0.6, B, 0.8, rng, 0.03),
    })));
    const f = fused.labelScan(s, meta(t));
    const g = alone.labelScan(s, meta(t));
    assert.equal(f.fused, true);
    assert.equal(f.warning, "");
    assert.equal(g.fused, false);
    where.forEach((_, j) => {
      const row = [...s.semantic.subarray(j * DIM, (j + 1) * DIM)];
      for (let c = 0; c < DIM; c++) sums[j][c] += row[c];
      const mean = unit(sums[j]);
      const i = s.voxelOf.indexOf(j);
      assert.equal(f.labels[i], mean[1] > mean[0] ? 1 : 0);
      assert.ok(Math.abs(f.scores[i] - Math.max(mean[0], mean[1])) < 1e-5);
      assert.equal(g.labels[i], row[1] > row[0] ? 1 : 0);
      assert.ok(Math.abs(g.scores[i] - Math.max(row[0], row[1])) < 1e-5);
    });
    if (t === 5) {
      assert.deepEqual(voxelLabels(s, f.labels), [0, 0, 0, 0, 0, 0]);
      assert.deepEqual(voxelLabels(s, g.labels), [1, 1, 1, 1, 1, 1]);
    }
  }
  assert.equal(fused.mapVoxels, 6);
  assert.equal(alone.mapVoxels, 0);
  assert.equal(fused.scans, 6);
});

Deno.test("scans that cannot be fused are labelled alone and leave the map untouched", () => {
  const s = open();
  const where = cells(3);
  const first = s.labelScan(scan(where.map((cell) => ({ cell, f: A }))), meta(10));
  assert.equal(first.fused, true);
  assert.equal(s.fuseRefusal(pose(), 10), "");
  const towardB = scan(where.map((cell) => ({ cell, f: B })));
  const refusals: [ArrayLike<number> | undefined, number, RegExp][] = [
    [undefined, 11, /pose/],
    [pose(), 5, /older/],
    [pose(), NaN, /not finite/],
    [pose(), Infinity, /not finite/],
  ];
  for (const [p, timestamp, reason] of refusals) {
    assert.match(s.fuseRefusal(p, timestamp), reason);
    const out = s.labelScan(towardB, { pose: p, timestamp, objects: false, changes: true });
    assert.equal(out.fused, false);
    assert.match(out.warning, reason);
    assert.equal(out.changes, undefined);
    assert.equal(out.mapVoxels, 3);
    assert.equal(out.evicted, 0);
    assert.deepEqual(voxelLabels(towardB, out.labels), [1, 1, 1]); // its own features
  }
  // Had the refused scans been fused, the map would now lean to B.
  const after = s.labelScan(
    scan(where.map((cell) => ({ cell, f: mix(A, 0.6, B, 0.8) }))),
    meta(12),
  );
  assert.equal(after.fused, true);
  assert.deepEqual(voxelLabels(towardB, after.labels), [0, 0, 0]);
  assert.equal(s.mapVoxels, 3);

  const alone = open({ independent: true });
  assert.match(alone.fuseRefusal(pose(), 1), /independent/);
  const out = alone.labelScan(towardB, meta(1));
  assert.equal(out.fused, false);
  assert.match(out.warning, /independent/);
  assert.equal(out.mapVoxels, 0);
});

Deno.test("points without a voxel get −1 / NaN; minScore turns low scores into −1", () => {
  const s = open({ minScore: 0.9 });
  const sc = scan([
    { cell: [0, 0, 0], f: A, n: 3 },
    { cell: [1, 0, 0], f: mix(B, 0.8, C, 0.6) }, // best cosine 0.8
  ], 2);
  const out = s.labelScan(sc, meta(0));
  assert.deepEqual([...out.labels], [-1, -1, 0, 0, 0, -1, -1]);
  assert.ok(Number.isNaN(out.scores[0]) && Number.isNaN(out.scores[1]));
  assert.ok(Math.abs(out.scores[2] - 1) < 1e-6);
  assert.ok(Math.abs(out.scores[5] - 0.8) < 1e-6);
});

Deno.test("voxels the full map cannot take are labelled from their own features", () => {
  const s = open({ maxMapVoxels: 4 });
  const sc = scan(cells(6).map((cell, j) => ({ cell, f: j < 4 ? A : mix(C, 0.9, A, 0.1) })));
  const out = s.labelScan(sc, meta(0));
  assert.equal(out.mapVoxels, 4);
  assert.deepEqual(voxelLabels(sc, out.labels), [0, 0, 0, 0, 2, 2]);
});

Deno.test("setLabels keeps the map's evidence and re-indexes labels", () => {
  const s = open({}, [A, B]);
  const where = cells(2);
  for (let t = 0; t < 3; t++) s.labelScan(scan(where.map((cell) => ({ cell, f: A }))), meta(t));
  const leanB = scan(where.map((cell) => ({ cell, f: mix(A, 0.6, B, 0.8) })));
  s.setLabels(Float32Array.from([...B, ...A]));
  const out = s.labelScan(leanB, meta(3, { changes: true }));
  assert.deepEqual(voxelLabels(leanB, out.labels), [1, 1]); // A, now second
  // Labels changed: every touched voxel is reported again.
  assert.deepEqual([...out.changes!.labels], [1, 1]);
  const fresh = open({}, [B, A]);
  assert.deepEqual(voxelLabels(leanB, fresh.labelScan(leanB, meta(0)).labels), [0, 0]);

  assert.throws(() => s.setLabels(new Float32Array(2 * DIM + 1)), (e: unknown) => {
    return e instanceof GeoError && e.kind === "invalid_argument";
  });
  assert.throws(() => s.setLabels(new Float32Array(0)), GeoError);
  // The refused matrix did not replace the labels.
  assert.deepEqual(voxelLabels(leanB, s.labelScan(leanB, meta(4)).labels), [1, 1]);
  const none = new StreamSession({ ...s.options });
  assert.throws(() => none.labelScan(leanB, meta(0)), (e: unknown) => {
    return e instanceof GeoError && e.kind === "failed_precondition";
  });
});

Deno.test("the map never exceeds maxMapVoxels and reports evictions", () => {
  const rng = new Rng(9);
  const s = open({ maxMapVoxels: 50 });
  let evicted = 0, inserted = 0;
  for (let t = 0; t < 30; t++) {
    const n = 5 + rng.int(16);
    const sc = scan(cells(n, inserted).map((cell) => ({ cell, f: mix(A, 1, B, 0, rng, 0.2) })));
    inserted += n;
    const out = s.labelScan(sc, meta(t));
    assert.ok(out.mapVoxels <= 50, `${out.mapVoxels} voxels`);
    assert.equal(out.mapVoxels, s.mapVoxels);
    evicted += out.evicted;
    // Every fresh voxel fits, so voxels in the map = inserted − evicted.
    assert.equal(out.mapVoxels, inserted - evicted);
  }
  assert.ok(evicted > 0);
});

Deno.test("mapRadius evicts voxels far from the sensor", () => {
  const s = open({ mapRadius: 5 });
  s.labelScan(scan([0, 4, 8, 12, 16].map((x) => ({ cell: [x, 0, 0] as Cell, f: A }))), meta(0));
  assert.equal(s.mapVoxels, 5);
  // Sensor at x = 10 m: centres at x = 0.25, 2.25, 4.25 are farther than 5 m.
  const out = s.labelScan(scan([{ cell: [20, 0, 0], f: B }]), {
    ...meta(1),
    pose: pose(10, 0, 0),
  });
  assert.equal(out.evicted, 3);
  assert.equal(out.mapVoxels, 3);
  // A kept voxel remembers A; an evicted one starts afresh from its own feature.
  const leanB = mix(A, 0.6, B, 0.8);
  const again = scan([{ cell: [12, 0, 0], f: leanB }, { cell: [4, 0, 0], f: leanB }]);
  const back = s.labelScan(again, { ...meta(2), pose: pose(10, 0, 0) });
  assert.deepEqual(voxelLabels(again, back.labels), [0, 1]);
});

Deno.test("changes are reported once per label change, and again for a reused slot", () => {
  const s = open();
  const x: Cell = [0, 0, 0], y: Cell = [3, 1, 2];
  const counts: number[] = [];
  for (let t = 0; t < 7; t++) {
    const f = t < 2 ? A : B; // mean: A, A, A, tie (→ A), B, B, B
    const out = s.labelScan(scan([{ cell: x, f }, { cell: y, f: B }]), meta(t, { changes: true }));
    counts.push(out.changes!.labels.length);
    if (t === 0) {
      assert.deepEqual([...out.changes!.labels], [0, 1]);
      assert.deepEqual([...out.changes!.centers], [...center(x), ...center(y)]);
    }
    if (t === 4) {
      assert.deepEqual([...out.changes!.labels], [1]);
      assert.deepEqual([...out.changes!.centers], center(x));
    }
  }
  assert.deepEqual(counts, [2, 0, 0, 0, 1, 0, 0]);
  assert.equal(s.labelScan(scan([{ cell: x, f: B }]), meta(7)).changes, undefined);

  // One slot: a new cell evicts the old one and reuses its slot with the same label.
  const one = open({ maxMapVoxels: 1 });
  const first = one.labelScan(scan([{ cell: x, f: A }]), meta(0, { changes: true }));
  assert.deepEqual([...first.changes!.labels], [0]);
  const second = one.labelScan(scan([{ cell: y, f: A }]), meta(1, { changes: true }));
  assert.equal(second.evicted, 1);
  assert.deepEqual([...second.changes!.labels], [0]);
  assert.deepEqual([...second.changes!.centers], center(y));
  const third = one.labelScan(scan([{ cell: y, f: A }]), meta(2, { changes: true }));
  assert.equal(third.changes!.labels.length, 0);
});

Deno.test("objects keep their ids across fused scans and can be queried", () => {
  const s = open();
  assert.deepEqual(s.query(Float32Array.from(A), { maxObjects: 5, minScore: -1 }), []);
  // Object "a": cells 0..3 (A, A, A, B); object "c": cells 10..12 (C); cell 20 no proposal.
  const objA = (p: number): Vox[] =>
    [0, 1, 2, 3].map((i) => ({ cell: [i, 0, 0], f: i < 3 ? A : B, p }));
  const objC = (p: number): Vox[] => [10, 11, 12].map((i) => ({ cell: [i, 0, 0], f: C, p }));
  const stray: Vox = { cell: [20, 0, 0], f: A };
  const s1 = scan([...objA(0), ...objC(1), stray], 1);
  const o1 = s.labelScan(s1, meta(0, { objects: true })).objects;
  const byLabel = (os: typeof o1, label: number) => os.find((o) => o.label === label)!;
  assert.equal(o1.length, 2);
  assert.deepEqual(o1.map((o) => o.id).sort(), [1, 2]);
  const a1 = byLabel(o1, 0), c1 = byLabel(o1, 2);
  assert.deepEqual([...a1.pointIndices!], [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual([...c1.pointIndices!], [9, 10, 11, 12, 13, 14]);
  assert.equal(a1.pointCount, 8);
  assert.ok(Math.abs(a1.score - 1) < 1e-6); // mean score of its six label-A points

  // Second scan: proposals numbered the other way, object "a" grown by one voxel (cell 4).
  const grown: Vox[] = [...objA(1), { cell: [4, 0, 0], f: A, p: 1 }];
  const s2 = scan([...objC(0), ...grown]);
  const o2 = s.labelScan(s2, meta(1, { objects: true })).objects;
  assert.equal(byLabel(o2, 0).id, a1.id);
  assert.equal(byLabel(o2, 2).id, c1.id);
  assert.deepEqual([...byLabel(o2, 2).pointIndices!], [0, 1, 2, 3, 4, 5]);
  assert.deepEqual([...byLabel(o2, 0).pointIndices!], [6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
  // A new object elsewhere gets a fresh id.
  const o3 = s.labelScan(scan([{ cell: [30, 0, 0], f: B, p: 0 }]), meta(2, { objects: true }));
  assert.deepEqual(o3.objects.map((o) => [o.id, o.label]), [[3, 1]]);
  assert.deepEqual(s.labelScan(s2, meta(3)).objects, []); // not asked

  // Query [C, A]: "c" is C exactly; "a" is 4A + B; the B object scores 0 for both.
  const q = Float32Array.from([...C, ...A]);
  const all = s.query(q, { maxObjects: 10, minScore: -1 });
  assert.deepEqual(all.map((o) => [o.id, o.label]), [[c1.id, 0], [a1.id, 1], [3, 0]]);
  assert.ok(Math.abs(all[0].score - 1) < 1e-6);
  assert.ok(Math.abs(all[1].score - 4 / Math.sqrt(17)) < 1e-6);
  assert.ok(Math.abs(all[2].score) < 1e-6);
  assert.deepEqual([all[0].pointCount, all[1].pointCount, all[2].pointCount], [3, 5, 1]);
  assert.deepEqual(all[1].centroid, [1.25, 0.25, 0.25]);
  assert.deepEqual(all[1].box, [0.25, 0.25, 0.25, 2.25, 0.25, 0.25]);
  assert.equal(all[0].pointIndices, undefined);
  assert.deepEqual(s.query(q, { maxObjects: 2, minScore: -1 }).map((o) => o.id), [c1.id, a1.id]);
  assert.deepEqual(s.query(q, { maxObjects: 10, minScore: 0.5 }).map((o) => o.id), [
    c1.id,
    a1.id,
  ]);
  assert.deepEqual(s.query(q, { maxObjects: 10, minScore: 0.99 }).map((o) => o.id), [c1.id]);
  assert.deepEqual(s.query(q, { maxObjects: 10, minScore: 1.01 }), []);
  assert.deepEqual(s.query(q, { maxObjects: 0, minScore: -1 }), []);
});

Deno.test("StreamSession.query leaves out map objects under minVoxels", () => {
  const s = new StreamSession({
    dim: 2,
    voxelSize: 0.1,
    mapRadius: 100,
    maxMapVoxels: 100,
    minScore: -1,
  });
  s.setLabels(Float32Array.of(1, 0, 0, 1));
  // Proposal 0: 12 voxels in a row; proposal 1: 2 voxels far away.
  const v = 14;
  const centers = new Float32Array(3 * v);
  for (let j = 0; j < v; j++) centers[3 * j] = j < 12 ? 0.05 + 0.1 * j : 5 + 0.1 * j;
  const scan = {
    model: "m",
    version: 1,
    count: v,
    positions: centers,
    voxelOf: Int32Array.from({ length: v }, (_, j) => j),
    voxelCenter: centers,
    semantic: new Float32Array(2 * v).map((_, i) => (i % 2 === 0 ? 1 : 0)),
    proposal: Int32Array.from({ length: v }, (_, j) => (j < 12 ? 0 : 1)),
    timing: { decode: 0, features: 0, adapter: 0 },
  };
  const pose = Float64Array.of(1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1);
  s.labelScan(scan, { pose, timestamp: 0, objects: true, changes: false });
  const all = s.query(Float32Array.of(1, 0), { maxObjects: 10, minScore: -1 });
  assert.deepEqual(all.map((o) => o.pointCount).sort((a, b) => a - b), [2, 12]);
  const big = s.query(Float32Array.of(1, 0), { maxObjects: 10, minScore: -1, minVoxels: 10 });
  assert.deepEqual(big.map((o) => o.pointCount), [12]);
});
