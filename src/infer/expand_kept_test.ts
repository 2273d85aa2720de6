import assert from "node:assert/strict";
import { GeoError } from "../kernels/errors.ts";
import { Rng } from "../kernels/random.ts";
import { expandKept } from "./expand_kept.ts";
import { summarizeLabels } from "./inference.ts";
import type { SegmentOutput } from "./api.ts";

const base = {
  model: "m",
  version: 1,
  timing: { queue: 0, decode: 1, features: 2, adapter: 3, text: 4, total: 10 },
};

Deno.test("expandKept puts dropped points back as −1 / NaN, in place, on seeded random input", () => {
  const rng = new Rng(5);
  const names = ["a", "b", "c"];
  for (let trial = 0; trial < 20; trial++) {
    const total = 1 + rng.int(60);
    const keptList = [...Array(total).keys()].filter(() => rng.bernoulli(0.7));
    const kept = Int32Array.from(keptList), k = kept.length;
    const labels = Int16Array.from({ length: k }, () => rng.int(4) - 1);
    const scores = Float32Array.from({ length: k }, () => rng.uniform(-1, 1));
    const positions = Float32Array.from({ length: 3 * k }, () => rng.uniform(-5, 5));
    const pointIndices = Uint32Array.from(keptList.keys()).filter(() => rng.bernoulli(0.5));
    const out: SegmentOutput = {
      ...base,
      labels,
      scores,
      positions,
      summary: summarizeLabels(labels, scores, names),
      objects: [{
        id: 1,
        label: 0,
        score: 0.5,
        pointCount: pointIndices.length,
        centroid: [0, 0, 0],
        box: [0, 0, 0, 1, 1, 1],
        yawBox: [0, 0, 0, 1, 1, 1, 0],
        pointIndices,
      }],
    };
    const got = expandKept(out, kept, total);
    assert.equal(got.labels.length, total);
    for (let i = 0, j = 0; i < total; i++) {
      if (j < k && kept[j] === i) {
        assert.equal(got.labels[i], labels[j]);
        assert.equal(got.scores![i], scores[j]);
        assert.deepEqual(
          got.positions!.subarray(3 * i, 3 * i + 3),
          positions.subarray(3 * j, 3 * j + 3),
        );
        j++;
      } else {
        assert.equal(got.labels[i], -1);
        assert.ok(Number.isNaN(got.scores![i]));
        assert.ok(got.positions!.subarray(3 * i, 3 * i + 3).every(Number.isNaN));
      }
    }
    assert.deepEqual(got.objects![0].pointIndices, Uint32Array.from(pointIndices, (p) => kept[p]));
    // The summary equals a brute-force count over all points (dropped ones as unknown).
    const counts = new Map<string, number>();
    got.labels.forEach((l) => {
      const name = l < 0 ? "unknown" : names[l];
      counts.set(name, (counts.get(name) ?? 0) + 1);
    });
    assert.deepEqual(new Map(got.summary.map((s) => [s.label, s.points])), counts);
    const scored = out.summary.find((s) => s.label === "unknown");
    const unknown = got.summary.find((s) => s.label === "unknown");
    if (unknown) assert.equal(unknown.meanScore, scored?.meanScore ?? 0);
    assert.equal(got.summary.at(-1)!.label === "unknown", unknown !== undefined);
  }
});

Deno.test("expandKept: nothing kept gives all unknown; a label named unknown stays apart; shapes are checked", () => {
  const empty: SegmentOutput = { ...base, labels: new Int16Array(0), summary: [] };
  const all = expandKept(empty, new Int32Array(0), 3);
  assert.deepEqual(all.labels, new Int16Array([-1, -1, -1]));
  assert.deepEqual(all.summary, [{ label: "unknown", points: 3, meanScore: 0 }]);
  assert.equal(all.scores, undefined);
  assert.equal(all.positions, undefined);
  // A user label literally called "unknown" (index 0) is not the −1 entry.
  const labels = new Int16Array([0, 0]), scores = new Float32Array([0.5, 0.7]);
  const out = { ...base, labels, scores, summary: summarizeLabels(labels, scores, ["unknown"]) };
  const got = expandKept(out, new Int32Array([1, 2]), 4);
  assert.deepEqual(got.summary.map((s) => [s.label, s.points]), [["unknown", 2], ["unknown", 2]]);
  assert.equal(got.summary[1].meanScore, 0);
  assert.throws(
    () => expandKept(out, new Int32Array([1]), 4),
    (e: unknown) => e instanceof GeoError && e.kind === "internal",
  );
});
