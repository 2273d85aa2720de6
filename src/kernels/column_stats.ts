/**
 * Vertical columns of a z-up scene: the points are grouped by square xy cells
 * of `cell` metres (cell (⌊x/cell⌋, ⌊y/cell⌋), all heights together) and each
 * column records how many of its points are selected and the highest z among
 * them. Columns are numbered in order of first appearance; the per-point
 * lookups do not depend on the point order.
 *
 * @module
 */

import { invalid } from "./errors.ts";

/** Columns of a scene (C columns). */
export interface ColumnStats {
  /** Int32Array N: column of every point, 0..count−1. */
  columnOf: Int32Array;
  /** C, the number of non-empty columns. */
  count: number;
  /** Int32Array C: selected points per column. */
  selected: Int32Array;
  /** Float64Array C: total weight of the selected points per column (their count without weights). */
  mass: Float64Array;
  /** Float32Array C: highest z of the selected points, metres (−Infinity when none). */
  zMax: Float32Array;
}

/**
 * @param coord Float32Array N×3, metres, z up
 * @param select Uint8Array N: nonzero for the points that count
 * @param cell xy cell side, metres (> 0)
 * @param options `weight`: optional Float32Array N of point weights (`point_area.ts`) that
 *   `mass` sums
 * @returns the columns, see {@link ColumnStats}
 */
export function columnStats(
  coord: Float32Array,
  select: Uint8Array,
  cell: number,
  options: { weight?: Float32Array } = {},
): ColumnStats {
  const n = select.length, weight = options.weight;
  if (coord.length !== 3 * n || (weight && weight.length !== n)) {
    throw invalid(
      `Column stats: expected ${3 * n} coordinates (and ${n} weights) for ${n} flags, got ` +
        `${coord.length} (${weight?.length ?? "no"} weights)`,
    );
  }
  if (!(cell > 0) || !Number.isFinite(cell)) {
    throw invalid(`Column stats: cell side must be a positive number of metres, got ${cell}`);
  }
  const columnOf = new Int32Array(n);
  const index = new Map<number, number>();
  const OFFSET = 2 ** 25, SPAN = 2 ** 26;
  for (let i = 0; i < n; i++) {
    const ix = Math.floor(coord[3 * i] / cell), iy = Math.floor(coord[3 * i + 1] / cell);
    if (Math.abs(ix) >= OFFSET || Math.abs(iy) >= OFFSET) {
      throw invalid(`Column stats: point ${i} lies too far from the origin for cells of ${cell} m`);
    }
    const key = (ix + OFFSET) * SPAN + (iy + OFFSET);
    let c = index.get(key);
    if (c === undefined) index.set(key, c = index.size);
    columnOf[i] = c;
  }
  const count = index.size;
  const selected = new Int32Array(count);
  const mass = new Float64Array(count);
  const zMax = new Float32Array(count).fill(-Infinity);
  for (let i = 0; i < n; i++) {
    if (!select[i]) continue;
    const c = columnOf[i], z = coord[3 * i + 2];
    selected[c]++;
    mass[c] += weight ? weight[i] : 1;
    if (z > zMax[c]) zMax[c] = z;
  }
  return { columnOf, count, selected, mass, zMax };
}
