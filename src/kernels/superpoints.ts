/**
 * Superpoints: normal-based over-segmentation of a point cloud.
 *
 * Felzenszwalb–Huttenlocher graph segmentation on the k-nearest-neighbour
 * graph, following the ScanNet Segmentator (`Segmentator/segmentator.cpp`),
 * which does it on mesh edges:
 *
 * - edge weight `w = 1 − nₐ·n_b` with the **signed** dot product (the
 *   Segmentator relies on consistently oriented normals; `absoluteDot: true`
 *   switches to `1 − |nₐ·n_b|` for normals whose sign is arbitrary);
 * - convex edges count less: with `d` the unit vector from point a to point b
 *   (a the lower index), `w` becomes `w²` when `n_b·d > 0`; coincident points
 *   are never convex. Weights are clamped to ≥ 0 and stored as float32;
 * - edges are visited by increasing weight; two components A, B merge when
 *   `w ≤ Int(A) + k/|A|` and `w ≤ Int(B) + k/|B|`, where Int is the weight
 *   of the last edge that merged into the component (the largest, since edges
 *   come sorted);
 * - then, along the same sorted edges, any component smaller than `minSize`
 *   points is merged with its neighbour.
 *
 * Each undirected edge {i, j} enters once, at its first occurrence when the
 * neighbour lists are read point by point (point ascending, then neighbour
 * rank); equal weights keep that order, so the result is deterministic.
 * Neighbour rows must be sorted by (dist2, index), as `knnSearch` returns
 * them: that is how mutual neighbours are recognised without a scan. The
 * edge list and sort buffers live in reused scratch memory (`scratch.ts`).
 *
 * @module
 */

import { invalid } from "./errors.ts";
import type { Neighbors } from "./neighbor_search.ts";
import { radixSortBy } from "./radix_argsort.ts";
import { scratchFloat32, scratchFloat64, scratchInt32, scratchUint32 } from "./scratch.ts";
import { UnionFind } from "./union_find.ts";

/** Options of {@link superpoints}. */
export interface SuperpointOptions {
  /** Felzenszwalb–Huttenlocher scale constant k (larger → bigger segments). Default 0.01. */
  k?: number;
  /** Segments with fewer points are merged into a neighbour. Default 20. */
  minSize?: number;
  /** Use `1 − |nₐ·n_b|` (normals of arbitrary sign) instead of the signed dot. Default false. */
  absoluteDot?: boolean;
  /** Use only the first this many entries of each neighbour list. Default: all k. */
  maxNeighbors?: number;
}

/** A segmentation into dense ids. */
export interface Segmentation {
  /** Int32Array N: segment id of each point, 0..count−1. */
  ids: Int32Array;
  /** Number of segments S. */
  count: number;
}

/** Undirected graph edges with float32 weights, in first-occurrence order. */
export interface WeightedEdges {
  /** Int32Array M: lower endpoint of each edge. */
  a: Int32Array;
  /** Int32Array M: higher endpoint of each edge. */
  b: Int32Array;
  /** Float32Array M: edge weight, ≥ 0. */
  w: Float32Array;
}

/**
 * Partitions the points into superpoints; ids are numbered 0..S−1 in order of
 * first appearance in the input.
 *
 * @param coord Float32Array N×3, metres
 * @param normal Float32Array N×3, unit normals (consistently oriented unless `absoluteDot`)
 * @param neighbors kNN lists of the same N points (self entries and −1 padding are skipped)
 * @param options see {@link SuperpointOptions}
 * @returns `{ ids: Int32Array N (0..S−1), count: S }`
 */
export function superpoints(
  coord: Float32Array,
  normal: Float32Array,
  neighbors: Neighbors,
  options: SuperpointOptions = {},
): Segmentation {
  const n = coord.length / 3;
  const k = options.k ?? 0.01;
  const minSize = options.minSize ?? 20;
  if (!(k >= 0)) throw invalid(`Superpoints: k must be a non-negative number, got ${k}`);
  if (!(minSize >= 0)) {
    throw invalid(`Superpoints: minSize must be a non-negative number, got ${minSize}`);
  }
  // Edge list and sort buffers are reused scratch memory (see scratch.ts).
  const cap = edgeCapacity(coord, normal, neighbors, options);
  const edges = fillEdges(coord, normal, neighbors, options, {
    a: scratchInt32("superpoints.a", cap),
    b: scratchInt32("superpoints.b", cap),
    w: scratchFloat32("superpoints.w", cap),
  });
  const m = edges.w.length;
  // Sorted edges (stable: ties keep first-occurrence order), so both passes
  // below read sequentially.
  const [w, [a, b]] = radixSortBy(edges.w, [edges.a, edges.b], {
    keys: scratchUint32("superpoints.sortKeys", m),
    payload: [scratchInt32("superpoints.sortA", m), scratchInt32("superpoints.sortB", m)],
  });
  const uf = new UnionFind(n);
  const parent = uf.parent, size = uf.size;
  const threshold = scratchFloat64("superpoints.threshold", n).fill(k);
  // Roots found inline (path halving) in these hot loops; merges go through `uf`.
  for (let t = 0; t < m; t++) {
    let ra = a[t], rb = b[t];
    while (parent[ra] !== ra) ra = parent[ra] = parent[parent[ra]];
    while (parent[rb] !== rb) rb = parent[rb] = parent[parent[rb]];
    if (ra === rb) continue;
    const we = w[t];
    if (we <= threshold[ra] && we <= threshold[rb]) {
      const r = uf.union(ra, rb);
      threshold[r] = we + k / size[r];
    }
  }
  if (minSize > 1) {
    for (let t = 0; t < m; t++) {
      let ra = a[t], rb = b[t];
      while (parent[ra] !== ra) ra = parent[ra] = parent[parent[ra]];
      while (parent[rb] !== rb) rb = parent[rb] = parent[parent[rb]];
      if (ra !== rb && (size[ra] < minSize || size[rb] < minSize)) uf.union(ra, rb);
    }
  }
  return { ids: uf.labels(), count: uf.sets };
}

