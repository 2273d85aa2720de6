/**
 * Streaming scans of one synthetic room: a robot (`robot_path.ts`) drives
 * through the room and its depth sensor sends a partial scan every period,
 * each in the sensor's own frame (x right, y down, z forward, metres) with
 * ground-truth class and object ids, the true sensor-to-map pose and the pose
 * an odometry would report. The reported pose drifts: the map frame
 * `D · true` with D a planar rigid transform that takes a random-walk step per
 * scan in x, y (metres) and yaw (radians, about the robot's reported
 * position), starting at the identity on the first scan.
 *
 * @module
 */

import { Rng } from "../kernels/random.ts";
import type { SequenceScanData } from "../io/sequence_folder.ts";
import { composePanels, renderTopDown } from "../render/topdown.ts";
import { encodePng } from "../render/png.ts";
import { classColor } from "../render/palette.ts";
import { SCANNET20 } from "./classes.ts";
import { buildRoom, type Room, type RoomSpec } from "./layout.ts";
import { packScene } from "./raycast.ts";
import { isLegacy, LEGACY_WORLD, type RealismOptions } from "./realism.ts";
import { type RobotPath, robotPath } from "./robot_path.ts";
import {
  backProject,
  DEPTH_640,
  type Intrinsics,
  renderView,
  scaleIntrinsics,
  type SensorOptions,
} from "./scanner.ts";

/** Odometry drift per scan: translation σ in x and y (metres), yaw σ (radians). */
export interface PoseNoise {
  /** Random-walk step of x and y per scan, metres (σ; after k scans σ√k). */
  translation: number;
  /** Random-walk step of the yaw per scan, radians (σ). */
  yaw: number;
}

/** Default odometry drift: 1 cm and 0.2° per scan. */
export const DEFAULT_POSE_NOISE: PoseNoise = { translation: 0.01, yaw: (0.2 * Math.PI) / 180 };

/** Options of {@link generateSequence}. */
export interface SequenceOptions {
  /** Number of scans S (default 300). */
  scans?: number;
  /** Time between scans, seconds (default 0.2). */
  period?: number;
  /** Points per scan at most, a seeded subsample of the valid returns (default 30,000). */
  points?: number;
  /** Render resolution relative to 640×480 (default 0.4 → 256×192, scaled intrinsics). */
  scale?: number;
  /** Views per scan, side by side one field of view apart about the sensor's y axis (default 1). */
  views?: number;
  /** Odometry drift (default {@link DEFAULT_POSE_NOISE}); 0 = reported poses are the true ones. */
  poseNoise?: PoseNoise | 0;
  /** Robot cruise speed, m/s (default drawn in [0.3, 0.5]). */
  speed?: number;
  /** Realism levers of the room (default the legacy world; `REALISTIC_WORLD` = world 2). */
  realism?: Partial<RealismOptions>;
  /** Sensor model overrides. */
  sensor?: Partial<SensorOptions>;
  /** Keep every scan in the result (default true; false when `onScan` stores them). */
  keepScans?: boolean;
  /** Render a top view of the route over the scanned room as PNG (default false). */
  preview?: boolean;
}

/** One scan of a sequence: N points in the sensor frame plus both poses. */
export interface SequenceScan extends SequenceScanData {
  name: string;
  /** Reported (drifting) sensor-to-map pose, Float64Array 16 row-major, metres. */
  pose: Float64Array;
  /** True sensor-to-map pose, Float64Array 16 row-major, metres. */
  poseTrue: Float64Array;
  color: Uint8Array;
  segment: Int16Array;
  instance: Int32Array;
}

/** A generated sequence. */
export interface SynthSequence {
  name: string;
  room: Room;
  /** The robot's drive (true poses, route, mode). */
  path: RobotPath;
  /** Class names of `segment` (ScanNet-20). */
  labels: string[];
  /** JSON description for sequence.json's "room": spec, world, size, objects, robot, sensor. */
  record: Record<string, unknown>;
  /** The scans, when `keepScans` (default); else empty. */
  scans: SequenceScan[];
  /** Intrinsics of each rendered view. */
  intrinsics: Intrinsics;
  /** Final drift of the reported pose: translation (metres) and yaw (radians). */
  drift: { translation: number; yaw: number };
  /** PNG bytes of the top view (with `preview`). */
  preview?: Uint8Array;
  /** Wall-clock seconds spent. */
  seconds: number;
}

/** Independent random streams of a sequence (none shared with `generateScene`). */
function streams(spec: RoomSpec): { path: Rng; sensor: Rng; sample: Rng; noise: Rng } {
  const base = new Rng(
    (spec.seed * 0x2f6b1c35) ^ ((spec.arrangement ?? 0) * 0x1b873593) ^ 0x5e9c0ce,
  );
  return { path: base.fork(), sensor: base.fork(), sample: base.fork(), noise: base.fork() };
}

