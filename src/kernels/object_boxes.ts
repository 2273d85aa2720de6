/**
 * Axis-aligned and yaw-oriented bounding boxes of point groups (objects).
 *
 * @module
 */

import { invalid } from "./errors.ts";
import { groupScatter } from "./group_scatter.ts";

/** Per-group boxes; groups without points are all zeros. */
export interface ObjectBoxes {
  /** Int32Array K: number of (finite) points in each group. */
  pointCount: Int32Array;
  /** Float32Array K×3: mean point of each group, metres. */
  centroid: Float32Array;
  /** Float32Array K×6: axis-aligned box (minX, minY, minZ, maxX, maxY, maxZ), metres. */
  box: Float32Array;
  /**
   * Float32Array K×7: box turned about z (cx, cy, cz, sizeX, sizeY, sizeZ, yaw):
   * centre and sizes in metres, sizeX along the yaw axis, sizeY across it,
   * yaw in radians in (−π/2, π/2].
   */
  yawBox: Float32Array;
}

/**
 * Boxes of the points of each group. The yaw is the direction of the major
 * axis of the 2D covariance of the group's (x, y) (closed form, 0 when the
 * spread is isotropic); the sizes are the extents of the points along that
 * axis and across it, the centre the middle of those extents turned back to
 * x, y, and the middle of the z range. Sums are accumulated in Float64 about
 * the centroid. A single point gives zero sizes.
 *
 * @param coord Float32Array N×3 positions, metres; rows with a non-finite
 *   value are ignored
 * @param group Int32Array N: group of each point in 0..K−1, or −1 (ignored)
 * @param count number of groups K (non-negative integer)
 */
export function objectBoxes(coord: Float32Array, group: Int32Array, count: number): ObjectBoxes {
  if (!Number.isInteger(count) || count < 0) {
    throw invalid(`objectBoxes: group count must be a non-negative integer, got ${count}`);
  }
  const n = group.length;
  if (coord.length !== 3 * n) {
    throw invalid(`objectBoxes: expected ${n}×3 coordinates, got ${coord.length} values`);
  }
  // The group of each point, −1 for points left out (no group, or not finite).
  const member = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const g = group[i];
    if (g < -1 || g >= count) {
      throw invalid(`objectBoxes: group ${g} of point ${i} is outside −1..${count - 1}`);
    }
    const finite = Number.isFinite(coord[3 * i]) && Number.isFinite(coord[3 * i + 1]) &&
      Number.isFinite(coord[3 * i + 2]);
    member[i] = finite ? g : -1;
  }

  const pointCount = new Int32Array(count);
  const mean = new Float64Array(3 * count);
  const lo = new Float64Array(3 * count).fill(Infinity);
  const hi = new Float64Array(3 * count).fill(-Infinity);
  for (let i = 0; i < n; i++) {
    const g = member[i];
    if (g < 0) continue;
    pointCount[g]++;
    for (let a = 0; a < 3; a++) {
      const x = coord[3 * i + a];
      mean[3 * g + a] += x;
      if (x < lo[3 * g + a]) lo[3 * g + a] = x;
      if (x > hi[3 * g + a]) hi[3 * g + a] = x;
    }
  }
  for (let g = 0; g < count; g++) {
    for (let a = 0; a < 3; a++) mean[3 * g + a] /= pointCount[g] || 1;
  }

  // Central second moments: xx, xy, xz, yy, yz, zz per group.
  const scatter = groupScatter(coord, member, mean);
  const cos = new Float64Array(count), sin = new Float64Array(count);
  const yaw = new Float64Array(count);
  for (let g = 0; g < count; g++) {
    let t = 0.5 * Math.atan2(2 * scatter[6 * g + 1], scatter[6 * g] - scatter[6 * g + 3]);
    // atan2(−0, negative) is −π; keep the stored Float32 yaw inside (−π/2, π/2] too.
    if (Math.fround(t) <= -Math.fround(Math.PI / 2)) t += Math.PI;
    yaw[g] = t;
    cos[g] = Math.cos(t);
    sin[g] = Math.sin(t);
  }

  // Extents along (cos, sin) and (−sin, cos), about the centroid.
  const ext = new Float64Array(4 * count); // uMin, uMax, vMin, vMax
  for (let g = 0; g < count; g++) ext.set([Infinity, -Infinity, Infinity, -Infinity], 4 * g);
  for (let i = 0; i < n; i++) {
    const g = member[i];
    if (g < 0) continue;
    const dx = coord[3 * i] - mean[3 * g], dy = coord[3 * i + 1] - mean[3 * g + 1];
    const u = dx * cos[g] + dy * sin[g], v = -dx * sin[g] + dy * cos[g];
    if (u < ext[4 * g]) ext[4 * g] = u;
    if (u > ext[4 * g + 1]) ext[4 * g + 1] = u;
    if (v < ext[4 * g + 2]) ext[4 * g + 2] = v;
    if (v > ext[4 * g + 3]) ext[4 * g + 3] = v;
  }

  const centroid = new Float32Array(3 * count);
  const box = new Float32Array(6 * count);
  const yawBox = new Float32Array(7 * count);
  for (let g = 0; g < count; g++) {
    if (pointCount[g] === 0) continue;
    for (let a = 0; a < 3; a++) {
      centroid[3 * g + a] = mean[3 * g + a];
      box[6 * g + a] = lo[3 * g + a];
      box[6 * g + 3 + a] = hi[3 * g + a];
    }
    const [uMin, uMax, vMin, vMax] = ext.subarray(4 * g, 4 * g + 4);
    const mu = 0.5 * (uMin + uMax), mv = 0.5 * (vMin + vMax);
    const o = 7 * g;
    yawBox[o] = mean[3 * g] + mu * cos[g] - mv * sin[g];
    yawBox[o + 1] = mean[3 * g + 1] + mu * sin[g] + mv * cos[g];
    yawBox[o + 2] = 0.5 * (lo[3 * g + 2] + hi[3 * g + 2]);
    yawBox[o + 3] = uMax - uMin;
    yawBox[o + 4] = vMax - vMin;
    yawBox[o + 5] = hi[3 * g + 2] - lo[3 * g + 2];
    yawBox[o + 6] = yaw[g];
  }
  return { pointCount, centroid, box, yawBox };
}
