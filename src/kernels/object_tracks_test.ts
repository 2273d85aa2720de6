import assert from "node:assert/strict";
import { assignTracks } from "./object_tracks.ts";
import { Rng } from "./random.ts";

/** Set- and Map-based reference of the documented matching rules. */
function reference(
  proposalOf: Int32Array,
  slotOf: Int32Array,
  k: number,
  slotObject: Int32Array,
  nextId: number,
  minOverlap = 0.3,
) {
  const slotsOf = Array.from({ length: k }, () => new Map<number, number>()); // slot → voxels
  for (let i = 0; i < proposalOf.length; i++) {
    const p = proposalOf[i], s = slotOf[i];
    if (p >= 0 && s >= 0) slotsOf[p].set(s, (slotsOf[p].get(s) ?? 0) + 1);
  }
  const cands: { p: number; id: number; votes: number }[] = [];
  slotsOf.forEach((slots, p) => {
    const votes = new Map<number, number>();
    for (const s of slots.keys()) {
      if (slotObject[s] >= 0) votes.set(slotObject[s], (votes.get(slotObject[s]) ?? 0) + 1);
    }
    for (const [id, n] of votes) if (n / slots.size >= minOverlap) cands.push({ p, id, votes: n });
  });
  cands.sort((a, b) => b.votes - a.votes || a.p - b.p || a.id - b.id);
  const ids = new Array(k).fill(-1), used = new Set<number>();
  for (const c of cands) {
    if (ids[c.p] !== -1 || used.has(c.id)) continue;
    ids[c.p] = c.id;
    used.add(c.id);
  }
  for (let p = 0; p < k; p++) if (ids[p] === -1 && slotsOf[p].size > 0) ids[p] = nextId++;
  const after = Array.from(slotObject);
  const best = new Map<number, [number, number]>(); // slot → [voxels, proposal]
  slotsOf.forEach((slots, p) => {
    for (const [s, n] of slots) if (!best.has(s) || n > best.get(s)![0]) best.set(s, [n, p]);
  });
  for (const [s, [, p]] of best) after[s] = ids[p];
  return { ids, nextId, after };
}

function check(
  proposalOf: Int32Array,
  slotOf: Int32Array,
  k: number,
  slotObject: Int32Array,
  nextId: number,
  minOverlap?: number,
) {
  const want = reference(proposalOf, slotOf, k, slotObject, nextId, minOverlap);
  const got = assignTracks({ proposalOf, slotOf, proposals: k, slotObject, nextId, minOverlap });
  assert.deepEqual(Array.from(got.ids), want.ids);
  assert.equal(got.nextId, want.nextId);
  assert.deepEqual(Array.from(slotObject), want.after);
  return got;
}

Deno.test("assignTracks matches a reference on random scans, repeated over time", () => {
  const rng = new Rng(601);
  for (
    const [slots, voxels, k, overlap] of [[200, 300, 12, 0.3], [50, 400, 30, 0.1], [
      500,
      100,
      5,
      0.6,
    ]]
  ) {
    const slotObject = new Int32Array(slots).fill(-1);
    let nextId = 0;
    for (let scan = 0; scan < 25; scan++) {
      // Proposals cover contiguous slot ranges (like objects) with some noise.
      const proposalOf = new Int32Array(voxels), slotOf = new Int32Array(voxels);
      const base = Array.from({ length: k }, () => rng.int(slots));
      for (let i = 0; i < voxels; i++) {
        const p = rng.bernoulli(0.1) ? -1 : rng.int(k - 1); // proposal k − 1 stays empty
        proposalOf[i] = p;
        const s = p < 0 ? rng.int(slots) : (base[p] + rng.int(15)) % slots;
        slotOf[i] = rng.bernoulli(0.1) ? -1 : s;
      }
      nextId = check(proposalOf, slotOf, k, slotObject, nextId, overlap).nextId;
    }
    assert.ok(nextId > k);
  }
});

const I = (a: number[]) => new Int32Array(a);

