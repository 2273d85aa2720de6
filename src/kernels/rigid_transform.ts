/**
 * Rigid transforms of point rows by a 4×4 row-major pose: p' = R·p + t.
 *
 * @module
 */

import { invalid } from "./errors.ts";

/**
 * Applies `pose` to every row of `coord`; rows with a non-finite coordinate stay NaN.
 *
 * @param coord Float32Array N×3, metres (sensor frame)
 * @param pose Float64Array or number[] 16, row-major 4×4 sensor → map (last row 0 0 0 1)
 * @returns Float32Array N×3, metres (map frame)
 */
export function transformPoints(coord: Float32Array, pose: ArrayLike<number>): Float32Array {
  if (pose.length !== 16) {
    throw invalid(`A pose has 16 numbers (4×4 row-major), got ${pose.length}`);
  }
  if (coord.length % 3 !== 0) throw invalid(`coord has ${coord.length} values, not rows of 3`);
  const [r00, r01, r02, tx, r10, r11, r12, ty, r20, r21, r22, tz] = Array.from(pose).slice(0, 12);
  const out = new Float32Array(coord.length);
  for (let i = 0; i < coord.length; i += 3) {
    const x = coord[i], y = coord[i + 1], z = coord[i + 2];
    out[i] = r00 * x + r01 * y + r02 * z + tx;
    out[i + 1] = r10 * x + r11 * y + r12 * z + ty;
    out[i + 2] = r20 * x + r21 * y + r22 * z + tz;
  }
  return out;
}

/**
 * The translation of a pose: the sensor's position in the map frame, metres.
 *
 * @param pose 16 numbers, row-major 4×4
 */
export function poseOrigin(pose: ArrayLike<number>): [number, number, number] {
  return [pose[3], pose[7], pose[11]];
}

/**
 * The pose with its translation zeroed (for directions such as normals).
 *
 * @param pose 16 numbers, row-major 4×4
 * @returns Float64Array 16
 */
export function withoutTranslation(pose: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(pose);
  out[3] = out[7] = out[11] = 0;
  return out;
}
