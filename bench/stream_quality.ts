/**
 * Quality measures of `bench stream` over one scan sequence, computed from what a
 * client sees (per-point labels and objects of each scan) and the sequence's ground
 * truth, the same way for fused and independent labelling:
 * - label flicker: the share of 5 cm map voxels, seen in two consecutive scans, whose
 *   label (the majority of the scan's points in it) differs between them;
 * - objects at IoU 0.5: greedy one-to-one matching of predicted objects (point sets)
 *   to the true instances of the scan (≥ `minPoints` points, structure classes left out),
 *   precision and recall, also counting only matches whose label is the true class;
 *   and how often a true object keeps its predicted id from one scan to the next.
 *
 * @module
 */

/** Per-scan inputs of the flicker measure. */
export interface FlickerScan {
  /** Float32Array N×3 map-frame positions (reported poses), metres. */
  positions: Float32Array;
  /** Int16Array N labels (−1 unknown counts as a label). */
  labels: Int16Array;
}

/** Majority label per voxel key of one scan (ties: the lower label). */
function voxelLabels(scan: FlickerScan, voxel: number): Map<string, number> {
  const votes = new Map<string, Map<number, number>>();
  const n = scan.labels.length;
  for (let i = 0; i < n; i++) {
    const x = scan.positions[3 * i], y = scan.positions[3 * i + 1], z = scan.positions[3 * i + 2];
    if (!Number.isFinite(x + y + z)) continue;
    const key = `${Math.floor(x / voxel)},${Math.floor(y / voxel)},${Math.floor(z / voxel)}`;
    let v = votes.get(key);
    if (!v) votes.set(key, v = new Map());
    v.set(scan.labels[i], (v.get(scan.labels[i]) ?? 0) + 1);
  }
  const out = new Map<string, number>();
  for (const [key, v] of votes) {
    let best = -2, count = 0;
    for (const [l, c] of v) if (c > count || (c === count && l < best)) [best, count] = [l, c];
    out.set(key, best);
  }
  return out;
}

/**
 * Accumulates label flicker over consecutive scans: call `add` in scan order; `value()`
 * is changed / shared voxels over all consecutive pairs (NaN before two scans).
 */
export class FlickerMeter {
  #prev: Map<string, number> | null = null;
  #shared = 0;
  #changed = 0;
  constructor(readonly voxel = 0.05) {}
  /** Adds the next scan. */
  add(scan: FlickerScan): void {
    const now = voxelLabels(scan, this.voxel);
    if (this.#prev) {
      for (const [key, l] of now) {
        const before = this.#prev.get(key);
        if (before === undefined) continue;
        this.#shared++;
        if (before !== l) this.#changed++;
      }
    }
    this.#prev = now;
  }
  /** Share of shared voxels whose label changed. */
  value(): number {
    return this.#shared ? this.#changed / this.#shared : NaN;
  }
}

/** A predicted object of one scan. */
export interface PredictedObject {
  /** Stream id. */
  id: number;
  /** Label index (into the sequence's classes). */
  label: number;
  /** Its points (indices into the scan). */
  points: Uint32Array;
}

/** Counts of object matching, summed over scans. */
export interface ObjectCounts {
  predicted: number;
  truth: number;
  matched: number;
  matchedWithLabel: number;
  /** True objects matched in two consecutive scans … */
  tracked: number;
  /** … of which kept the same predicted id. */
  sameId: number;
}

/** A zeroed {@link ObjectCounts}. */
export function emptyCounts(): ObjectCounts {
  return { predicted: 0, truth: 0, matched: 0, matchedWithLabel: 0, tracked: 0, sameId: 0 };
}

/**
 * Matches one scan's objects to its true instances (IoU ≥ 0.5, greedy by IoU) and adds
 * to `counts`. `lastIds` maps a true instance to the id it was matched to in the previous
 * scan; it is replaced by this scan's matches.
 *
 * @param instance Int32Array N true instance (−1 none); segment Int16Array N true class
 * @param skipClass classes whose instances are not objects (walls, floor, ceiling)
 */
export function matchObjects(
  objects: readonly PredictedObject[],
  truth: {
    instance: Int32Array;
    segment: Int16Array;
    skipClass: ReadonlySet<number>;
    minPoints: number;
  },
  counts: ObjectCounts,
  lastIds: Map<number, number>,
): Map<number, number> {
  const members = new Map<number, number[]>();
  for (let i = 0; i < truth.instance.length; i++) {
    const g = truth.instance[i];
    if (g < 0 || truth.skipClass.has(truth.segment[i])) continue;
    let m = members.get(g);
    if (!m) members.set(g, m = []);
    m.push(i);
  }
  const gts = [...members].filter(([, m]) => m.length >= truth.minPoints);
  const gtOf = new Map<number, number>(); // point → true instance
  for (const [g, m] of gts) for (const i of m) gtOf.set(i, g);
  const pairs: { o: number; g: number; iou: number }[] = [];
  objects.forEach((obj, o) => {
    const inter = new Map<number, number>();
    for (const i of obj.points) {
      const g = gtOf.get(i);
      if (g !== undefined) inter.set(g, (inter.get(g) ?? 0) + 1);
    }
    for (const [g, n] of inter) {
      const iou = n / (obj.points.length + members.get(g)!.length - n);
      if (iou >= 0.5) pairs.push({ o, g, iou });
    }
  });
  pairs.sort((a, b) => b.iou - a.iou);
  const usedO = new Set<number>(), ids = new Map<number, number>();
  for (const { o, g } of pairs) {
    if (usedO.has(o) || ids.has(g)) continue;
    usedO.add(o);
    ids.set(g, objects[o].id);
    counts.matched++;
    const cls = truth.segment[members.get(g)![0]];
    if (objects[o].label === cls) counts.matchedWithLabel++;
    if (lastIds.has(g)) {
      counts.tracked++;
      if (lastIds.get(g) === objects[o].id) counts.sameId++;
    }
  }
  counts.predicted += objects.length;
  counts.truth += gts.length;
  return ids;
}
