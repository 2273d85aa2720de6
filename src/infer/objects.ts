/**
 * Objects of a labelled cloud: each class-agnostic instance proposal (geometry) becomes
 * an object carrying the majority label of its points, their mean score for it, its
 * centroid and boxes; proposals whose points are all unknown (−1) are left out.
 *
 * @module
 */

import { objectBoxes } from "../kernels/object_boxes.ts";
import type { SceneObjectOutput } from "./api.ts";

/** What {@link labelledObjects} reads; N points, V voxels, K proposals. */
export interface LabelledObjectsInput {
  /** Float32Array N×3, metres (rows of points without a voxel are ignored). */
  positions: Float32Array;
  /** Int32Array N: voxel of each point, −1 = none. */
  voxelOf: Int32Array;
  /** Int32Array V: proposal of each voxel, −1 = none, else 0..K−1. */
  proposal: Int32Array;
  /** Int16Array N: label per point, −1 = unknown. */
  labels: Int16Array;
  /** Float32Array N: best score per point. */
  scores: Float32Array;
  /** Id of each proposal (Int32Array K, −1 = leave out); default 1..K by descending score. */
  ids?: Int32Array;
  /** Whether to list the points of each object (default true). */
  pointIndices?: boolean;
}

/**
 * The objects of a labelled cloud, best score first.
 *
 * @param input points, voxels, proposals, labels and scores (see {@link LabelledObjectsInput})
 */
export function labelledObjects(input: LabelledObjectsInput): SceneObjectOutput[] {
  const { positions, voxelOf, proposal, labels, scores } = input;
  const n = voxelOf.length;
  let k = 0;
  for (let v = 0; v < proposal.length; v++) k = Math.max(k, proposal[v] + 1);
  if (k === 0) return [];
  const group = new Int32Array(n).fill(-1);
  const votes: Map<number, number>[] = Array.from({ length: k }, () => new Map());
  for (let i = 0; i < n; i++) {
    const v = voxelOf[i];
    if (v < 0) continue;
    const p = proposal[v];
    if (p < 0) continue;
    group[i] = p;
    if (labels[i] >= 0) votes[p].set(labels[i], (votes[p].get(labels[i]) ?? 0) + 1);
  }
  const boxes = objectBoxes(positions, group, k);
  const major = new Int32Array(k).fill(-1);
  for (let p = 0; p < k; p++) {
    let best = 0;
    for (const [label, count] of votes[p]) {
      if (count > best || (count === best && label < major[p])) [best, major[p]] = [count, label];
    }
  }
  const sum = new Float64Array(k), hits = new Int32Array(k);
  const members: number[][] | null = input.pointIndices === false
    ? null
    : Array.from({ length: k }, () => []);
  for (let i = 0; i < n; i++) {
    const p = group[i];
    if (p < 0) continue;
    members?.[p].push(i);
    if (labels[i] === major[p]) {
      sum[p] += scores[i];
      hits[p]++;
    }
  }
  const out: { p: number; score: number }[] = [];
  for (let p = 0; p < k; p++) {
    if (major[p] < 0 || (input.ids && input.ids[p] < 0)) continue;
    out.push({ p, score: sum[p] / hits[p] });
  }
  out.sort((a, b) => b.score - a.score || a.p - b.p);
  return out.map(({ p, score }, rank) => ({
    id: input.ids ? input.ids[p] : rank + 1,
    label: major[p],
    score,
    pointCount: boxes.pointCount[p],
    centroid: [boxes.centroid[3 * p], boxes.centroid[3 * p + 1], boxes.centroid[3 * p + 2]],
    box: Array.from(boxes.box.subarray(6 * p, 6 * p + 6)),
    yawBox: Array.from(boxes.yawBox.subarray(7 * p, 7 * p + 7)),
    ...(members ? { pointIndices: Uint32Array.from(members[p]) } : {}),
  }));
}
