/**
 * Bounded voxel map of fused feature vectors in a fixed map frame: each scan's
 * per-voxel features are averaged in so that labels stay consistent over time.
 * All memory is allocated at creation; when full, the stalest voxels go.
 *
 * @module
 */

import { hashCell } from "./cell_hash.ts";
import { invalid } from "./errors.ts";

/** Default cap on a voxel's fused weight (number of observations it remembers). */
export const DEFAULT_MAX_WEIGHT = 20;

/**
 * A voxel map with a fixed number of slots. Slot s is live when `live[s]` is 1;
 * the arrays are public for reading and for the object tracker, which writes
 * `object`. Everything else should go through the functions of this module.
 */
export interface FeatureMap {
  /** Feature width D. */
  readonly dim: number;
  /** Voxel side s, metres; cell (⌊x/s⌋, ⌊y/s⌋, ⌊z/s⌋). */
  readonly voxelSize: number;
  /** Number of slots C (most voxels held at once). */
  readonly capacity: number;
  /** Number of live slots. */
  size: number;
  /** Int32Array C×3: cell (ix, iy, iz) of each live slot. */
  readonly keys: Int32Array;
  /** Float32Array C×D: weighted sum of the feature rows fused into each slot. */
  readonly sum: Float32Array;
  /** Float32Array C: total weight of each slot (≤ maxWeight); 0 when free. */
  readonly weight: Float32Array;
  /** Float64Array C: tick of the last fusion into each slot. */
  readonly lastSeen: Float64Array;
  /** Int32Array C: object id of each slot, −1 none; reset to −1 when a slot is (re)created. */
  readonly object: Int32Array;
  /** Uint8Array C: 1 for live slots, 0 for free ones. */
  readonly live: Uint8Array;
  /** Int32Array T (power of two ≥ 2C): linear-probing table cell → slot, −1 empty. */
  readonly table: Int32Array;
  /** Int32Array C: binary min-heap of the C − size free slots. */
  readonly freeHeap: Int32Array;
  /** Int32Array C: scratch space for eviction. */
  readonly scratch: Int32Array;
}

/**
 * Creates an empty map; allocates all its memory (about C·(4D + 41) bytes).
 *
 * @param options.dim feature width D (positive integer)
 * @param options.voxelSize voxel side, metres (positive, finite)
 * @param options.capacity number of slots C (positive integer ≤ 2^28)
 */
export function createFeatureMap(
  options: { dim: number; voxelSize: number; capacity: number },
): FeatureMap {
  const { dim, voxelSize, capacity } = options;
  if (!Number.isInteger(dim) || dim < 1) throw invalid(`Feature map: dim must be ≥ 1, got ${dim}`);
  if (!(voxelSize > 0 && voxelSize < Infinity)) {
    throw invalid(`Feature map: bad voxel size ${voxelSize}`);
  }
  if (!(Number.isInteger(capacity) && capacity >= 1 && capacity <= 1 << 28)) {
    throw invalid(`Feature map: capacity must be an integer in 1..2^28, got ${capacity}`);
  }
  let t = 2;
  while (t < 2 * capacity) t *= 2;
  return {
    dim,
    voxelSize,
    capacity,
    size: 0,
    keys: new Int32Array(3 * capacity),
    sum: new Float32Array(capacity * dim),
    weight: new Float32Array(capacity),
    lastSeen: new Float64Array(capacity),
    object: new Int32Array(capacity).fill(-1),
    live: new Uint8Array(capacity),
    table: new Int32Array(t).fill(-1),
    freeHeap: Int32Array.from({ length: capacity }, (_, i) => i),
    scratch: new Int32Array(capacity),
  };
}

/** Largest cell index magnitude (cells are int32). */
const LIMIT = 2147483647;

/** Whether cell (ix, iy, iz) is a finite cell within the int32 range. */
function inRange(ix: number, iy: number, iz: number): boolean {
  return Math.abs(ix) <= LIMIT && Math.abs(iy) <= LIMIT && Math.abs(iz) <= LIMIT;
}

/** Squared length of slot `slot`'s feature sum. */
function sumNorm2(map: FeatureMap, slot: number): number {
  const { dim, sum } = map, o = slot * dim;
  let n2 = 0;
  for (let d = 0; d < dim; d++) n2 += sum[o + d] * sum[o + d];
  return n2;
}

