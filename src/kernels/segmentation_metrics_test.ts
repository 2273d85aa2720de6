import assert from "node:assert/strict";
import { confusionMatrix } from "./confusion_matrix.ts";
import { GeoError } from "./errors.ts";
import { Rng } from "./random.ts";
import { formatMetricsTable, segmentationMetrics } from "./segmentation_metrics.ts";

const close = (a: number, b: number, eps = 1e-12) =>
  assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);
const names = ["c0", "c1", "c2"];

function metricsOf(pred: number[], gt: number[], k = 3, groups?: Record<string, string[]>) {
  const m = confusionMatrix(new Int32Array(pred), new Int16Array(gt), k);
  return segmentationMetrics(m, names.slice(0, k), { groups });
}

Deno.test("hand case with an ignored point and an unknown prediction", () => {
  // gt 0 0 1 1 2 -1 / pred 0 1 1 -1 0 2: TP = 1,1,0; predicted = 2,2,0; gt points = 2,2,1
  const r = metricsOf([0, 1, 1, -1, 0, 2], [0, 0, 1, 1, 2, -1]);
  close(r.iou[0], 1 / 3);
  close(r.iou[1], 1 / 3); // the unknown prediction is a miss of class 1
  close(r.iou[2], 0);
  assert.deepEqual(Array.from(r.acc), [0.5, 0.5, 0]);
  close(r.mIoU, 2 / 9);
  close(r.mAcc, 1 / 3);
  close(r.allAcc, 2 / 5);
  assert.deepEqual(r.absent, []);
  // most frequent wrong prediction: c0 → c1 (1 of 2), c1 → unknown (1 of 2), c2 → c0 (1 of 1)
  assert.deepEqual(Array.from(r.confusedWith), [1, -1, 0]);
  assert.deepEqual(Array.from(r.confusedShare), [0.5, 0.5, 1]);
  const table = formatMetricsTable(r);
  assert.ok(table.split("\n")[1].endsWith("c1 50%"), table);
  assert.ok(table.split("\n")[2].endsWith("(unknown) 50%"), table);
  assert.equal(table.split("\n").at(-1), "mIoU=22.2 mAcc=33.3");
});

Deno.test("mistaken-for matches a brute-force count on random labels", () => {
  const rng = new Rng(7);
  for (let trial = 0; trial < 20; trial++) {
    const k = 1 + Math.floor(rng.next() * 5), n = Math.floor(rng.next() * 200);
    const gt = Array.from({ length: n }, () => Math.floor(rng.next() * (k + 1)) - 1);
    const pred = Array.from({ length: n }, () => Math.floor(rng.next() * (k + 1)) - 1);
    const r = segmentationMetrics(
      confusionMatrix(new Int32Array(pred), new Int16Array(gt), k),
      Array.from({ length: k }, (_, c) => `c${c}`),
    );
    for (let g = 0; g < k; g++) {
      // wrong predictions of class g, unknown counted as class k (last, loses ties)
      const counts = new Array(k + 1).fill(0);
      let total = 0;
      gt.forEach((t, i) => {
        if (t !== g) return;
        total++;
        if (pred[i] !== g) counts[pred[i] < 0 ? k : pred[i]]++;
      });
      const best = Math.max(...counts);
      const want = best === 0 ? -2 : counts.indexOf(best) === k ? -1 : counts.indexOf(best);
      assert.equal(r.confusedWith[g], want, `trial ${trial} class ${g}`);
      close(r.confusedShare[g], total > 0 ? best / total : 0);
    }
  }
});

Deno.test("classes absent from ground truth are skipped and listed", () => {
  // class 2 never in gt, but predicted once (a false positive that hurts class 0)
  const r = metricsOf([0, 2, 1, 1], [0, 0, 1, 1]);
  assert.deepEqual(r.absent, ["c2"]);
  assert.ok(Number.isNaN(r.iou[2]) && Number.isNaN(r.acc[2]));
  close(r.iou[0], 0.5);
  close(r.iou[1], 1);
  close(r.mIoU, 0.75);
  close(r.mAcc, 0.75);
  const lines = formatMetricsTable(r).split("\n");
  assert.ok(lines.some((l) => l.startsWith("c2") && l.includes("absent")));
  assert.equal(lines.at(-1), "mIoU=75.0 mAcc=75.0");
});

