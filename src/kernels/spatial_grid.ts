/**
 * Uniform grid over a point set for neighbour queries: points are counting-
 * sorted by cell into one flat array with per-cell start offsets. The grid is
 * dense (cells addressed by linear index) when the bounding box holds few
 * enough cells, hashed (only occupied cells stored) otherwise.
 *
 * @module
 */

import { CellHash, hashCell } from "./cell_hash.ts";
import { invalid } from "./errors.ts";
import { scratchFloat32, scratchInt32 } from "./scratch.ts";

/** A point set sorted by grid cell. */
export interface SpatialGrid {
  /** Number of points N. */
  n: number;
  /** Cell side, metres. */
  cellSize: number;
  /** 1 / cellSize. */
  inv: number;
  /** Grid origin (minimum corner of the points' bounding box), metres. */
  ox: number;
  oy: number;
  oz: number;
  /** Cells per axis; cell coordinates run 0..n−1 on each axis. */
  nx: number;
  ny: number;
  nz: number;
  /** Cells addressed by linear index ix + nx·(iy + ny·iz) when set, through `hash` otherwise. */
  dense: boolean;
  /** Occupied cells (hashed layout only). */
  hash: CellHash | null;
  /** Int32Array cells+1: points of cell c are order[start[c] .. start[c+1]). */
  start: Int32Array;
  /** Int32Array N: original point indices in cell order. */
  order: Int32Array;
  /** Float32Array N×3: coordinates in cell order, metres (the input values). */
  xyz: Float32Array;
  /** Absolute slack, metres, subtracted from geometric distance bounds to absorb rounding. */
  tol: number;
  /** Occupied cells, built on first use by `occupiedCells`. */
  occupied?: OccupiedCells;
}

/** The non-empty cells of a grid. */
export interface OccupiedCells {
  /** Number of non-empty cells C. */
  count: number;
  /** Int32Array C: cell ids (as used with `start`). */
  id: Int32Array;
  /** Int32Array C×3: cell coordinates (ix, iy, iz). */
  cell: Int32Array;
}

/** The grid's non-empty cells (computed once, then cached on the grid). */
export function occupiedCells(g: SpatialGrid): OccupiedCells {
  if (g.occupied) return g.occupied;
  let result: OccupiedCells;
  if (g.hash) {
    const count = g.hash.count;
    result = {
      count,
      id: Int32Array.from({ length: count }, (_, i) => i),
      cell: g.hash.keys.slice(0, 3 * count),
    };
  } else {
    const cells = g.start.length - 1;
    let count = 0;
    for (let c = 0; c < cells; c++) if (g.start[c + 1] > g.start[c]) count++;
    const id = new Int32Array(count), cell = new Int32Array(3 * count);
    const nxy = g.nx * g.ny;
    for (let c = 0, j = 0; c < cells; c++) {
      if (g.start[c + 1] === g.start[c]) continue;
      id[j] = c;
      cell[3 * j] = c % g.nx;
      cell[3 * j + 1] = Math.floor(c / g.nx) % g.ny;
      cell[3 * j + 2] = Math.floor(c / nxy);
      j++;
    }
    result = { count, id, cell };
  }
  g.occupied = result;
  return result;
}

/**
 * Axis-aligned bounding box [minX, minY, minZ, maxX, maxY, maxZ] of N×3
 * points (Float64Array 6, metres; ±Infinity when N = 0). Throws GeoError
 * invalid_argument naming the first non-finite point.
 */
export function pointBounds(points: Float32Array): Float64Array {
  if (points.length % 3 !== 0) {
    throw invalid(`Point coordinates must be N×3 values, got a length of ${points.length}`);
  }
  const b = new Float64Array([Infinity, Infinity, Infinity, -Infinity, -Infinity, -Infinity]);
  for (let i = 0; i < points.length; i += 3) {
    const x = points[i], y = points[i + 1], z = points[i + 2];
    if (!(Math.abs(x) + Math.abs(y) + Math.abs(z) < Infinity)) {
      throw invalid(`Point ${i / 3} has non-finite coordinates (${x}, ${y}, ${z})`);
    }
    if (x < b[0]) b[0] = x;
    if (x > b[3]) b[3] = x;
    if (y < b[1]) b[1] = y;
    if (y > b[4]) b[4] = y;
    if (z < b[2]) b[2] = z;
    if (z > b[5]) b[5] = z;
  }
  return b;
}

const MAX_AXIS_CELLS = 1 << 30;

/**
 * Sorts `points` into a grid of cubic cells of side ≥ `cellSize` (enlarged
 * only when an axis would need more than 2^30 cells).
 *
 * @param points Float32Array N×3, metres, finite (GeoError invalid_argument otherwise)
 * @param cellSize cell side, metres, > 0
 * @param options.scratch put `start`, `order` and `xyz` in reused scratch memory
 *   (`scratch.ts`): the grid is then valid only until the next scratch grid is built,
 *   for a search that drops it before returning
 */
