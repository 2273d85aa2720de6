/**
 * Batched k-nearest-neighbour search: queries are grouped by grid cell, the
 * 3×3×3 cell block around each group is resolved once, and each query scans
 * it nearest cells first (cells beyond the current k-th distance skipped)
 * before continuing shell by shell only when its k-th neighbour may lie
 * outside the block.
 *
 * @module
 */

import { CellHash } from "./cell_hash.ts";
import { clampCell, knnOne, type KnnQuery, offerCandidate, SHRINK } from "./knn_shell.ts";
import { cellId, occupiedCells, type SpatialGrid } from "./spatial_grid.ts";

/**
 * Searches the queries of one grid cell at a time: the non-empty cells of the
 * 3×3×3 block around the cell are listed once, and each query scans them in
 * order of their distance to it (stopping at the first one beyond its
 * current k-th distance), then queries whose k-th
 * neighbour may lie farther continue shell by shell. (A method called per
 * group keeps the hot loop in normally optimized code.)
 */
export class KnnBatch {
  /** Point ranges [lo, hi) of the 27 block cells, in BLOCK order. */
  private readonly lo = new Int32Array(27);
  private readonly hi = new Int32Array(27);
  /** Squared axis gaps from the query to the block's cell slabs: [−1, 0, +1] per axis. */
  private readonly gap = new Float64Array(9);
  /** Non-empty block cells of the current group, then per query sorted by box distance. */
  private readonly occ = new Int32Array(27);
  private readonly sorted = new Int32Array(27);
  private readonly boxD = new Float64Array(27);
  private readonly groups: QueryGroups;
  private readonly queries: Float32Array | undefined;
  private readonly index: Int32Array;
  private readonly dist2: Float32Array;

  constructor(
    private readonly g: SpatialGrid,
    private readonly a: KnnQuery,
    out: { groups: QueryGroups; queries?: Float32Array; index: Int32Array; dist2: Float32Array },
  ) {
    this.groups = out.groups;
    this.queries = out.queries;
    this.index = out.index;
    this.dist2 = out.dist2;
  }

  group(grp: number): void {
    const { g, a, groups, lo, hi, gap, index, dist2, occ, sorted, boxD } = this;
    const queries = this.queries;
    const { candD, candI, k } = a;
    const { xyz, order, tol, nx, ny, nz, ox, oy, oz, cellSize, start } = g;
    const cx = groups.cell[3 * grp], cy = groups.cell[3 * grp + 1], cz = groups.cell[3 * grp + 2];
    for (let c = 0; c < 27; c++) {
      const ix = cx + BLOCK[3 * c], iy = cy + BLOCK[3 * c + 1], iz = cz + BLOCK[3 * c + 2];
      lo[c] = hi[c] = 0;
      if (ix < 0 || ix >= nx || iy < 0 || iy >= ny || iz < 0 || iz >= nz) continue;
      const id = cellId(g, ix, iy, iz);
      if (id < 0) continue;
      lo[c] = start[id];
      hi[c] = start[id + 1];
    }
    let nOcc = 0;
    for (let c = 0; c < 27; c++) if (hi[c] > lo[c]) occ[nOcc++] = c;
    // Planes of the centre cell, shrunk by the slack, and of the block (±Infinity at grid edges).
    const x0 = ox + cx * cellSize + tol, x1 = ox + (cx + 1) * cellSize - tol;
    const y0 = oy + cy * cellSize + tol, y1 = oy + (cy + 1) * cellSize - tol;
    const z0 = oz + cz * cellSize + tol, z1 = oz + (cz + 1) * cellSize - tol;
    const xLo = cx - 1 > 0 ? x0 - cellSize : -Infinity,
      xHi = cx + 1 < nx - 1 ? x1 + cellSize : Infinity;
    const yLo = cy - 1 > 0 ? y0 - cellSize : -Infinity,
      yHi = cy + 1 < ny - 1 ? y1 + cellSize : Infinity;
    const zLo = cz - 1 > 0 ? z0 - cellSize : -Infinity,
      zHi = cz + 1 < nz - 1 ? z1 + cellSize : Infinity;
    const gEnd = groups.start[grp + 1];
    for (let m = groups.start[grp]; m < gEnd; m++) {
      let qx: number, qy: number, qz: number, self: number, row: number;
      if (queries === undefined) {
        qx = xyz[3 * m];
        qy = xyz[3 * m + 1];
        qz = xyz[3 * m + 2];
        self = order[m];
        row = self * k;
      } else {
        const q = groups.member[m];
        qx = queries[3 * q];
        qy = queries[3 * q + 1];
        qz = queries[3 * q + 2];
        self = -1;
        row = q * k;
      }
      gap[0] = qx > x0 ? (qx - x0) * (qx - x0) : 0;
      gap[1] = qx < x0 ? (x0 - qx) * (x0 - qx) : qx > x1 ? (qx - x1) * (qx - x1) : 0;
      gap[2] = qx < x1 ? (x1 - qx) * (x1 - qx) : 0;
      gap[3] = qy > y0 ? (qy - y0) * (qy - y0) : 0;
      gap[4] = qy < y0 ? (y0 - qy) * (y0 - qy) : qy > y1 ? (qy - y1) * (qy - y1) : 0;
      gap[5] = qy < y1 ? (y1 - qy) * (y1 - qy) : 0;
      gap[6] = qz > z0 ? (qz - z0) * (qz - z0) : 0;
      gap[7] = qz < z0 ? (z0 - qz) * (z0 - qz) : qz > z1 ? (qz - z1) * (qz - z1) : 0;
      gap[8] = qz < z1 ? (z1 - qz) * (z1 - qz) : 0;
      let cnt = 0, bound = a.r2lim;
      let selfPos = -1;
      if (queries === undefined) {
        // The point itself ranks first (key −1, reported as dist2 0); skip it in the scan.
        candD[0] = -1;
        candI[0] = self;
        cnt = 1;
        selfPos = m;
        if (k === 1) bound = -1;
      }
      // Non-empty cells nearest first (insertion sort by box distance; ties keep BLOCK order).
      for (let t = 0; t < nOcc; t++) {
        const c = occ[t];
        const box = gap[1 + BLOCK[3 * c]] + gap[4 + BLOCK[3 * c + 1]] + gap[7 + BLOCK[3 * c + 2]];
        let j = t;
        while (j > 0 && boxD[j - 1] > box) {
          boxD[j] = boxD[j - 1];
          sorted[j] = sorted[j - 1];
          j--;
        }
        boxD[j] = box;
        sorted[j] = c;
      }
      a.cnt = cnt;
      a.bound = bound;
      for (let t = 0; t < nOcc; t++) {
        const box = boxD[t];
        if (box * SHRINK > a.bound) break;
        const c = sorted[t];
        const end = hi[c];
        let p = lo[c];
        for (; p < end; p++) {
          const dx = xyz[3 * p] - qx, dy = xyz[3 * p + 1] - qy, dz = xyz[3 * p + 2] - qz;
          const d = Math.fround(dx * dx + dy * dy + dz * dz);
          if (d > a.bound || p === selfPos) continue;
          offerCandidate(a, d, order[p]);
        }
      }
      cnt = a.cnt;
      bound = a.bound;
      const lim = Math.min(qx - xLo, xHi - qx, qy - yLo, yHi - qy, qz - zLo, zHi - qz);
      if (!(lim === Infinity || (lim > 0 && lim * lim * SHRINK > bound))) {
        a.qx = qx;
        a.qy = qy;
        a.qz = qz;
        a.self = self;
        a.firstShell = 2;
        cnt = knnOne(g, a);
      }
      for (let j = 0; j < cnt; j++) {
        index[row + j] = candI[j];
        dist2[row + j] = candD[j] < 0 ? 0 : candD[j];
      }
    }
  }
}

