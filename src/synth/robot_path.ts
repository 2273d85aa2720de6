/**
 * A wheeled robot driving through a generated room with a depth sensor on a
 * mast: the route (a closed loop with cut corners through waypoints spread over
 * the free floor, away from walls and object bounds; back and forth in a
 * corridor; a spin on the spot where no floor is free), the motion (cruise
 * speed, limited turn rate, turning on the spot at sharp bends and dead ends)
 * and the sensor's true poses at a fixed scan period, with a slow horizontal
 * pan and a slight downward tilt so that the sensor sees most of the room over
 * a lap.
 *
 * Poses use the camera convention of `lookPose` (x right, y down, z forward;
 * sensor-to-world 4×4, row-major, metres).
 *
 * @module
 */

import type { Rng } from "../kernels/random.ts";
import { lookPose } from "./scanner.ts";

/** The first objects of a packed room that are its shell (four walls, floor), not obstacles. */
const SHELL = 5;

/** Options of {@link robotPath}. */
export interface RobotPathOptions {
  /** Number of scans (poses) to return. */
  scans: number;
  /** Time between scans, seconds (default 0.2). */
  period?: number;
  /** Cruise speed, m/s (default drawn in [0.3, 0.5]). */
  speed?: number;
  /** Sensor height above the floor, metres (default drawn in [0.9, 1.3]). */
  height?: number;
  /**
   * Least distance from the robot centre to the walls and to the footprints of object
   * bounds starting below the sensor height + 0.3 m, metres (default 0.35; smaller where
   * the room is crowded, down to 0.4 × it).
   */
  clearance?: number;
}

/** The robot's drive: sensor poses at the scan times plus the route for pictures. */
export interface RobotPath {
  /** True sensor-to-world poses, one Float64Array 16 (row-major 4×4, metres) per scan. */
  poses: Float64Array[];
  /** Scan times, Float64Array S, seconds from the first scan (i × period). */
  timestamps: Float64Array;
  /** The route driven, Float64Array M×2 (x, y metres), closed: the last point joins the first. */
  route: Float64Array;
  /**
   * How the route goes: a loop through three to six waypoints spread over the free floor
   * (into dead ends and back where the floor leads there); back and forth between two
   * (a corridor); or turning on the spot only (no free floor 0.3 m across).
   */
  mode: "loop" | "back-and-forth" | "stationary";
  /** Length of one lap of the route, metres (0 when stationary). */
  length: number;
  /** Cruise speed, m/s. */
  speed: number;
  /** Sensor height, metres. */
  height: number;
  /** Clearance the route keeps from walls and objects, metres. */
  clearance: number;
}

/** The room as the robot sees it: interior W×D (metres) and packed object bounds (O×6). */
export interface RobotRoom {
  /** Interior width along x, metres (the room spans [0, w]). */
  w: number;
  /** Interior depth along y, metres (the room spans [0, d]). */
  d: number;
  /** Float64Array O×6 object bounds [minX, minY, minZ, maxX, maxY, maxZ] (`packScene`); the first five (shell) are skipped. */
  bounds: Float64Array;
}

/** Free-space distance field of a room: walls and the footprints of objects the robot would hit. */
class FreeSpace {
  readonly boxes: number[] = [];
  constructor(readonly room: RobotRoom, top: number) {
    const b = room.bounds;
    for (let o = SHELL * 6; o < b.length; o += 6) {
      if (b[o + 2] < top) this.boxes.push(b[o], b[o + 1], b[o + 3], b[o + 4]);
    }
  }

  /** Distance from (x, y) to the nearest wall or obstacle footprint, metres (≤ 0 outside). */
  clearance(x: number, y: number): number {
    let c = Math.min(x, this.room.w - x, y, this.room.d - y);
    const bx = this.boxes;
    for (let i = 0; i < bx.length; i += 4) {
      const dx = Math.max(bx[i] - x, 0, x - bx[i + 2]),
        dy = Math.max(bx[i + 1] - y, 0, y - bx[i + 3]);
      c = Math.min(c, Math.hypot(dx, dy));
    }
    return c;
  }

