import assert from "node:assert/strict";
import { objectBoxes } from "../kernels/object_boxes.ts";
import { Rng } from "../kernels/random.ts";
import { labelledObjects } from "./objects.ts";

interface Case {
  positions: Float32Array;
  voxelOf: Int32Array;
  proposal: Int32Array;
  labels: Int16Array;
  scores: Float32Array;
  k: number;
}

/** Random points in voxels in proposals; labels in −1..2 so that ties are common. */
function randomCase(rng: Rng): Case {
  const k = 1 + rng.int(6), v = 1 + rng.int(20), n = rng.int(80);
  const proposal = Int32Array.from({ length: v }, () => rng.int(k + 1) - 1);
  const voxelOf = Int32Array.from({ length: n }, () => rng.bernoulli(0.1) ? -1 : rng.int(v));
  const positions = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < 3; a++) {
      positions[3 * i + a] = voxelOf[i] < 0 ? NaN : rng.uniform(-10, 10);
    }
  }
  const labels = Int16Array.from({ length: n }, () => rng.int(4) - 1);
  const scores = Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
  return { positions, voxelOf, proposal, labels, scores, k };
}

interface RefObject {
  p: number;
  label: number;
  score: number;
  members: number[];
  tie: boolean;
}

/** Per proposal, by brute force: members, majority label (ties → lower), mean score. */
function reference(c: Case): RefObject[] {
  const out: RefObject[] = [];
  for (let p = 0; p < c.k; p++) {
    const members: number[] = [];
    for (let i = 0; i < c.voxelOf.length; i++) {
      if (c.voxelOf[i] >= 0 && c.proposal[c.voxelOf[i]] === p) members.push(i);
    }
    const count = [0, 0, 0];
    for (const i of members) if (c.labels[i] >= 0) count[c.labels[i]]++;
    const top = Math.max(...count);
    if (top === 0) continue;
    const label = count.indexOf(top);
    const with_ = members.filter((i) => c.labels[i] === label);
    const score = with_.reduce((s, i) => s + c.scores[i], 0) / with_.length;
    const tie = count.filter((x) => x === top).length > 1;
    out.push({ p, label, score, members, tie });
  }
  return out;
}

function checkGeometry(c: Case, ref: RefObject, got: ReturnType<typeof labelledObjects>[0]) {
  assert.equal(got.pointCount, ref.members.length);
  for (let a = 0; a < 3; a++) {
    const xs = ref.members.map((i) => c.positions[3 * i + a]);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    assert.ok(Math.abs(got.centroid[a] - mean) < 1e-4, `centroid ${got.centroid[a]} vs ${mean}`);
    assert.equal(got.box[a], Math.min(...xs));
    assert.equal(got.box[3 + a], Math.max(...xs));
  }
  // The yaw box is that of the proposal's points taken alone.
  const alone = objectBoxes(
    Float32Array.from(ref.members.flatMap((i) => [...c.positions.subarray(3 * i, 3 * i + 3)])),
    new Int32Array(ref.members.length),
    1,
  );
  assert.equal(got.yawBox.length, 7);
  for (let a = 0; a < 7; a++) assert.ok(Math.abs(got.yawBox[a] - alone.yawBox[a]) < 1e-3);
}

Deno.test("labelledObjects matches a brute-force reference on seeded random input", () => {
  const rng = new Rng(11);
  let ties = 0, leftOut = 0, objects = 0;
  for (let trial = 0; trial < 200; trial++) {
    const c = randomCase(rng);
    const ref = reference(c);
    const got = labelledObjects(c);
    const order = [...ref].sort((a, b) => b.score - a.score || a.p - b.p);
    assert.equal(got.length, order.length);
    order.forEach((r, rank) => {
      const o = got[rank];
      assert.equal(o.id, rank + 1);
      assert.equal(o.label, r.label);
      assert.ok(Math.abs(o.score - r.score) < 1e-9, `score ${o.score} vs ${r.score}`);
      assert.deepEqual([...o.pointIndices!], r.members);
      checkGeometry(c, r, o);
      if (r.tie) ties++;
    });
    objects += got.length;
    for (let p = 0; p < c.k; p++) {
      if (!ref.some((r) => r.p === p) && c.proposal.includes(p)) leftOut++;
    }
  }
  assert.ok(ties > 0 && leftOut > 0 && objects > 100, `${ties} ties, ${leftOut} left out`);
});

