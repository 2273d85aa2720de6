/**
 * What one depth-sensor view of a room sees: the points of a reconstructed room (or any
 * scan, metres, z up) that a sensor standing in it at robot height would return, inside its
 * field of view and range and not hidden behind nearer surfaces. Training on such views next
 * to whole rooms shows the adapter the walls and objects a single robot scan cuts into parts
 * (`deno task cli views`); the teacher rows and labels of the kept points are the room's.
 *
 * Visibility is a point z-buffer: every point covers a square of `pointRadius` (its share of
 * the surface) in a small depth image, and a point stays when no covered depth in its own
 * pixel lies more than `tolerance` in front of it.
 *
 * @module
 */

import { invalid } from "../kernels/errors.ts";
import { floorHeight } from "../kernels/floor_height.ts";
import type { PointCloud } from "../kernels/point_cloud.ts";
import type { Rng } from "../kernels/random.ts";

/** How a sensor view is drawn and what it sees. */
export interface SensorViewOptions {
  /** Horizontal and vertical field of view, radians (default 58° × 45°, a 640×480 depth camera). */
  fov?: [number, number];
  /** Farthest point kept, metres (default 5). */
  maxRange?: number;
  /** Nearest point kept, metres (default 0.3). */
  minRange?: number;
  /** Range of the sensor height above the floor, metres (default [0.9, 1.3], a robot). */
  height?: [number, number];
  /** Range of the pitch, radians, negative = looking down (default [−0.4, −0.1], as robots tilt). */
  pitch?: [number, number];
  /** No point may lie closer than this to the sensor, metres (default 0.5): free space, not furniture. */
  clearance?: number;
  /** Half side of the square each point covers, metres (default 0.015, 2–3 cm sampling). */
  pointRadius?: number;
  /** Depth image width, pixels across the horizontal field of view (default 160). */
  resolution?: number;
  /** A point is hidden behind a covered depth nearer by more than this, metres (default 0.05). */
  tolerance?: number;
  /** Fewest points a view must keep (default 2,000). */
  minPoints?: number;
  /** Least mean distance of the kept points, metres (default 1.5): a view across the room, not a wall. */
  minMeanRange?: number;
  /** Poses drawn before giving up (default 50). */
  tries?: number;
}

/** A drawn view: the kept points and the sensor pose. */
export interface SensorView {
  /** Uint8Array N, 1 = the sensor sees the point. */
  keep: Uint8Array;
  /** Points kept. */
  count: number;
  /** Sensor position [x, y, z], metres. */
  position: [number, number, number];
  /** Heading about z and pitch, radians. */
  yaw: number;
  pitch: number;
}

const DEG = Math.PI / 180;

/**
 * Draws a sensor pose in the room (above a floor point, clear of other points, random heading)
 * and returns what it sees; null when no pose of `tries` keeps `minPoints` points at a mean
 * distance of at least `minMeanRange`.
 *
 * @param cloud the room (coordinates only are read), metres, z up
 * @param rng seeded generator (consumed)
 * @param options see {@link SensorViewOptions}
 * @throws GeoError invalid_argument for a field of view outside (0, 180°) or an empty range
 */
export function sensorView(
  cloud: PointCloud,
  rng: Rng,
  options: SensorViewOptions = {},
): SensorView | null {
  const [fovH, fovV] = options.fov ?? [58 * DEG, 45 * DEG];
  const maxRange = options.maxRange ?? 5, minRange = options.minRange ?? 0.3;
  if (!(fovH > 0 && fovH < Math.PI && fovV > 0 && fovV < Math.PI)) {
    throw invalid(`Sensor view: field of view must be in (0, 180°), got ${fovH}, ${fovV} rad`);
  }
  if (!(maxRange > minRange && minRange >= 0)) {
    throw invalid(`Sensor view: need 0 ≤ minRange < maxRange, got ${minRange}, ${maxRange}`);
  }
  const n = cloud.count, coord = cloud.coord;
  if (n === 0) return null;
  const [h0, h1] = options.height ?? [0.9, 1.3];
  const [p0, p1] = options.pitch ?? [-0.4, -0.1];
  const clearance = options.clearance ?? 0.5, tries = options.tries ?? 50;
  const minPoints = options.minPoints ?? 2000, minMeanRange = options.minMeanRange ?? 1.5;
  const { floor } = floorHeight(coord);
  const floorPoints: number[] = [];
  for (let i = 0; i < n; i++) if (coord[3 * i + 2] < floor + 0.05) floorPoints.push(i);
  for (let t = 0; t < tries && floorPoints.length > 0; t++) {
    const f = floorPoints[rng.int(floorPoints.length)];
    const position: [number, number, number] = [
      coord[3 * f],
      coord[3 * f + 1],
      floor + rng.uniform(h0, h1),
    ];
    const yaw = rng.uniform(0, 2 * Math.PI), pitch = rng.uniform(p0, p1);
    if (!clear(coord, position, clearance)) continue;
    const keep = visibleFrom(coord, { position, yaw, pitch }, {
      fovH,
      fovV,
      maxRange,
      minRange,
      pointRadius: options.pointRadius ?? 0.015,
      resolution: options.resolution ?? 160,
      tolerance: options.tolerance ?? 0.05,
    });
    let count = 0, range = 0;
    for (let i = 0; i < n; i++) {
      if (!keep[i]) continue;
      count++;
      range += Math.hypot(...[0, 1, 2].map((k) => coord[3 * i + k] - position[k]));
    }
    if (count >= minPoints && range / count >= minMeanRange) {
      return { keep, count, position, yaw, pitch };
    }
  }
  return null;
}

