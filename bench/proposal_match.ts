/**
 * Matching of class-agnostic instance proposals to true instances: for every true
 * instance, the proposal with the highest IoU (point sets), and the majority class of
 * every true instance.
 *
 * @module
 */

import { invalid } from "../src/kernels/errors.ts";

/** The best proposal of one true instance. */
export interface InstanceMatch {
  /** true instance id */
  id: number;
  /** points of the true instance */
  points: number;
  /** best proposal id (−1 when no proposal overlaps the instance) */
  proposal: number;
  /** IoU of the instance and that proposal, in [0, 1] (0 without overlap) */
  iou: number;
}

/** Point count of every id ≥ 0 of `ids`. */
function sizes(ids: Int32Array): Map<number, number> {
  const m = new Map<number, number>();
  for (const id of ids) if (id >= 0) m.set(id, (m.get(id) ?? 0) + 1);
  return m;
}

/**
 * The best-IoU proposal of every true instance.
 *
 * @param truth Int32Array N true instance ids (−1 = none)
 * @param proposals Int32Array N proposal ids (−1 = none)
 * @param keep which true ids to match (default all)
 * @returns one match per kept true id, ascending id; ties → the lowest proposal id
 * @throws GeoError invalid_argument when the lengths differ
 */
export function matchInstances(
  truth: Int32Array,
  proposals: Int32Array,
  keep: (id: number) => boolean = () => true,
): InstanceMatch[] {
  if (truth.length !== proposals.length) {
    throw invalid(
      `Instance matching: ${truth.length} true ids but ${proposals.length} proposal ids`,
    );
  }
  const tSize = sizes(truth), pSize = sizes(proposals);
  const inter = new Map<number, Map<number, number>>();
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i], p = proposals[i];
    if (t < 0 || p < 0) continue;
    let row = inter.get(t);
    if (!row) inter.set(t, row = new Map());
    row.set(p, (row.get(p) ?? 0) + 1);
  }
  const out: InstanceMatch[] = [];
  for (const id of [...tSize.keys()].sort((a, b) => a - b)) {
    if (!keep(id)) continue;
    const points = tSize.get(id)!;
    let best = -1, iou = 0;
    for (const [p, n] of inter.get(id) ?? []) {
      const v = n / (points + pSize.get(p)! - n);
      if (v > iou || (v === iou && best >= 0 && p < best)) {
        best = p;
        iou = v;
      }
    }
    out.push({ id, points, proposal: best, iou });
  }
  return out;
}

/**
 * The majority class of every true instance (ignored points, class −1, not counted).
 *
 * @param truth Int32Array N instance ids (−1 = none)
 * @param segment Int16Array N class ids (−1 = ignore)
 * @returns instance id → class id (−1 when none of its points has a class); ties → lowest class
 */
export function instanceClasses(truth: Int32Array, segment: Int16Array): Map<number, number> {
  if (truth.length !== segment.length) {
    throw invalid(`Instance classes: ${truth.length} instance ids but ${segment.length} classes`);
  }
  const votes = new Map<number, Map<number, number>>();
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i];
    if (t < 0) continue;
    let row = votes.get(t);
    if (!row) votes.set(t, row = new Map());
    if (segment[i] >= 0) row.set(segment[i], (row.get(segment[i]) ?? 0) + 1);
  }
  const out = new Map<number, number>();
  for (const [t, row] of votes) {
    let best = -1, n = 0;
    for (const [c, v] of row) if (v > n || (v === n && c < best)) [best, n] = [c, v];
    out.set(t, best);
  }
  return out;
}
