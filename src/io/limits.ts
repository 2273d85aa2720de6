/**
 * Resource limits shared by the point-cloud decoders: every decoder checks
 * the counts a header declares against the bytes present and against
 * `maxPoints` before any loop or allocation proportional to them.
 *
 * @module
 */

import { GeoError, invalid } from "../kernels/errors.ts";

/** Limits accepted by every decoder (`decodeCloud`, `decodePly`, `decodeDraco`, …). */
export interface DecodeOptions {
  /**
   * Most points a decoded cloud may hold (a positive integer). A file that
   * declares more fails with GeoError("resource_exhausted") before decoding.
   * Default {@link DEFAULT_MAX_POINTS}.
   */
  readonly maxPoints?: number;
}

/**
 * Point limit when the caller sets none: 100 million points (1.2 GB of
 * float32 coordinates). Byte-length checks bound work far below this for
 * small inputs; this only caps well-formed but enormous files.
 */
export const DEFAULT_MAX_POINTS = 100_000_000;

/**
 * The point limit of `options`, checked.
 *
 * @throws GeoError("invalid_argument") when maxPoints is not a positive integer
 */
export function pointLimit(options: DecodeOptions | undefined): number {
  const max = options?.maxPoints ?? DEFAULT_MAX_POINTS;
  if (!Number.isSafeInteger(max) || max < 1) {
    throw invalid(`maxPoints must be a positive integer, got ${String(max).slice(0, 40)}`);
  }
  return max;
}

/**
 * Throws GeoError("resource_exhausted") when a declared point count `n`
 * exceeds `maxPoints`.
 *
 * @param n the count the input declares (points, vertices, rows)
 * @param maxPoints the limit
 * @param source the input's name, for the message
 * @param field the header field that declares `n` (e.g. "element vertex", "POINTS")
 */
export function checkPoints(n: number, maxPoints: number, source: string, field: string): void {
  if (n > maxPoints) {
    throw new GeoError(
      "resource_exhausted",
      `${source}: ${field} declares ${n} points, over the limit of ${maxPoints}`,
    );
  }
}
