/**
 * Plausibility and resource bounds on what a Draco header declares, checked
 * before the wasm decoder sees the bytes.
 *
 * Draco's entropy coders have no hard floor on bits per point, so the bounds
 * are empirical ratios with a wide margin. Measured (bytes of the `.drc`):
 * - real scans (shared/data: google/draco test clouds, Open3D fragments,
 *   kd-tree and sequential): ≤ 0.21 points and ≤ 1.8 decoded values per byte;
 * - `encodeDraco` of 100k random or grid points at every speed (0–10),
 *   quantization 0/8/14 bits, both layouts: ≤ 6.9 points and ≤ 21 values per byte;
 * - the draco3d bunny mesh (edgebreaker, Draco 1.1): 0.37 vertices and
 *   0.72 faces per byte.
 * Degenerate clouds compress without bound (100k identical points fit in
 * 58 bytes; points on one line at 8-bit quantization reach 230 per byte):
 * such files are refused as implausible beyond the small-file allowance.
 *
 * @module
 */

import { GeoError, invalid } from "../kernels/errors.ts";
import type { DracoHeader } from "./draco_header.ts";
import { checkPoints } from "./limits.ts";

/** Most declared points (or mesh vertices) per byte of input: 9× the densest realistic encoding. */
export const MAX_POINTS_PER_BYTE = 64;

/** Most decoded attribute values (points × components) per byte of a point cloud: 12× the densest realistic encoding. */
export const MAX_VALUES_PER_BYTE = 256;

/** Most mesh faces per byte of input (edgebreaker spends about 1–2 bits per face on real meshes). */
export const MAX_FACES_PER_BYTE = 64;

/** Points any file may declare regardless of its size (tiny test files, a few KB decoded). */
export const SMALL_FILE_POINTS = 1024;

/** Faces allowed per allowed point: real meshes have about 2 faces per vertex. */
export const FACES_PER_POINT = 4;

/**
 * Refuses a header whose counts exceed the limits.
 *
 * @param h the parsed header
 * @param byteLength size of the whole `.drc` input in bytes
 * @param maxPoints the caller's point limit
 * @param source the input's name, for messages
 * @throws GeoError("invalid_argument") when the counts are implausible for
 *   `byteLength` (corrupt header); GeoError("resource_exhausted") when the
 *   declared points exceed `maxPoints` or faces exceed FACES_PER_POINT × maxPoints
 */
export function checkDracoBounds(
  h: DracoHeader,
  byteLength: number,
  maxPoints: number,
  source: string,
): void {
  const what = h.geometry === "mesh" ? "vertices" : "points";
  if (h.points === 0) throw invalid(`${source}: the Draco geometry has zero points`);
  const implausible = (n: number, field: string) =>
    invalid(`${source}: corrupt Draco data (header declares ${n} ${field} in ${byteLength} bytes)`);
  if (h.points > byteLength * MAX_POINTS_PER_BYTE + SMALL_FILE_POINTS) {
    throw implausible(h.points, what);
  }
  const values = h.points * (h.valuesPerPoint ?? 0);
  if (values > byteLength * MAX_VALUES_PER_BYTE + SMALL_FILE_POINTS * 16) {
    throw implausible(values, "attribute values");
  }
  if (h.faces > byteLength * MAX_FACES_PER_BYTE + SMALL_FILE_POINTS) {
    throw implausible(h.faces, "faces");
  }
  checkPoints(h.points, maxPoints, source, `the Draco header (${what})`);
  if (h.faces > FACES_PER_POINT * maxPoints) {
    throw new GeoError(
      "resource_exhausted",
      `${source}: the Draco header declares ${h.faces} faces, over the limit of ${
        FACES_PER_POINT * maxPoints
      }`,
    );
  }
}