Deno.test("perfect and all-wrong predictions", () => {
  const perfect = metricsOf([0, 1, 2, 2], [0, 1, 2, 2]);
  assert.deepEqual(Array.from(perfect.iou), [1, 1, 1]);
  assert.equal(perfect.mIoU, 1);
  assert.equal(formatMetricsTable(perfect).split("\n").at(-1), "mIoU=100.0 mAcc=100.0");
  const wrong = metricsOf([1, 2, 0, -1], [0, 1, 2, 2]);
  assert.deepEqual(Array.from(wrong.iou), [0, 0, 0]);
  assert.equal(wrong.mAcc, 0);
  assert.equal(formatMetricsTable(wrong).split("\n").at(-1), "mIoU=0.0 mAcc=0.0");
});

Deno.test("no counted point: means are NaN and printed as nan", () => {
  const r = metricsOf([0, 1], [-1, -1]);
  assert.deepEqual(r.absent, names);
  assert.ok(Number.isNaN(r.mIoU) && Number.isNaN(r.allAcc));
  assert.equal(formatMetricsTable(r).split("\n").at(-1), "mIoU=nan mAcc=nan");
});

Deno.test("group means cover present members only", () => {
  const r = metricsOf([0, 2, 1, 1], [0, 0, 1, 1], 3, { head: ["c0", "c1"], tail: ["c2", "c1"] });
  close(r.groups.head.mIoU, 0.75);
  assert.deepEqual(r.groups.head.classes, ["c0", "c1"]);
  close(r.groups.tail.mIoU, 1);
  assert.deepEqual(r.groups.tail.classes, ["c1"]);
  assert.ok(formatMetricsTable(r).includes("[tail]"));
  assert.throws(
    () => metricsOf([0], [0], 3, { head: ["nope"] }),
    (e) => e instanceof GeoError && /unknown class "nope"/.test(e.message),
  );
});

Deno.test("accepts a K×K matrix without the unknown column", () => {
  // deno-fmt-ignore
  const m = new Float64Array([
    3, 1,
    0, 2,
  ]);
  const r = segmentationMetrics(m, ["a", "b"]);
  close(r.iou[0], 3 / 4);
  close(r.iou[1], 2 / 3);
  close(r.acc[0], 3 / 4);
  assert.throws(() => segmentationMetrics(new Float64Array(5), ["a", "b"]), GeoError);
  assert.throws(() => segmentationMetrics(new Float64Array(0), []), GeoError);
});

Deno.test("matches a brute-force recount on random labels", () => {
  const rng = new Rng(11);
  for (const [n, k] of [[2000, 6], [50, 20], [300, 2]]) {
    const gt: number[] = [];
    const pred: number[] = [];
    for (let i = 0; i < n; i++) {
      gt.push(rng.int(k + 1) - 1);
      // biased towards correct predictions so IoUs are spread out
      pred.push(rng.bernoulli(0.5) ? gt[i] : rng.int(k + 1) - 1);
    }
    const names = Array.from({ length: k }, (_, c) => `k${c}`);
    const r = segmentationMetrics(
      confusionMatrix(new Int32Array(pred), new Int16Array(gt), k),
      names,
    );
    let iouSum = 0;
    let accSum = 0;
    let present = 0;
    for (let c = 0; c < k; c++) {
      let tp = 0, fp = 0, fn = 0;
      for (let i = 0; i < n; i++) {
        if (gt[i] === -1) continue;
        if (gt[i] === c && pred[i] === c) tp++;
        else if (gt[i] === c) fn++;
        else if (pred[i] === c) fp++;
      }
      if (tp + fn === 0) {
        assert.ok(r.absent.includes(`k${c}`));
        continue;
      }
      close(r.iou[c], tp / (tp + fp + fn));
      close(r.acc[c], tp / (tp + fn));
      iouSum += tp / (tp + fp + fn);
      accSum += tp / (tp + fn);
      present++;
    }
    close(r.mIoU, iouSum / present);
    close(r.mAcc, accSum / present);
  }
});
