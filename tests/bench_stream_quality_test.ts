import assert from "node:assert/strict";
import {
  emptyCounts,
  FlickerMeter,
  matchObjects,
  type ObjectCounts,
  type PredictedObject,
} from "../bench/stream_quality.ts";
import { Rng } from "../src/kernels/random.ts";

/** A scan of points at (x, y, z) triples with their labels. */
function scan(points: [number, number, number, number][]) {
  return {
    positions: Float32Array.from(points.flatMap(([x, y, z]) => [x, y, z])),
    labels: Int16Array.from(points.map((p) => p[3])),
  };
}

/** Four points in four distinct 5 cm voxels along x, labelled `labels`. */
function fourVoxels(labels: number[]) {
  return scan(labels.map((l, i) => [0.01 + 0.1 * i, 0.02, 0.03, l]));
}

Deno.test("FlickerMeter: identical scans 0, one of four relabelled 0.25, NaN before two scans", () => {
  const same = new FlickerMeter();
  assert.equal(same.voxel, 0.05);
  assert.ok(Number.isNaN(same.value()));
  same.add(fourVoxels([0, 1, 2, 3]));
  assert.ok(Number.isNaN(same.value()));
  same.add(fourVoxels([0, 1, 2, 3]));
  assert.equal(same.value(), 0);
  const one = new FlickerMeter();
  one.add(fourVoxels([0, 1, 2, 3]));
  one.add(fourVoxels([0, 1, 5, 3]));
  assert.equal(one.value(), 0.25);
  // −1 (unknown) counts as a label like any other
  one.add(fourVoxels([0, 1, 5, -1]));
  assert.equal(one.value(), 2 / 8);
});

Deno.test("FlickerMeter: voxels seen in one scan only are ignored; sums over all pairs", () => {
  const m = new FlickerMeter();
  m.add(scan([[0.01, 0, 0, 1], [0.11, 0, 0, 2], [5, 5, 5, 7]])); // (5,5,5) never again
  m.add(scan([[0.01, 0, 0, 1], [0.11, 0, 0, 3], [-3, 0, 0, 9], [-3, 1, 0, 4]]));
  assert.equal(m.value(), 1 / 2);
  // the next pair shares only the two voxels at −3: both change → (1 + 2) / (2 + 2)
  m.add(scan([[-3, 0, 0, 8], [-3, 1, 0, 0], [9, 9, 9, 1]]));
  assert.equal(m.value(), 3 / 4);
  // a pair with nothing in common adds nothing
  m.add(scan([[20, 0, 0, 1]]));
  assert.equal(m.value(), 3 / 4);
});

Deno.test("FlickerMeter: points without finite positions are left out", () => {
  const m = new FlickerMeter();
  const base: [number, number, number, number][] = [[0.01, 0, 0, 1], [0.11, 0, 0, 2]];
  m.add(scan([...base, [NaN, 0, 0, 0], [0, Infinity, 0, 0], [0, 0, NaN, 3]]));
  m.add(scan([...base, [NaN, 0, 0, 5], [0, Infinity, 0, 6], [0, 0, NaN, 7]]));
  assert.equal(m.value(), 0); // counted, the NaN voxel keys would give 1 or more changes
  // a NaN point inside a shared voxel's run does not vote either
  const v = new FlickerMeter();
  v.add(scan([[0.01, 0, 0, 1], [NaN, 0, 0, 4], [NaN, 0, 0, 4]]));
  v.add(scan([[0.01, 0, 0, 1], [NaN, 0, 0, 4]]));
  assert.equal(v.value(), 0);
});

Deno.test("FlickerMeter: majority label per voxel, ties to the lower label", () => {
  const m = new FlickerMeter();
  // voxel A: 3,3,1 → 3; B: 4,2 tie → 2; C: −1,5 tie → −1; D: 7,7,0 → 7
  m.add(scan([
    [0.01, 0, 0, 3],
    [0.02, 0.01, 0, 3],
    [0.03, 0, 0.01, 1],
    [0.11, 0, 0, 4],
    [0.12, 0, 0, 2],
    [0.21, 0, 0, -1],
    [0.22, 0, 0, 5],
    [0.31, 0, 0, 7],
    [0.32, 0, 0, 0],
    [0.33, 0, 0, 7],
  ]));
  // A: 3,1,1 → 1 (changed); B: 2; C: −1; D: 7
  m.add(scan([
    [0.01, 0, 0, 3],
    [0.02, 0, 0, 1],
    [0.04, 0, 0, 1],
    [0.11, 0, 0, 2],
    [0.21, 0, 0, -1],
    [0.31, 0, 0, 7],
  ]));
  assert.equal(m.value(), 1 / 4);
  // voxel side: x = 0.01 and 0.04 share a 5 cm voxel but not a 2 cm one
  const fine = new FlickerMeter(0.02);
  fine.add(scan([[0.01, 0, 0, 1], [0.04, 0, 0, 2]]));
  fine.add(scan([[0.01, 0, 0, 1], [0.04, 0, 0, 2]]));
  assert.equal(fine.value(), 0);
  const coarse = new FlickerMeter(0.05);
  coarse.add(scan([[0.01, 0, 0, 1], [0.04, 0, 0, 2]])); // tie → 1
  coarse.add(scan([[0.01, 0, 0, 2], [0.04, 0, 0, 2]])); // → 2
  assert.equal(coarse.value(), 1);
  // negative coordinates: −0.01 and 0.01 are in different voxels
  const sides = new FlickerMeter();
  sides.add(scan([[-0.01, 0, 0, 1], [0.01, 0, 0, 2]]));
  sides.add(scan([[-0.01, 0, 0, 1], [0.01, 0, 0, 2]]));
  assert.equal(sides.value(), 0);
});

