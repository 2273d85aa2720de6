/**
 * One synthetic scene end to end: room → virtual RGB-D scan → fused 2 cm
 * point cloud with ground truth → simulated 2D teacher on every view → fused
 * per-point teacher features (OpenScene-style, `features/fuse_views.ts`).
 *
 * @module
 */

import { Rng } from "../kernels/random.ts";
import { voxelGrid } from "../kernels/voxel_grid.ts";
import { ViewFusion } from "../features/fuse_views.ts";
import { buildRoom, type Room, type RoomSpec } from "./layout.ts";
import { packScene } from "./raycast.ts";
import {
  backProject,
  cameraTrajectory,
  DEPTH_640,
  type Intrinsics,
  type RenderedView,
  renderView,
  scaleIntrinsics,
  type SensorOptions,
} from "./scanner.ts";
import { planTeacher, simulateTeacher, type TeacherOptions } from "./teacher.ts";
import {
  applyDrift,
  coverageMask,
  driftWalk,
  LEGACY_WORLD,
  type RealismOptions,
  realismRng,
} from "./realism.ts";

/** Generation settings of a scene. */
export interface SynthOptions {
  /** Camera views per scan (default 40). */
  views?: number;
  /** Cast resolution relative to 640×480 (default 0.5 → 320×240 with scaled intrinsics). */
  scale?: number;
  /**
   * Realism levers (`realism.ts`; default `LEGACY_WORLD`, the world of models 1–3, byte for
   * byte; `REALISTIC_WORLD` = world version 2).
   */
  realism?: Partial<RealismOptions>;
  /** Voxel size of the fused cloud, metres (default: the realism's: 0.02 legacy, 0.03 world 2). */
  voxel?: number;
  /** Sensor model overrides. */
  sensor?: Partial<SensorOptions>;
  /** Teacher failure-mode overrides. */
  teacher?: Partial<TeacherOptions>;
  /**
   * Residual noise of the reconstructed surface, metres (default: the realism's, 0.004;
   * legacy 0.002). The
   * cloud is built like a TSDF-fused mesh: exact surface points (where the sensor
   * had a return) plus this small noise; raw sensor depth is used for fusion.
   */
  surfaceNoise?: number;
  /** Fusion depth tolerance, metres (default 0.25, as OpenScene). */
  depthTolerance?: number;
  /** Class text embeddings, Float32Array L×C unit rows (row = class id). */
  embeddings: Float32Array;
  /** Number of classes L (default 20). */
  classes?: number;
  /** Called with every view's images and simulated 2D features (to save the frames). */
  onFrame?: (index: number, frame: SynthFrame) => void;
}

/** One camera frame of a scan, as a client would send it (ViewFrame) plus ground truth. */
export interface SynthFrame {
  /** Camera-to-world pose, Float64Array 16 row-major. */
  pose: Float64Array;
  /** Intrinsics of the depth image. */
  intrinsics: Intrinsics;
  /** Sensor depth, Float32Array H×W metres, 0 = missing. */
  depth: Float32Array;
  /** Ground-truth instance per pixel, Int32Array H×W (−1 none). */
  instance: Int32Array;
  /** Simulated 2D features, Float32Array h×w×C unit rows. */
  features: Float32Array;
  /** Label each feature pixel was simulated from, Int16Array h×w. */
  teacherLabel: Int16Array;
  featureWidth: number;
  featureHeight: number;
}

/** A generated scene. Arrays are per point (N) unless said. */
export interface SynthScene {
  name: string;
  room: Room;
  /** Float32Array N×3, metres, z up. */
  coord: Float32Array;
  /** Uint8Array N×3. */
  color: Uint8Array;
  /** Int16Array N ground-truth class. */
  segment: Int16Array;
  /** Int32Array N ground-truth instance (object index in `room.objects`). */
  instance: Int32Array;
  /** Float32Array N×C fused teacher features (zero rows when unseen). */
  teacher: Float32Array;
  /** Uint8Array N, 1 when some view saw the point. */
  valid: Uint8Array;
  /** Feature dimension C. */
  dim: number;
  /** Camera intrinsics of the depth images and the camera-to-world poses (row-major 4×4). */
  camera: { intrinsics: Intrinsics; poses: Float64Array[] };
  /** Seconds spent: scan, fuse. */
  timing: { scan: number; teacher: number };
}

/** Seeds of the independent random streams of a scene. */
function streams(spec: RoomSpec): { scan: Rng; teacher: Rng } {
  const base = new Rng(
    (spec.seed * 0x2c1b3c6d) ^ ((spec.arrangement ?? 0) * 0x297a2d39) ^ 0x1234567,
  );
  return { scan: base.fork(), teacher: base.fork() };
}

/**
 * Generates a scene (deterministic in spec and options).
 *
 * @param spec room type, seed, arrangement, and the scene name
 * @param options views, resolution, sensor/teacher settings, embeddings
 * @param onView called after each rendered view (progress)
 */
