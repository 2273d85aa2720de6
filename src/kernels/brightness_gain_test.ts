import assert from "node:assert/strict";
import { normalizeBrightness, TARGET_BRIGHTNESS } from "./brightness_gain.ts";
import { Rng } from "./random.ts";

/** Per-element reference in float64: channel × target / mean, rounded, clipped. */
function reference(color: Uint8Array, target: number): number[] {
  const mean = color.reduce((s, v) => s + v, 0) / color.length;
  return Array.from(color, (v) => mean === 0 ? v : Math.min(255, Math.round((v * target) / mean)));
}

Deno.test("normalizeBrightness matches the float64 reference on random scans", () => {
  const rng = new Rng(11);
  for (const n of [1, 5, 300]) {
    const color = new Uint8Array(3 * n);
    for (let i = 0; i < color.length; i++) color[i] = rng.int(256);
    for (const target of [TARGET_BRIGHTNESS, 40, 250]) {
      assert.deepEqual(Array.from(normalizeBrightness(color, target)), reference(color, target));
    }
  }
});

Deno.test("normalizeBrightness undoes a global exposure gain up to rounding", () => {
  const rng = new Rng(12);
  const color = new Uint8Array(3 * 2000);
  for (let i = 0; i < color.length; i++) color[i] = 40 + rng.int(150);
  const dark = color.map((v) => Math.round(v * 0.6));
  const a = normalizeBrightness(color), b = normalizeBrightness(dark);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  assert.ok(worst <= 2, `largest difference ${worst}`);
  const mean = a.reduce((s, v) => s + v, 0) / a.length;
  assert.ok(Math.abs(mean - TARGET_BRIGHTNESS) < 1, `mean ${mean}`);
});

Deno.test("normalizeBrightness: empty and black scans come back unchanged, input untouched", () => {
  assert.deepEqual(normalizeBrightness(new Uint8Array(0)), new Uint8Array(0));
  assert.deepEqual(normalizeBrightness(new Uint8Array(6)), new Uint8Array(6));
  const color = new Uint8Array([10, 20, 30]);
  const out = normalizeBrightness(color);
  assert.deepEqual(color, new Uint8Array([10, 20, 30]));
  assert.deepEqual(Array.from(out), [64, 128, 192]);
});
