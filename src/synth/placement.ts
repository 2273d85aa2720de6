/**
 * Collision-free placement of built objects in a rectangular room: against a
 * wall (back to the wall), freely in the room, or facing a target (chairs
 * around tables). Footprints are 2D oriented rectangles with a height range;
 * two objects collide when their rectangles overlap and their heights overlap.
 *
 * @module
 */

import type { Rng } from "../kernels/random.ts";
import { placeParts, type SceneObject } from "./geometry.ts";
import type { Built } from "./furniture_seating.ts";

/** A footprint: centre (x, y), half extents (hx along the object's x, hy along its y), yaw, z range, metres. */
export interface Footprint {
  x: number;
  y: number;
  hx: number;
  hy: number;
  yaw: number;
  z0: number;
  z1: number;
}

/** Where an object went: frame origin and yaw (world). */
export interface Pose2 {
  x: number;
  y: number;
  yaw: number;
}

function corners(f: Footprint): number[] {
  const c = Math.cos(f.yaw), s = Math.sin(f.yaw), out: number[] = [];
  for (const [a, b] of [[-1, -1], [1, -1], [1, 1], [-1, 1]]) {
    out.push(f.x + c * a * f.hx - s * b * f.hy, f.y + s * a * f.hx + c * b * f.hy);
  }
  return out;
}

/** True when two footprints overlap (separating-axis test on the rectangles, then heights). */
export function overlaps(a: Footprint, b: Footprint): boolean {
  if (a.z1 <= b.z0 || b.z1 <= a.z0) return false;
  const ca = corners(a), cb = corners(b);
  for (const f of [a, b]) {
    for (const ang of [f.yaw, f.yaw + Math.PI / 2]) {
      const ux = Math.cos(ang), uy = Math.sin(ang);
      let amin = Infinity, amax = -Infinity, bmin = Infinity, bmax = -Infinity;
      for (let k = 0; k < 8; k += 2) {
        const pa = ca[k] * ux + ca[k + 1] * uy, pb = cb[k] * ux + cb[k + 1] * uy;
        amin = Math.min(amin, pa);
        amax = Math.max(amax, pa);
        bmin = Math.min(bmin, pb);
        bmax = Math.max(bmax, pb);
      }
      if (amax <= bmin || bmax <= amin) return false;
    }
  }
  return true;
}

/** Options of {@link Planner.onWall}. */
export interface WallOptions {
  /** Walls to try (0 = north y = D, 1 = east x = W, 2 = south y = 0, 3 = west x = 0); default all. */
  walls?: number[];
  /** Gap between the wall and the object's back, metres (default 0.02). */
  gap?: number;
  /** Position along the wall of the object's centre, metres (default random). */
  along?: number;
  /** Build has its frame origin on the wall surface (wall-mounted things). */
  mounted?: boolean;
  /** Lift the object by this height, metres (default 0). */
  lift?: number;
  /** Attempts before giving up (default 40). */
  tries?: number;
  /** Extra clear space in front of the object, metres (default 0). */
  clearance?: number;
}

/** Places objects in a W×D room without collisions and collects them as scene objects. */
export class Planner {
  /** Interior width (x) and depth (y), metres. */
  readonly w: number;
  readonly d: number;
  /** Occupied footprints (including reserved free space). */
  readonly taken: Footprint[] = [];
  /** Placed objects, world frame. */
  readonly objects: SceneObject[] = [];
  /** Random stream of the placement (arrangement). */
  readonly rng: Rng;

  constructor(w: number, d: number, rng: Rng) {
    this.w = w;
    this.d = d;
    this.rng = rng;
  }

  /** Length of wall k, metres. */
  wallLength(k: number): number {
    return k % 2 === 0 ? this.w : this.d;
  }

  /** World pose of a point `along` wall k, `off` metres into the room, facing into the room. */
  wallPose(k: number, along: number, off: number): Pose2 {
    switch (k) {
      case 0:
        return { x: along, y: this.d - off, yaw: 0 };
      case 1:
        return { x: this.w - off, y: along, yaw: -Math.PI / 2 };
      case 2:
        return { x: along, y: off, yaw: Math.PI };
      default:
        return { x: off, y: along, yaw: Math.PI / 2 };
    }
  }