/** Whether no point lies within `radius` of `p`. */
function clear(coord: Float32Array, p: readonly number[], radius: number): boolean {
  const r2 = radius * radius;
  for (let i = 0; i < coord.length; i += 3) {
    const dx = coord[i] - p[0], dy = coord[i + 1] - p[1], dz = coord[i + 2] - p[2];
    if (dx * dx + dy * dy + dz * dz < r2) return false;
  }
  return true;
}

/**
 * Points visible from a pose (see the module doc). Exported for tests.
 *
 * @param coord Float32Array N×3, metres
 * @param pose sensor position (metres), yaw about z and pitch (radians)
 * @param o field of view (rad), range (m), point radius (m), image width (px), tolerance (m)
 * @returns Uint8Array N, 1 = visible
 */
export function visibleFrom(
  coord: Float32Array,
  pose: { position: readonly number[]; yaw: number; pitch: number },
  o: {
    fovH: number;
    fovV: number;
    maxRange: number;
    minRange: number;
    pointRadius: number;
    resolution: number;
    tolerance: number;
  },
): Uint8Array {
  const n = coord.length / 3, [px, py, pz] = pose.position;
  const cp = Math.cos(pose.pitch), sp = Math.sin(pose.pitch);
  const cy = Math.cos(pose.yaw), sy = Math.sin(pose.yaw);
  // Forward, right and down axes of the sensor (as `lookPose` builds them).
  const fw = [cp * cy, cp * sy, sp], rt = [sy, -cy, 0];
  const dn = [
    fw[1] * rt[2] - fw[2] * rt[1],
    fw[2] * rt[0] - fw[0] * rt[2],
    fw[0] * rt[1] - fw[1] * rt[0],
  ];
  const tanH = Math.tan(o.fovH / 2), tanV = Math.tan(o.fovV / 2);
  const W = o.resolution, H = Math.max(1, Math.round((W * tanV) / tanH));
  const pixel = (2 * tanH) / W; // image-plane width of one pixel at depth 1
  const depth = new Float32Array(n).fill(-1);
  const col = new Int32Array(n), row = new Int32Array(n);
  const zbuf = new Float32Array(W * H).fill(Infinity);
  for (let i = 0; i < n; i++) {
    const x = coord[3 * i] - px, y = coord[3 * i + 1] - py, z = coord[3 * i + 2] - pz;
    const d = x * fw[0] + y * fw[1] + z * fw[2];
    const range = Math.sqrt(x * x + y * y + z * z);
    if (d <= 0 || range < o.minRange || range > o.maxRange) continue;
    const u = (x * rt[0] + y * rt[1] + z * rt[2]) / d, v = (x * dn[0] + y * dn[1] + z * dn[2]) / d;
    if (Math.abs(u) > tanH || Math.abs(v) > tanV) continue;
    const c = Math.min(W - 1, Math.floor(((u + tanH) / (2 * tanH)) * W));
    const r = Math.min(H - 1, Math.floor(((v + tanV) / (2 * tanV)) * H));
    depth[i] = d;
    col[i] = c;
    row[i] = r;
    // The square the point covers, in pixels (at least its own).
    const k = Math.floor(o.pointRadius / (d * pixel));
    for (let rr = Math.max(0, r - k); rr <= Math.min(H - 1, r + k); rr++) {
      for (let cc = Math.max(0, c - k); cc <= Math.min(W - 1, c + k); cc++) {
        const j = rr * W + cc;
        if (d < zbuf[j]) zbuf[j] = d;
      }
    }
  }
  const keep = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (depth[i] >= 0 && depth[i] <= zbuf[row[i] * W + col[i]] + o.tolerance) keep[i] = 1;
  }
  return keep;
}
