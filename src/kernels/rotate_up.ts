/**
 * Rotating a cloud so that a given up direction becomes +z: the minimal
 * rotation (about up × z, Rodrigues), applied to positions and normals; the
 * points keep their order, so per-point labels computed on the rotated cloud
 * belong to the input points as they are.
 *
 * @module
 */

import { invalid } from "./errors.ts";
import type { PointCloud } from "./point_cloud.ts";
import type { Rng } from "./random.ts";

/** A 3×3 rotation, row-major (9 numbers). */
export type Rotation3 = Float64Array;

/**
 * The minimal rotation R with R·û = +z (û = up / |up|), by Rodrigues' formula
 * about û × z. For û = −z (upside down) it is the half turn about x.
 *
 * @param up a 3-vector, finite, non-zero (any length)
 * @returns R, row-major 3×3
 * @throws GeoError invalid_argument on a zero or non-finite vector
 */
export function rotationToUp(up: ArrayLike<number>): Rotation3 {
  const len = Math.hypot(up[0], up[1], up[2]);
  if (up.length !== 3 || !Number.isFinite(len) || !(len > 0)) {
    throw invalid("up must be 3 finite numbers, not all zero");
  }
  const u = [up[0] / len, up[1] / len, up[2] / len];
  const c = u[2]; // cos of the angle between u and z
  if (c < -1 + 1e-12) return Float64Array.of(1, 0, 0, 0, -1, 0, 0, 0, -1);
  // axis k = u × z = (u_y, −u_x, 0); R = I + [k]× + [k]×² / (1 + c).
  const kx = u[1], ky = -u[0];
  const f = 1 / (1 + c);
  return Float64Array.of(
    1 - f * ky * ky,
    f * kx * ky,
    ky,
    f * kx * ky,
    1 - f * kx * kx,
    -kx,
    -ky,
    kx,
    c,
  );
}

/** Whether `r` is the identity (to 1e-12). */
export function isIdentity(r: Rotation3): boolean {
  for (let i = 0; i < 9; i++) if (Math.abs(r[i] - (i % 4 === 0 ? 1 : 0)) > 1e-12) return false;
  return true;
}

/** Angle between `up` and +z, degrees. */
export function tiltDegrees(up: ArrayLike<number>): number {
  const len = Math.hypot(up[0], up[1], up[2]);
  return (Math.acos(Math.max(-1, Math.min(1, up[2] / len))) * 180) / Math.PI;
}

/**
 * R·v for every row v of an N×3 array.
 *
 * @param v Float32Array N×3
 * @param r row-major 3×3
 * @returns a new Float32Array N×3
 */
export function rotateRows(v: Float32Array, r: Rotation3): Float32Array {
  const out = new Float32Array(v.length);
  for (let i = 0; i + 2 < v.length; i += 3) {
    const x = v[i], y = v[i + 1], z = v[i + 2];
    out[i] = r[0] * x + r[1] * y + r[2] * z;
    out[i + 1] = r[3] * x + r[4] * y + r[5] * z;
    out[i + 2] = r[6] * x + r[7] * y + r[8] * z;
  }
  return out;
}

/** The rotation by `angle` radians about +z, row-major. */
export function rotationAboutZ(angle: number): Rotation3 {
  const c = Math.cos(angle), s = Math.sin(angle);
  return Float64Array.of(c, -s, 0, s, c, 0, 0, 0, 1);
}

/** The product a·b of two row-major 3×3 matrices (b applied first). */
export function compose(a: Rotation3, b: Rotation3): Rotation3 {
  const out = new Float64Array(9);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      out[3 * i + j] = a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j];
    }
  }
  return out;
}

/**
 * The cloud turned by `r`: positions and normals rotated (about the origin),
 * colours shared, point order kept; `cloud` itself when `r` is the identity.
 */
export function rotateCloud(cloud: PointCloud, r: Rotation3): PointCloud {
  if (isIdentity(r)) return cloud;
  return {
    count: cloud.count,
    coord: rotateRows(cloud.coord, r),
    color: cloud.color,
    normal: cloud.normal ? rotateRows(cloud.normal, r) : undefined,
  };
}

/**
 * The cloud turned so that `up` becomes +z: positions and normals rotated
 * (about the origin), colours shared, point order kept. Returns `cloud`
 * itself when the rotation is the identity.
 *
 * @param cloud any cloud
 * @param up its up direction (opposite gravity), in its own frame
 */
export function rotateCloudToUp(cloud: PointCloud, up: ArrayLike<number>): PointCloud {
  return rotateCloud(cloud, rotationToUp(up));
}

/**
 * The up direction (world +z) in the sensor frame of a sensor-to-world pose:
 * the third row of its rotation part. Checks that the pose is 16 finite
 * numbers whose upper-left 3×3 is a rotation (orthonormal to 1e-3, det +1).
 *
 * @param pose 4×4 row-major sensor → world transform (translation ignored)
 * @param field name used in error messages
 * @throws GeoError invalid_argument otherwise
 */
export function upFromPose(pose: ArrayLike<number>, field: string): [number, number, number] {
  if (pose.length !== 16) throw invalid(`${field} must have 16 numbers (4×4 row-major)`);
  for (let i = 0; i < 16; i++) {
    if (!Number.isFinite(pose[i])) throw invalid(`${field} has a non-finite number`);
  }
  const row = (i: number) => [pose[4 * i], pose[4 * i + 1], pose[4 * i + 2]];
  const rows = [row(0), row(1), row(2)];
  for (let i = 0; i < 3; i++) {
    for (let j = i; j < 3; j++) {
      const d = rows[i][0] * rows[j][0] + rows[i][1] * rows[j][1] + rows[i][2] * rows[j][2];
      if (Math.abs(d - (i === j ? 1 : 0)) > 1e-3) {
        throw invalid(`${field}: its upper-left 3×3 is not a rotation (rows not orthonormal)`);
      }
    }
  }
  const [a, b, c] = rows;
  const det = a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) +
    a[2] * (b[0] * c[1] - b[1] * c[0]);
  if (det < 0) throw invalid(`${field}: its upper-left 3×3 is a reflection (det −1)`);
  return [c[0], c[1], c[2]];
}

/** A uniformly random rotation (row-major 3×3) from a random unit quaternion drawn with `rng`. */
export function randomRotation(rng: Rng): Rotation3 {
  const u1 = rng.uniform(0, 1), u2 = rng.uniform(0, 2 * Math.PI), u3 = rng.uniform(0, 2 * Math.PI);
  const a = Math.sqrt(1 - u1), b = Math.sqrt(u1);
  const [w, x, y, z] = [a * Math.sin(u2), a * Math.cos(u2), b * Math.sin(u3), b * Math.cos(u3)];
  return Float64Array.of(
    ...[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
    ...[2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
    ...[2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
  );
}
