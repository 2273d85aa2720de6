/**
 * A tiny seeded dataset folder for trainer tests and demos: a floor with a few boxes of
 * three classes, a teacher that is the class embedding plus noise (some rows wrong, some
 * unseen), instance ids in every other scene (proposals computed for the rest).
 *
 * @module
 */

import { writeDatasetHeader, writeScene } from "../dataset.ts";
import { Rng } from "../../kernels/random.ts";

/** Class names of the tiny dataset. */
export const TINY_CLASSES = ["floor", "chair", "table"];

/** Options of {@link writeTinyDataset}. */
export interface TinyDatasetOptions {
  /** scenes (default 2) */
  scenes?: number;
  /** embedding / teacher width C (default 8) */
  dim?: number;
  /** seed (default 1) */
  seed?: number;
  /** grid spacing of the samples, metres (default 0.04) */
  spacing?: number;
  /** teacher noise standard deviation per component (default 0.3) */
  noise?: number;
  /** fraction of teacher rows replaced by a wrong class (default 0.2) */
  wrong?: number;
}

/** Points of an axis-aligned box's side and top faces, sampled on a grid. */
function boxSurface(lo: number[], hi: number[], step: number, out: number[]): void {
  const push = (x: number, y: number, z: number) => out.push(x, y, z);
  for (let x = lo[0]; x <= hi[0] + 1e-9; x += step) {
    for (let y = lo[1]; y <= hi[1] + 1e-9; y += step) push(x, y, hi[2]);
    for (let z = lo[2] + step; z < hi[2] - 1e-9; z += step) {
      push(x, lo[1], z);
      push(x, hi[1], z);
    }
  }
  for (let y = lo[1] + step; y < hi[1] - 1e-9; y += step) {
    for (let z = lo[2] + step; z < hi[2] - 1e-9; z += step) {
      push(lo[0], y, z);
      push(hi[0], y, z);
    }
  }
}

/**
 * Writes the dataset (labels.txt, label_embeddings.npy, scene folders) into `dir`.
 *
 * @returns the class embeddings (Float32Array 3×C, unit rows) and the point counts
 */
export async function writeTinyDataset(
  dir: string,
  options: TinyDatasetOptions = {},
): Promise<{ embeddings: Float32Array; points: number[] }> {
  const rng = new Rng(options.seed ?? 1);
  const c = options.dim ?? 8, step = options.spacing ?? 0.04;
  const L = TINY_CLASSES.length;
  const emb = new Float32Array(L * c);
  for (let k = 0; k < L; k++) {
    let s = 0;
    for (let t = 0; t < c; t++) s += (emb[k * c + t] = rng.normal()) ** 2;
    for (let t = 0; t < c; t++) emb[k * c + t] /= Math.sqrt(s);
  }
  await writeDatasetHeader(dir, TINY_CLASSES, emb);
  const points: number[] = [];
  for (let sc = 0; sc < (options.scenes ?? 2); sc++) {
    const xyz: number[] = [], cls: number[] = [], inst: number[] = [];
    for (let x = 0.01; x < 2; x += step) {
      for (let y = 0.01; y < 2; y += step) xyz.push(x, y, 0.01), cls.push(0), inst.push(-1);
    }
    for (let b = 0; b < 4; b++) {
      const k = 1 + (b % 2);
      const x0 = 0.2 + 0.9 * (b % 2) + rng.uniform(0, 0.1), y0 = 0.2 + 0.9 * Math.floor(b / 2);
      const size = k === 1 ? [0.4, 0.4, 0.45] : [0.6, 0.5, 0.75];
      const before = xyz.length / 3;
      boxSurface([x0, y0, 0.05], [x0 + size[0], y0 + size[1], size[2]], step, xyz);
      for (let i = before; i < xyz.length / 3; i++) cls.push(k), inst.push(b);
    }
    const n = xyz.length / 3;
    points.push(n);
    const teacher = new Float32Array(n * c), valid = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (rng.next() < 0.1) continue;
      valid[i] = 1;
      const k = rng.next() < (options.wrong ?? 0.2) ? rng.int(L) : cls[i];
      for (let t = 0; t < c; t++) {
        teacher[i * c + t] = emb[k * c + t] + (options.noise ?? 0.3) * rng.normal();
      }
    }
    const color = Uint8Array.from({ length: 3 * n }, (_, j) => 60 + 60 * cls[Math.floor(j / 3)]);
    await writeScene(dir, {
      name: `scene${sc}`,
      coord: Float32Array.from(xyz),
      color,
      teacher,
      teacherDim: c,
      valid,
      instance: sc % 2 === 0 ? Int32Array.from(inst) : undefined,
      segment: Int16Array.from(cls),
    }, { teacherDtype: sc % 2 === 0 ? "float16" : "float32" });
  }
  return { embeddings: emb, points };
}
