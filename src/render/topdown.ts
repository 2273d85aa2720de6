/**
 * Top-down orthographic pictures of labelled point clouds: each point is
 * splatted from above (highest point wins, points above `zMax` skipped), one
 * panel per labelling, side by side with titles and a class legend.
 *
 * @module
 */

import { drawText, textWidth } from "./font.ts";
import { encodePng } from "./png.ts";
import { classColor } from "./palette.ts";

/** An RGB image: Uint8Array H×W×3. */
export interface RgbImage {
  pixels: Uint8Array;
  width: number;
  height: number;
}

/** Options of {@link renderTopDown}. */
export interface TopDownOptions {
  /** Pixels per metre (default 60). */
  pxPerMetre?: number;
  /** Skip points above this height, metres (default Infinity). */
  zMax?: number;
  /** Splat size, pixels (default 2). */
  splat?: number;
  /** Background RGB (default white). */
  background?: [number, number, number];
}

/**
 * Renders per-point colours seen from above (x right, y up in the picture).
 *
 * @param coord Float32Array N×3, metres
 * @param colors Uint8Array N×3
 * @param options scale, height cut, splat size
 */
export function renderTopDown(
  coord: Float32Array,
  colors: Uint8Array,
  options: TopDownOptions = {},
): RgbImage {
  const s = options.pxPerMetre ?? 60, zMax = options.zMax ?? Infinity, splat = options.splat ?? 2;
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  const n = coord.length / 3;
  for (let i = 0; i < n; i++) {
    if (coord[i * 3 + 2] > zMax) continue;
    x0 = Math.min(x0, coord[i * 3]);
    x1 = Math.max(x1, coord[i * 3]);
    y0 = Math.min(y0, coord[i * 3 + 1]);
    y1 = Math.max(y1, coord[i * 3 + 1]);
  }
  if (!(x1 >= x0)) {
    x0 =
      y0 =
      x1 =
      y1 =
        0;
  }
  const width = Math.max(1, Math.ceil((x1 - x0) * s) + splat),
    height = Math.max(1, Math.ceil((y1 - y0) * s) + splat);
  const pixels = new Uint8Array(width * height * 3);
  const bg = options.background ?? [255, 255, 255];
  for (let p = 0; p < width * height; p++) pixels.set(bg, p * 3);
  const zbuf = new Float32Array(width * height).fill(-Infinity);
  for (let i = 0; i < n; i++) {
    const z = coord[i * 3 + 2];
    if (z > zMax) continue;
    const px = Math.floor((coord[i * 3] - x0) * s), py = Math.floor((y1 - coord[i * 3 + 1]) * s);
    for (let dy = 0; dy < splat; dy++) {
      for (let dx = 0; dx < splat; dx++) {
        const q = (py + dy) * width + px + dx;
        if (z <= zbuf[q]) continue;
        zbuf[q] = z;
        pixels[q * 3] = colors[i * 3];
        pixels[q * 3 + 1] = colors[i * 3 + 1];
        pixels[q * 3 + 2] = colors[i * 3 + 2];
      }
    }
  }
  return { pixels, width, height };
}

/**
 * Places images side by side with a title above each and an optional legend
 * of named colours below; white background.
 */
export function composePanels(
  panels: { title: string; image: RgbImage }[],
  legend: { name: string; color: [number, number, number] }[] = [],
): RgbImage {
  const pad = 10, titleH = 20;
  const width = panels.reduce((s, p) => s + p.image.width + pad, pad);
  const legendCols = Math.max(1, Math.floor((width - pad) / 150));
  const legendH = legend.length ? Math.ceil(legend.length / legendCols) * 14 + pad : 0;
  const height = pad + titleH + Math.max(...panels.map((p) => p.image.height)) + pad + legendH;
  const out: RgbImage = { pixels: new Uint8Array(width * height * 3).fill(255), width, height };
  let x = pad;
  for (const p of panels) {
    const scale = textWidth(p.title, 2) <= p.image.width ? 2 : 1;
    drawText(out, p.title, { x, y: pad, color: [0, 0, 0], scale });
    for (let r = 0; r < p.image.height; r++) {
      out.pixels.set(
        p.image.pixels.subarray(r * p.image.width * 3, (r + 1) * p.image.width * 3),
        ((pad + titleH + r) * width + x) * 3,
      );
    }
    x += p.image.width + pad;
  }
  const ly = pad + titleH + Math.max(...panels.map((p) => p.image.height)) + pad;
  legend.forEach((e, k) => {
    const lx = pad + (k % legendCols) * 150, y = ly + Math.floor(k / legendCols) * 14;
    for (let dy = 0; dy < 9; dy++) {
      for (let dx = 0; dx < 9; dx++) out.pixels.set(e.color, ((y + dy) * width + lx + dx) * 3);
    }
    if (textWidth(e.name) < 135) drawText(out, e.name, { x: lx + 13, y: y + 1, color: [0, 0, 0] });
  });
  return out;
}

/**
 * PNG of one or more labellings of the same cloud from above, with a legend of
 * the classes that occur.
 *
 * @param coord Float32Array N×3, metres
 * @param panels titles and per-point class ids (N each, −1 = grey)
 * @param options class names and top-down options
 */
export function renderLabelPanels(
  coord: Float32Array,
  panels: { title: string; labels: ArrayLike<number> }[],
  options: TopDownOptions & { classNames: string[] },
): Uint8Array {
  const used = new Set<number>();
  const images = panels.map((p) => {
    const colors = new Uint8Array(p.labels.length * 3);
    for (let i = 0; i < p.labels.length; i++) {
      used.add(p.labels[i]);
      colors.set(classColor(p.labels[i]), i * 3);
    }
    return { title: p.title, image: renderTopDown(coord, colors, options) };
  });
  const legend = [...used].sort((a, b) => a - b).map((c) => ({
    name: c < 0 ? "unseen" : options.classNames[c] ?? String(c),
    color: classColor(c),
  }));
  const img = composePanels(images, legend);
  return encodePng(img.pixels, img.width, img.height);
}