/** Rotation about the camera's y axis by `a` radians as a 4×4 row-major pose. */
function panAboutY(a: number): Float64Array {
  const c = Math.cos(a), s = Math.sin(a);
  return Float64Array.from([c, 0, s, 0, 0, 1, 0, 0, -s, 0, c, 0, 0, 0, 0, 1]);
}

function multiply(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(16);
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 4; c++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[r * 4 + k] * b[k * 4 + c];
      out[r * 4 + c] = s;
    }
  }
  return out;
}

/** Planar drift D(p) = R(θ)p + t of the map, as a random walk (see the module doc). */
class Drift {
  theta = 0;
  tx = 0;
  ty = 0;
  constructor(readonly noise: PoseNoise, readonly rng: Rng) {}
  /** One random-walk step at the robot's true position (x, y), metres. */
  step(x: number, y: number): void {
    const dt = this.noise.yaw * this.rng.normal();
    const dx = this.noise.translation * this.rng.normal();
    const dy = this.noise.translation * this.rng.normal();
    const c0 = Math.cos(this.theta), s0 = Math.sin(this.theta);
    const qx = c0 * x - s0 * y + this.tx + dx, qy = s0 * x + c0 * y + this.ty + dy;
    const c = Math.cos(dt), s = Math.sin(dt);
    const ax = this.tx + dx - qx, ay = this.ty + dy - qy;
    this.tx = c * ax - s * ay + qx;
    this.ty = s * ax + c * ay + qy;
    this.theta += dt;
  }
  /** D · pose (Float64Array 16 row-major). */
  apply(pose: Float64Array): Float64Array {
    const c = Math.cos(this.theta), s = Math.sin(this.theta);
    return multiply(
      Float64Array.from([c, -s, 0, this.tx, s, c, 0, this.ty, 0, 0, 1, 0, 0, 0, 0, 1]),
      pose,
    );
  }
}

/**
 * Generates a sequence of partial scans of one room (deterministic in spec and options).
 *
 * @param spec room type, seed, arrangement, and the sequence name
 * @param options scans, period, points, resolution, views, pose noise, realism, sensor
 * @param onScan called with each scan in order (awaited), e.g. to write it and show progress
 */
export async function generateSequence(
  spec: RoomSpec & { name: string },
  options: SequenceOptions = {},
  onScan?: (scan: SequenceScan, index: number, total: number) => void | Promise<void>,
): Promise<SynthSequence> {
  const t0 = performance.now();
  const S = options.scans ?? 300,
    period = options.period ?? 0.2,
    maxPoints = options.points ?? 30000;
  const V = options.views ?? 1, scale = options.scale ?? 0.4;
  if (!(S >= 1 && Number.isInteger(S)) || !(period > 0) || !(maxPoints >= 1) || !(V >= 1)) {
    throw new RangeError(
      `Bad sequence options: scans ${S}, period ${period}, points ${maxPoints}, views ${V}`,
    );
  }
  const noise = options.poseNoise === 0 ? null : options.poseNoise ?? DEFAULT_POSE_NOISE;
  const realism = { ...LEGACY_WORLD, ...options.realism };
  const room = buildRoom(spec, realism);
  const packed = packScene(room.objects), world = { scene: packed, objects: room.objects };
  const k = scaleIntrinsics(DEPTH_640, scale), fov = 2 * Math.atan((k.width / 2) / k.fx);
  const rng = streams(spec);
  const path = robotPath({ ...room.size, bounds: packed.objectBounds }, rng.path, {
    scans: S,
    period,
    speed: options.speed,
  });
  const drift = noise ? new Drift(noise, rng.noise) : null;
  const rigs = Array.from({ length: V }, (_, v) => panAboutY((v - (V - 1) / 2) * fov));
  const cls = Int16Array.from(room.objects, (o) => o.cls);
  const scans: SequenceScan[] = [];
  const preview = options.preview ? new PreviewSample(S) : null;
  for (let i = 0; i < S; i++) {
    const poseTrue = path.poses[i];
    const parts = rigs.map((rig) => {
      const view = renderView(world, { pose: multiply(poseTrue, rig), k }, {
        rng: rng.sensor,
        options: options.sensor,
      });
      // Back-projecting with the rig pose alone gives sensor-frame points.
      return { view, ...backProject({ ...view, pose: rig }, k) };
    });
    const total = parts.reduce((s, p) => s + p.pixel.length, 0);
    const pick = rng.sample.sample(total, maxPoints), n = pick.length;
    const coord = new Float32Array(n * 3), color = new Uint8Array(n * 3);
    const segment = new Int16Array(n), instance = new Int32Array(n);
    for (let j = 0, v = 0, base = 0; j < n; j++) {
      let q = pick[j] - base;
      while (q >= parts[v].pixel.length) {
        base += parts[v].pixel.length;
        q -= parts[v].pixel.length;
        v++;
      }
      const { view, coord: c, pixel } = parts[v], px = pixel[q];
      coord.set(c.subarray(q * 3, q * 3 + 3), j * 3);
      color.set(view.color.subarray(px * 3, px * 3 + 3), j * 3);
      instance[j] = view.instance[px];
      segment[j] = instance[j] >= 0 ? cls[instance[j]] : -1;
    }
    if (drift && i > 0) drift.step(poseTrue[3], poseTrue[7]);
    const scan: SequenceScan = {
      name: String(i).padStart(6, "0"),
      timestamp: path.timestamps[i],
      pose: drift ? drift.apply(poseTrue) : poseTrue.slice(),
      poseTrue,
      coord,
      color,
      segment,
      instance,
    };
    preview?.add(i, scan);
    if (options.keepScans ?? true) scans.push(scan);
    await onScan?.(scan, i, S);
  }
  const record = {
    type: spec.type,
    seed: spec.seed,
    arrangement: spec.arrangement ?? 0,
    world: isLegacy(realism) ? 1 : 2,
    size: room.size,
    objects: room.objects.map((o, id) => ({ id, class: SCANNET20[o.cls], kind: o.kind })),
    robot: {
      mode: path.mode,
      speed: path.speed,
      height: path.height,
      clearance: path.clearance,
      lap_length: path.length,
    },
    sensor: {
      intrinsics: k,
      views: V,
      convention: "sensor x right, y down, z forward; pose = sensor-to-map 4x4 row-major; metres",
    },
    pose_noise: noise ?? { translation: 0, yaw: 0 },
  };
  return {
    name: spec.name,
    room,
    path,
    labels: [...SCANNET20],
    record,
    scans,
    intrinsics: k,
    drift: drift
      ? { translation: Math.hypot(drift.tx, drift.ty), yaw: drift.theta }
      : { translation: 0, yaw: 0 },
    preview: preview?.png(path),
    seconds: (performance.now() - t0) / 1000,
  };
}

