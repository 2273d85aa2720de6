/**
 * Exact k-nearest-neighbour and fixed-radius neighbour search over a uniform
 * grid (see `spatial_grid.ts`).
 *
 * Distances: dist2 = dx² + dy² + dz² computed in Float64 from the Float32
 * coordinates, then rounded to Float32; neighbours are ordered by that
 * (dist2, index) ascending, except that when no `queries` are given each
 * point is its own first neighbour (dist2 0) even if exact duplicates with a
 * lower index exist. A radius r admits neighbours with dist2 ≤ r².
 *
 * @module
 */

import { invalid } from "./errors.ts";
import { sortPairs } from "./sort_pairs.ts";
import { KnnBatch, queryGroups, selfGroups } from "./knn_batch.ts";
import { newKnnQuery, SHRINK, slab2 } from "./knn_shell.ts";
import { buildGrid, cellId, knnCellSize, type SpatialGrid } from "./spatial_grid.ts";

/** k nearest neighbours of Q queries. */
export interface Neighbors {
  /** Neighbours per query (row width). */
  k: number;
  /** Int32Array Q×k: point indices, nearest first, −1 padded. */
  index: Int32Array;
  /** Float32Array Q×k: squared distances, m², +Infinity padded. */
  dist2: Float32Array;
}

/** Variable-length neighbour lists of Q queries (CSR layout). */
export interface RadiusNeighbors {
  /** Int32Array Q+1: neighbours of query q are entries offsets[q] .. offsets[q+1]. */
  offsets: Int32Array;
  /** Int32Array: point indices, nearest first within each query. */
  index: Int32Array;
  /** Float32Array: squared distances, m². */
  dist2: Float32Array;
}

function checkQueries(queries: Float32Array | undefined): void {
  if (queries && queries.length % 3 !== 0) {
    throw invalid(`Queries must be Q×3 coordinates, got a length of ${queries.length}`);
  }
  if (queries) {
    for (let i = 0; i < queries.length; i++) {
      if (!Number.isFinite(queries[i])) throw invalid(`Query ${Math.floor(i / 3)} is not finite`);
    }
  }
}

/**
 * The k nearest points of each query (exact), searched shell by shell over a
 * grid whose cell size follows the point density.
 *
 * @param points Float32Array N×3, metres
 * @param k neighbours per query, integer ≥ 1 (RangeError otherwise); k > N gives all N, rest padded
 * @param options.queries Float32Array Q×3, metres; default: the points themselves
 * @param options.radius when set (metres, > 0), only neighbours with dist2 ≤ radius² (hybrid search)
 * @returns Q×k neighbour rows sorted by (dist2, index)
 */
export function knnSearch(
  points: Float32Array,
  k: number,
  options: { queries?: Float32Array; radius?: number } = {},
): Neighbors {
  if (!Number.isInteger(k) || k <= 0) {
    throw new RangeError(`k must be a positive integer, got ${k}`);
  }
  const radius = options.radius;
  if (radius !== undefined && !(radius > 0)) {
    throw new RangeError(`Search radius must be positive, got ${radius}`);
  }
  checkQueries(options.queries);
  const queries = options.queries;
  const selfMode = queries === undefined;
  const nq = selfMode ? points.length / 3 : queries.length / 3;
  const index = new Int32Array(nq * k).fill(-1);
  const dist2 = new Float32Array(nq * k).fill(Infinity);
  const n = points.length / 3;
  if (n === 0 || nq === 0) {
    if (points.length % 3 !== 0) {
      throw invalid(`Points must be N×3, got a length of ${points.length}`);
    }
    return { k, index, dist2 };
  }
  let h = knnCellSize(points, k);
  if (radius !== undefined && radius * 1.00001 < h) h = radius * 1.00001;
  const g = buildGrid(points, h, { scratch: true });
  const a = newKnnQuery(k, radius === undefined ? Infinity : radius * radius);
  const groups = selfMode ? selfGroups(g) : queryGroups(g, queries);
  const batch = new KnnBatch(g, a, { groups, queries, index, dist2 });
  for (let grp = 0; grp < groups.count; grp++) batch.group(grp);
  return { k, index, dist2 };
}

/**
 * All points within `radius` of each query (exact), sorted by (dist2, index).
 *
 * @param points Float32Array N×3, metres
 * @param radius search radius, metres, > 0 (RangeError otherwise); admits dist2 ≤ radius²
 * @param options.queries Float32Array Q×3, metres; default: the points themselves
 * @param options.maxK keep only the nearest maxK per query (integer ≥ 1; RangeError otherwise)
 * @returns CSR neighbour lists, Q+1 offsets
 */
