/**
 * Two views of one room for self-supervised pre-training: each a partial, re-sampled,
 * turned and re-coloured copy of the room's voxel cloud, the way two scans of one room by
 * different robots differ. Both keep, for every point, the room voxel it came from, so a
 * room superpoint (segmented once on the whole room, from geometry only) can be pooled in
 * either view.
 *
 * @module
 */

import { boundingBox, type PointCloud } from "../kernels/point_cloud.ts";
import type { Rng } from "../kernels/random.ts";

/** A room ready for view sampling. */
export interface PretrainRoom {
  /** scene name */
  name: string;
  /** the room's voxel cloud (coord metres, optional colour) */
  cloud: PointCloud;
  /** Int32Array V: superpoint of each voxel (geometry only), 0..superpointCount−1 */
  superpoint: Int32Array;
  /** number of superpoints */
  superpointCount: number;
  /**
   * Float32Array superpointCount×T: per superpoint, what the whole room's geometry says of
   * it (the `complete` objective's targets, rooms.ts `roomTargets`); absent when unused
   */
  targets?: Float32Array;
}

/** How views are drawn. */
export interface ViewOptions {
  /** largest points per view (a crop shrinks until it fits); default 20000 */
  maxPoints: number;
  /** crop side as a share of the room's x / y extent, [lo, hi]; default [0.45, 1] */
  crop: [number, number];
  /** holes cut per view (spheres of radius 0.15–0.5 m), [lo, hi]; default [0, 6] */
  holes: [number, number];
  /** share of points kept after the holes, [lo, hi]; default [0.6, 1] */
  keep: [number, number];
  /** coordinate jitter σ, metres; default 0.004 */
  jitter: number;
  /** colour gain range; default [0.75, 1.25] */
  gain: [number, number];
}

/** Default view options. */
export const VIEW_DEFAULTS: ViewOptions = {
  maxPoints: 20000,
  crop: [0.45, 1],
  holes: [0, 6],
  keep: [0.6, 1],
  jitter: 0.004,
  gain: [0.75, 1.25],
};

/** One view: a cloud and, per point, the room voxel it shows. */
export interface RoomView {
  /** the view's points (turned about z, jittered, re-coloured) */
  cloud: PointCloud;
  /** Int32Array M: room voxel of each view point */
  source: Int32Array;
}

/**
 * Draws one view of `room` around the room point `centre` (both views of a pair share
 * it, so they overlap).
 */
export function drawView(
  room: PretrainRoom,
  centre: [number, number],
  rng: Rng,
  o: ViewOptions = VIEW_DEFAULTS,
): RoomView {
  const { coord } = room.cloud;
  const n = room.cloud.count;
  const [x0, y0, , x1, y1] = boundingBox(coord);
  let hx = (x1 - x0) * rng.uniform(o.crop[0], o.crop[1]) / 2;
  let hy = (y1 - y0) * rng.uniform(o.crop[0], o.crop[1]) / 2;
  const cx = centre[0] + rng.uniform(-0.5, 0.5) * hx;
  const cy = centre[1] + rng.uniform(-0.5, 0.5) * hy;
  const holes = Array.from(
    { length: Math.floor(rng.uniform(o.holes[0], o.holes[1] + 1)) },
    () => {
      const i = rng.int(n);
      return [coord[3 * i], coord[3 * i + 1], coord[3 * i + 2], rng.uniform(0.15, 0.5) ** 2];
    },
  );
  const keep = rng.uniform(o.keep[0], o.keep[1]);
  let chosen: number[] = [];
  for (let attempt = 0; attempt < 8; attempt++) {
    chosen = [];
    for (let i = 0; i < n; i++) {
      const x = coord[3 * i], y = coord[3 * i + 1], z = coord[3 * i + 2];
      if (Math.abs(x - cx) > hx || Math.abs(y - cy) > hy) continue;
      if (holes.some(([a, b, c, r2]) => (x - a) ** 2 + (y - b) ** 2 + (z - c) ** 2 < r2)) continue;
      chosen.push(i);
    }
    const expected = chosen.length * keep;
    if (expected <= o.maxPoints) break;
    const f = Math.sqrt(o.maxPoints / expected);
    hx *= f, hy *= f;
  }
  const source = Int32Array.from(chosen.filter(() => rng.next() < keep));
  return { cloud: transformView(room.cloud, source, rng, o), source };
}

/** The chosen points turned about z by a random angle, jittered and re-coloured. */
function transformView(
  cloud: PointCloud,
  source: Int32Array,
  rng: Rng,
  o: ViewOptions,
): PointCloud {
  const m = source.length;
  const a = rng.uniform(0, 2 * Math.PI), c = Math.cos(a), s = Math.sin(a);
  const shift = [rng.uniform(-2, 2), rng.uniform(-2, 2), rng.uniform(-0.05, 0.05)];
  const coord = new Float32Array(3 * m);
  for (let j = 0; j < m; j++) {
    const i = source[j];
    const x = cloud.coord[3 * i], y = cloud.coord[3 * i + 1], z = cloud.coord[3 * i + 2];
    coord[3 * j] = c * x - s * y + shift[0] + o.jitter * rng.normal();
    coord[3 * j + 1] = s * x + c * y + shift[1] + o.jitter * rng.normal();
    coord[3 * j + 2] = z + shift[2] + o.jitter * rng.normal();
  }
  if (!cloud.color) return { count: m, coord };
  const gain = [0, 1, 2].map(() => rng.uniform(o.gain[0], o.gain[1]));
  const bias = rng.uniform(-20, 20);
  const color = new Uint8Array(3 * m);
  for (let j = 0; j < m; j++) {
    for (let d = 0; d < 3; d++) {
      const v = cloud.color[3 * source[j] + d] * gain[d] + bias;
      color[3 * j + d] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return { count: m, coord, color };
}

/** Room superpoints seen by both views, numbered 1..S (0 = seen by one view only or too few points). */
export interface SharedSuperpoints {
  /** Int32Array per view point: shared id 0..S */
  a: Int32Array;
  /** Int32Array per view point: shared id 0..S */
  b: Int32Array;
  /** S */
  count: number;
  /** Int32Array S: the room superpoint of shared id s + 1 */
  roomOf: Int32Array;
}

/**
 * Numbers the room superpoints that have at least `minPoints` points in both views.
 *
 * @param room the room
 * @param a first view's `source`
 * @param b second view's `source`
 */
export function sharedSuperpoints(
  room: PretrainRoom,
  a: Int32Array,
  b: Int32Array,
  minPoints = 8,
): SharedSuperpoints {
  const s = room.superpointCount;
  const ca = new Int32Array(s), cb = new Int32Array(s);
  for (const i of a) ca[room.superpoint[i]]++;
  for (const i of b) cb[room.superpoint[i]]++;
  const id = new Int32Array(s);
  const roomOf: number[] = [];
  for (let k = 0; k < s; k++) {
    if (ca[k] >= minPoints && cb[k] >= minPoints) id[k] = roomOf.push(k);
  }
  return {
    a: Int32Array.from(a, (i) => id[room.superpoint[i]]),
    b: Int32Array.from(b, (i) => id[room.superpoint[i]]),
    count: roomOf.length,
    roomOf: Int32Array.from(roomOf),
  };
}