/** The 27 cell offsets of a 3×3×3 block, nearest first: centre, faces, edges, corners. */
const BLOCK = (() => {
  const offsets: number[][] = [];
  for (let dz = -1; dz <= 1; dz++) {
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) offsets.push([dx, dy, dz]);
  }
  const weight = (o: number[]) => Math.abs(o[0]) + Math.abs(o[1]) + Math.abs(o[2]);
  offsets.sort((p, q) => weight(p) - weight(q));
  return Int32Array.from(offsets.flat());
})();

/** Queries grouped by (clamped) grid cell. */
export interface QueryGroups {
  count: number;
  /** Int32Array G×3: cell of each group. */
  cell: Int32Array;
  /** Int32Array G+1: group j holds members start[j] .. start[j+1]. */
  start: Int32Array;
  /** Int32Array Q: query indices by group (explicit queries only). */
  member: Int32Array;
}

/** The grid's own points as queries: one group per occupied cell, members = grid positions. */
export function selfGroups(g: SpatialGrid): QueryGroups {
  const occ = occupiedCells(g);
  const start = new Int32Array(occ.count + 1);
  for (let j = 0; j < occ.count; j++) start[j + 1] = g.start[occ.id[j] + 1];
  // Occupied cells are listed in id order, so their point ranges are consecutive.
  start[0] = occ.count > 0 ? g.start[occ.id[0]] : 0;
  return { count: occ.count, cell: occ.cell, start, member: new Int32Array(0) };
}

/** Explicit queries grouped by the grid cell they fall in (clamped to the grid). */
export function queryGroups(g: SpatialGrid, queries: Float32Array): QueryGroups {
  const nq = queries.length / 3;
  const hash = new CellHash(Math.min(nq, 1 << 16));
  const of = new Int32Array(nq);
  for (let q = 0; q < nq; q++) {
    of[q] = hash.insert(
      clampCell(Math.floor((queries[3 * q] - g.ox) * g.inv), g.nx),
      clampCell(Math.floor((queries[3 * q + 1] - g.oy) * g.inv), g.ny),
      clampCell(Math.floor((queries[3 * q + 2] - g.oz) * g.inv), g.nz),
    );
  }
  const count = hash.count;
  const start = new Int32Array(count + 1);
  for (let q = 0; q < nq; q++) start[of[q] + 1]++;
  for (let j = 0; j < count; j++) start[j + 1] += start[j];
  const fill = start.slice(0, count);
  const member = new Int32Array(nq);
  for (let q = 0; q < nq; q++) member[fill[of[q]]++] = q;
  return { count, cell: hash.keys.slice(0, 3 * count), start, member };
}
