/**
 * Materials of the synthetic world: per-material colour ranges (each instance
 * draws its own colour) and the procedural surface patterns used when a ray
 * hits a part.
 *
 * @module
 */

import type { Rng } from "../kernels/random.ts";
import type { PartStyle, Texture } from "./geometry.ts";

/** Material names used by the furniture builders. */
export type Material =
  | "wood"
  | "darkWood"
  | "whitePaint"
  | "wallPaint"
  | "fabric"
  | "leather"
  | "metal"
  | "ceramic"
  | "glass"
  | "floorWood"
  | "floorTiles"
  | "carpet"
  | "plastic"
  | "paper"
  | "stone";

/** [hue 0..1 lo, hi], [saturation lo, hi], [value lo, hi], texture. */
type Range = [[number, number], [number, number], [number, number], Texture];

const RANGES: Record<Material, Range> = {
  wood: [[0.07, 0.11], [0.35, 0.6], [0.55, 0.85], "wood"],
  darkWood: [[0.05, 0.09], [0.45, 0.7], [0.22, 0.4], "wood"],
  whitePaint: [[0, 1], [0, 0.06], [0.82, 0.97], "plain"],
  wallPaint: [[0, 1], [0.03, 0.2], [0.72, 0.93], "plain"],
  fabric: [[0, 1], [0.2, 0.65], [0.25, 0.75], "fabric"],
  leather: [[0.03, 0.1], [0.3, 0.7], [0.12, 0.45], "fabric"],
  metal: [[0.55, 0.65], [0, 0.1], [0.45, 0.8], "metal"],
  ceramic: [[0.5, 0.6], [0, 0.05], [0.88, 0.98], "plain"],
  glass: [[0.52, 0.6], [0.1, 0.3], [0.55, 0.8], "glass"],
  floorWood: [[0.06, 0.1], [0.35, 0.6], [0.35, 0.7], "wood"],
  floorTiles: [[0, 1], [0, 0.15], [0.55, 0.85], "tiles"],
  carpet: [[0, 1], [0.1, 0.45], [0.3, 0.6], "carpet"],
  plastic: [[0, 1], [0.05, 0.5], [0.35, 0.95], "plain"],
  paper: [[0, 1], [0.2, 0.8], [0.3, 0.9], "paper"],
  stone: [[0.05, 0.15], [0.02, 0.15], [0.3, 0.8], "fabric"],
};

/** RGB 0..1 from HSV 0..1. */
export function hsv(h: number, s: number, v: number): [number, number, number] {
  const i = Math.floor(h * 6) % 6, f = h * 6 - Math.floor(h * 6);
  const p = v * (1 - s), q = v * (1 - f * s), t = v * (1 - (1 - f) * s);
  return ([[v, t, p], [q, v, p], [p, v, t], [p, q, v], [t, p, v], [v, p, q]] as const)[i]
    .slice() as [number, number, number];
}

/** A part style with a colour drawn from the material's range. */
export function material(rng: Rng, name: Material): PartStyle {
  const [h, s, v, texture] = RANGES[name];
  return {
    color: hsv(rng.uniform(h[0], h[1]), rng.uniform(s[0], s[1]), rng.uniform(v[0], v[1])),
    texture,
  };
}

/** Deterministic hash of integer lattice coordinates to [0, 1). */
function hash3(x: number, y: number, z: number): number {
  let h = Math.imul(x | 0, 0x27d4eb2d) ^ Math.imul(y | 0, 0x165667b1) ^
    Math.imul(z | 0, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/**
 * Albedo multiplier of a pattern at a world point (metres), about 0.6..1.2:
 * wood grain stripes, woven fabric speckle, tile grout lines, carpet noise.
 */
export function patternFactor(texture: Texture, [x, y, z]: [number, number, number]): number {
  switch (texture) {
    case "wood": {
      const g = Math.sin((x + y) * 60 + 3 * Math.sin(z * 7 + x * 3));
      return 0.9 + 0.1 * g + 0.05 * (hash3(x * 200, y * 200, z * 200) - 0.5);
    }
    case "fabric":
      return 0.88 + 0.2 * hash3(x * 300, y * 300, z * 300);
    case "carpet":
      return 0.8 + 0.35 * hash3(x * 120, y * 120, z * 120);
    case "tiles": {
      const fx = (x / 0.3) % 1, fy = (y / 0.3) % 1;
      const grout = fx < 0.04 || fy < 0.04 || (z > 0.01 && ((z / 0.3) % 1) < 0.04);
      return grout ? 0.6 : 0.97 + 0.06 * hash3(x / 0.3, y / 0.3, z / 0.3);
    }
    case "glass":
      return 0.85 + 0.3 * Math.max(0, Math.sin((x + z) * 8));
    case "metal":
      return 0.9 + 0.2 * Math.abs(Math.sin(z * 40));
    case "paper": {
      const q = hash3(x * 12, y * 12, z * 12);
      return 0.6 + 0.8 * q;
    }
    default:
      return 1;
  }
}

/** Light direction (unit) used for Lambert shading of colours. */
const LIGHT = (() => {
  const v = [0.35, 0.25, 0.9];
  const n = Math.hypot(v[0], v[1], v[2]);
  return v.map((x) => x / n);
})();

/**
 * Shaded colour of a surface point as 0..255 RGB written into `out[o..o+2]`:
 * albedo × pattern × (ambient + Lambert) — view-independent, like the vertex
 * colours of a fused RGB-D mesh.
 */
export function shadeInto(
  out: Uint8Array,
  o: number,
  surface: {
    color: [number, number, number];
    texture: Texture;
    p: [number, number, number];
    n: [number, number, number];
  },
): void {
  const { color, texture, p, n } = surface;
  const lambert = Math.abs(n[0] * LIGHT[0] + n[1] * LIGHT[1] + n[2] * LIGHT[2]);
  const f = patternFactor(texture, [p[0], p[1], p[2]]) * (0.62 + 0.38 * lambert);
  for (let k = 0; k < 3; k++) {
    out[o + k] = Math.max(0, Math.min(255, Math.round(255 * color[k] * f)));
  }
}
