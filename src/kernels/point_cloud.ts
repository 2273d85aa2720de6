/**
 * The one point-cloud type of GeoGuide and its validation.
 *
 * Per-point data lives in flat typed arrays, row-major, in the order the
 * points were decoded (never reordered by I/O).
 *
 * @module
 */

import { invalid } from "./errors.ts";

/** A point cloud: N points with optional colour and normals. */
export interface PointCloud {
  /** Number of points N. */
  readonly count: number;
  /** Positions, Float32Array N×3, metres, z up when known. */
  readonly coord: Float32Array;
  /** Colours, Uint8Array N×3 (RGB, 0..255), when the source has them. */
  readonly color?: Uint8Array;
  /** Normals, Float32Array N×3 (unit length when given by the source). */
  readonly normal?: Float32Array;
}

/** Attribute names present on a cloud: always "position", then "color", "normal" when present. */
export function cloudAttributes(cloud: PointCloud): string[] {
  const names = ["position"];
  if (cloud.color) names.push("color");
  if (cloud.normal) names.push("normal");
  return names;
}

/**
 * Checks a cloud's invariants and returns it: N > 0, array lengths N×3,
 * finite coordinates. Throws `GeoError("invalid_argument")` naming `source`
 * and the first bad point otherwise.
 *
 * @param cloud the cloud to check
 * @param source what to call the input in messages (file name, "request")
 */
export function validateCloud(cloud: PointCloud, source: string): PointCloud {
  const n = cloud.count;
  if (!Number.isInteger(n) || n <= 0) throw invalid(`${source}: the point cloud has zero points`);
  if (cloud.coord.length !== n * 3) {
    throw invalid(
      `${source}: expected ${n * 3} coordinates for ${n} points, got ${cloud.coord.length}`,
    );
  }
  if (cloud.color && cloud.color.length !== n * 3) {
    throw invalid(
      `${source}: expected ${n * 3} colour bytes for ${n} points, got ${cloud.color.length}`,
    );
  }
  if (cloud.normal && cloud.normal.length !== n * 3) {
    throw invalid(
      `${source}: expected ${n * 3} normal values for ${n} points, got ${cloud.normal.length}`,
    );
  }
  const c = cloud.coord;
  for (let i = 0; i < c.length; i++) {
    if (!Number.isFinite(c[i])) {
      const p = Math.floor(i / 3);
      throw invalid(`${source}: point ${p} has a non-finite coordinate (${c[i]})`);
    }
  }
  return cloud;
}

/** Axis-aligned bounding box of a cloud: [minX, minY, minZ, maxX, maxY, maxZ] in metres. */
export function boundingBox(coord: Float32Array): [number, number, number, number, number, number] {
  let x0 = Infinity, y0 = Infinity, z0 = Infinity, x1 = -Infinity, y1 = -Infinity, z1 = -Infinity;
  for (let i = 0; i < coord.length; i += 3) {
    const x = coord[i], y = coord[i + 1], z = coord[i + 2];
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
    if (z < z0) z0 = z;
    if (z > z1) z1 = z;
  }
  return [x0, y0, z0, x1, y1, z1];
}
