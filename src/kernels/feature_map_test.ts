import assert from "node:assert/strict";
import { hashCell } from "./cell_hash.ts";
import {
  classifySlots,
  createFeatureMap,
  evictOutside,
  type FeatureMap,
  findSlot,
  fuseVoxels,
  liveSlots,
  removeSlot,
  slotCenter,
  slotMean,
} from "./feature_map.ts";
import { Rng } from "./random.ts";

interface RefCell {
  slot: number;
  cell: number[];
  sum: number[];
  weight: number;
  lastSeen: number;
}

/** Map-based replay of the documented fusion and eviction rules, in Float64. */
class RefMap {
  cells = new Map<string, RefCell>();
  constructor(readonly dim: number, readonly size: number, readonly capacity: number) {}

  fuse(centers: Float32Array, features: Float32Array, tick: number, maxWeight: number) {
    const slots: number[] = [];
    let evicted = 0;
    for (let r = 0; r < centers.length / 3; r++) {
      const cell = [0, 1, 2].map((a) => Math.floor(centers[3 * r + a] / this.size));
      const row = Array.from(features.subarray(r * this.dim, (r + 1) * this.dim));
      if (!cell.every(Number.isFinite) || !row.every(Number.isFinite)) {
        slots.push(-1);
        continue;
      }
      const key = cell.join(",");
      let c = this.cells.get(key);
      if (!c) {
        if (this.cells.size === this.capacity) {
          const old = [...this.cells.entries()].filter(([, e]) => e.lastSeen !== tick)
            .sort(([, a], [, b]) => a.lastSeen - b.lastSeen || a.slot - b.slot)
            .slice(0, Math.ceil(this.capacity / 8));
          for (const [k] of old) this.cells.delete(k);
          evicted += old.length;
          if (old.length === 0) {
            slots.push(-1);
            continue;
          }
        }
        const used = new Set([...this.cells.values()].map((e) => e.slot));
        let slot = 0;
        while (used.has(slot)) slot++;
        c = { slot, cell, sum: new Array(this.dim).fill(0), weight: 0, lastSeen: tick };
        this.cells.set(key, c);
      }
      if (c.weight + 1 > maxWeight) {
        const scale = (maxWeight - 1) / c.weight;
        c.sum = c.sum.map((x) => x * scale);
        c.weight = maxWeight - 1;
      }
      c.sum = c.sum.map((x, d) => x + row[d]);
      c.weight += 1;
      c.lastSeen = tick;
      slots.push(c.slot);
    }
    return { slots, evicted };
  }
}

function close(got: number, want: number, tol = 1e-4): boolean {
  return Math.abs(got - want) <= tol * Math.max(1, Math.abs(want));
}

/** Every occupied bucket is reachable from its home bucket without crossing an empty one. */
function checkTable(map: FeatureMap): void {
  const { table, keys } = map, mask = table.length - 1;
  let occupied = 0;
  for (let b = 0; b < table.length; b++) {
    const s = table[b];
    if (s < 0) continue;
    occupied++;
    assert.equal(map.live[s], 1);
    for (let h = hashCell(keys[3 * s], keys[3 * s + 1], keys[3 * s + 2]) & mask; h !== b;) {
      assert.ok(table[h] >= 0, `bucket ${b} is cut off from its home by an empty bucket ${h}`);
      h = (h + 1) & mask;
    }
  }
  assert.equal(occupied, map.size);
}

function compare(map: FeatureMap, ref: RefMap): void {
  assert.equal(map.size, ref.cells.size);
  const slots = [...ref.cells.values()].map((c) => c.slot).sort((a, b) => a - b);
  assert.deepEqual(Array.from(liveSlots(map)), slots);
  const center = new Float32Array(3);
  for (const c of ref.cells.values()) {
    const s = c.slot;
    assert.deepEqual(Array.from(map.keys.subarray(3 * s, 3 * s + 3)), c.cell);
    assert.ok(close(map.weight[s], c.weight), `weight ${map.weight[s]} vs ${c.weight}`);
    assert.equal(map.lastSeen[s], c.lastSeen);
    for (let d = 0; d < ref.dim; d++) assert.ok(close(map.sum[s * ref.dim + d], c.sum[d]));
    slotCenter(map, s, center);
    assert.equal(findSlot(map, center[0], center[1], center[2]), s);
  }
  checkTable(map);
}

function randomScan(rng: Rng, rows: number, dim: number, span: number, size: number) {
  const centers = new Float32Array(3 * rows), features = new Float32Array(rows * dim);
  for (let i = 0; i < 3 * rows; i++) centers[i] = (rng.int(span) + 0.5) * size;
  for (let i = 0; i < rows * dim; i++) features[i] = rng.normal();
  if (rows > 4) {
    centers[3 * rng.int(rows) + rng.int(3)] = NaN;
    features[rng.int(rows * dim)] = Infinity;
  }
  return { centers, features };
}