  /** Whether every point of the segment a→b keeps `r` clearance (checked every 4 cm). */
  segmentFree(a: [number, number], b: [number, number], r: number): boolean {
    const n = Math.max(1, Math.ceil(Math.hypot(b[0] - a[0], b[1] - a[1]) / 0.04));
    for (let s = 0; s <= n; s++) {
      const t = s / n;
      // Samples ≤ 4 cm apart keeping r + 2 cm: every point between keeps r.
      if (this.clearance(a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])) < r + 0.02) {
        return false;
      }
    }
    return true;
  }
}

/**
 * Cuts the corners of a closed polyline (Chaikin: a corner becomes the points a quarter
 * of the way along its two sides) three times over, each cut kept only where the new
 * segment keeps clearance r; hairpins (sides under 30° apart: the far end of a dead end)
 * are kept, so the robot drives there and turns on the spot.
 */
function smoothCorners(space: FreeSpace, pts: [number, number][], r: number): [number, number][] {
  let cur = pts;
  for (let pass = 0; pass < 3 && cur.length > 2; pass++) {
    const out: [number, number][] = [], n = cur.length;
    for (let i = 0; i < n; i++) {
      const a = cur[(i + n - 1) % n], p = cur[i], b = cur[(i + 1) % n];
      const la = Math.hypot(a[0] - p[0], a[1] - p[1]), lb = Math.hypot(b[0] - p[0], b[1] - p[1]);
      const cos = ((a[0] - p[0]) * (b[0] - p[0]) + (a[1] - p[1]) * (b[1] - p[1])) / (la * lb);
      if (!(cos < 0.87)) {
        out.push(p);
        continue;
      }
      const u: [number, number] = [0.75 * p[0] + 0.25 * a[0], 0.75 * p[1] + 0.25 * a[1]];
      const v: [number, number] = [0.75 * p[0] + 0.25 * b[0], 0.75 * p[1] + 0.25 * b[1]];
      if (space.segmentFree(u, v, r)) out.push(u, v);
      else out.push(p);
    }
    cur = out;
  }
  return cur;
}

/** The free floor as 5 cm cells, its largest connected region and searches over it. */
class FloorGrid {
  readonly cell = 0.05;
  readonly nx: number;
  readonly ny: number;
  readonly free: Uint8Array;
  /** The free cell farthest from walls and obstacles in the largest free region (−1 when none). */
  readonly seed: number = -1;
  constructor(space: FreeSpace, r: number) {
    this.nx = Math.max(1, Math.floor(space.room.w / this.cell));
    this.ny = Math.max(1, Math.floor(space.room.d / this.cell));
    const n = this.nx * this.ny, clear = new Float64Array(n);
    this.free = new Uint8Array(n);
    for (let c = 0; c < n; c++) {
      const [x, y] = this.at(c);
      clear[c] = space.clearance(x, y);
      // Cells keeping r + 5 cm: the step to a neighbour (≤ 7.1 cm) keeps r all along.
      this.free[c] = clear[c] >= r + 0.05 ? 1 : 0;
    }
    const seen = new Uint8Array(n);
    let biggest = 0;
    for (let c = 0; c < n; c++) {
      if (!this.free[c] || seen[c]) continue;
      const { steps } = this.search([c]);
      let size = 0, top = c;
      for (let q = 0; q < n; q++) {
        if (steps[q] < 0) continue;
        seen[q] = 1;
        size++;
        if (clear[q] > clear[top]) top = q;
      }
      if (size > biggest) [biggest, this.seed] = [size, top];
    }
  }
  at(c: number): [number, number] {
    return [((c % this.nx) + 0.5) * this.cell, (Math.floor(c / this.nx) + 0.5) * this.cell];
  }
  /** Breadth-first search (8-neighbours): steps from the nearest of `from` (−1 unreached) and parents. */
  search(from: number[]): { steps: Int32Array; parent: Int32Array } {
    const { nx, ny, free } = this, n = nx * ny;
    const steps = new Int32Array(n).fill(-1), parent = new Int32Array(n).fill(-1);
    const queue = new Int32Array(n);
    let head = 0, tail = 0;
    for (const f of from) {
      if (steps[f] < 0) queue[tail++] = f;
      steps[f] = 0;
    }
    while (head < tail) {
      const c = queue[head++], cx = c % nx, cy = Math.floor(c / nx);
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const x = cx + dx, y = cy + dy, q = y * nx + x;
          if (x < 0 || y < 0 || x >= nx || y >= ny || !free[q] || steps[q] >= 0) continue;
          steps[q] = steps[c] + 1;
          parent[q] = c;
          queue[tail++] = q;
        }
      }
    }
    return { steps, parent };
  }
}

