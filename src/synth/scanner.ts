/**
 * Virtual RGB-D scanning: a camera walk through a room, ray-cast depth,
 * colour and instance images with a structured-light sensor's noise (depth
 * noise growing with range, missing returns at grazing angles, on glass, at
 * depth edges and beyond range), and back-projection to points.
 *
 * Camera convention (as ScanNet/OpenCV): x right, y down, z forward; a pose
 * is the camera-to-world 4×4 matrix, row-major, translation in metres.
 *
 * @module
 */

import type { Rng } from "../kernels/random.ts";
import type { SceneObject } from "./geometry.ts";
import { shadeInto } from "./materials.ts";
import { castRay, newHit, type PackedScene } from "./raycast.ts";

/** Pinhole intrinsics of an image, pixels. */
export interface Intrinsics {
  fx: number;
  fy: number;
  cx: number;
  cy: number;
  width: number;
  height: number;
}

/** A 640×480 depth sensor (ScanNet's depth intrinsics). */
export const DEPTH_640: Intrinsics = {
  fx: 577.87,
  fy: 577.87,
  cx: 319.5,
  cy: 239.5,
  width: 640,
  height: 480,
};

/** Intrinsics of the same camera at `scale` × the resolution (pixel centres kept aligned). */
export function scaleIntrinsics(k: Intrinsics, scale: number): Intrinsics {
  return {
    fx: k.fx * scale,
    fy: k.fy * scale,
    cx: (k.cx + 0.5) * scale - 0.5,
    cy: (k.cy + 0.5) * scale - 0.5,
    width: Math.round(k.width * scale),
    height: Math.round(k.height * scale),
  };
}

/** Sensor model of {@link renderView}. */
export interface SensorOptions {
  /** Farthest valid return, metres (default 5). */
  maxRange: number;
  /** Random missing-return probability per pixel (default 0.01). */
  dropout: number;
  /** Missing-return probability on glass (default 0.35). */
  glassDropout: number;
  /** Depth noise on (default true): σ(z) = 0.0012 + 0.0019 (z − 0.4)² metres, then 1 mm steps. */
  noise: boolean;
}

/** Default sensor model. */
export const DEFAULT_SENSOR: SensorOptions = {
  maxRange: 5,
  dropout: 0.01,
  glassDropout: 0.35,
  noise: true,
};

/** One rendered view. Images are H×W row-major. */
export interface RenderedView {
  /** Camera-to-world pose, Float64Array 16, row-major. */
  pose: Float64Array;
  /** Exact surface depth, Float32Array H×W metres, 0 = nothing hit. */
  surface: Float32Array;
  /** Sensor depth (noisy), Float32Array H×W metres, 0 = missing. */
  depth: Float32Array;
  /** Object (instance) id seen at each pixel, Int32Array H×W, −1 = nothing (open sky / ceiling). */
  instance: Int32Array;
  /** 1 where the surface seen is a thin part (legs, frames), Uint8Array H×W. */
  thin: Uint8Array;
  /** Colour, Uint8Array H×W×3. */
  color: Uint8Array;
}

/** A camera pose from position, heading (radians about z) and pitch (radians, negative = down). */
export function lookPose(pos: [number, number, number], yaw: number, pitch: number): Float64Array {
  const f = [Math.cos(pitch) * Math.cos(yaw), Math.cos(pitch) * Math.sin(yaw), Math.sin(pitch)];
  const r = [Math.sin(yaw), -Math.cos(yaw), 0];
  const d = [f[1] * r[2] - f[2] * r[1], f[2] * r[0] - f[0] * r[2], f[0] * r[1] - f[1] * r[0]];
  return Float64Array.from([
    r[0],
    d[0],
    f[0],
    pos[0],
    r[1],
    d[1],
    f[1],
    pos[1],
    r[2],
    d[2],
    f[2],
    pos[2],
    0,
    0,
    0,
    1,
  ]);
}

/**
 * A hand-held scan: `views` poses around the room centre at 1.2–1.65 m,
 * alternately near the walls looking across the room and near the middle
 * looking at the walls, pitched 11–43° down. Positions inside tall objects are pulled towards the centre.
 */