Deno.test("fuseVoxels matches a Map-based replay over many ticks, with eviction and forgetting", () => {
  const rng = new Rng(301);
  for (const [dim, capacity, span, rows, maxWeight] of [[4, 50, 5, 30, 3], [3, 7, 3, 6, 20]]) {
    const size = 0.25;
    const map = createFeatureMap({ dim, voxelSize: size, capacity });
    const ref = new RefMap(dim, size, capacity);
    let evictions = 0;
    for (let t = 0; t < 60; t++) {
      const tick = 10 + t - (t % 3 === 2 ? 1 : 0); // some consecutive calls share a tick
      const { centers, features } = randomScan(rng, rows, dim, span, size);
      const got = fuseVoxels(map, centers, features, tick, { maxWeight });
      const want = ref.fuse(centers, features, tick, maxWeight);
      assert.deepEqual(Array.from(got.slots), want.slots);
      assert.equal(got.evicted, want.evicted);
      evictions += got.evicted;
      compare(map, ref);
    }
    assert.ok(evictions > 0);
  }
});

Deno.test("fuseVoxels hand-made case: running mean, weight cap, full map and eviction order", () => {
  const map = createFeatureMap({ dim: 2, voxelSize: 1, capacity: 4 });
  const six = new Float32Array([0.5, 0, 0, 1.5, 0, 0, 2.5, 0, 0, 3.5, 0, 0, 4.5, 0, 0, 0.9, 0, 0]);
  const feats = new Float32Array([1, 0, 0, 1, 1, 1, 2, 0, 5, 5, 3, 0]);
  // Four new voxels fill the map; the fifth cannot evict a slot touched now; the sixth row joins voxel 0.
  const a = fuseVoxels(map, six, feats, 1);
  assert.deepEqual(Array.from(a.slots), [0, 1, 2, 3, -1, 0]);
  assert.equal(a.evicted, 0);
  assert.equal(map.size, 4);
  assert.deepEqual(Array.from(map.sum.subarray(0, 2)), [4, 0]);
  assert.equal(map.weight[0], 2);
  // Next tick: slot 1 is refreshed; two new voxels evict slot 0 then slot 2 (⌈4/8⌉ = 1 at a time).
  const b = fuseVoxels(
    map,
    new Float32Array([1.5, 0, 0, 9.5, 0, 0, 8.5, 0, 0]),
    feats.subarray(0, 6),
    2,
  );
  assert.deepEqual(Array.from(b.slots), [1, 0, 2]);
  assert.equal(b.evicted, 2);
  assert.equal(findSlot(map, 0.5, 0.2, 0.7), -1);
  assert.equal(findSlot(map, 9.1, 0, 0), 0);
  assert.equal(findSlot(map, 3.2, 0.1, 0.9), 3);
  // Weight cap 2: reaching it is allowed; beyond it the old sum is first scaled by (2 − 1)/2.
  const one = new Float32Array([3.5, 0, 0]);
  fuseVoxels(map, one, new Float32Array([0, 4]), 3, { maxWeight: 2 });
  assert.equal(map.weight[3], 2);
  assert.deepEqual(Array.from(map.sum.subarray(6, 8)), [2, 4]);
  fuseVoxels(map, one, new Float32Array([0, 4]), 4, { maxWeight: 2 });
  assert.equal(map.weight[3], 2);
  assert.deepEqual(Array.from(map.sum.subarray(6, 8)), [1, 6]);
  const mean = new Float32Array(2);
  slotMean(map, 3, mean);
  assert.ok(close(mean[0], 1 / Math.sqrt(37), 1e-6) && close(mean[1], 6 / Math.sqrt(37), 1e-6));
  const c = new Float32Array(4);
  slotCenter(map, 3, c, 1);
  assert.deepEqual(Array.from(c), [0, 3.5, 0.5, 0.5]);
  // Negative coordinates use the floor; empty input does nothing.
  const neg = createFeatureMap({ dim: 1, voxelSize: 0.5, capacity: 2 });
  assert.deepEqual(
    Array.from(fuseVoxels(neg, new Float32Array([-0.1, -0.6, 0]), new Float32Array([1]), 0).slots),
    [0],
  );
  assert.deepEqual(Array.from(neg.keys.subarray(0, 3)), [-1, -2, 0]);
  const empty = fuseVoxels(neg, new Float32Array(0), new Float32Array(0), 1);
  assert.equal(empty.slots.length, 0);
  assert.equal(neg.size, 1);
});