Deno.test("labelledObjects honours given ids, leaves out −1 ids and point lists on request", () => {
  const rng = new Rng(23);
  let dropped = 0;
  for (let trial = 0; trial < 100; trial++) {
    const c = randomCase(rng);
    const ids = Int32Array.from({ length: c.k }, (_, p) => rng.bernoulli(0.3) ? -1 : 100 + p);
    dropped += ids.filter((x) => x < 0).length;
    const ref = reference(c).filter((r) => ids[r.p] >= 0);
    const order = [...ref].sort((a, b) => b.score - a.score || a.p - b.p);
    const got = labelledObjects({ ...c, ids, pointIndices: false });
    assert.deepEqual(got.map((o) => o.id), order.map((r) => ids[r.p]));
    assert.deepEqual(got.map((o) => o.label), order.map((r) => r.label));
    for (const [rank, o] of got.entries()) {
      assert.equal("pointIndices" in o, false);
      checkGeometry(c, order[rank], o);
    }
  }
  assert.ok(dropped > 0);
});

Deno.test("labelledObjects: fixed example with a tie, an all-unknown proposal and stray points", () => {
  // Voxels 0, 1 → proposal 0; voxel 2 → proposal 1; voxel 3 → none; voxel 4 → proposal 2.
  const proposal = Int32Array.from([0, 0, 1, -1, 2]);
  const voxelOf = Int32Array.from([0, 0, 1, 1, -1, 2, 3, 4, 4]);
  const labels = Int16Array.from([2, 2, 1, 1, 0, -1, 0, 1, 1]);
  const scores = Float32Array.from([0.5, 0.25, 0.75, 0.25, 0.9, 0.4, 0.9, 0.125, 0.375]);
  const positions = Float32Array.from([
    ...[0, 0, 0, 2, 0, 0, 0, 4, 0, 2, 4, 2],
    ...[NaN, NaN, NaN, 5, 5, 5, 9, 9, 9, 1, 1, 1, 3, 1, 1],
  ]);
  const got = labelledObjects({ positions, voxelOf, proposal, labels, scores });
  // Proposal 0: two votes each for labels 1 and 2 → label 1, mean score 0.5.
  // Proposal 1: only an unknown point → left out. Proposal 2: label 1, mean 0.25.
  assert.equal(got.length, 2);
  assert.deepEqual(
    got.map((o) => [o.id, o.label, o.score, o.pointCount, [...o.pointIndices!]]),
    [[1, 1, 0.5, 4, [0, 1, 2, 3]], [2, 1, 0.25, 2, [7, 8]]],
  );
  assert.deepEqual(got[0].centroid, [1, 2, 0.5]);
  assert.deepEqual(got[0].box, [0, 0, 0, 2, 4, 2]);
  assert.deepEqual(got[1].box, [1, 1, 1, 3, 1, 1]);
});

Deno.test("labelledObjects returns [] without proposals", () => {
  const base = {
    positions: Float32Array.from([0, 0, 0, 1, 1, 1]),
    voxelOf: Int32Array.from([0, 1]),
    labels: Int16Array.from([0, 1]),
    scores: Float32Array.from([0.9, 0.8]),
  };
  assert.deepEqual(labelledObjects({ ...base, proposal: new Int32Array(0) }), []);
  assert.deepEqual(labelledObjects({ ...base, proposal: Int32Array.from([-1, -1]) }), []);
  const empty = {
    positions: new Float32Array(0),
    voxelOf: new Int32Array(0),
    labels: new Int16Array(0),
    scores: new Float32Array(0),
  };
  assert.deepEqual(labelledObjects({ ...empty, proposal: new Int32Array(0) }), []);
  // A proposal with no points at all is left out too.
  assert.deepEqual(labelledObjects({ ...empty, proposal: Int32Array.from([0]) }), []);
});
