/**
 * Shell-by-shell k-nearest-neighbour search of one query over a uniform grid:
 * cells are visited in growing Chebyshev shells around the query's cell
 * (cells farther than the current k-th distance skipped) until the k-th
 * distance is below the distance to every unvisited cell; far queries
 * switch to scanning the occupied cells in order of distance.
 *
 * @module
 */

import { sortPairs } from "./sort_pairs.ts";
import { cellId, occupiedCells, type SpatialGrid } from "./spatial_grid.ts";

/** Relative shrink applied to distance lower bounds (absorbs Float32 rounding of dist2). */
export const SHRINK = 1 - 1e-6;

/** State of one query: inputs, sorted candidates so far, scratch. */
export interface KnnQuery {
  /** Query position, metres. */
  qx: number;
  qy: number;
  qz: number;
  /** Index of the query point itself (ranked first), or −1. */
  self: number;
  /** Neighbours wanted. */
  k: number;
  /** Largest admissible dist2, m² (Infinity: no radius limit). */
  r2lim: number;
  /** Float32Array k: candidate dist2 ascending (−1 marks the query itself); dist2 is Float32-rounded. */
  candD: Float32Array;
  /** Int32Array k: candidate point indices, same order. */
  candI: Int32Array;
  /** Candidates found so far and the squared distance a new one must not exceed. */
  cnt: number;
  bound: number;
  /** First shell knnOne visits (shells before it were already scanned). */
  firstShell: number;
  /** Scratch for the far-query fallback (grown on demand): cell box distances and slots. */
  cellD: Float64Array;
  cellI: Int32Array;
}

/** Fresh query state for k neighbours within squared distance r2lim (Infinity: no limit). */
export function newKnnQuery(k: number, r2lim: number): KnnQuery {
  return {
    qx: 0,
    qy: 0,
    qz: 0,
    self: -1,
    k,
    r2lim,
    candD: new Float32Array(k),
    candI: new Int32Array(k),
    cnt: 0,
    bound: r2lim,
    firstShell: 0,
    cellD: new Float64Array(0),
    cellI: new Int32Array(0),
  };
}

/** Shell cells visited before a query switches to scanning the occupied cells by distance. */
const SHELL_CELL_LIMIT = 3375;

/** v clamped to 0..n−1. */
export function clampCell(v: number, n: number): number {
  return v < 0 ? 0 : v > n - 1 ? n - 1 : v;
}

/** Axis distance from coordinate q to the cell slab [lo, lo + cell], less the grid slack, squared. */
export function slab2(q: number, lo: number, g: SpatialGrid): number {
  let d = lo - q;
  if (d < 0) d = q - lo - g.cellSize;
  d -= g.tol;
  return d > 0 ? d * d : 0;
}

/**
 * Completes the sorted candidates (candD/candI, first `cnt`) of one query,
 * visiting shells from `a.firstShell` on (earlier shells must already have
 * been offered); returns the final count.
 */
export function knnOne(g: SpatialGrid, a: KnnQuery): number {
  const { qx, qy, qz } = a;
  const { nx, ny, nz, ox, oy, oz, inv, tol } = g;
  const h = g.cellSize;
  const cx = clampCell(Math.floor((qx - ox) * inv), nx);
  const cy = clampCell(Math.floor((qy - oy) * inv), ny);
  const cz = clampCell(Math.floor((qz - oz) * inv), nz);
  let bound = a.bound; // squared distance a new candidate must not exceed
  let visited = 0;
  for (let s = a.firstShell;; s++) {
    const x0 = cx - s, x1 = cx + s, y0 = cy - s, y1 = cy + s, z0 = cz - s, z1 = cz + s;
    const zlo = z0 < 0 ? 0 : z0, zhi = z1 >= nz ? nz - 1 : z1;
    const ylo = y0 < 0 ? 0 : y0, yhi = y1 >= ny ? ny - 1 : y1;
    const xlo = x0 < 0 ? 0 : x0, xhi = x1 >= nx ? nx - 1 : x1;
    for (let iz = zlo; iz <= zhi; iz++) {
      const dz2 = slab2(qz, oz + iz * h, g);
      if (dz2 * SHRINK > bound) continue;
      const zEdge = iz === z0 || iz === z1;
      for (let iy = ylo; iy <= yhi; iy++) {
        const dyz2 = dz2 + slab2(qy, oy + iy * h, g);
        if (dyz2 * SHRINK > bound) continue;
        const full = zEdge || iy === y0 || iy === y1;
        const step = full ? 1 : 2 * s;
        for (let ix = full ? xlo : x0; ix <= xhi; ix += step) {
          if (ix < 0) continue;
          if ((dyz2 + slab2(qx, ox + ix * h, g)) * SHRINK > bound) continue;
          visited++;
          const c = cellId(g, ix, iy, iz);
          if (c >= 0) bound = scanCell(g, a, c);
        }
      }
    }
    // Lower bound on the distance of every point outside the visited block.
    let lim = Infinity;
    if (x0 > 0) lim = Math.min(lim, qx - (ox + x0 * h));
    if (x1 < nx - 1) lim = Math.min(lim, ox + (x1 + 1) * h - qx);
    if (y0 > 0) lim = Math.min(lim, qy - (oy + y0 * h));
    if (y1 < ny - 1) lim = Math.min(lim, oy + (y1 + 1) * h - qy);
    if (z0 > 0) lim = Math.min(lim, qz - (oz + z0 * h));
    if (z1 < nz - 1) lim = Math.min(lim, oz + (z1 + 1) * h - qz);
    if (lim === Infinity) break;
    lim -= tol;
    if (lim > 0 && lim * lim * SHRINK > bound) break;
    if (visited > SHELL_CELL_LIMIT) {
      scanRemaining(g, a, [x0, x1, y0, y1, z0, z1]);
      break;
    }
  }
  return a.cnt;
}

