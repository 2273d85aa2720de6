/**
 * Domain randomisation that makes the synthetic world look more like real
 * TSDF-reconstructed indoor scans (ScanNet-like mesh vertices): rooms of real
 * sizes, irregular (L-shaped, alcoves), clutter on surfaces and on the floor,
 * walls seen only in part (top cut off, stretches never scanned), holes in the
 * reconstruction, registration drift between views, more surface noise, ~3 cm
 * point spacing and a teacher whose errors repeat across the views of one
 * object. Every lever draws from its own seeded stream, so the same spec and
 * options give the same bytes, and {@link LEGACY_WORLD} (all levers off)
 * reproduces the world of the shipped models 1–3 bit for bit.
 *
 * @module
 */

import { Rng } from "../kernels/random.ts";
import { C } from "./classes.ts";
import { box, cyl, type Part, type SceneObject } from "./geometry.ts";
import { type Material, material } from "./materials.ts";
import type { Planner } from "./placement.ts";
import type { TeacherOptions } from "./teacher.ts";

/** Strength of each realism lever; 0 / false / 1 turns a lever off as documented. */
export interface RealismOptions {
  /** Largest room side scale (w and d drawn in [1, roomScale] each; bathrooms at most 1.2). Default 1.6. */
  roomScale: number;
  /** Probability that a corner of the room is cut off by a wall block (L-shape / alcove). Default 0.6. */
  irregular: number;
  /** Largest number of clutter items on each table, desk, counter, low cabinet or shelf. Default 5. */
  clutter: number;
  /** Largest number of loose items on the floor (boxes, bags). Default 4. */
  floorClutter: number;
  /** Lowest height at which a wall's scanned part may end, metres (drawn up to the room height). Default 1.1. */
  wallTop: number;
  /** Probability that a stretch of a wall was never scanned. Default 0.5. */
  wallGap: number;
  /** Largest number of reconstruction holes (0.15–0.5 m balls of missing points). Default 8. */
  holes: number;
  /** Per-view random-walk step of the registration drift: translation, metres. Default 0.004. */
  driftStep: number;
  /** Same for the rotation about z, radians. Default 0.0015. */
  driftTurn: number;
  /** Residual surface noise of the reconstruction, metres (scene option `surfaceNoise` wins). Default 0.004. */
  surfaceNoise: number;
  /** Spacing of the fused cloud, metres (scene option `voxel` wins). Default 0.03. */
  voxel: number;
  /** Teacher overrides (scene option `teacher` wins): errors that repeat across views. */
  teacher: Partial<TeacherOptions>;
}

/**
 * World version 2 (`synth --world 2`): every realism lever on. Not yet the default: models
 * trained on it scored further from the real clouds than v3 on `bench realism` (see README).
 */
export const REALISTIC_WORLD: RealismOptions = {
  roomScale: 1.6,
  irregular: 0.6,
  clutter: 5,
  floorClutter: 4,
  wallTop: 1.1,
  wallGap: 0.5,
  holes: 8,
  driftStep: 0.004,
  driftTurn: 0.0015,
  surfaceNoise: 0.004,
  voxel: 0.03,
  teacher: { hardRate: 0.45, hardSwapRate: 0.85 },
};

/** All levers off: the world of the shipped models 1–3 (world version 1). */
export const LEGACY_WORLD: RealismOptions = {
  roomScale: 1,
  irregular: 0,
  clutter: 0,
  floorClutter: 0,
  wallTop: Infinity,
  wallGap: 0,
  holes: 0,
  driftStep: 0,
  driftTurn: 0,
  surfaceNoise: 0.002,
  voxel: 0.02,
  teacher: {},
};

/** Whether every lever is off (the legacy world). */
export function isLegacy(r: RealismOptions): boolean {
  return r.roomScale <= 1 && r.irregular <= 0 && r.clutter <= 0 && r.floorClutter <= 0 &&
    !(r.wallTop < Infinity) && r.wallGap <= 0 && r.holes <= 0 && r.driftStep <= 0 &&
    r.driftTurn <= 0;
}

/** The realism stream of a room seed (independent of the legacy streams). */
export function realismRng(seed: number, salt: number): Rng {
  return new Rng(((seed * 0x6c8e9cf5) ^ (salt * 0x7feb352d) ^ 0x5eed4ea1) >>> 0);
}