/**
 * A closed tour of the largest free region: up to six waypoints, each the cell farthest
 * along the floor from the paths to those before (1 m or more), visited in angular order
 * by shortest floor paths, shortcut in line of sight and smoothed. Where the region is a
 * corridor or has dead ends the tour goes there and back. Null when nothing is free; one
 * point when the free region is under 0.3 m across.
 */
function planTour(space: FreeSpace, r: number): { pts: [number, number][]; ways: number } | null {
  const g = new FloorGrid(space, r);
  if (g.seed < 0) return null;
  const fromSeed = g.search([g.seed]).steps;
  const farthest = (steps: Int32Array) => steps.reduce((f, v, c) => (v > steps[f] ? c : f), 0);
  // The far end of the free region from its most open spot, then again and again the cell
  // farthest from the paths to the waypoints so far, while that is 1 m or more.
  const first = farthest(fromSeed);
  if (fromSeed[first] * g.cell < 0.3) return { pts: [g.at(g.seed)], ways: 1 };
  const ways = [first], covered = [first];
  while (ways.length < 6) {
    const { steps, parent } = g.search(covered), far = farthest(steps);
    if (steps[far] * g.cell < 1) break;
    ways.push(far);
    for (let c = far; c >= 0 && steps[c] > 0; c = parent[c]) covered.push(c);
  }
  if (ways.length === 1) ways.push(g.seed);
  let mx = 0, my = 0, n = 0;
  for (let c = 0; c < fromSeed.length; c++) {
    if (fromSeed[c] < 0) continue;
    const [x, y] = g.at(c);
    mx += x;
    my += y;
    n++;
  }
  const angle = (c: number) => Math.atan2(g.at(c)[1] - my / n, g.at(c)[0] - mx / n);
  ways.sort((a, b) => angle(a) - angle(b));
  const tour: [number, number][] = [];
  for (let k = 0; k < ways.length; k++) {
    const a = ways[k], b = ways[(k + 1) % ways.length], { parent } = g.search([b]);
    const cells: [number, number][] = [];
    for (let c = a; c >= 0; c = parent[c]) cells.push(g.at(c));
    // Shortcut: from each kept point jump to the farthest point in free line of sight.
    tour.push(cells[0]);
    for (let i = 0; i < cells.length - 1;) {
      let j = cells.length - 1;
      while (j > i + 1 && !space.segmentFree(cells[i], cells[j], r)) j--;
      if (j < cells.length - 1) tour.push(cells[j]);
      i = j;
    }
  }
  return { pts: smoothCorners(space, tour, r), ways: ways.length };
}

/** Arc-length sampling of a closed polyline (the last point joins the first). */
class Loop {
  readonly cum: Float64Array;
  constructor(readonly pts: [number, number][]) {
    this.cum = new Float64Array(pts.length + 1);
    for (let i = 1; i <= pts.length; i++) {
      const a = pts[i - 1], b = pts[i % pts.length];
      this.cum[i] = this.cum[i - 1] + Math.hypot(b[0] - a[0], b[1] - a[1]);
    }
  }
  get length(): number {
    return this.cum[this.pts.length];
  }
  /** Point at arc length s (taken modulo the length). */
  at(s: number): [number, number] {
    const c = this.cum, n = this.pts.length, L = this.length;
    if (n === 1 || !(L > 0)) return this.pts[0];
    s = ((s % L) + L) % L;
    let lo = 0, hi = n;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (c[mid] <= s) lo = mid;
      else hi = mid;
    }
    const t = (s - c[lo]) / (c[hi] - c[lo] || 1), a = this.pts[lo], b = this.pts[hi % n];
    return [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
  }
  /** Direction of travel at s (radians about z), over a ±0.15 m window. */
  heading(s: number): number {
    const a = this.at(s - 0.15), b = this.at(s + 0.15);
    return Math.atan2(b[1] - a[1], b[0] - a[0]);
  }
}

const wrapPi = (a: number) => a - 2 * Math.PI * Math.round(a / (2 * Math.PI));