/** Offers the points of cell c to the candidate list; returns the updated bound. */
export function scanCell(g: SpatialGrid, a: KnnQuery, c: number): number {
  const { qx, qy, qz, self } = a;
  const { start, order, xyz } = g;
  const end = start[c + 1];
  for (let p = start[c]; p < end; p++) {
    const dx = xyz[3 * p] - qx, dy = xyz[3 * p + 1] - qy, dz = xyz[3 * p + 2] - qz;
    const idx = order[p];
    const d = idx === self ? -1 : Math.fround(dx * dx + dy * dy + dz * dz);
    if (d > a.bound) continue;
    offerCandidate(a, d, idx);
  }
  return a.bound;
}

/**
 * Inserts candidate point `idx` at squared distance `d` (m², Float32-rounded;
 * −1 for the query itself) into the ascending lists `a.candD` / `a.candI`
 * when it ranks among the k best (ties by lower index); updates `a.cnt` and,
 * once k are held, tightens `a.bound` to the k-th distance. The caller has
 * already checked `d <= a.bound`.
 *
 * @param a the query state
 * @param d squared distance of the candidate, m²
 * @param idx point index of the candidate
 */
export function offerCandidate(a: KnnQuery, d: number, idx: number): void {
  const { k, candD, candI } = a;
  let cnt = a.cnt;
  if (cnt === k) {
    if (d === candD[k - 1] && idx > candI[k - 1]) return;
  } else cnt++;
  let j = cnt - 1;
  while (j > 0) {
    const pd = candD[j - 1];
    if (pd < d || (pd === d && candI[j - 1] < idx)) break;
    candD[j] = pd;
    candI[j] = candI[j - 1];
    j--;
  }
  candD[j] = d;
  candI[j] = idx;
  a.cnt = cnt;
  if (cnt === k && candD[k - 1] < a.bound) a.bound = candD[k - 1];
}

/**
 * Far-query fallback: visits the occupied cells outside the block already
 * searched ([x0, x1, y0, y1, z0, z1], inclusive cell ranges) in order of
 * their distance to the query, stopping once that exceeds the bound.
 */
function scanRemaining(g: SpatialGrid, a: KnnQuery, block: number[]): void {
  const occ = occupiedCells(g);
  if (a.cellD.length < occ.count) {
    a.cellD = new Float64Array(occ.count);
    a.cellI = new Int32Array(occ.count);
  }
  const { cellD, cellI, qx, qy, qz } = a;
  const { ox, oy, oz } = g;
  const h = g.cellSize;
  const [x0, x1, y0, y1, z0, z1] = block;
  let m = 0;
  for (let j = 0; j < occ.count; j++) {
    const ix = occ.cell[3 * j], iy = occ.cell[3 * j + 1], iz = occ.cell[3 * j + 2];
    if (ix >= x0 && ix <= x1 && iy >= y0 && iy <= y1 && iz >= z0 && iz <= z1) continue;
    const d2 = slab2(qx, ox + ix * h, g) + slab2(qy, oy + iy * h, g) + slab2(qz, oz + iz * h, g);
    if (d2 * SHRINK > a.bound) continue;
    cellD[m] = d2;
    cellI[m++] = j;
  }
  sortPairs(cellD, cellI, m);
  for (let t = 0; t < m; t++) {
    if (cellD[t] * SHRINK > a.bound) break;
    scanCell(g, a, occ.id[cellI[t]]);
  }
}