const REPORTED: [number, number, number] = [255, 0, 255];

/** World-frame points of some scans (true poses) and both trajectories, drawn from above. */
class PreviewSample {
  readonly coord: number[] = [];
  readonly color: number[] = [];
  readonly reported: number[] = [];
  readonly every: number;
  constructor(scans: number) {
    this.every = Math.max(1, Math.floor(scans / 60));
  }
  add(i: number, scan: SequenceScan): void {
    this.reported.push(scan.pose[3], scan.pose[7]);
    if (i % this.every !== 0) return;
    const n = scan.segment.length, step = Math.max(1, Math.floor(n / 3000)), p = scan.poseTrue;
    for (let j = 0; j < n; j += step) {
      const x = scan.coord[j * 3], y = scan.coord[j * 3 + 1], z = scan.coord[j * 3 + 2];
      const wz = p[8] * x + p[9] * y + p[10] * z + p[11];
      if (wz > 1.9) continue;
      this.coord.push(
        p[0] * x + p[1] * y + p[2] * z + p[3],
        p[4] * x + p[5] * y + p[6] * z + p[7],
        wz,
      );
      this.color.push(...classColor(scan.segment[j]));
    }
  }
  png(path: RobotPath): Uint8Array {
    const zTop = 2;
    // Above every room point (cut at 1.9 m); the true path over the reported one.
    const line = (xy: ArrayLike<number>, rgb: [number, number, number], z: number) => {
      for (let a = 0; a < xy.length / 2 - 1; a++) {
        const b = a + 1, len = Math.hypot(xy[b * 2] - xy[a * 2], xy[b * 2 + 1] - xy[a * 2 + 1]);
        for (let s = 0, n = Math.ceil(len / 0.01); s <= n; s++) {
          const t = s / Math.max(n, 1);
          this.coord.push(
            xy[a * 2] + t * (xy[b * 2] - xy[a * 2]),
            xy[a * 2 + 1] + t * (xy[b * 2 + 1] - xy[a * 2 + 1]),
            z,
          );
          this.color.push(...rgb);
        }
      }
    };
    const truth: number[] = path.poses.flatMap((p) => [p[3], p[7]]);
    line(this.reported, REPORTED, 1.95);
    line(truth, [0, 0, 0], zTop);
    const image = renderTopDown(Float32Array.from(this.coord), Uint8Array.from(this.color), {
      zMax: zTop,
      pxPerMetre: 80,
    });
    const used = new Set<number>();
    for (let i = 0; i < this.color.length; i += 3) {
      used.add(this.color[i] * 65536 + this.color[i + 1] * 256 + this.color[i + 2]);
    }
    const legend = [
      { name: "true path", color: [0, 0, 0] as [number, number, number] },
      { name: "reported path", color: REPORTED },
      ...[-1, ...SCANNET20.keys()].filter((c) => {
        const [r, g, b] = classColor(c);
        return used.has(r * 65536 + g * 256 + b);
      }).map((c) => ({ name: c < 0 ? "ignore" : SCANNET20[c], color: classColor(c) })),
    ];
    const img = composePanels(
      [{ title: `robot ${path.mode}, ${path.poses.length} scans`, image }],
      legend,
    );
    return encodePng(img.pixels, img.width, img.height);
  }
}