/**
 * The weighted edge list {@link superpoints} segments (see the module doc for
 * the weight and the edge order).
 *
 * @param coord Float32Array N×3, metres
 * @param normal Float32Array N×3, unit normals
 * @param neighbors kNN lists of the same N points
 * @param options `absoluteDot`, `maxNeighbors` as in {@link SuperpointOptions}
 */
export function superpointEdges(
  coord: Float32Array,
  normal: Float32Array,
  neighbors: Neighbors,
  options: Pick<SuperpointOptions, "absoluteDot" | "maxNeighbors"> = {},
): WeightedEdges {
  const cap = edgeCapacity(coord, normal, neighbors, options);
  const out = { a: new Int32Array(cap), b: new Int32Array(cap), w: new Float32Array(cap) };
  return fillEdges(coord, normal, neighbors, options, out);
}

/** Checks the inputs; returns an upper bound on the edge count (N × neighbours used). */
function edgeCapacity(
  coord: Float32Array,
  normal: Float32Array,
  neighbors: Neighbors,
  options: Pick<SuperpointOptions, "maxNeighbors">,
): number {
  const n = coord.length / 3;
  if (!Number.isInteger(n)) {
    throw invalid(`Superpoints: coord length ${coord.length} is not a multiple of 3`);
  }
  if (normal.length !== coord.length) {
    throw invalid(`Superpoints: expected ${coord.length} normal values, got ${normal.length}`);
  }
  const kk = neighbors.k;
  if (neighbors.index.length !== n * kk) {
    throw invalid(
      `Superpoints: expected ${n}×${kk} neighbour indices, got ${neighbors.index.length}`,
    );
  }
  return n * Math.max(0, Math.min(kk, options.maxNeighbors ?? kk));
}

/** Writes the edges into `out` (capacity from edgeCapacity); returns views of the used part. */
function fillEdges(
  coord: Float32Array,
  normal: Float32Array,
  neighbors: Neighbors,
  options: Pick<SuperpointOptions, "absoluteDot" | "maxNeighbors">,
  out: WeightedEdges,
): WeightedEdges {
  const n = coord.length / 3;
  const kk = neighbors.k;
  const use = Math.max(0, Math.min(kk, options.maxNeighbors ?? kk));
  const absolute = options.absoluteDot ?? false;
  const nb = neighbors.index, d2 = neighbors.dist2;
  const { a: ea, b: eb, w: ew } = out;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const base = i * kk;
    for (let s = 0; s < use; s++) {
      const j = nb[base + s];
      if (j < 0 || j === i) continue;
      if (j < i && listed(nb, d2, j * kk, use, d2[base + s], i)) continue; // entered from j's list
      const lo = j < i ? j : i;
      const hi = j < i ? i : j;
      ea[m] = lo;
      eb[m] = hi;
      ew[m] = edgeWeight(coord, normal, lo, hi, absolute);
      m++;
    }
  }
  return { a: ea.subarray(0, m), b: eb.subarray(0, m), w: ew.subarray(0, m) };
}

/**
 * Whether point i is among the `use` first neighbours of point j (row of j
 * starting at `start`), given d = dist2(i, j). Rows are sorted by (dist2,
 * index), so a full row decides by its last distance; ties with it and rows
 * padded with −1 are scanned.
 */
function listed(
  nb: Int32Array,
  d2: Float32Array,
  start: number,
  use: number,
  d: number,
  i: number,
): boolean {
  const last = start + use - 1;
  if (nb[last] >= 0) {
    const dl = d2[last];
    if (d < dl) return true;
    if (d > dl) return false;
  }
  for (let t = start; t <= last; t++) if (nb[t] === i) return true;
  return false;
}

function edgeWeight(
  coord: Float32Array,
  normal: Float32Array,
  a: number,
  b: number,
  absolute: boolean,
): number {
  const a3 = 3 * a, b3 = 3 * b;
  const ax = normal[a3], ay = normal[a3 + 1], az = normal[a3 + 2];
  let bx = normal[b3], by = normal[b3 + 1], bz = normal[b3 + 2];
  let dot = ax * bx + ay * by + az * bz;
  if (absolute && dot < 0) {
    dot = -dot;
    bx = -bx;
    by = -by;
    bz = -bz;
  }
  let w = 1 - dot;
  if (w < 0) w = 0;
  const dx = coord[b3] - coord[a3], dy = coord[b3 + 1] - coord[a3 + 1];
  const dz = coord[b3 + 2] - coord[a3 + 2];
  // n_b·d > 0 ⇔ n_b·(p_b − p_a) > 0; the length only scales it.
  if (bx * dx + by * dy + bz * dz > 0) w = w * w;
  return w;
}