/**
 * Drives the loop: cruise at `speed`, the body turning at most 0.8 rad/s; where the
 * direction of travel is more than 0.6 rad off the body's heading (sharp bends, the far
 * end of a there-and-back stretch) it stops and turns in place. Returns [x, y, heading]
 * at each scan time.
 */
function drive(
  loop: Loop,
  motion: { speed: number; start: number; period: number; scans: number },
): Float64Array {
  const { speed, period, scans } = motion, out = new Float64Array(scans * 3);
  const steps = Math.max(1, Math.ceil(period / 0.02)), dt = period / steps, turn = 0.8 * dt;
  let s = motion.start, h = loop.heading(s);
  for (let i = 0; i < scans; i++) {
    const [x, y] = loop.at(s);
    out.set([x, y, h], i * 3);
    for (let k = 0; k < steps; k++) {
      const dh = wrapPi(loop.heading(s) - h);
      h += Math.max(-turn, Math.min(turn, dh));
      if (Math.abs(dh) <= 0.6) s += speed * dt * (1 - Math.abs(dh) / 0.8);
    }
  }
  return out;
}

/**
 * Plans the robot's drive through a room and returns the sensor's true poses at
 * `options.scans` scan times: a tour of the free floor keeping the requested clearance, or
 * 0.75, 0.5 or 0.4 × it (the first tour at least 3 m long, else the longest), or turning
 * on the spot where the room is most open. Deterministic in the room, `rng`'s state and
 * the options.
 *
 * @param room interior size (metres) and packed object bounds
 * @param rng random stream (direction, start point, speed, height, pan and tilt)
 * @param options scans, period (s), speed (m/s), height (m), clearance (m)
 */
export function robotPath(room: RobotRoom, rng: Rng, options: RobotPathOptions): RobotPath {
  const period = options.period ?? 0.2;
  const speed = options.speed ?? rng.uniform(0.3, 0.5);
  const height = options.height ?? rng.uniform(0.9, 1.3);
  const r0 = options.clearance ?? 0.35, reverse = rng.bernoulli(0.5);
  const space = new FreeSpace(room, height + 0.3);
  let pts: [number, number][] | null = null, r = r0, ways = 0, best = -1;
  for (const f of [1, 0.75, 0.5, 0.4]) {
    const tour = planTour(space, r0 * f), len = tour ? new Loop(tour.pts).length : -1;
    if (len > best) [best, pts, r, ways] = [len, tour!.pts, r0 * f, tour!.ways];
    if (best >= 3) break;
  }
  let mode: RobotPath["mode"] = ways > 2 ? "loop" : "back-and-forth";
  pts ??= [[room.w / 2, room.d / 2]];
  if (reverse) pts.reverse();
  const loop = new Loop(pts);
  if (pts.length === 1 || loop.length < 0.3) mode = "stationary";
  const start = rng.uniform(0, loop.length);
  const spin = rng.uniform(0, 2 * Math.PI);
  const track = mode === "stationary"
    ? Float64Array.from(
      { length: options.scans * 3 },
      (_, i) => i % 3 === 2 ? spin + 0.3 * period * Math.floor(i / 3) : pts![0][i % 3],
    )
    : drive(loop, { speed, start, period, scans: options.scans });
  // Sensor head: slow pan about the heading, slight downward tilt with a slow nod.
  const panAmp = rng.uniform(0.5, 0.9), panPeriod = rng.uniform(8, 14);
  const panPhase = rng.uniform(0, 2 * Math.PI), tilt = -rng.uniform(0.15, 0.35);
  const nodPeriod = rng.uniform(5, 9), nodPhase = rng.uniform(0, 2 * Math.PI);
  const poses: Float64Array[] = [], timestamps = new Float64Array(options.scans);
  for (let i = 0; i < options.scans; i++) {
    const t = i * period, [x, y, heading] = track.subarray(i * 3, i * 3 + 3);
    const yaw = heading + panAmp * Math.sin((2 * Math.PI * t) / panPeriod + panPhase);
    const pitch = tilt + 0.06 * Math.sin((2 * Math.PI * t) / nodPeriod + nodPhase);
    timestamps[i] = t;
    poses.push(lookPose([x, y, height], yaw, pitch));
  }
  return {
    poses,
    timestamps,
    route: Float64Array.from(pts.flat()),
    mode,
    length: mode === "stationary" ? 0 : loop.length,
    speed,
    height,
    clearance: r,
  };
}