const obj = (id: number, label: number, points: number[]): PredictedObject => ({
  id,
  label,
  points: Uint32Array.from(points),
});
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

/**
 * 20 points: instance 10 = 0..5 (class 4), 11 = 6..9 (class 5), 12 = 10..13 (class 0,
 * a structure class), 13 = 14..15 (class 6, two points), none = 16..19.
 */
function handTruth(minPoints: number) {
  const instance = new Int32Array(20).fill(-1), segment = new Int16Array(20).fill(1);
  const put = (g: number, cls: number, pts: number[]) => {
    for (const i of pts) [instance[i], segment[i]] = [g, cls];
  };
  put(10, 4, range(0, 6));
  put(11, 5, range(6, 10));
  put(12, 0, range(10, 14));
  put(13, 6, [14, 15]);
  return { instance, segment, skipClass: new Set([0]), minPoints };
}

Deno.test("matchObjects: greedy one-to-one by IoU ≥ 0.5, structure and small instances left out", () => {
  const objects = [
    obj(100, 4, range(0, 5)), // IoU 5/6 with 10
    obj(101, 4, range(0, 7)), // IoU 6/7 with 10: wins it although listed later
    obj(102, 9, [6, 7]), // IoU 2/4 = 0.5 with 11: matched, wrong label
    obj(103, 0, range(10, 14)), // the wall: not an object
    obj(104, 6, [14, 15]), // the two-point instance
    obj(105, 5, [8, 9, 16, 17, 18]), // IoU 2/7 with 11
  ];
  const counts = emptyCounts();
  const ids = matchObjects(objects, handTruth(3), counts, new Map());
  assert.deepEqual([...ids].sort((a, b) => a[0] - b[0]), [[10, 101], [11, 102]]);
  assert.deepEqual(counts, {
    predicted: 6,
    truth: 2,
    matched: 2,
    matchedWithLabel: 1,
    tracked: 0,
    sameId: 0,
  });
  // with minPoints 2 the two-point instance is a true object, and object 104 finds it
  const more = emptyCounts();
  const ids2 = matchObjects(objects, handTruth(2), more, new Map());
  assert.equal(ids2.get(13), 104);
  assert.deepEqual([more.truth, more.matched, more.matchedWithLabel], [3, 3, 2]);
  // just under 0.5 is no match: 2 of 4 points plus one outside → 2/5
  const under = emptyCounts();
  assert.equal(matchObjects([obj(1, 5, [6, 7, 16])], handTruth(3), under, new Map()).size, 0);
  assert.equal(under.matched, 0);
  // an empty scan still counts its true objects
  const none = emptyCounts();
  assert.equal(matchObjects([], handTruth(3), none, new Map()).size, 0);
  assert.deepEqual([none.predicted, none.truth], [0, 2]);
});

Deno.test("matchObjects: tracked and sameId across consecutive calls through lastIds", () => {
  const counts = emptyCounts();
  let last = new Map<number, number>();
  last = matchObjects(
    [obj(1, 4, range(0, 6)), obj(2, 5, range(6, 10))],
    handTruth(3),
    counts,
    last,
  );
  assert.deepEqual([counts.tracked, counts.sameId], [0, 0]);
  // scan 2: instance 10 keeps id 1, instance 11 gets a new id 7
  last = matchObjects(
    [obj(7, 5, range(6, 10)), obj(1, 4, range(1, 6))],
    handTruth(3),
    counts,
    last,
  );
  assert.deepEqual([counts.tracked, counts.sameId], [2, 1]);
  assert.deepEqual([...last].sort((a, b) => a[0] - b[0]), [[10, 1], [11, 7]]);
  // scan 3: only instance 11 is matched (id 7 again); 10 was not matched, so it is not tracked
  last = matchObjects([obj(7, 5, range(6, 10))], handTruth(3), counts, last);
  assert.deepEqual([counts.tracked, counts.sameId], [3, 2]);
  // scan 4: instance 10 matched again, but it was not matched in scan 3
  matchObjects([obj(1, 4, range(0, 6))], handTruth(3), counts, last);
  assert.deepEqual(counts, {
    predicted: 6,
    truth: 8,
    matched: 6,
    matchedWithLabel: 6,
    tracked: 3,
    sameId: 2,
  });
});