  /** Footprint of a build placed with its frame at `pose` (`mounted`: frame on the wall surface). */
  footprint(
    b: Built,
    pose: Pose2,
    extra: { mounted?: boolean; lift?: number; clearance?: number } = {},
  ): Footprint {
    const c = Math.cos(pose.yaw), s = Math.sin(pose.yaw);
    const cl = extra.clearance ?? 0;
    // Centre offset along the object's −y (front) for mounted builds and for clearance.
    const oy = (extra.mounted ? -b.depth / 2 : 0) - cl / 2;
    const lift = extra.lift ?? 0;
    return {
      x: pose.x - s * oy,
      y: pose.y + c * oy,
      hx: b.width / 2,
      hy: b.depth / 2 + cl / 2,
      yaw: pose.yaw,
      z0: lift + (extra.mounted ? Math.max(0, b.height - heightSpan(b)) : 0),
      z1: lift + b.height,
    };
  }

  /** True when the footprint lies in the room and hits nothing already placed. */
  fits(f: Footprint): boolean {
    const c = corners(f);
    for (let k = 0; k < 8; k += 2) {
      if (c[k] < -1e-6 || c[k] > this.w + 1e-6 || c[k + 1] < -1e-6 || c[k + 1] > this.d + 1e-6) {
        return false;
      }
    }
    return !this.taken.some((t) => overlaps(t, f));
  }

  /** Adds a build at a pose (no checks); `reserve` is also marked as taken. */
  add(
    b: Built,
    cls: number,
    pose: Pose2,
    extra: { mounted?: boolean; lift?: number; clearance?: number } = {},
  ): Pose2 {
    this.taken.push(this.footprint(b, pose, extra));
    this.objects.push({
      cls,
      kind: b.kind,
      parts: placeParts(b.parts, [pose.x, pose.y, extra.lift ?? 0], pose.yaw),
    });
    return pose;
  }

  /** Marks a footprint as taken without adding an object (door swing, walkways). */
  reserve(f: Footprint): void {
    this.taken.push(f);
  }

  /** Places a build with its back against a wall; returns its pose or null when nothing fits. */
  onWall(b: Built, cls: number, opts: WallOptions = {}): Pose2 | null {
    const walls = opts.walls ?? [0, 1, 2, 3];
    const tries = opts.tries ?? 40;
    for (let t = 0; t < tries; t++) {
      const k = walls[this.rng.int(walls.length)];
      const len = this.wallLength(k);
      if (len < b.width) continue;
      const along = opts.along ?? this.rng.uniform(b.width / 2, len - b.width / 2);
      const off = opts.mounted ? 0 : b.depth / 2 + (opts.gap ?? 0.02);
      const pose = this.wallPose(k, along, off);
      const extra = { mounted: opts.mounted, lift: opts.lift, clearance: opts.clearance };
      const f = this.footprint(b, pose, extra);
      if (this.fits(f)) {
        this.add(b, cls, pose, { mounted: opts.mounted, lift: opts.lift });
        if (opts.clearance) this.reserve(f);
        return pose;
      }
      if (opts.along !== undefined && walls.length === 1) return null;
    }
    return null;
  }

  /** Places a build anywhere at least `margin` metres from the walls, yaw a multiple of 90° plus jitter. */
  free(
    b: Built,
    cls: number,
    opts: { margin?: number; tries?: number; jitter?: number } = {},
  ): Pose2 | null {
    const m = opts.margin ?? 0.5;
    for (let t = 0; t < (opts.tries ?? 60); t++) {
      const pose = {
        x: this.rng.uniform(m, this.w - m),
        y: this.rng.uniform(m, this.d - m),
        yaw: (this.rng.int(4) * Math.PI) / 2 + this.rng.uniform(-1, 1) * (opts.jitter ?? 0.15),
      };
      if (this.fits(this.footprint(b, pose))) return this.add(b, cls, pose);
    }
    return null;
  }

  /** Places a build at (x, y) with its front facing the point (tx, ty); null when it does not fit. */
  facing(
    b: Built,
    cls: number,
    at: { x: number; y: number; tx: number; ty: number },
  ): Pose2 | null {
    // Front is the object's −y: yaw such that R(yaw)·(0, −1) points at the target.
    const yaw = Math.atan2(at.tx - at.x, -(at.ty - at.y));
    const pose = { x: at.x, y: at.y, yaw: normAngle(yaw) };
    return this.fits(this.footprint(b, pose)) ? this.add(b, cls, pose) : null;
  }
}

function normAngle(a: number): number {
  while (a > Math.PI) a -= 2 * Math.PI;
  while (a <= -Math.PI) a += 2 * Math.PI;
  return a;
}

/** Vertical extent of a build's parts, metres (so wall-mounted things occupy only their height band). */
function heightSpan(b: Built): number {
  let z0 = Infinity, z1 = -Infinity;
  for (const p of b.parts) {
    z0 = Math.min(z0, p.center[2] - p.half[2]);
    z1 = Math.max(z1, p.center[2] + p.half[2]);
  }
  return z1 - z0;
}