Deno.test("feature map argument checks", () => {
  assert.throws(() => createFeatureMap({ dim: 0, voxelSize: 1, capacity: 1 }), /dim/);
  assert.throws(() => createFeatureMap({ dim: 1, voxelSize: 0, capacity: 1 }), /voxel size/);
  assert.throws(() => createFeatureMap({ dim: 1, voxelSize: NaN, capacity: 1 }), /voxel size/);
  assert.throws(() => createFeatureMap({ dim: 1, voxelSize: 1, capacity: 0 }), /capacity/);
  const map = createFeatureMap({ dim: 2, voxelSize: 1, capacity: 1 });
  assert.throws(() => fuseVoxels(map, new Float32Array(3), new Float32Array(3), 0), /1×2/);
  assert.throws(() => fuseVoxels(map, new Float32Array(2), new Float32Array(0), 0), /V×3/);
  assert.throws(() => fuseVoxels(map, new Float32Array(3), new Float32Array(2), NaN), /tick/);
  assert.throws(
    () => fuseVoxels(map, new Float32Array(3), new Float32Array(2), 0, { maxWeight: 0.5 }),
    /maxWeight/,
  );
  assert.throws(() => evictOutside(map, [0, 0, 0], -1), /radius/);
  assert.throws(() => classifySlots(map, new Int32Array([1]), new Float32Array(2)), /outside/);
  assert.throws(() => classifySlots(map, new Int32Array([0]), new Float32Array(3)), /L×2/);
  assert.throws(() => removeSlot(map, -1), /outside/);
});

Deno.test("insert, delete and re-insert under heavy collisions keep every cell reachable", () => {
  const rng = new Rng(302);
  const map = createFeatureMap({ dim: 1, voxelSize: 1, capacity: 48 });
  const mask = map.table.length - 1;
  // Cells whose home buckets all fall in 8..11: long probe runs that wrap around deletions.
  const cells: number[][] = [];
  for (let i = 0; cells.length < 48; i++) {
    const c = [i % 97, Math.floor(i / 97) - 40, 3];
    if (((hashCell(c[0], c[1], c[2]) & mask) >> 2) === 2) cells.push(c);
  }
  const inMap = new Map<number, number>();
  const one = new Float32Array([1]);
  for (let step = 0; step < 3000; step++) {
    const j = rng.int(cells.length);
    const pos = new Float32Array(cells[j].map((x) => x + 0.5));
    if (inMap.has(j) && rng.bernoulli(0.5)) {
      assert.equal(removeSlot(map, inMap.get(j)!), true);
      inMap.delete(j);
    } else {
      const { slots } = fuseVoxels(map, pos, one, step);
      if (inMap.has(j)) assert.equal(slots[0], inMap.get(j));
      inMap.set(j, slots[0]);
    }
    if (step % 50 === 0) {
      checkTable(map);
      for (let k = 0; k < cells.length; k++) {
        const [x, y, z] = cells[k];
        assert.equal(findSlot(map, x + 0.5, y + 0.5, z + 0.5), inMap.get(k) ?? -1);
      }
    }
  }
  assert.equal(map.size, inMap.size);
  assert.equal(removeSlot(map, liveSlots(map)[0]), true);
  // Tiny voxels: every point its own cell; the map stays consistent with a replay.
  const tiny = createFeatureMap({ dim: 2, voxelSize: 1e-4, capacity: 300 });
  const ref = new RefMap(2, 1e-4, 300);
  for (let t = 0; t < 20; t++) {
    const { centers, features } = randomScan(rng, 100, 2, 400, 1e-4);
    assert.deepEqual(
      Array.from(fuseVoxels(tiny, centers, features, t).slots),
      ref.fuse(centers, features, t, 20).slots,
    );
  }
  compare(tiny, ref);
});

Deno.test("evictOutside removes exactly the voxels whose centre is beyond the radius", () => {
  const rng = new Rng(303);
  for (let trial = 0; trial < 5; trial++) {
    const map = createFeatureMap({ dim: 1, voxelSize: 0.3, capacity: 400 });
    const { centers, features } = randomScan(rng, 500, 1, 20, 0.3);
    fuseVoxels(map, centers, features, 0);
    const c = [rng.uniform(0, 6), rng.uniform(0, 6), rng.uniform(0, 6)];
    const radius = rng.uniform(0, 5);
    const before = liveSlots(map), keep: number[] = [];
    const center = new Float32Array(3);
    for (const s of before) {
      slotCenter(map, s, center);
      if (Math.hypot(center[0] - c[0], center[1] - c[1], center[2] - c[2]) <= radius) keep.push(s);
    }
    assert.equal(evictOutside(map, c, radius), before.length - keep.length);
    assert.deepEqual(Array.from(liveSlots(map)), keep);
    checkTable(map);
  }
  const map = createFeatureMap({ dim: 1, voxelSize: 1, capacity: 4 });
  fuseVoxels(map, new Float32Array([0.5, 0.5, 0.5, 3.5, 0.5, 0.5]), new Float32Array([1, 1]), 0);
  assert.equal(evictOutside(map, [0.5, 0.5, 0.5], 3), 0); // exactly at the radius: kept
  assert.equal(evictOutside(map, [0.5, 0.5, 0.5], Infinity), 0);
  assert.equal(evictOutside(map, [0.5, 0.5, 0.5], 2.9), 1);
  assert.deepEqual(Array.from(liveSlots(map)), [0]);
  assert.equal(evictOutside(map, [9, 9, 9], 0), 1);
  assert.equal(map.size, 0);
  assert.equal(evictOutside(map, [0, 0, 0], 0), 0);
});