/** Room side scales (w, d) for a room type. */
export function roomScales(rng: Rng, type: string, r: RealismOptions): [number, number] {
  const hi = type === "bathroom" ? Math.min(r.roomScale, 1.2) : r.roomScale;
  if (hi <= 1) return [1, 1];
  return [rng.uniform(1, hi), rng.uniform(1, hi)];
}

/**
 * Cuts a corner of the w×d room with a wall block (an L-shaped room or, when
 * narrow, an alcove / pillar) and reserves its footprint. Returns the block as
 * a wall object, or null when the lever does not fire.
 */
export function cornerBlock(
  P: Planner,
  rng: Rng,
  room: { w: number; d: number; h: number; wall: { color: [number, number, number] } },
  r: RealismOptions,
): SceneObject | null {
  if (!rng.bernoulli(r.irregular)) return null;
  const { w, d, h } = room;
  const bw = rng.uniform(0.35, 0.45) * w, bd = rng.uniform(0.2, 0.45) * d;
  const corner = rng.int(4);
  const x0 = corner & 1 ? w - bw : 0, y0 = corner & 2 ? d - bd : 0;
  P.reserve({
    x: x0 + bw / 2,
    y: y0 + bd / 2,
    hx: bw / 2 + 0.05,
    hy: bd / 2 + 0.05,
    yaw: 0,
    z0: 0,
    z1: h,
  });
  return {
    cls: C.wall,
    kind: "wall/corner",
    parts: [{ ...box([x0, y0, 0], [bw, bd, h], { color: room.wall.color }), thin: false }],
  };
}

const SURFACES = new Set<number>([C.table, C.desk, C.counter, C.cabinet, C.bookshelf]);
const CLUTTER_MATERIALS: Material[] = ["plastic", "paper", "ceramic", "metal", "fabric", "wood"];

/**
 * Puts 0..`clutter` small items (books, boxes, cups, bottles) on the top of
 * every table, desk, counter, cabinet and bookshelf below 1.3 m (added to the
 * object's own parts: real annotations leave such clutter unlabelled or with
 * its support), then up to `floorClutter` loose boxes/bags on the floor as
 * "otherfurniture" where they fit.
 */
export function addClutter(P: Planner, rng: Rng, r: RealismOptions): void {
  for (const o of P.objects) {
    if (!SURFACES.has(o.cls) || r.clutter <= 0) continue;
    let top: Part | null = null, topZ = -Infinity;
    for (const p of o.parts) {
      const z = p.center[2] + p.half[2];
      if (p.half[0] > 0.1 && p.half[1] > 0.1 && z > topZ) {
        topZ = z;
        top = p;
      }
    }
    if (!top || topZ > 1.3 || topZ < 0.3) continue;
    const n = rng.int(r.clutter + 1);
    const c = Math.cos(top.yaw), s = Math.sin(top.yaw);
    for (let k = 0; k < n; k++) {
      const style = material(rng, CLUTTER_MATERIALS[rng.int(CLUTTER_MATERIALS.length)]);
      const ux = rng.uniform(-0.8, 0.8) * top.half[0], uy = rng.uniform(-0.8, 0.8) * top.half[1];
      const x = top.center[0] + c * ux - s * uy, y = top.center[1] + s * ux + c * uy;
      if (rng.bernoulli(0.35)) {
        const rad = rng.uniform(0.03, 0.07), ht = rng.uniform(0.08, 0.3);
        o.parts.push({ ...cyl([x, y, topZ], [rad, ht], style), thin: false });
      } else {
        const sx = rng.uniform(0.08, 0.4),
          sy = rng.uniform(0.08, 0.3),
          sz = rng.uniform(0.03, 0.25);
        const b = box([x - sx / 2, y - sy / 2, topZ], [sx, sy, sz], style);
        b.yaw = top.yaw + rng.uniform(-0.5, 0.5);
        o.parts.push({ ...b, thin: false });
      }
    }
  }
  const nFloor = r.floorClutter > 0 ? rng.int(r.floorClutter + 1) : 0;
  for (let k = 0; k < nFloor; k++) {
    const w = rng.uniform(0.2, 0.6), d = rng.uniform(0.2, 0.5), h = rng.uniform(0.15, 0.6);
    const style = material(rng, rng.bernoulli(0.5) ? "paper" : "fabric");
    P.free(
      {
        parts: [{ ...box([-w / 2, -d / 2, 0], [w, d, h], style), thin: false }],
        width: w,
        depth: d,
        height: h,
        kind: "clutter",
      },
      C.otherfurniture,
      { margin: 0.3, tries: 10 },
    );
  }
}