interface Case {
  objects: PredictedObject[];
  truth: Parameters<typeof matchObjects>[1];
}

/** A random scan: instances with one class each, objects near instances or anywhere. */
function randomCase(rng: Rng): Case {
  const n = 8 + rng.int(40), classes = 4;
  const classOf = Array.from({ length: 6 }, () => rng.int(classes));
  const instance = Int32Array.from({ length: n }, () => rng.int(7) - 1);
  const segment = Int16Array.from(
    instance,
    (g) => (g < 0 ? rng.int(classes + 1) - 1 : classOf[g]),
  );
  const objects: PredictedObject[] = [];
  for (let k = rng.int(6); k > 0; k--) {
    const near = rng.int(6);
    const pts = range(0, n).filter((i) =>
      instance[i] === near ? rng.bernoulli(0.85) : rng.bernoulli(0.08)
    );
    if (pts.length) objects.push(obj(rng.int(4), rng.int(classes), pts));
  }
  return {
    objects,
    truth: { instance, segment, skipClass: new Set([0]), minPoints: 1 + rng.int(4) },
  };
}

/**
 * Reference: every (object, instance) IoU by scanning all points, greedy over pairs by
 * IoU. Returns null when two candidate pairs sharing an object or an instance tie (then
 * the order between them decides, which the reference does not model).
 */
function reference(c: Case, last: Map<number, number>) {
  const { instance, segment, skipClass, minPoints } = c.truth;
  const n = instance.length;
  const member = (g: number, i: number) => instance[i] === g && !skipClass.has(segment[i]);
  const gts = [...new Set(instance)].filter((g) =>
    g >= 0 && range(0, n).filter((i) => member(g, i)).length >= minPoints
  );
  const pairs: { o: number; g: number; num: number; den: number }[] = [];
  c.objects.forEach((ob, o) => {
    const mine = new Set(ob.points);
    for (const g of gts) {
      let inter = 0, union = 0;
      for (let i = 0; i < n; i++) {
        const a = member(g, i), b = mine.has(i);
        if (a && b) inter++;
        if (a || b) union++;
      }
      if (2 * inter >= union && inter > 0) pairs.push({ o, g, num: inter, den: union });
    }
  });
  for (const p of pairs) {
    for (const q of pairs) {
      if (p !== q && (p.o === q.o || p.g === q.g) && p.num * q.den === q.num * p.den) return null;
    }
  }
  pairs.sort((p, q) => q.num * p.den - p.num * q.den);
  const counts = emptyCounts(), usedO = new Set<number>(), ids = new Map<number, number>();
  for (const { o, g } of pairs) {
    if (usedO.has(o) || ids.has(g)) continue;
    usedO.add(o);
    ids.set(g, c.objects[o].id);
    counts.matched++;
    const cls = segment[instance.indexOf(g)];
    if (c.objects[o].label === cls) counts.matchedWithLabel++;
    if (last.has(g)) {
      counts.tracked++;
      if (last.get(g) === c.objects[o].id) counts.sameId++;
    }
  }
  counts.predicted = c.objects.length;
  counts.truth = gts.length;
  return { counts, ids };
}

Deno.test("matchObjects agrees with a brute-force reference on seeded random scans", () => {
  const rng = new Rng(11);
  let checked = 0, matched = 0, tracked = 0, sameId = 0;
  for (let trial = 0; trial < 300; trial++) {
    const scans = [randomCase(rng), randomCase(rng)];
    const wants: NonNullable<ReturnType<typeof reference>>[] = [];
    let refLast = new Map<number, number>();
    for (const s of scans) {
      const want = reference(s, refLast);
      if (!want) break;
      wants.push(want);
      refLast = want.ids;
    }
    if (wants.length < 2) continue;
    checked++;
    const got: ObjectCounts = emptyCounts(), sum = emptyCounts();
    let last = new Map<number, number>();
    scans.forEach((s, k) => {
      last = matchObjects(s.objects, s.truth, got, last);
      assert.deepEqual(last, wants[k].ids, `trial ${trial} scan ${k}`);
      for (const key of Object.keys(sum) as (keyof ObjectCounts)[]) {
        sum[key] += wants[k].counts[key];
      }
    });
    assert.deepEqual(got, sum, `trial ${trial}`);
    [matched, tracked, sameId] = [
      matched + got.matched,
      tracked + got.tracked,
      sameId + got.sameId,
    ];
  }
  // the cases exercise every count, and few are skipped for ties
  assert.ok(checked >= 200, `${checked} trials checked`);
  assert.ok(matched > 100 && tracked > 10 && sameId > 0, `${matched} ${tracked} ${sameId}`);
});