Deno.test("classifySlots matches brute-force cosine over normalised means", () => {
  const rng = new Rng(304);
  const dim = 6, labels = 9;
  const map = createFeatureMap({ dim, voxelSize: 0.5, capacity: 200 });
  const { centers, features } = randomScan(rng, 600, dim, 8, 0.5);
  fuseVoxels(map, centers, features, 0);
  const emb = new Float32Array(labels * dim);
  for (let l = 0; l < labels; l++) {
    const row = Array.from({ length: dim }, () => rng.normal());
    const n = Math.hypot(...row);
    row.forEach((x, d) => (emb[l * dim + d] = x / n));
  }
  const slots = Int32Array.from({ length: 300 }, () => (rng.bernoulli(0.1) ? -1 : rng.int(200)));
  const got = classifySlots(map, slots, emb);
  const mean = new Float32Array(dim);
  for (let i = 0; i < slots.length; i++) {
    const s = slots[i];
    if (s < 0 || !map.live[s]) {
      assert.equal(got.label[i], -1);
      assert.ok(Number.isNaN(got.score[i]));
      continue;
    }
    slotMean(map, s, mean);
    const cos = Array.from(
      { length: labels },
      (_, l) => mean.reduce((a, x, d) => a + x * emb[l * dim + d], 0),
    );
    const best = cos.indexOf(Math.max(...cos));
    assert.ok(close(got.score[i], cos[best], 1e-5));
    assert.ok(got.label[i] === best || close(cos[got.label[i]], cos[best], 1e-5));
  }
  // Hand case: ties take the first label; a zero mean scores 0 with label 0; no labels → −1.
  const m = createFeatureMap({ dim: 2, voxelSize: 1, capacity: 3 });
  fuseVoxels(
    m,
    new Float32Array([0, 0, 0, 1, 0, 0, 0, 0, 0]),
    new Float32Array([3, 0, 0, 1, -3, 0]),
    0,
  );
  const e = new Float32Array([0, 1, Math.SQRT1_2, Math.SQRT1_2, 1, 0, 1, 0]);
  const r = classifySlots(m, new Int32Array([0, 1, -1, 2]), e);
  assert.deepEqual(Array.from(r.label), [0, 0, -1, -1]);
  assert.deepEqual(Array.from(r.score.subarray(0, 2)), [0, 1]);
  assert.ok(Number.isNaN(r.score[2]) && Number.isNaN(r.score[3]));
  const tie = new Float32Array([1, 0, 0, 1, 0, 1]);
  assert.deepEqual(Array.from(classifySlots(m, new Int32Array([1]), tie).label), [1]);
  assert.deepEqual(Array.from(classifySlots(m, new Int32Array([1]), new Float32Array(0)).label), [
    -1,
  ]);
  assert.equal(classifySlots(m, new Int32Array(0), e).label.length, 0);
});

Deno.test("memory is fixed: 10,000 ticks of fusion never reallocate the map's arrays", () => {
  const rng = new Rng(305);
  const dim = 8, capacity = 1000;
  const map = createFeatureMap({ dim, voxelSize: 0.2, capacity });
  const arraysOf = (m: FeatureMap) => [
    m.keys,
    m.sum,
    m.weight,
    m.lastSeen,
    m.object,
    m.live,
    m.table,
    m.freeHeap,
    m.scratch,
  ];
  const arrays = arraysOf(map);
  const buffers = arrays.map((a) => a.buffer);
  let evicted = 0;
  for (let t = 0; t < 10_000; t++) {
    // A slowly moving window over a large area: the map is always full.
    const { centers, features } = randomScan(rng, 40, dim, 30, 0.2);
    for (let i = 0; i < centers.length; i += 3) centers[i] += t * 0.01;
    const r = fuseVoxels(map, centers, features, t);
    evicted += r.evicted;
    if (t % 500 === 0) map.object.fill(t, 0, 10);
    assert.ok(map.size <= capacity);
  }
  assert.ok(evicted > 10_000);
  assert.equal(map.size, liveSlots(map).length);
  assert.deepEqual(arraysOf(map), arrays);
  arrays.forEach((a, i) => assert.equal(a.buffer, buffers[i]));
  checkTable(map);
});
