/**
 * Object ids that stay stable across scans: each scan's instance proposals
 * are matched to the object ids already stored on the map voxels they cover.
 *
 * @module
 */

import { invalid } from "./errors.ts";

/** Default least fraction of a proposal's map voxels that must carry an id to inherit it. */
export const DEFAULT_MIN_OVERLAP = 0.3;

/** Input of {@link assignTracks}. */
export interface TrackInput {
  /** Int32Array V: proposal of each scan voxel in 0..K−1, or −1 (none). */
  proposalOf: Int32Array;
  /** Int32Array V: map slot of each scan voxel in 0..C−1, or −1 (not in the map). */
  slotOf: Int32Array;
  /** Number of proposals K (non-negative integer). */
  proposals: number;
  /** Int32Array C: object id of each map slot, −1 none; updated in place. */
  slotObject: Int32Array;
  /** First unused object id (non-negative integer). */
  nextId: number;
  /** Least overlap (votes / distinct slots) for a match, default 0.3. */
  minOverlap?: number;
}

/**
 * Gives each proposal an object id. A proposal's slots are the distinct map
 * slots of its voxels; each of them votes for the id it holds in
 * `slotObject` (ids < 0 do not vote). A pair (proposal, id) with
 * votes / (distinct slots of the proposal) ≥ minOverlap is a candidate;
 * candidates are taken greedily by votes, most first (ties: lower proposal,
 * then lower id), each proposal and each id used at most once. Unmatched
 * proposals with at least one slot get fresh ids nextId, nextId + 1, … in
 * proposal order; proposals without slots get −1.
 *
 * Afterwards every slot of a proposal holds that proposal's id; a slot shared
 * by several proposals takes the id of the one with the most voxels in it
 * (ties: lower proposal). Other slots keep their value.
 *
 * @returns `ids` Int32Array K (object id per proposal, −1 when it has no
 *   slot) and the next unused id
 */
export function assignTracks(input: TrackInput): { ids: Int32Array; nextId: number } {
  const { proposalOf, slotOf, proposals: k, slotObject, nextId } = input;
  const minOverlap = input.minOverlap ?? DEFAULT_MIN_OVERLAP;
  const v = proposalOf.length, c = slotObject.length;
  if (!Number.isInteger(k) || k < 0) {
    throw invalid(`assignTracks: proposal count must be a non-negative integer, got ${k}`);
  }
  if (!Number.isInteger(nextId) || nextId < 0 || nextId + k > 2147483647) {
    throw invalid(`assignTracks: next id must be a non-negative int32, got ${nextId}`);
  }
  if (Number.isNaN(minOverlap)) throw invalid("assignTracks: minimum overlap is NaN");
  if (slotOf.length !== v) {
    throw invalid(`assignTracks: ${v} proposal entries but ${slotOf.length} slot entries`);
  }
  for (let i = 0; i < v; i++) {
    if (proposalOf[i] < -1 || proposalOf[i] >= k) {
      throw invalid(
        `assignTracks: proposal ${proposalOf[i]} of voxel ${i} is outside −1..${k - 1}`,
      );
    }
    if (slotOf[i] < -1 || slotOf[i] >= c) {
      throw invalid(`assignTracks: slot ${slotOf[i]} of voxel ${i} is outside −1..${c - 1}`);
    }
  }

  // Voxels with both a proposal and a slot, bucketed by proposal.
  const start = new Int32Array(k + 1);
  for (let i = 0; i < v; i++) if (proposalOf[i] >= 0 && slotOf[i] >= 0) start[proposalOf[i] + 1]++;
  for (let p = 0; p < k; p++) start[p + 1] += start[p];
  const order = new Int32Array(start[k]);
  const fill = start.slice(0, k);
  for (let i = 0; i < v; i++) {
    if (proposalOf[i] >= 0 && slotOf[i] >= 0) order[fill[proposalOf[i]]++] = i;
  }

  // Distinct (proposal, slot) pairs, grouped by proposal, with voxel counts.
  const mark = new Int32Array(c).fill(-1);
  const pairSlot = new Int32Array(order.length), pairVoxels = new Int32Array(order.length);
  const pairStart = new Int32Array(k + 1);
  let pairs = 0;
  for (let p = 0; p < k; p++) {
    pairStart[p] = pairs;
    for (let j = start[p]; j < start[p + 1]; j++) {
      const s = slotOf[order[j]];
      if (mark[s] < 0) {
        mark[s] = pairs;
        pairSlot[pairs] = s;
        pairVoxels[pairs++] = 0;
      }
      pairVoxels[mark[s]]++;
    }
    for (let t = pairStart[p]; t < pairs; t++) mark[pairSlot[t]] = -1;
  }
  pairStart[k] = pairs;

  // Candidate (proposal, id, votes) triples passing the overlap threshold.
  const candProposal: number[] = [], candId: number[] = [], candVotes: number[] = [];
  const held = new Int32Array(pairs);
  for (let p = 0; p < k; p++) {
    const distinct = pairStart[p + 1] - pairStart[p];
    let m = 0;
    for (let t = pairStart[p]; t < pairStart[p + 1]; t++) {
      if (slotObject[pairSlot[t]] >= 0) held[m++] = slotObject[pairSlot[t]];
    }
    const ids = held.subarray(0, m).sort();
    for (let a = 0; a < m;) {
      let b = a + 1;
      while (b < m && ids[b] === ids[a]) b++;
      if ((b - a) / distinct >= minOverlap) {
        candProposal.push(p);
        candId.push(ids[a]);
        candVotes.push(b - a);
      }
      a = b;
    }
  }
  const rank = Array.from(candVotes.keys()).sort((x, y) =>
    candVotes[y] - candVotes[x] || candProposal[x] - candProposal[y] || candId[x] - candId[y]
  );

  const ids = new Int32Array(k).fill(-1);
  const taken = new Set<number>();
  for (const r of rank) {
    const p = candProposal[r], id = candId[r];
    if (ids[p] >= 0 || taken.has(id)) continue;
    ids[p] = id;
    taken.add(id);
  }
  let next = nextId;
  for (let p = 0; p < k; p++) if (ids[p] < 0 && pairStart[p + 1] > pairStart[p]) ids[p] = next++;

  // Write back: each slot takes the id of the proposal with most voxels in it.
  const owner = mark; // all −1 again
  const ownerProposal = new Int32Array(pairs);
  for (let p = 0; p < k; p++) {
    for (let t = pairStart[p]; t < pairStart[p + 1]; t++) {
      ownerProposal[t] = p;
      const s = pairSlot[t];
      if (owner[s] < 0 || pairVoxels[t] > pairVoxels[owner[s]]) owner[s] = t;
    }
  }
  for (let t = 0; t < pairs; t++) {
    const s = pairSlot[t];
    if (owner[s] === t) slotObject[s] = ids[ownerProposal[t]];
  }
  return { ids, nextId: next };
}
