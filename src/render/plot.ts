/**
 * Line plots for training curves: several named series over a shared x axis,
 * with axes, min/max tick labels and a legend, as an RGB image or PNG bytes.
 *
 * @module
 */

import { drawText } from "./font.ts";
import { encodePng } from "./png.ts";
import { classColor } from "./palette.ts";
import type { RgbImage } from "./topdown.ts";

/** One curve: y values at x positions (same length; non-finite points are skipped). */
export interface Series {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** RGB colour (default: a palette colour by index). */
  color?: [number, number, number];
}

/** Options of {@link linePlot}. */
export interface PlotOptions {
  /** Image size, pixels (default 640 × 400). */
  width?: number;
  height?: number;
  /** Title drawn at the top. */
  title?: string;
  /** Y range (default: the data's range). */
  yMin?: number;
  yMax?: number;
}

function fmt(v: number): string {
  const a = Math.abs(v);
  return a !== 0 && (a < 0.01 || a >= 1e5)
    ? v.toExponential(1)
    : String(Math.round(v * 1000) / 1000);
}

/** Draws the series; returns the RGB image (white background). */
export function linePlot(series: Series[], options: PlotOptions = {}): RgbImage {
  const width = options.width ?? 640, height = options.height ?? 400;
  const img: RgbImage = { pixels: new Uint8Array(width * height * 3).fill(255), width, height };
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const s of series) {
    for (let i = 0; i < s.x.length; i++) {
      if (!Number.isFinite(s.x[i]) || !Number.isFinite(s.y[i])) continue;
      x0 = Math.min(x0, s.x[i]);
      x1 = Math.max(x1, s.x[i]);
      y0 = Math.min(y0, s.y[i]);
      y1 = Math.max(y1, s.y[i]);
    }
  }
  y0 = options.yMin ?? y0;
  y1 = options.yMax ?? y1;
  if (!(x1 > x0)) [x0, x1] = [Number.isFinite(x0) ? x0 - 1 : 0, Number.isFinite(x0) ? x0 + 1 : 1];
  if (!(y1 > y0)) [y0, y1] = [Number.isFinite(y0) ? y0 - 1 : 0, Number.isFinite(y0) ? y0 + 1 : 1];
  const left = 60,
    right = width - 15,
    top = options.title ? 30 : 15,
    bottom = height - 20 - 12 * series.length;
  const px = (x: number) => left + ((x - x0) / (x1 - x0)) * (right - left);
  const py = (y: number) => bottom - ((y - y0) / (y1 - y0)) * (bottom - top);
  const dot = (x: number, y: number, c: [number, number, number]) => {
    const ix = Math.round(x), iy = Math.round(y);
    if (ix >= 0 && iy >= 0 && ix < width && iy < height) img.pixels.set(c, (iy * width + ix) * 3);
  };
  const line = ([xa, ya]: number[], [xb, yb]: number[], c: [number, number, number]) => {
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(xb - xa), Math.abs(yb - ya))));
    for (let t = 0; t <= steps; t++) {
      dot(xa + ((xb - xa) * t) / steps, ya + ((yb - ya) * t) / steps, c);
    }
  };
  const black: [number, number, number] = [0, 0, 0];
  line([left, top], [left, bottom], black);
  line([left, bottom], [right, bottom], black);
  if (options.title) drawText(img, options.title, { x: left, y: 8, color: black, scale: 2 });
  drawText(img, fmt(y1), { x: 2, y: top - 3, color: black });
  drawText(img, fmt(y0), { x: 2, y: bottom - 7, color: black });
  drawText(img, fmt(x0), { x: left, y: bottom + 4, color: black });
  drawText(img, fmt(x1), { x: right - 6 * fmt(x1).length, y: bottom + 4, color: black });
  series.forEach((s, k) => {
    const c = s.color ?? classColor(k * 3 + 2);
    let prev: [number, number] | null = null;
    for (let i = 0; i < s.x.length; i++) {
      if (!Number.isFinite(s.x[i]) || !Number.isFinite(s.y[i])) {
        prev = null;
        continue;
      }
      const p: [number, number] = [px(s.x[i]), py(Math.min(y1, Math.max(y0, s.y[i])))];
      if (prev) line([prev[0], prev[1]], [p[0], p[1]], c);
      else dot(p[0], p[1], c);
      prev = p;
    }
    const ly = height - 12 * (series.length - k) - 2;
    line([left, ly + 3], [left + 14, ly + 3], c);
    drawText(img, s.name, { x: left + 20, y: ly, color: black });
  });
  return img;
}

/** {@link linePlot} encoded as PNG bytes. */
export function linePlotPng(series: Series[], options: PlotOptions = {}): Uint8Array {
  const img = linePlot(series, options);
  return encodePng(img.pixels, img.width, img.height);
}