export function buildGrid(
  points: Float32Array,
  cellSize: number,
  options: { scratch?: boolean } = {},
): SpatialGrid {
  const n = points.length / 3;
  const b = pointBounds(points);
  const ox = n > 0 ? b[0] : 0, oy = n > 0 ? b[1] : 0, oz = n > 0 ? b[2] : 0;
  const ext = n > 0 ? Math.max(b[3] - ox, b[4] - oy, b[5] - oz) : 0;
  let h = cellSize;
  if (ext / h >= MAX_AXIS_CELLS - 1) h = ext / (MAX_AXIS_CELLS - 2);
  const inv = 1 / h;
  const nx = n > 0 ? Math.floor((b[3] - ox) * inv) + 1 : 1;
  const ny = n > 0 ? Math.floor((b[4] - oy) * inv) + 1 : 1;
  const nz = n > 0 ? Math.floor((b[5] - oz) * inv) + 1 : 1;
  const total = nx * ny * nz;
  // Dense up to 16 cells per point (64 B/point of offsets): direct addressing keeps the
  // 27-cell neighbourhood lookups of the searches in a few cache lines.
  const dense = total <= 16 * n + 4096;
  // Temporaries in reused scratch memory (fresh pages are costly); only order/xyz/start escape.
  const cellOf = scratchInt32("buildGrid.cellOf", n);
  let hash: CellHash | null = null;
  let cells: number;
  if (dense) {
    for (let i = 0; i < n; i++) {
      const ix = Math.min(Math.floor((points[3 * i] - ox) * inv), nx - 1);
      const iy = Math.min(Math.floor((points[3 * i + 1] - oy) * inv), ny - 1);
      const iz = Math.min(Math.floor((points[3 * i + 2] - oz) * inv), nz - 1);
      cellOf[i] = ix + nx * (iy + ny * iz);
    }
    cells = total;
  } else {
    hash = new CellHash(Math.min(n, 1 << 20));
    // Consecutive points often share a cell (scan order): skip the hash lookup then.
    let px = -1, py = -1, pz = -1, pc = -1;
    for (let i = 0; i < n; i++) {
      const ix = Math.min(Math.floor((points[3 * i] - ox) * inv), nx - 1);
      const iy = Math.min(Math.floor((points[3 * i + 1] - oy) * inv), ny - 1);
      const iz = Math.min(Math.floor((points[3 * i + 2] - oz) * inv), nz - 1);
      if (ix !== px || iy !== py || iz !== pz) {
        pc = hash.insert(ix, iy, iz);
        px = ix;
        py = iy;
        pz = iz;
      }
      cellOf[i] = pc;
    }
    cells = hash.count;
  }
  const tmp = options.scratch === true;
  const start = tmp
    ? scratchInt32("buildGrid.start", cells + 1).fill(0)
    : new Int32Array(cells + 1);
  for (let i = 0; i < n; i++) start[cellOf[i] + 1]++;
  for (let c = 0; c < cells; c++) start[c + 1] += start[c];
  const order = tmp ? scratchInt32("buildGrid.order", n) : new Int32Array(n);
  const xyz = tmp ? scratchFloat32("buildGrid.xyz", 3 * n) : new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    // start[c] serves as the fill cursor of cell c: afterwards it is the start of cell c + 1.
    const s = start[cellOf[i]]++;
    order[s] = i;
    xyz[3 * s] = points[3 * i];
    xyz[3 * s + 1] = points[3 * i + 1];
    xyz[3 * s + 2] = points[3 * i + 2];
  }
  for (let c = cells; c > 0; c--) start[c] = start[c - 1];
  start[0] = 0;
  const tol = 1e-6 * h + 1e-12 * (Math.abs(ox) + Math.abs(oy) + Math.abs(oz) + ext);
  return { n, cellSize: h, inv, ox, oy, oz, nx, ny, nz, dense, hash, start, order, xyz, tol };
}

/** Id of cell (ix, iy, iz) inside the grid range for `start`, or −1 when it holds no points. */
export function cellId(g: SpatialGrid, ix: number, iy: number, iz: number): number {
  if (g.dense) return ix + g.nx * (iy + g.ny * iz);
  return (g.hash as CellHash).find(ix, iy, iz);
}

/**
 * Cell side for k-nearest-neighbour search: chosen so that the cell holding a
 * typical point contains about 1 + 0.4·k points, which makes the k-th
 * neighbour distance about one cell for both volumes and surfaces. Estimated
 * from point-weighted cell occupancy (approximate counts in a fixed hash
 * table), refined over a few passes.
 *
 * @param points Float32Array N×3, metres
 * @param k neighbours wanted (≥ 1)
 * @returns cell side, metres, > 0
 */
export function knnCellSize(points: Float32Array, k: number): number {
  const n = points.length / 3;
  const b = pointBounds(points);
  const ex = b[3] - b[0], ey = b[4] - b[1], ez = b[5] - b[2];
  const e = [ex, ey, ez].sort((p, q) => q - p);
  const kk = Math.min(k, n);
  let h = Math.max(
    Math.cbrt(e[0] * e[1] * e[2] * kk / n),
    Math.sqrt(e[0] * e[1] * kk / n),
    e[0] * kk / n,
  );
  if (!(h > 0) || !Number.isFinite(h)) return 1;
  if (n < 64) return h;
  const target = 1 + 0.4 * kk;
  let cap = 1024;
  while (cap < 2 * n) cap *= 2;
  const table = scratchInt32("knnCellSize.table", cap);
  const slots = scratchInt32("knnCellSize.slots", n);
  for (let pass = 0; pass < 8; pass++) {
    table.fill(0);
    const inv = 1 / h;
    for (let i = 0; i < n; i++) {
      const s = hashCell(
        Math.floor((points[3 * i] - b[0]) * inv),
        Math.floor((points[3 * i + 1] - b[1]) * inv),
        Math.floor((points[3 * i + 2] - b[2]) * inv),
      ) & (cap - 1);
      slots[i] = s;
      table[s]++;
    }
    let occ = 0;
    for (let i = 0; i < n; i++) occ += table[slots[i]];
    occ /= n;
    const ratio = target / occ;
    if (ratio > 0.7 && ratio < 1.4) break;
    // Unknown intrinsic dimension: assume 2.5 and bound the step.
    h *= Math.min(4, Math.max(0.25, Math.pow(ratio, 1 / 2.5)));
  }
  return h;
}
