import assert from "node:assert/strict";
import { binLossCurve, lossCurvePng } from "./plot.ts";

const curve = Array.from(
  { length: 10 },
  (_, i) => ({ step: i + 1, sp: i, mask: 2 * i, sim: 0, total: 3 * i }),
);

Deno.test("binLossCurve: means over equal runs of steps, last step of each bin", () => {
  const b = binLossCurve(curve, 4);
  assert.deepEqual(b.map((p) => p.step), [3, 6, 9, 10]);
  assert.deepEqual(b.map((p) => p.sp), [1, 4, 7, 9]);
  assert.deepEqual(b.map((p) => p.total), [3, 12, 21, 27]);
  assert.deepEqual(binLossCurve(curve, 100), curve);
  assert.deepEqual(binLossCurve([], 5), []);
});

Deno.test("lossCurvePng: a PNG of the requested size with the curves drawn", () => {
  const png = lossCurvePng(curve, { width: 200, height: 120 });
  assert.deepEqual(Array.from(png.subarray(0, 8)), [
    0x89,
    0x50,
    0x4e,
    0x47,
    0x0d,
    0x0a,
    0x1a,
    0x0a,
  ]);
  const view = new DataView(png.buffer, png.byteOffset);
  assert.equal(view.getUint32(16), 200);
  assert.equal(view.getUint32(20), 120);
  assert.ok(lossCurvePng([]).length > 0);
  assert.notDeepEqual(lossCurvePng(curve), lossCurvePng(curve.map((p) => ({ ...p, total: 0 }))));
});
