/**
 * Ray casting against the synthetic world: parts packed into flat arrays,
 * per-object axis-aligned bounds for culling, exact box and cylinder hits.
 *
 * @module
 */

import { partsBounds, type SceneObject } from "./geometry.ts";

/** The world packed for ray casting. Part p belongs to object `partObject[p]`. */
export interface PackedScene {
  /** Number of objects O. */
  objects: number;
  /** Float64Array O×6 object bounds [minX, minY, minZ, maxX, maxY, maxZ], metres. */
  objectBounds: Float64Array;
  /** Int32Array O+1: parts of object o are partStart[o] .. partStart[o+1]−1. */
  partStart: Int32Array;
  /** Uint8Array P: 0 = box, 1 = vertical cylinder. */
  partShape: Uint8Array;
  /** Float64Array P×8: cx, cy, cz, hx, hy, hz, cos(yaw), sin(yaw). */
  partData: Float64Array;
  /** Int32Array P: object index of each part. */
  partObject: Int32Array;
}

/** Packs objects (in order) for {@link castRay}. */
export function packScene(objects: SceneObject[]): PackedScene {
  const total = objects.reduce((s, o) => s + o.parts.length, 0);
  const objectBounds = new Float64Array(objects.length * 6);
  const partStart = new Int32Array(objects.length + 1);
  const partShape = new Uint8Array(total);
  const partData = new Float64Array(total * 8);
  const partObject = new Int32Array(total);
  let p = 0;
  objects.forEach((o, oi) => {
    objectBounds.set(partsBounds(o.parts), oi * 6);
    partStart[oi] = p;
    for (const part of o.parts) {
      partShape[p] = part.shape === "box" ? 0 : 1;
      partData.set([
        ...part.center,
        ...part.half,
        Math.cos(part.yaw),
        Math.sin(part.yaw),
      ], p * 8);
      partObject[p] = oi;
      p++;
    }
  });
  partStart[objects.length] = p;
  return { objects: objects.length, objectBounds, partStart, partShape, partData, partObject };
}

/** Result of {@link castRay}; reused between calls to avoid allocation. */
export interface RayHit {
  /** Distance along the (unit) ray to the hit, metres; Infinity when nothing was hit. */
  t: number;
  /** Index of the part hit (−1 when none). */
  part: number;
  /** World-space unit normal at the hit (facing the ray origin's side). */
  nx: number;
  ny: number;
  nz: number;
}

/** A fresh "no hit" record. */
export function newHit(): RayHit {
  return { t: Infinity, part: -1, nx: 0, ny: 0, nz: 0 };
}

const EPS = 1e-6;

/** The ray in the current part's frame (origin relative to the part centre), reused between parts. */
const probe = { lx: 0, ly: 0, lz: 0, dx: 0, dy: 0, dz: 0, p: 0 };

/**
 * Nearest hit of the ray origin + t·dir (t > 0) with the scene. Parts whose
 * surface the origin is inside are seen from within only at their far side,
 * which placement avoids by keeping cameras outside objects.
 *
 * @param scene packed world
 * @param ray [ox, oy, oz, dx, dy, dz] (direction need not be unit; t is in its units)
 * @param query.hit output record (overwritten and returned)
 * @param query.candidates object indices to test (default: all)
 */
export function castRay(
  scene: PackedScene,
  ray: Float64Array | number[],
  query: { hit: RayHit; candidates?: Int32Array },
): RayHit {
  const { hit, candidates } = query;
  const ox = ray[0], oy = ray[1], oz = ray[2], dx = ray[3], dy = ray[4], dz = ray[5];
  const ix = 1 / dx, iy = 1 / dy, iz = 1 / dz;
  hit.t = Infinity;
  hit.part = -1;
  const ob = scene.objectBounds, pd = scene.partData;
  const nObj = candidates ? candidates.length : scene.objects;
  for (let k = 0; k < nObj; k++) {
    const o = candidates ? candidates[k] : k;
    // Slab test on the object's bounds.
    const b = o * 6;
    let t0 = (ob[b] - ox) * ix, t1 = (ob[b + 3] - ox) * ix;
    let tmin = Math.min(t0, t1), tmax = Math.max(t0, t1);
    t0 = (ob[b + 1] - oy) * iy;
    t1 = (ob[b + 4] - oy) * iy;
    tmin = Math.max(tmin, Math.min(t0, t1));
    tmax = Math.min(tmax, Math.max(t0, t1));
    t0 = (ob[b + 2] - oz) * iz;
    t1 = (ob[b + 5] - oz) * iz;
    tmin = Math.max(tmin, Math.min(t0, t1));
    tmax = Math.min(tmax, Math.max(t0, t1));
    if (tmax < tmin || tmax < EPS || tmin >= hit.t) continue;
    for (let p = scene.partStart[o]; p < scene.partStart[o + 1]; p++) {
      const q = p * 8;
      probe.lx = ox - pd[q];
      probe.ly = oy - pd[q + 1];
      probe.lz = oz - pd[q + 2];
      probe.dx = dx;
      probe.dy = dy;
      probe.dz = dz;
      probe.p = p;
      if (scene.partShape[p] === 0) hitBox(pd, q, hit);
      else hitCylinder(pd, q, hit);
    }
  }
  return hit;
}

