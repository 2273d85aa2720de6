/**
 * Horizontal distance of every point to the nearest wall: the points are
 * binned into square xy cells of `cell` metres (cell (⌊x/cell⌋, ⌊y/cell⌋)),
 * the cells holding a wall point are marked, and an exact Euclidean distance
 * transform between cell centres (two 1-D passes of the lower envelope of
 * parabolas) gives each cell its distance to the nearest marked cell. A point
 * gets the distance of its cell, capped at `maxDistance` (also the value of
 * every point when no point is a wall). Deterministic, independent of the
 * point order, O(N + cells).
 *
 * @module
 */

import { invalid } from "./errors.ts";

/** Options of {@link wallDistance}. */
export interface WallDistanceOptions {
  /** xy cell side, metres; a power of two keeps translations by whole metres exact. Default 0.125. */
  cell?: number;
  /** Cap of the returned distance, metres. Default 2. */
  maxDistance?: number;
  /** Most cells of the grid; the cell side is doubled until the scene fits. Default 4 194 304. */
  maxCells?: number;
}

/**
 * @param coord Float32Array N×3, metres (only x and y are read)
 * @param isWall Uint8Array N: nonzero for wall points
 * @param options cell side, cap and grid size limit, see {@link WallDistanceOptions}
 * @returns Float32Array N: distance in metres between the centres of the point's cell
 *   and of the nearest wall cell, in [0, maxDistance]
 */
export function wallDistance(
  coord: Float32Array,
  isWall: Uint8Array,
  options: WallDistanceOptions = {},
): Float32Array {
  const n = isWall.length;
  if (coord.length !== 3 * n) {
    throw invalid(
      `Wall distance: expected ${3 * n} coordinates for ${n} flags, got ${coord.length}`,
    );
  }
  let cell = options.cell ?? 0.125;
  const maxDistance = options.maxDistance ?? 2;
  const maxCells = options.maxCells ?? 4_194_304;
  if (!(cell > 0) || !Number.isFinite(cell) || !(maxDistance >= 0) || !(maxCells >= 1)) {
    throw invalid(
      `Wall distance: cell (${cell}) and maxCells (${maxCells}) must be positive, ` +
        `maxDistance (${maxDistance}) ≥ 0`,
    );
  }
  const out = new Float32Array(n).fill(maxDistance);
  let walls = 0;
  for (let i = 0; i < n; i++) if (isWall[i]) walls++;
  if (walls === 0 || n === 0) return out;
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = coord[3 * i], y = coord[3 * i + 1];
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  let ix0 = 0, iy0 = 0, w = 0, h = 0;
  for (;;) {
    ix0 = Math.floor(x0 / cell);
    iy0 = Math.floor(y0 / cell);
    w = Math.floor(x1 / cell) - ix0 + 1;
    h = Math.floor(y1 / cell) - iy0 + 1;
    if (w * h <= maxCells) break;
    cell *= 2;
  }
  const cellOf = new Int32Array(n);
  const d2 = new Float64Array(w * h).fill(Infinity);
  for (let i = 0; i < n; i++) {
    const c = (Math.floor(coord[3 * i] / cell) - ix0) * h +
      (Math.floor(coord[3 * i + 1] / cell) - iy0);
    cellOf[i] = c;
    if (isWall[i]) d2[c] = 0;
  }
  squaredDistanceTransform(d2, w, h);
  for (let i = 0; i < n; i++) {
    const d = Math.sqrt(d2[cellOf[i]]) * cell;
    out[i] = d < maxDistance ? d : maxDistance;
  }
  return out;
}

/** In-place 2-D squared Euclidean distance transform (cells²) of a w×h grid, row-major by x. */
function squaredDistanceTransform(grid: Float64Array, w: number, h: number): void {
  const len = Math.max(w, h);
  const f = new Float64Array(len), d = new Float64Array(len);
  const v = new Int32Array(len), z = new Float64Array(len + 1);
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) f[y] = grid[x * h + y];
    envelope(f, h, { d, v, z });
    for (let y = 0; y < h; y++) grid[x * h + y] = d[y];
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) f[x] = grid[x * h + y];
    envelope(f, w, { d, v, z });
    for (let x = 0; x < w; x++) grid[x * h + y] = d[x];
  }
}

/** 1-D transform d[q] = min_p (q − p)² + f[p] (Felzenszwalb & Huttenlocher); f may hold Infinity. */
function envelope(
  f: Float64Array,
  n: number,
  work: { d: Float64Array; v: Int32Array; z: Float64Array },
): void {
  const { d, v, z } = work;
  let k = -1;
  for (let q = 0; q < n; q++) {
    if (f[q] === Infinity) continue;
    for (;;) {
      if (k < 0) {
        k = 0;
        v[0] = q;
        z[0] = -Infinity;
        z[1] = Infinity;
        break;
      }
      const p = v[k];
      const s = (f[q] + q * q - (f[p] + p * p)) / (2 * (q - p));
      if (s <= z[k]) {
        k--;
        continue;
      }
      k++;
      v[k] = q;
      z[k] = s;
      z[k + 1] = Infinity;
      break;
    }
  }
  if (k < 0) {
    d.fill(Infinity, 0, n);
    return;
  }
  let j = 0;
  for (let q = 0; q < n; q++) {
    while (z[j + 1] < q) j++;
    const p = v[j];
    d[q] = (q - p) * (q - p) + f[p];
  }
}