export function cameraTrajectory(
  room: { w: number; d: number; objects: SceneObject[]; bounds: Float64Array },
  views: number,
  rng: Rng,
): Float64Array[] {
  const poses: Float64Array[] = [];
  const phase = rng.uniform(0, 2 * Math.PI);
  for (let i = 0; i < views; i++) {
    const th = phase + (2 * Math.PI * i) / views + rng.uniform(-0.1, 0.1);
    // Views looking across the room stand near the walls, views looking at the walls near the middle.
    const outward = i % 2 === 1;
    const rad = outward ? rng.uniform(0.1, 0.25) : rng.uniform(0.28, 0.4);
    let x = 0, y = 0;
    const z = 1.2 + 0.45 * (0.5 + 0.5 * Math.sin(th * 2 + phase)) + rng.uniform(-0.03, 0.03);
    for (let shrink = 1; shrink >= 0; shrink -= 0.2) {
      x = room.w / 2 + Math.cos(th) * rad * room.w * shrink;
      y = room.d / 2 + Math.sin(th) * rad * room.d * shrink;
      if (!insideAny(room.bounds, [x, y, z])) break;
    }
    const yaw = outward ? th + rng.uniform(-0.9, 0.9) : th + Math.PI + rng.uniform(-0.8, 0.8);
    const pitch = -rng.uniform(outward ? 0.2 : 0.25, outward ? 0.75 : 0.7);
    poses.push(lookPose([x, y, z], yaw, pitch));
  }
  return poses;
}

function insideAny(bounds: Float64Array, [x, y, z]: [number, number, number]): boolean {
  const m = 0.2;
  // The first five objects are the shell (walls, floor): skip them.
  for (let b = 5 * 6; b < bounds.length; b += 6) {
    if (
      x > bounds[b] - m && x < bounds[b + 3] + m && y > bounds[b + 1] - m &&
      y < bounds[b + 4] + m &&
      z > bounds[b + 2] - m && z < bounds[b + 5] + m
    ) return true;
  }
  return false;
}

/** Objects whose bounds are not entirely outside the view frustum. */
function frustumCandidates(scene: PackedScene, pose: Float64Array, k: Intrinsics): Int32Array {
  const out: number[] = [];
  const ob = scene.objectBounds;
  const l = -(k.cx + 0.5) / k.fx, r = (k.width - 0.5 - k.cx) / k.fx;
  const t = -(k.cy + 0.5) / k.fy, b = (k.height - 0.5 - k.cy) / k.fy;
  for (let o = 0; o < scene.objects; o++) {
    let m0 = 0, m1 = 0, m2 = 0, m3 = 0, m4 = 0;
    for (let c = 0; c < 8; c++) {
      const wx = ob[o * 6 + (c & 1 ? 3 : 0)] - pose[3];
      const wy = ob[o * 6 + (c & 2 ? 4 : 1)] - pose[7];
      const wz = ob[o * 6 + (c & 4 ? 5 : 2)] - pose[11];
      const x = pose[0] * wx + pose[4] * wy + pose[8] * wz;
      const y = pose[1] * wx + pose[5] * wy + pose[9] * wz;
      const z = pose[2] * wx + pose[6] * wy + pose[10] * wz;
      if (z <= 0.01) m0++;
      if (x < l * z) m1++;
      if (x > r * z) m2++;
      if (y < t * z) m3++;
      if (y > b * z) m4++;
    }
    if (m0 < 8 && m1 < 8 && m2 < 8 && m3 < 8 && m4 < 8) out.push(o);
  }
  return Int32Array.from(out);
}

/**
 * Ray-casts one view: depth (with sensor noise and missing returns), colour,
 * instance id and thin-part images at the intrinsics' resolution.
 */
