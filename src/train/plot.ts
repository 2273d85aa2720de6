/**
 * The loss-curve picture of a training run (`loss_curve.png` in the model bundle): total,
 * L_sp, L_mask and L_sim against the step, each smoothed by a moving mean over bins.
 *
 * @module
 */

import { drawText } from "../render/font.ts";
import { encodePng } from "../render/png.ts";
import type { LossPoint } from "./loop.ts";

type Key = "total" | "sp" | "mask" | "sim";

const SERIES: { key: Key; color: [number, number, number] }[] = [
  { key: "total", color: [20, 20, 20] },
  { key: "sp", color: [31, 119, 180] },
  { key: "mask", color: [255, 127, 14] },
  { key: "sim", color: [44, 160, 44] },
];

/**
 * Mean losses over at most `bins` equal runs of steps.
 *
 * @param curve per-step losses
 * @param bins most points out (≥ 1)
 * @returns one point per non-empty bin, `step` = the bin's last step
 */
export function binLossCurve(curve: readonly LossPoint[], bins: number): LossPoint[] {
  const per = Math.max(1, Math.ceil(curve.length / Math.max(1, bins)));
  const out: LossPoint[] = [];
  for (let i = 0; i < curve.length; i += per) {
    const part = curve.slice(i, i + per);
    const mean = (k: Key) => part.reduce((s, p) => s + p[k], 0) / part.length;
    out.push({
      step: part[part.length - 1].step,
      sp: mean("sp"),
      mask: mean("mask"),
      sim: mean("sim"),
      total: mean("total"),
    });
  }
  return out;
}

/** Draws a line between two pixels (clipped to the image). */
function line(
  img: { pixels: Uint8Array; width: number; height: number },
  ends: [[number, number], [number, number]],
  color: [number, number, number],
): void {
  const [a, b] = ends;
  const n = Math.max(1, Math.ceil(Math.max(Math.abs(b[0] - a[0]), Math.abs(b[1] - a[1]))));
  for (let s = 0; s <= n; s++) {
    const x = Math.round(a[0] + ((b[0] - a[0]) * s) / n);
    const y = Math.round(a[1] + ((b[1] - a[1]) * s) / n);
    if (x < 0 || y < 0 || x >= img.width || y >= img.height) continue;
    img.pixels.set(color, (y * img.width + x) * 3);
  }
}

/**
 * Renders the loss curves as an RGB PNG.
 *
 * @param curve per-step losses (may be empty: an empty chart)
 * @param size image width and height in pixels (default 640×360)
 * @returns PNG bytes
 */
export function lossCurvePng(
  curve: readonly LossPoint[],
  size: { width: number; height: number } = { width: 640, height: 360 },
): Uint8Array {
  const { width, height } = size;
  const img = { pixels: new Uint8Array(width * height * 3).fill(255), width, height };
  const left = 50, right = width - 10, top = 28, bottom = height - 30;
  const pts = binLossCurve(curve, right - left);
  const ymax = Math.max(1e-6, ...pts.map((p) => Math.max(p.total, p.sp, p.mask, p.sim)));
  const xmax = Math.max(1, pts.length > 0 ? pts[pts.length - 1].step : 1);
  const px = (step: number, y: number): [number, number] => [
    left + ((right - left) * step) / xmax,
    bottom - ((bottom - top) * Math.max(0, y)) / ymax,
  ];
  const grey: [number, number, number] = [150, 150, 150];
  line(img, [[left, top], [left, bottom]], grey);
  line(img, [[left, bottom], [right, bottom]], grey);
  drawText(img, ymax.toPrecision(3), { x: 2, y: top - 3, color: [90, 90, 90] });
  drawText(img, "0", { x: left - 10, y: bottom - 6, color: [90, 90, 90] });
  drawText(img, `STEP ${xmax}`, { x: right - 70, y: bottom + 10, color: [90, 90, 90] });
  let x = left;
  for (const s of SERIES) {
    drawText(img, s.key, { x, y: 8, color: s.color });
    x += 12 + 6 * s.key.length;
    for (let i = 1; i < pts.length; i++) {
      line(img, [px(pts[i - 1].step, pts[i - 1][s.key]), px(pts[i].step, pts[i][s.key])], s.color);
    }
  }
  return encodePng(img.pixels, width, height);
}
