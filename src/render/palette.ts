/**
 * Colours for class labels: the ScanNet-20 benchmark colours for ids 0..19,
 * hashed colours beyond, grey for −1 (ignore / unknown).
 *
 * @module
 */

const SCANNET_COLORS: readonly [number, number, number][] = [
  [174, 199, 232],
  [152, 223, 138],
  [31, 119, 180],
  [255, 187, 120],
  [188, 189, 34],
  [140, 86, 75],
  [255, 152, 150],
  [214, 39, 40],
  [197, 176, 213],
  [148, 103, 189],
  [196, 156, 148],
  [23, 190, 207],
  [247, 182, 210],
  [219, 219, 141],
  [255, 127, 14],
  [158, 218, 229],
  [44, 160, 44],
  [112, 128, 144],
  [227, 119, 194],
  [82, 84, 163],
];

/** RGB 0..255 colour of class id `c` (−1 → grey). */
export function classColor(c: number): [number, number, number] {
  if (c < 0) return [90, 90, 90];
  if (c < SCANNET_COLORS.length) return [...SCANNET_COLORS[c]];
  let h = Math.imul(c + 1, 0x9e3779b1);
  h ^= h >>> 15;
  return [64 + (h & 127), 64 + ((h >>> 8) & 127), 64 + ((h >>> 16) & 127)];
}

/** Per-point colours (Uint8Array N×3) of labels (N, −1 = grey). */
export function labelColors(labels: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(labels.length * 3);
  for (let i = 0; i < labels.length; i++) out.set(classColor(labels[i]), i * 3);
  return out;
}