/** Bucket holding cell (ix, iy, iz), or −1 − (the empty bucket where it would go). */
function probe(map: FeatureMap, ix: number, iy: number, iz: number): number {
  const { table, keys } = map, mask = table.length - 1;
  let b = hashCell(ix, iy, iz) & mask;
  for (;;) {
    const s = table[b];
    if (s < 0) return -1 - b;
    if (keys[3 * s] === ix && keys[3 * s + 1] === iy && keys[3 * s + 2] === iz) return b;
    b = (b + 1) & mask;
  }
}

/**
 * Slot of the voxel containing point (x, y, z) (metres, map frame), or −1
 * when that voxel is not in the map or the point is not finite.
 */
export function findSlot(map: FeatureMap, x: number, y: number, z: number): number {
  const s = map.voxelSize;
  const ix = Math.floor(x / s), iy = Math.floor(y / s), iz = Math.floor(z / s);
  if (!inRange(ix, iy, iz)) return -1;
  const b = probe(map, ix, iy, iz);
  return b < 0 ? -1 : map.table[b];
}

/** Adds v to the min-heap heap[0..n). */
function heapPush(heap: Int32Array, n: number, v: number): void {
  let i = n;
  for (let p = (i - 1) >> 1; i > 0 && heap[p] > v; i = p, p = (i - 1) >> 1) heap[i] = heap[p];
  heap[i] = v;
}

/** Removes and returns the smallest of the min-heap heap[0..n), n ≥ 1. */
function heapPop(heap: Int32Array, n: number): number {
  const top = heap[0], v = heap[n - 1], m = n - 1;
  let i = 0;
  for (let c = 1; c < m; i = c, c = 2 * i + 1) {
    if (c + 1 < m && heap[c + 1] < heap[c]) c++;
    if (heap[c] >= v) break;
    heap[i] = heap[c];
  }
  heap[i] = v;
  return top;
}

/**
 * Frees live slot `slot`: removes its cell from the table (backward shift,
 * so no tombstones are left) and clears its weight and object id.
 *
 * @returns false when the slot was not live
 */
export function removeSlot(map: FeatureMap, slot: number): boolean {
  checkSlot(map, slot, "removeSlot");
  if (!map.live[slot]) return false;
  const { table, keys } = map, mask = table.length - 1;
  let i = probe(map, keys[3 * slot], keys[3 * slot + 1], keys[3 * slot + 2]);
  for (let j = (i + 1) & mask, t = table[j]; t >= 0; j = (j + 1) & mask, t = table[j]) {
    const home = hashCell(keys[3 * t], keys[3 * t + 1], keys[3 * t + 2]) & mask;
    // t may fill the hole at i unless its home lies cyclically in (i, j].
    if (((j - home) & mask) >= ((j - i) & mask)) {
      table[i] = t;
      i = j;
    }
  }
  table[i] = -1;
  map.live[slot] = 0;
  map.weight[slot] = 0;
  map.object[slot] = -1;
  heapPush(map.freeHeap, map.capacity - map.size, slot);
  map.size--;
  return true;
}