Deno.test("assignTracks hand-made cases", () => {
  // The same object seen twice keeps its id.
  const obj = new Int32Array(10).fill(-1);
  let r = check(I([0, 0, 0, 0, 0]), I([0, 1, 2, 3, 4]), 1, obj, 5);
  assert.deepEqual([Array.from(r.ids), r.nextId], [[5], 6]);
  r = check(I([0, 0, 0, 0, 0, 0]), I([2, 3, 4, 5, 6, 6]), 1, obj, 6);
  assert.deepEqual([Array.from(r.ids), r.nextId], [[5], 6]);
  assert.deepEqual(Array.from(obj), [5, 5, 5, 5, 5, 5, 5, -1, -1, -1]);

  // Two proposals over one old id: the one with more votes keeps it.
  const merged = I([7, 7, 7, 7, 7, 7, 7, 7, 7, 7]);
  r = check(I([1, 1, 1, 1, 0, 0, 0, 0, 0, 0]), I([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), 2, merged, 8);
  assert.deepEqual([Array.from(r.ids), r.nextId], [[7, 8], 9]);
  assert.deepEqual(Array.from(merged), [8, 8, 8, 8, 7, 7, 7, 7, 7, 7]);

  // An object split in two with equal votes: the lower proposal keeps the id.
  const split = I([3, 3, 3, 3, -1, -1]);
  r = check(I([1, 1, 0, 0, 2, -1]), I([0, 1, 2, 3, -1, 4]), 3, split, 4);
  assert.deepEqual([Array.from(r.ids), r.nextId], [[3, 4, -1], 5]);
  assert.deepEqual(Array.from(split), [4, 4, 3, 3, -1, -1]); // slot 4 has no proposal

  // minOverlap edge: 3 of 10 distinct slots is exactly 0.3.
  const ten = I([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), zeros = new Int32Array(10);
  const edge = () => I([1, 1, 1, -1, -1, -1, -1, -1, -1, -1]);
  assert.deepEqual(Array.from(check(zeros, ten, 1, edge(), 2).ids), [1]);
  assert.deepEqual(Array.from(check(zeros, ten, 1, edge(), 2, 0.31).ids), [2]);
  // Duplicated voxels do not add votes: 3 distinct slots out of 11 voxels.
  const dup = I([0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2]);
  assert.deepEqual(Array.from(check(new Int32Array(11), dup, 1, I([9, 4, 4]), 0, 0.5).ids), [4]);

  // Greedy by votes: p0 takes A (5 votes); p1 loses A, and B is not p1's.
  const cross = I([10, 10, 10, 10, 10, 20, 20, 20, 10, 10, 10, 10]);
  r = check(
    I([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]),
    I([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]),
    2,
    cross,
    30,
  );
  assert.deepEqual(Array.from(r.ids), [10, 30]);

  // A slot shared by two proposals goes to the one with more voxels there (ties: lower).
  const shared = I([-1, -1]);
  r = check(I([0, 1, 1, 0, 1]), I([0, 0, 0, 1, 1]), 2, shared, 0);
  assert.deepEqual(Array.from(r.ids), [0, 1]);
  assert.deepEqual(Array.from(shared), [1, 0]);
});

Deno.test("assignTracks edge cases and argument checks", () => {
  const none = assignTracks({
    proposalOf: I([]),
    slotOf: I([]),
    proposals: 0,
    slotObject: I([]),
    nextId: 3,
  });
  assert.deepEqual([none.ids.length, none.nextId], [0, 3]);
  const empty = check(I([-1, 0]), I([0, -1]), 2, I([4]), 0);
  assert.deepEqual([Array.from(empty.ids), empty.nextId], [[-1, -1], 0]);
  const base = { proposalOf: I([0]), slotOf: I([0]), proposals: 1, slotObject: I([-1]), nextId: 0 };
  assert.throws(() => assignTracks({ ...base, proposalOf: I([1]) }), /outside/);
  assert.throws(() => assignTracks({ ...base, slotOf: I([1]) }), /outside/);
  assert.throws(() => assignTracks({ ...base, slotOf: I([0, 0]) }), /entries/);
  assert.throws(() => assignTracks({ ...base, nextId: -1 }), /next id/);
  assert.throws(() => assignTracks({ ...base, proposals: 1.5 }), /proposal count/);
  assert.throws(() => assignTracks({ ...base, minOverlap: NaN }), /NaN/);
});