/** Per-view rigid drift (random walk): [dx, dy, dz, θ] for each of `views` views. */
export function driftWalk(rng: Rng, views: number, r: RealismOptions): Float64Array {
  const out = new Float64Array(views * 4);
  if (r.driftStep <= 0 && r.driftTurn <= 0) return out;
  let x = 0, y = 0, z = 0, t = 0;
  for (let v = 0; v < views; v++) {
    x += r.driftStep * rng.normal();
    y += r.driftStep * rng.normal();
    z += 0.5 * r.driftStep * rng.normal();
    t += r.driftTurn * rng.normal();
    out.set([x, y, z, t], v * 4);
  }
  return out;
}

/** Applies a drift [dx, dy, dz, θ] (rotation about `pivot`'s vertical axis) to points in place. */
export function applyDrift(
  coord: Float32Array,
  drift: ArrayLike<number>,
  pivot: [number, number],
): void {
  const [dx, dy, dz, t] = [drift[0], drift[1], drift[2], drift[3]];
  if (dx === 0 && dy === 0 && dz === 0 && t === 0) return;
  const c = Math.cos(t), s = Math.sin(t);
  for (let i = 0; i < coord.length; i += 3) {
    const x = coord[i] - pivot[0], y = coord[i + 1] - pivot[1];
    coord[i] = pivot[0] + c * x - s * y + dx;
    coord[i + 1] = pivot[1] + s * x + c * y + dy;
    coord[i + 2] += dz;
  }
}

/**
 * Which fused points the reconstruction keeps (Uint8Array N, 1 = kept): each
 * wall object is seen up to a random height in [wallTop, h] and, with
 * probability `wallGap`, misses a stretch of 0.5–2.5 m along its length; up
 * to `holes` random balls of missing surface are cut anywhere.
 */
export function coverageMask(
  cloud: { coord: Float32Array; instance: Int32Array },
  objects: SceneObject[],
  rng: Rng,
  r: RealismOptions,
): Uint8Array {
  const { coord, instance } = cloud, n = instance.length;
  const keep = new Uint8Array(n).fill(1);
  const cut = objects.map((o) => {
    if (o.cls !== C.wall) return null;
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity, z1 = 0;
    for (const p of o.parts) {
      x0 = Math.min(x0, p.center[0] - p.half[0]);
      x1 = Math.max(x1, p.center[0] + p.half[0]);
      y0 = Math.min(y0, p.center[1] - p.half[1]);
      y1 = Math.max(y1, p.center[1] + p.half[1]);
      z1 = Math.max(z1, p.center[2] + p.half[2]);
    }
    const top = r.wallTop < z1 ? rng.uniform(r.wallTop, z1) : Infinity;
    const alongX = x1 - x0 >= y1 - y0, lo = alongX ? x0 : y0, hi = alongX ? x1 : y1;
    let g0 = Infinity, g1 = -Infinity;
    if (rng.bernoulli(r.wallGap)) {
      const len = Math.min(rng.uniform(0.5, 2.5), 0.6 * (hi - lo));
      g0 = rng.uniform(lo, hi - len);
      g1 = g0 + len;
    }
    return { top, alongX, g0, g1 };
  });
  const nHoles = r.holes > 0 ? rng.int(r.holes + 1) : 0;
  const holes: number[][] = [];
  for (let k = 0; k < nHoles && n > 0; k++) {
    const i = rng.int(n);
    holes.push([coord[3 * i], coord[3 * i + 1], coord[3 * i + 2], rng.uniform(0.15, 0.5)]);
  }
  for (let i = 0; i < n; i++) {
    const x = coord[3 * i], y = coord[3 * i + 1], z = coord[3 * i + 2];
    const c = instance[i] >= 0 ? cut[instance[i]] : null;
    if (c) {
      const a = c.alongX ? x : y;
      if (z > c.top || (a >= c.g0 && a <= c.g1)) {
        keep[i] = 0;
        continue;
      }
    }
    for (const [hx, hy, hz, hr] of holes) {
      if ((x - hx) ** 2 + (y - hy) ** 2 + (z - hz) ** 2 < hr * hr) {
        keep[i] = 0;
        break;
      }
    }
  }
  return keep;
}
