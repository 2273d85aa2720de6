/**
 * A 5×7 pixel bitmap font (digits, capital letters — lower case is drawn as
 * capitals — and a little punctuation) for labels in rendered pictures.
 *
 * @module
 */

/** Each glyph: 7 rows of 5 bits, most significant bit = leftmost column. */
const GLYPHS: Record<string, number[]> = {
  "0": [14, 17, 19, 21, 25, 17, 14],
  "1": [4, 12, 4, 4, 4, 4, 14],
  "2": [14, 17, 1, 2, 4, 8, 31],
  "3": [31, 2, 4, 2, 1, 17, 14],
  "4": [2, 6, 10, 18, 31, 2, 2],
  "5": [31, 16, 30, 1, 1, 17, 14],
  "6": [6, 8, 16, 30, 17, 17, 14],
  "7": [31, 1, 2, 4, 8, 8, 8],
  "8": [14, 17, 17, 14, 17, 17, 14],
  "9": [14, 17, 17, 15, 1, 2, 12],
  A: [14, 17, 17, 31, 17, 17, 17],
  B: [30, 17, 17, 30, 17, 17, 30],
  C: [14, 17, 16, 16, 16, 17, 14],
  D: [28, 18, 17, 17, 17, 18, 28],
  E: [31, 16, 16, 30, 16, 16, 31],
  F: [31, 16, 16, 30, 16, 16, 16],
  G: [14, 17, 16, 23, 17, 17, 15],
  H: [17, 17, 17, 31, 17, 17, 17],
  I: [14, 4, 4, 4, 4, 4, 14],
  J: [7, 2, 2, 2, 2, 18, 12],
  K: [17, 18, 20, 24, 20, 18, 17],
  L: [16, 16, 16, 16, 16, 16, 31],
  M: [17, 27, 21, 21, 17, 17, 17],
  N: [17, 17, 25, 21, 19, 17, 17],
  O: [14, 17, 17, 17, 17, 17, 14],
  P: [30, 17, 17, 30, 16, 16, 16],
  Q: [14, 17, 17, 17, 21, 18, 13],
  R: [30, 17, 17, 30, 20, 18, 17],
  S: [15, 16, 16, 14, 1, 1, 30],
  T: [31, 4, 4, 4, 4, 4, 4],
  U: [17, 17, 17, 17, 17, 17, 14],
  V: [17, 17, 17, 17, 17, 10, 4],
  W: [17, 17, 17, 21, 21, 21, 10],
  X: [17, 17, 10, 4, 10, 17, 17],
  Y: [17, 17, 10, 4, 4, 4, 4],
  Z: [31, 1, 2, 4, 8, 16, 31],
  ".": [0, 0, 0, 0, 0, 12, 12],
  ",": [0, 0, 0, 0, 12, 4, 8],
  "-": [0, 0, 0, 31, 0, 0, 0],
  "_": [0, 0, 0, 0, 0, 0, 31],
  ":": [0, 12, 12, 0, 12, 12, 0],
  "=": [0, 0, 31, 0, 31, 0, 0],
  "%": [24, 25, 2, 4, 8, 19, 3],
  "/": [0, 1, 2, 4, 8, 16, 0],
  "(": [2, 4, 8, 8, 8, 4, 2],
  ")": [8, 4, 2, 2, 2, 4, 8],
  "+": [0, 4, 4, 31, 4, 4, 0],
  " ": [0, 0, 0, 0, 0, 0, 0],
};

/** Width in pixels of `text` drawn at `scale` (6 px advance per character). */
export function textWidth(text: string, scale = 1): number {
  return text.length * 6 * scale;
}

/**
 * Draws `text` into an RGB image (Uint8Array H×W×3) with its top-left corner at
 * (x, y), `scale` pixels per font pixel; unknown characters draw as blanks.
 */
export function drawText(
  image: { pixels: Uint8Array; width: number; height: number },
  text: string,
  at: { x: number; y: number; color: [number, number, number]; scale?: number },
): void {
  const s = at.scale ?? 1;
  let x0 = at.x;
  for (const ch of text.toUpperCase()) {
    const g = GLYPHS[ch] ?? GLYPHS[" "];
    for (let r = 0; r < 7; r++) {
      for (let c = 0; c < 5; c++) {
        if (!((g[r] >> (4 - c)) & 1)) continue;
        for (let dy = 0; dy < s; dy++) {
          for (let dx = 0; dx < s; dx++) {
            const px = x0 + c * s + dx, py = at.y + r * s + dy;
            if (px < 0 || py < 0 || px >= image.width || py >= image.height) continue;
            image.pixels.set(at.color, (py * image.width + px) * 3);
          }
        }
      }
    }
    x0 += 6 * s;
  }
}
