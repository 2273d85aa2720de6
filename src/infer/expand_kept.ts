/**
 * Puts back the points a decoder left out (a PointCloud2's points without finite
 * coordinates) into a Segment result computed on the points it kept.
 *
 * @module
 */

import { GeoError } from "../kernels/errors.ts";
import { scatterRows } from "../kernels/segment_pool.ts";
import { UNKNOWN_LABEL } from "./inference.ts";
import type { LabelCountOutput, SegmentOutput } from "./api.ts";

/**
 * `out` (computed on the kept points, in their order) spread back over all `total`
 * points: dropped points get label −1, score NaN and a NaN position row; object point
 * indices become indices among all points; the summary counts the dropped points as
 * "unknown" (its mean score stays the mean over the points that have a score, 0 when
 * none has one).
 *
 * @param out the result for the kept points (labels Int16Array K, scores Float32Array K,
 *   positions Float32Array K×3 when present)
 * @param kept Int32Array K: the index among all points of each kept point, ascending
 * @param total number of points in the input, ≥ K
 */
export function expandKept(out: SegmentOutput, kept: Int32Array, total: number): SegmentOutput {
  const k = kept.length;
  if (out.labels.length !== k || k > total) {
    throw new GeoError(
      "internal",
      `Cannot spread ${out.labels.length} labels over ${k} kept of ${total} points`,
    );
  }
  const labels = scatterRows(out.labels, 1, kept, total, -1);
  const scores = out.scores && scatterRows(out.scores, 1, kept, total, NaN);
  const positions = out.positions && scatterRows(out.positions, 3, kept, total, NaN);
  const objects = out.objects?.map((o) =>
    o.pointIndices ? { ...o, pointIndices: o.pointIndices.map((p) => kept[p]) } : o
  );
  return {
    ...out,
    labels,
    ...(scores ? { scores } : {}),
    ...(positions ? { positions } : {}),
    ...(objects ? { objects } : {}),
    summary: withDropped(out.summary, out.labels.some((l) => l < 0), total - k),
  };
}

/** `summary` with `dropped` more "unknown" points (its last entry when `hasUnknown`). */
function withDropped(
  summary: readonly LabelCountOutput[],
  hasUnknown: boolean,
  dropped: number,
): LabelCountOutput[] {
  if (dropped === 0) return [...summary];
  if (!hasUnknown) return [...summary, { label: UNKNOWN_LABEL, points: dropped, meanScore: 0 }];
  const last = summary[summary.length - 1];
  return [...summary.slice(0, -1), { ...last, points: last.points + dropped }];
}
