/**
 * Several clouds' geonet feeds as one batch (rows stacked, Pointcept-style offsets): index
 * inputs are shifted so that neighbours and grid cells never cross from one cloud to
 * another, grid counts add up, and shared superpoint ids are renumbered per batch (0, the
 * not-shared bin, stays 0).
 *
 * @module
 */

import { invalid } from "../kernels/errors.ts";
import type { BackboneFeed } from "../features/backbones/inputs.ts";
import type { GeonetConfig } from "../features/backbones/geonet_graph.ts";

/** One cloud's feeds (unprefixed geonet input names, plus `sp`) and its shared-superpoint count. */
export interface CloudFeeds {
  /** feeds by geonet input name (`descriptor`, `points`, `knn`, `grid0`, `grid0_count`, …, `sp`) */
  feeds: Record<string, BackboneFeed>;
  /** S of this cloud's `sp` ids (1..S shared) */
  shared: number;
}

/**
 * Stacks the feeds of several clouds.
 *
 * @param clouds the clouds, in order
 * @param c the geonet (which grids exist)
 * @returns stacked feeds (same names) and the total S
 */
export function collateFeeds(
  clouds: readonly CloudFeeds[],
  c: GeonetConfig,
): { feeds: Record<string, BackboneFeed>; shared: number } {
  if (clouds.length === 0) throw invalid("Nothing to collate");
  const rows = clouds.map((x) => x.feeds.points.dims[0]);
  const total = rows.reduce((a, b) => a + b, 0);
  const floats = (name: string) => {
    const width = clouds[0].feeds[name].dims[1];
    const out = new Float32Array(total * width);
    let o = 0;
    for (const x of clouds) {
      out.set(x.feeds[name].data as Float32Array, o);
      o += x.feeds[name].data.length;
    }
    return { data: out, dims: [total, width] };
  };
  /** Index rows shifted by a per-cloud offset; `keepZero` leaves 0 as is (the not-shared bin). */
  const ints = (name: string, shift: (i: number) => bigint, keepZero = false) => {
    const first = clouds[0].feeds[name];
    const width = first.dims.length > 1 ? first.dims[1] : 1;
    const out = new BigInt64Array(total * width);
    let o = 0;
    clouds.forEach((x, i) => {
      const d = x.feeds[name].data as BigInt64Array, s = shift(i);
      for (let j = 0; j < d.length; j++) out[o + j] = keepZero && d[j] === 0n ? 0n : d[j] + s;
      o += d.length;
    });
    return { data: out, dims: first.dims.length > 1 ? [total, width] : [total] };
  };
  const cumulative = (size: (i: number) => number) => {
    const starts = [0];
    for (let i = 0; i < clouds.length; i++) starts.push(starts[i] + size(i));
    return starts;
  };
  const rowStart = cumulative((i) => rows[i]);
  const spStart = cumulative((i) => clouds[i].shared);
  const feeds: Record<string, BackboneFeed> = {
    descriptor: floats("descriptor"),
    points: floats("points"),
    knn: ints("knn", (i) => BigInt(rowStart[i])),
    sp: ints("sp", (i) => BigInt(spStart[i]), true),
  };
  c.grids.forEach((_, g) => {
    const count = (i: number) =>
      Number((clouds[i].feeds[`grid${g}_count`].data as BigInt64Array)[0]);
    const start = cumulative(count);
    feeds[`grid${g}`] = ints(`grid${g}`, (i) => BigInt(start[i]));
    feeds[`grid${g}_count`] = {
      data: BigInt64Array.of(BigInt(start[clouds.length])),
      dims: [1],
    };
  });
  return { feeds, shared: spStart[clouds.length] };
}
