/**
 * Small random inputs for the objective graphs' tests: a tiny geonet and random feeds of
 * one view. Not used by the product.
 *
 * @module
 */

import type { Feed } from "../kernels/graph/interpret.ts";
import type { Rng } from "../kernels/random.ts";
import type { GeonetConfig } from "../features/backbones/geonet_graph.ts";

/** A geonet small enough for finite differences (5 descriptor columns, two grids). */
export const TINY_GEONET: GeonetConfig = {
  descriptor: "geodesc-4",
  descriptorDim: 5,
  k: 3,
  pool: "max",
  grids: [0.5, 2],
  width: 4,
  context: 3,
  fusion: 5,
  dim: 4,
  hybrid: false,
};

/**
 * Random feeds of one view of n points: N(0, 1) descriptor and points rows, kNN rows
 * starting with the point (then random points, repeats allowed), grid g cells j mod (2 + g),
 * and the given shared superpoint ids.
 *
 * @param prefix input name prefix (`a.` / `b.`)
 * @param sp shared superpoint id of each point (0 = not shared)
 */
export function randomView(
  rng: Rng,
  c: GeonetConfig,
  prefix: string,
  sp: number[],
): Record<string, Feed> {
  const n = sp.length, d = c.descriptorDim;
  const f = (len: number) => Array.from({ length: len }, () => rng.normal());
  const out: Record<string, Feed> = {
    [`${prefix}descriptor`]: { data: f(n * d), dims: [n, d] },
    [`${prefix}points`]: { data: f(n * 9), dims: [n, 9] },
    [`${prefix}knn`]: {
      data: Array.from(
        { length: n * c.k },
        (_, i) => i % c.k === 0 ? Math.floor(i / c.k) : rng.int(n),
      ),
      dims: [n, c.k],
    },
    [`${prefix}sp`]: { data: sp, dims: [n] },
  };
  c.grids.forEach((_, g) => {
    out[`${prefix}grid${g}`] = {
      data: Array.from({ length: n }, (_, j) => j % (2 + g)),
      dims: [n],
    };
    out[`${prefix}grid${g}_count`] = { data: [2 + g], dims: [1] };
  });
  return out;
}

/** The two views every objective test uses: 9 and 8 points sharing superpoints 1..3. */
export function randomViewPair(rng: Rng, c: GeonetConfig): Record<string, Feed> {
  return {
    ...randomView(rng, c, "a.", [0, 1, 1, 2, 2, 3, 3, 1, 0]),
    ...randomView(rng, c, "b.", [1, 1, 2, 2, 3, 3, 0, 3]),
    sp_count: { data: [4], dims: [1] },
  };
}