export function generateScene(
  spec: RoomSpec & { name: string },
  options: SynthOptions,
  onView?: (done: number, total: number) => void,
): SynthScene {
  const t0 = performance.now();
  const L = options.classes ?? 20, C = options.embeddings.length / L;
  const realism = { ...LEGACY_WORLD, ...options.realism };
  const teacherOptions = { ...realism.teacher, ...options.teacher };
  const voxel = options.voxel ?? realism.voxel;
  const room = buildRoom(spec, realism);
  const packed = packScene(room.objects);
  const k = scaleIntrinsics(DEPTH_640, options.scale ?? 0.5);
  const rngs = streams(spec);
  const nViews = options.views ?? 40;
  const poses = cameraTrajectory(
    { ...room.size, objects: room.objects, bounds: packed.objectBounds },
    nViews,
    rngs.scan,
  );
  const views: RenderedView[] = [];
  const surfaceNoise = options.surfaceNoise ?? realism.surfaceNoise;
  const realRng = realismRng(spec.seed, 1000 + (spec.arrangement ?? 0));
  const drift = driftWalk(realRng, nViews, realism);
  const pivot: [number, number] = [room.size.w / 2, room.size.d / 2];
  const chunks: { coord: Float32Array; color: Uint8Array; inst: Int32Array }[] = [];
  let total = 0;
  for (const [i, pose] of poses.entries()) {
    const view = renderView({ scene: packed, objects: room.objects }, { pose, k }, {
      rng: rngs.scan,
      options: options.sensor,
    });
    views.push(view);
    const recon = new Float32Array(view.depth.length);
    for (let p = 0; p < recon.length; p++) {
      if (view.depth[p] > 0) recon[p] = view.surface[p] + surfaceNoise * rngs.scan.normal();
    }
    const { coord, pixel } = backProject({ ...view, depth: recon }, k);
    applyDrift(coord, drift.subarray(i * 4, i * 4 + 4), pivot);
    const color = new Uint8Array(pixel.length * 3), inst = new Int32Array(pixel.length);
    for (let j = 0; j < pixel.length; j++) {
      inst[j] = view.instance[pixel[j]];
      color.set(view.color.subarray(pixel[j] * 3, pixel[j] * 3 + 3), j * 3);
    }
    chunks.push({ coord, color, inst });
    total += pixel.length;
    onView?.(i + 1, nViews * 2);
  }
  // Fuse the back-projected frames into one 2 cm cloud.
  const all = new Float32Array(total * 3),
    allColor = new Uint8Array(total * 3),
    allInst = new Int32Array(total);
  let off = 0;
  for (const c of chunks) {
    all.set(c.coord, off * 3);
    allColor.set(c.color, off * 3);
    allInst.set(c.inst, off);
    off += c.inst.length;
  }
  const grid = voxelGrid(all, voxel);
  const n0 = grid.count;
  const colorSum = new Float64Array(n0 * 3);
  for (let i = 0; i < total; i++) {
    const v = grid.voxelOf[i];
    for (let c = 0; c < 3; c++) colorSum[v * 3 + c] += allColor[i * 3 + c];
  }
  const instance0 = new Int32Array(n0);
  for (let v = 0; v < n0; v++) instance0[v] = allInst[grid.representative[v]];
  // The reconstruction's coverage: walls seen in part, holes (all kept in the legacy world).
  const keep = coverageMask(
    { coord: grid.centroid, instance: instance0 },
    room.objects,
    realRng,
    realism,
  );
  let n = 0;
  for (let v = 0; v < n0; v++) n += keep[v];
  const color = new Uint8Array(n * 3), instance = new Int32Array(n), segment = new Int16Array(n);
  const coord = n === n0 ? grid.centroid : new Float32Array(n * 3);
  for (let v = 0, o = 0; v < n0; v++) {
    if (!keep[v]) continue;
    for (let c = 0; c < 3; c++) {
      color[o * 3 + c] = Math.round(colorSum[v * 3 + c] / grid.pointCount[v]);
      coord[o * 3 + c] = grid.centroid[v * 3 + c];
    }
    instance[o] = instance0[v];
    segment[o] = instance[o] >= 0 ? room.objects[instance[o]].cls : -1;
    o++;
  }
  const t1 = performance.now();
  // Teacher: simulate the 2D model on each view and fuse.
  const fusion = new ViewFusion(coord, C, {
    depthTolerance: options.depthTolerance ?? 0.25,
    border: Math.round(10 * (options.scale ?? 0.5)),
  });
  const instanceClass = room.objects.map((o) => o.cls);
  const plan = planTeacher(instanceClass, C, {
    rng: rngs.teacher.fork(),
    options: teacherOptions,
  });
  for (const [i, view] of views.entries()) {
    const map = simulateTeacher(
      {
        width: k.width,
        height: k.height,
        instance: view.instance,
        thin: view.thin,
        depth: view.depth,
        instanceClass,
        plan,
      },
      options.embeddings,
      { rng: rngs.teacher.fork(), options: teacherOptions, classes: L },
    );
    options.onFrame?.(i, {
      pose: view.pose,
      intrinsics: k,
      depth: view.depth,
      instance: view.instance,
      features: map.features,
      teacherLabel: map.label,
      featureWidth: map.width,
      featureHeight: map.height,
    });
    fusion.add({
      depth: view.depth,
      width: k.width,
      height: k.height,
      fx: k.fx,
      fy: k.fy,
      cx: k.cx,
      cy: k.cy,
      pose: view.pose,
      features: map.features,
      featureWidth: map.width,
      featureHeight: map.height,
    });
    onView?.(nViews + i + 1, nViews * 2);
  }
  const { teacher, valid } = fusion.result();
  const t2 = performance.now();
  return {
    name: spec.name,
    room,
    coord,
    color,
    segment,
    instance,
    teacher,
    valid,
    dim: C,
    camera: { intrinsics: k, poses },
    timing: { scan: (t1 - t0) / 1000, teacher: (t2 - t1) / 1000 },
  };
}