/** Reorders idx[0..n) so that idx[0..k) are the k slots with the smallest (lastSeen, slot). */
function selectOldest(idx: Int32Array, n: number, k: number, age: Float64Array): void {
  const less = (a: number, b: number) => age[a] < age[b] || (age[a] === age[b] && a < b);
  let lo = 0, hi = n - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = idx[(lo + hi) >>> 1];
    let i = lo, j = hi;
    while (i <= j) {
      while (less(idx[i], pivot)) i++;
      while (less(pivot, idx[j])) j--;
      if (i <= j) {
        const t = idx[i];
        idx[i++] = idx[j];
        idx[j--] = t;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
}

/** Evicts up to ⌈C/8⌉ oldest slots not seen at `tick`; returns how many. */
function evictOldest(map: FeatureMap, tick: number): number {
  const { live, lastSeen, scratch } = map;
  let n = 0;
  for (let s = 0; s < map.capacity; s++) if (live[s] && lastSeen[s] !== tick) scratch[n++] = s;
  const k = Math.min(n, Math.ceil(map.capacity / 8));
  if (k > 0 && k < n) selectOldest(scratch, n, k, lastSeen);
  for (let i = 0; i < k; i++) removeSlot(map, scratch[i]);
  return k;
}

/**
 * Fuses feature rows into the map. Each row adds weight 1 to the slot of the
 * voxel containing its centre, creating the slot when needed; rows falling in
 * the same voxel all add. When a slot's weight would exceed `maxWeight`, its
 * sum and weight are first scaled by (maxWeight − 1)/weight, so the weight
 * stays at maxWeight and older evidence decays geometrically.
 *
 * When a new voxel is needed and the map is full, the ⌈C/8⌉ live slots with
 * the smallest (lastSeen, slot) among those whose lastSeen differs from `tick`
 * are evicted at once (least recently seen first, ties by lowest slot). Slots
 * seen at `tick` (in particular every slot touched by this call) are never
 * evicted: when all slots are, the rows needing a new voxel are not fused and
 * get slot −1. A new voxel takes the lowest free slot.
 *
 * @param centers Float32Array V×3, voxel or point centres, metres, map frame;
 *   rows that are not finite (or beyond the int32 cell range) get slot −1
 * @param features Float32Array V×D feature rows (typically unit vectors);
 *   rows with a non-finite value get slot −1
 * @param tick time stamp of this call (finite, usually increasing)
 * @param options.maxWeight weight cap (≥ 1, Infinity for a plain mean; default 20)
 * @returns `slots` Int32Array V (slot each row was fused into, or −1) and the
 *   number of slots `evicted` during the call
 */
export function fuseVoxels(
  map: FeatureMap,
  centers: Float32Array,
  features: Float32Array,
  tick: number,
  options: { maxWeight?: number } = {},
): { slots: Int32Array; evicted: number } {
  const maxWeight = options.maxWeight ?? DEFAULT_MAX_WEIGHT;
  const { dim, voxelSize: size, keys, sum, weight, lastSeen, table } = map;
  if (!(maxWeight >= 1)) throw invalid(`fuseVoxels: maxWeight must be ≥ 1, got ${maxWeight}`);
  if (!Number.isFinite(tick)) throw invalid(`fuseVoxels: tick must be finite, got ${tick}`);
  if (centers.length % 3 !== 0) throw invalid(`fuseVoxels: centres must be V×3 values`);
  const v = centers.length / 3;
  if (features.length !== v * dim) throw invalid(`fuseVoxels: features must be ${v}×${dim} values`);
  const slots = new Int32Array(v);
  let evicted = 0, exhausted = false;
  rows: for (let r = 0; r < v; r++) {
    slots[r] = -1;
    const ix = Math.floor(centers[3 * r] / size);
    const iy = Math.floor(centers[3 * r + 1] / size);
    const iz = Math.floor(centers[3 * r + 2] / size);
    if (!inRange(ix, iy, iz)) continue;
    const f = r * dim;
    for (let d = 0; d < dim; d++) if (!Number.isFinite(features[f + d])) continue rows;
    let b = probe(map, ix, iy, iz);
    let s: number;
    if (b >= 0) {
      s = table[b];
    } else {
      if (map.size === map.capacity) {
        if (exhausted) continue;
        const k = evictOldest(map, tick);
        evicted += k;
        if ((exhausted = k === 0)) continue;
        b = probe(map, ix, iy, iz);
      }
      s = heapPop(map.freeHeap, map.capacity - map.size);
      table[-1 - b] = s;
      map.size++;
      map.live[s] = 1;
      map.object[s] = -1;
      keys[3 * s] = ix;
      keys[3 * s + 1] = iy;
      keys[3 * s + 2] = iz;
      weight[s] = 0;
      sum.fill(0, s * dim, (s + 1) * dim);
    }
    const o = s * dim;
    let w = weight[s];
    if (w + 1 > maxWeight) {
      const scale = (maxWeight - 1) / w;
      for (let d = 0; d < dim; d++) sum[o + d] *= scale;
      w = maxWeight - 1;
    }
    for (let d = 0; d < dim; d++) sum[o + d] += features[f + d];
    weight[s] = w + 1;
    lastSeen[s] = tick;
    slots[r] = s;
  }
  return { slots, evicted };
}

/**
 * Removes every live slot whose voxel centre is farther than `radius` from
 * `center` (keeps those at exactly `radius`).
 *
 * @param center [x, y, z], metres, map frame
 * @param radius metres (≥ 0; Infinity keeps everything)
 * @returns number of slots removed
 */
export function evictOutside(map: FeatureMap, center: ArrayLike<number>, radius: number): number {
  if (!(radius >= 0)) throw invalid(`evictOutside: radius must be ≥ 0 metres, got ${radius}`);
  const cx = center[0], cy = center[1], cz = center[2];
  if (![cx, cy, cz].every(Number.isFinite)) throw invalid(`evictOutside: centre must be finite`);
  const { keys, live, voxelSize: size } = map, r2 = radius * radius;
  let removed = 0;
  for (let s = 0; s < map.capacity; s++) {
    if (!live[s]) continue;
    const dx = (keys[3 * s] + 0.5) * size - cx;
    const dy = (keys[3 * s + 1] + 0.5) * size - cy;
    const dz = (keys[3 * s + 2] + 0.5) * size - cz;
    if (dx * dx + dy * dy + dz * dz > r2 && removeSlot(map, s)) removed++;
  }
  return removed;
}

function checkSlot(map: FeatureMap, slot: number, what: string): void {
  if (!Number.isInteger(slot) || slot < 0 || slot >= map.capacity) {
    throw invalid(`${what}: slot ${slot} is outside 0..${map.capacity - 1}`);
  }
}

/**
 * Labels slots by cosine similarity between their normalised mean feature and
 * each embedding. A live slot with a zero mean gets label 0 and score 0; slot
 * −1, a free slot, or L = 0 gives label −1 and score NaN.
 *
 * @param slots Int32Array S: slots in 0..C−1 or −1
 * @param embeddings Float32Array L×D, unit rows (one per label)
 * @returns `label` Int32Array S (best label, the first on ties) and `score`
 *   Float32Array S (its cosine)
 */
export function classifySlots(
  map: FeatureMap,
  slots: Int32Array,
  embeddings: Float32Array,
): { label: Int32Array; score: Float32Array } {
  const { dim, sum, live } = map;
  if (embeddings.length % dim) throw invalid(`classifySlots: embeddings must be L×${dim} values`);
  const labels = embeddings.length / dim;
  const label = new Int32Array(slots.length).fill(-1);
  const score = new Float32Array(slots.length).fill(NaN);
  for (let i = 0; i < slots.length; i++) {
    const s = slots[i];
    if (s === -1) continue;
    checkSlot(map, s, "classifySlots");
    if (!live[s] || labels === 0) continue;
    const o = s * dim, n2 = sumNorm2(map, s);
    label[i] = 0;
    score[i] = 0;
    if (n2 === 0) continue;
    let best = -Infinity, arg = 0;
    for (let l = 0; l < labels; l++) {
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += sum[o + d] * embeddings[l * dim + d];
      if (dot > best) {
        best = dot;
        arg = l;
      }
    }
    label[i] = arg;
    score[i] = best / Math.sqrt(n2);
  }
  return { label, score };
}

/**
 * Writes the centre of slot `slot`'s voxel, metres, map frame, to
 * out[offset..offset+3) (Float32Array); NaN for a free slot.
 */
export function slotCenter(map: FeatureMap, slot: number, out: Float32Array, offset = 0): void {
  checkSlot(map, slot, "slotCenter");
  for (let a = 0; a < 3; a++) {
    out[offset + a] = map.live[slot] ? (map.keys[3 * slot + a] + 0.5) * map.voxelSize : NaN;
  }
}

/** Live slots in ascending order (Int32Array of length `size`). */
export function liveSlots(map: FeatureMap): Int32Array {
  const out = new Int32Array(map.size);
  let n = 0;
  for (let s = 0; s < map.capacity; s++) if (map.live[s]) out[n++] = s;
  return out;
}

/**
 * Writes the unit-length mean feature of slot `slot` to out[offset..offset+D)
 * (Float32Array); zeros for a free slot or a zero mean.
 */
export function slotMean(map: FeatureMap, slot: number, out: Float32Array, offset = 0): void {
  checkSlot(map, slot, "slotMean");
  const { dim, sum } = map, o = slot * dim, n2 = sumNorm2(map, slot);
  const inv = map.live[slot] && n2 > 0 ? 1 / Math.sqrt(n2) : 0;
  for (let d = 0; d < dim; d++) out[offset + d] = sum[o + d] * inv;
}