export function radiusSearch(
  points: Float32Array,
  radius: number,
  options: { queries?: Float32Array; maxK?: number } = {},
): RadiusNeighbors {
  if (!(radius > 0) || !Number.isFinite(radius)) {
    throw new RangeError(`Search radius must be a positive finite number, got ${radius}`);
  }
  const maxK = options.maxK ?? Infinity;
  if (!(maxK >= 1) || (maxK !== Infinity && !Number.isInteger(maxK))) {
    throw new RangeError(`maxK must be a positive integer, got ${options.maxK}`);
  }
  checkQueries(options.queries);
  const queries = options.queries;
  const selfMode = queries === undefined;
  const nq = selfMode ? points.length / 3 : queries.length / 3;
  const g = buildGrid(points, radius * 1.00001, { scratch: true });
  const batch = new RadiusBatch(g, radius * radius, maxK);
  const counts = new Int32Array(nq);
  const qStart = new Int32Array(nq);
  if (selfMode) {
    // Walk the points in grid order (cache friendly), then move rows to query order.
    for (let t = 0; t < nq; t++) {
      const q = g.order[t];
      qStart[q] = batch.used;
      counts[q] = batch.query(g.xyz, t, q);
    }
  } else {
    for (let q = 0; q < nq; q++) {
      qStart[q] = batch.used;
      counts[q] = batch.query(queries, q, -1);
    }
  }
  const offsets = new Int32Array(nq + 1);
  for (let q = 0; q < nq; q++) offsets[q + 1] = offsets[q] + counts[q];
  const used = batch.used;
  if (!selfMode) {
    return { offsets, index: batch.outI.slice(0, used), dist2: batch.outD.slice(0, used) };
  }
  const index = new Int32Array(used);
  const dist2 = new Float32Array(used);
  for (let q = 0; q < nq; q++) {
    index.set(batch.outI.subarray(qStart[q], qStart[q] + counts[q]), offsets[q]);
    dist2.set(batch.outD.subarray(qStart[q], qStart[q] + counts[q]), offsets[q]);
  }
  return { offsets, index, dist2 };
}

/** Fixed-radius queries over a grid of cells no smaller than the radius, appended to growing buffers. */
class RadiusBatch {
  outI = new Int32Array(1024);
  outD = new Float32Array(1024);
  used = 0;
  private candD = new Float64Array(64);
  private candI = new Int32Array(64);

  constructor(
    private readonly g: SpatialGrid,
    private readonly r2: number,
    private readonly maxK: number,
  ) {}

  /**
   * Appends the sorted neighbours of the point at row `at` of `src`
   * (Float32Array ×3, metres); `self` is its own index or −1. Returns how many.
   */
  query(src: Float32Array, at: number, self: number): number {
    const { g, r2 } = this;
    const { nx, ny, nz, ox, oy, oz, inv, start, order, xyz } = g;
    const h = g.cellSize;
    const qx = src[3 * at], qy = src[3 * at + 1], qz = src[3 * at + 2];
    // Cells are at least `radius` wide: the 3×3×3 block around the query's cell covers the ball.
    const fx = Math.floor((qx - ox) * inv), fy = Math.floor((qy - oy) * inv);
    const fz = Math.floor((qz - oz) * inv);
    const xlo = Math.max(fx - 1, 0), xhi = Math.min(fx + 1, nx - 1);
    const ylo = Math.max(fy - 1, 0), yhi = Math.min(fy + 1, ny - 1);
    const zlo = Math.max(fz - 1, 0), zhi = Math.min(fz + 1, nz - 1);
    let candD = this.candD, candI = this.candI;
    let cnt = 0;
    for (let iz = zlo; iz <= zhi; iz++) {
      const dz2 = slab2(qz, oz + iz * h, g);
      if (dz2 * SHRINK > r2) continue;
      for (let iy = ylo; iy <= yhi; iy++) {
        const dyz2 = dz2 + slab2(qy, oy + iy * h, g);
        if (dyz2 * SHRINK > r2) continue;
        for (let ix = xlo; ix <= xhi; ix++) {
          if ((dyz2 + slab2(qx, ox + ix * h, g)) * SHRINK > r2) continue;
          const c = cellId(g, ix, iy, iz);
          if (c < 0) continue;
          const end = start[c + 1];
          for (let p = start[c]; p < end; p++) {
            const dx = xyz[3 * p] - qx, dy = xyz[3 * p + 1] - qy, dz = xyz[3 * p + 2] - qz;
            const d = Math.fround(dx * dx + dy * dy + dz * dz);
            if (d > r2) continue;
            if (cnt === candD.length) {
              candD = grow(candD, 2 * cnt);
              candI = grow(candI, 2 * cnt);
              this.candD = candD;
              this.candI = candI;
            }
            const idx = order[p];
            candD[cnt] = idx === self ? -1 : d;
            candI[cnt++] = idx;
          }
        }
      }
    }
    sortPairs(candD, candI, cnt);
    if (cnt > this.maxK) cnt = this.maxK;
    const used = this.used;
    if (used + cnt > this.outI.length) {
      const cap = Math.max(2 * this.outI.length, used + cnt);
      this.outI = grow(this.outI, cap);
      this.outD = grow(this.outD, cap);
    }
    const outI = this.outI, outD = this.outD;
    for (let j = 0; j < cnt; j++) {
      outI[used + j] = candI[j];
      outD[used + j] = candD[j] < 0 ? 0 : candD[j];
    }
    this.used = used + cnt;
    return cnt;
  }
}

/** A copy of `a` in a new array of the same type with length `n` (≥ a.length). */
function grow<T extends Float64Array | Float32Array | Int32Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}