export function renderView(
  world: { scene: PackedScene; objects: SceneObject[] },
  camera: { pose: Float64Array; k: Intrinsics },
  sensor: { rng: Rng; options?: Partial<SensorOptions> },
): RenderedView {
  const { scene, objects } = world, { pose, k } = camera, rng = sensor.rng;
  const opt = { ...DEFAULT_SENSOR, ...sensor.options };
  const W = k.width, H = k.height, n = W * H;
  const depth = new Float32Array(n),
    surface = new Float32Array(n),
    instance = new Int32Array(n).fill(-1),
    thin = new Uint8Array(n);
  const color = new Uint8Array(n * 3);
  const cand = frustumCandidates(scene, pose, k);
  const partOf = objects.flatMap((o) => o.parts);
  const hit = newHit(), ray = new Float64Array(6), query = { hit, candidates: cand };
  ray[0] = pose[3];
  ray[1] = pose[7];
  ray[2] = pose[11];
  const surf = {
    color: [0, 0, 0] as [number, number, number],
    texture: "plain" as const,
    p: [0, 0, 0],
    n: [0, 0, 0],
  };
  for (let v = 0; v < H; v++) {
    for (let u = 0; u < W; u++) {
      const x = (u - k.cx) / k.fx, y = (v - k.cy) / k.fy;
      ray[3] = pose[0] * x + pose[1] * y + pose[2];
      ray[4] = pose[4] * x + pose[5] * y + pose[6];
      ray[5] = pose[8] * x + pose[9] * y + pose[10];
      castRay(scene, ray, query);
      const i = v * W + u;
      if (hit.part < 0) continue;
      const part = partOf[hit.part];
      instance[i] = scene.partObject[hit.part];
      thin[i] = part.thin ? 1 : 0;
      const p: [number, number, number] = [
        ray[0] + hit.t * ray[3],
        ray[1] + hit.t * ray[4],
        ray[2] + hit.t * ray[5],
      ];
      shadeInto(color, i * 3, {
        ...surf,
        color: part.color,
        texture: part.texture,
        p,
        n: [hit.nx, hit.ny, hit.nz],
      });
      // Sensor: range, grazing angle, glass, random dropout, noise.
      const len = Math.hypot(ray[3], ray[4], ray[5]);
      const cosInc = Math.abs(hit.nx * ray[3] + hit.ny * ray[4] + hit.nz * ray[5]) / len;
      const z = hit.t;
      surface[i] = z;
      if (z > opt.maxRange) continue;
      if (rng.next() < opt.dropout + Math.max(0, (0.2 - cosInc) / 0.2) * 0.8) continue;
      if (part.texture === "glass" && rng.next() < opt.glassDropout) continue;
      const sigma = opt.noise ? 0.0012 + 0.0019 * (z - 0.4) * (z - 0.4) : 0;
      depth[i] = opt.noise ? Math.round((z + sigma * rng.normal()) * 1000) / 1000 : z;
    }
  }
  if (opt.noise) dropEdges(depth, [W, H], rng);
  return { pose, surface, depth, instance, thin, color };
}

/** Removes half of the returns at depth discontinuities (> 10 % jump), like sensor edge filtering. */
function dropEdges(depth: Float32Array, [W, H]: [number, number], rng: Rng): void {
  const drop: number[] = [];
  for (let v = 1; v < H - 1; v++) {
    for (let u = 1; u < W - 1; u++) {
      const i = v * W + u, z = depth[i];
      if (z === 0) continue;
      let jump = 0;
      for (const q of [i - 1, i + 1, i - W, i + W]) {
        if (depth[q] > 0) jump = Math.max(jump, Math.abs(depth[q] - z));
      }
      if (jump > 0.1 * z && rng.bernoulli(0.5)) drop.push(i);
    }
  }
  for (const i of drop) depth[i] = 0;
}

/**
 * Back-projects the valid depth pixels of a view to world points.
 * Returns coord (Float32Array M×3 metres), the pixel index of each point (Int32Array M).
 */
export function backProject(
  view: RenderedView,
  k: Intrinsics,
): { coord: Float32Array; pixel: Int32Array } {
  const { depth, pose } = view;
  let m = 0;
  for (let i = 0; i < depth.length; i++) if (depth[i] > 0) m++;
  const coord = new Float32Array(m * 3), pixel = new Int32Array(m);
  let j = 0;
  for (let i = 0; i < depth.length; i++) {
    const z = depth[i];
    if (!(z > 0)) continue;
    const u = i % k.width, v = (i - u) / k.width;
    const x = ((u - k.cx) / k.fx) * z, y = ((v - k.cy) / k.fy) * z;
    coord[j * 3] = pose[0] * x + pose[1] * y + pose[2] * z + pose[3];
    coord[j * 3 + 1] = pose[4] * x + pose[5] * y + pose[6] * z + pose[7];
    coord[j * 3 + 2] = pose[8] * x + pose[9] * y + pose[10] * z + pose[11];
    pixel[j++] = i;
  }
  return { coord, pixel };
}