function hitBox(pd: Float64Array, q: number, hit: RayHit): void {
  const { lx, ly, lz, dx, dy, dz, p } = probe;
  const c = pd[q + 6], s = pd[q + 7];
  // Into the box frame (rotate by −yaw).
  const ax = c * lx + s * ly, ay = -s * lx + c * ly;
  const bx = c * dx + s * dy, by = -s * dx + c * dy;
  const hx = pd[q + 3], hy = pd[q + 4], hz = pd[q + 5];
  let tmin = -Infinity, tmax = Infinity, axis = -1, sign = 0;
  // Slabs x, y, z of the box frame; a ray parallel to a slab must start inside it.
  if (Math.abs(bx) < 1e-12) {
    if (ax < -hx || ax > hx) return;
  } else {
    const t0 = (-hx - ax) / bx, t1 = (hx - ax) / bx;
    tmin = Math.min(t0, t1);
    tmax = Math.max(t0, t1);
    axis = 0;
    sign = bx > 0 ? -1 : 1;
  }
  if (Math.abs(by) < 1e-12) {
    if (ay < -hy || ay > hy) return;
  } else {
    const t0 = (-hy - ay) / by, t1 = (hy - ay) / by;
    const near = Math.min(t0, t1), far = Math.max(t0, t1);
    if (near > tmin) {
      tmin = near;
      axis = 1;
      sign = by > 0 ? -1 : 1;
    }
    if (far < tmax) tmax = far;
  }
  if (Math.abs(dz) < 1e-12) {
    if (lz < -hz || lz > hz) return;
  } else {
    const t0 = (-hz - lz) / dz, t1 = (hz - lz) / dz;
    const near = Math.min(t0, t1), far = Math.max(t0, t1);
    if (near > tmin) {
      tmin = near;
      axis = 2;
      sign = dz > 0 ? -1 : 1;
    }
    if (far < tmax) tmax = far;
  }
  if (tmax < tmin || tmin < EPS || tmin >= hit.t) return;
  hit.t = tmin;
  hit.part = p;
  if (axis === 2) {
    hit.nx = 0;
    hit.ny = 0;
    hit.nz = sign;
  } else {
    const nx = axis === 0 ? sign : 0, ny = axis === 1 ? sign : 0;
    hit.nx = c * nx - s * ny;
    hit.ny = s * nx + c * ny;
    hit.nz = 0;
  }
}

function hitCylinder(pd: Float64Array, q: number, hit: RayHit): void {
  const { lx, ly, lz, dx, dy, dz, p } = probe;
  const r = pd[q + 3], hz = pd[q + 5];
  const a = dx * dx + dy * dy;
  if (a > 1e-12) {
    const b = lx * dx + ly * dy, cc = lx * lx + ly * ly - r * r;
    const disc = b * b - a * cc;
    if (disc < 0) return;
    const t = (-b - Math.sqrt(disc)) / a;
    const z = lz + t * dz;
    if (t > EPS && t < hit.t && z >= -hz && z <= hz) {
      hit.t = t;
      hit.part = p;
      hit.nx = (lx + t * dx) / r;
      hit.ny = (ly + t * dy) / r;
      hit.nz = 0;
      return;
    }
  }
  if (Math.abs(dz) < 1e-12) return;
  const cap = dz > 0 ? -hz : hz; // the cap facing the ray
  const t = (cap - lz) / dz;
  if (t <= EPS || t >= hit.t) return;
  const x = lx + t * dx, y = ly + t * dy;
  if (x * x + y * y > r * r) return;
  hit.t = t;
  hit.part = p;
  hit.nx = 0;
  hit.ny = 0;
  hit.nz = dz > 0 ? -1 : 1;
}
