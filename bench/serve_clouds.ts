/**
 * Inputs of `bench/serve.ts`: clouds of an exact point count made from a real scan
 * (a seeded sample below the scan's size, jittered tiles side by side in x/y above it),
 * and their Draco bytes.
 *
 * @module
 */

import { encodeDraco } from "../src/io/draco.ts";
import { readCloudFile } from "../src/io/read_cloud.ts";
import { boundingBox, type PointCloud } from "../src/kernels/point_cloud.ts";
import { Rng } from "../src/kernels/random.ts";

/** The shared real scan the inputs are made from (Open3D `fragment.pcd`, ~113K points). */
export const SCAN_PATH = new URL("../../shared/data/open3d/fragment.pcd", import.meta.url).pathname;

/** Standard deviation of the jitter added to every tile but the first, metres. */
const JITTER_M = 0.003;

/** Gap between tiles, metres. */
const GAP_M = 0.5;

/**
 * Exactly `n` points made from `base` (positions and colours; normals are dropped so the
 * server estimates them, as for a plain RGB scan). n ≤ base.count: a seeded sample.
 * n > base.count: ⌈n / base.count⌉ tiles on a square grid in x/y, every tile but the
 * first jittered by N(0, 3 mm) per axis, the last tile a seeded sample of the scan.
 *
 * @param base the scan, coord Float32Array N×3 metres, optional color Uint8Array N×3
 * @param n points wanted, ≥ 1
 * @param rng randomness (sample and jitter)
 * @returns coord Float32Array n×3 (metres), color Uint8Array n×3 when the scan has colour
 */
export function resizeCloud(base: PointCloud, n: number, rng: Rng): PointCloud {
  const m = base.count;
  const tiles = Math.ceil(n / m);
  const side = Math.ceil(Math.sqrt(tiles));
  const [x0, y0, , x1, y1] = boundingBox(base.coord);
  const stepX = x1 - x0 + GAP_M, stepY = y1 - y0 + GAP_M;
  const coord = new Float32Array(3 * n);
  const color = base.color ? new Uint8Array(3 * n) : undefined;
  let out = 0;
  for (let t = 0; t < tiles; t++) {
    const take = Math.min(m, n - out);
    const idx = take === m ? null : rng.sample(m, take);
    const dx = (t % side) * stepX, dy = Math.floor(t / side) * stepY;
    const sigma = t === 0 ? 0 : JITTER_M;
    for (let j = 0; j < take; j++, out++) {
      const s = idx ? idx[j] : j;
      coord[3 * out] = base.coord[3 * s] + dx + (sigma ? sigma * rng.normal() : 0);
      coord[3 * out + 1] = base.coord[3 * s + 1] + dy + (sigma ? sigma * rng.normal() : 0);
      coord[3 * out + 2] = base.coord[3 * s + 2] + (sigma ? sigma * rng.normal() : 0);
      if (color && base.color) color.set(base.color.subarray(3 * s, 3 * s + 3), 3 * out);
    }
  }
  return { count: n, coord, color };
}

/** One benchmark input. */
export interface BenchInput {
  /** Points in the cloud. */
  points: number;
  /** Draco bytes (14-bit positions, speed 5, RGB colour). */
  draco: Uint8Array;
}

/**
 * Reads the scan once and builds one Draco input per requested size (seeded: the same
 * sizes and seed give the same bytes).
 *
 * @param sizes point counts wanted
 * @param seed Rng seed
 * @param log progress sink
 */
export async function buildInputs(
  sizes: readonly number[],
  seed: number,
  log: (line: string) => void,
): Promise<{ inputs: BenchInput[]; scanPoints: number }> {
  const scan = await readCloudFile(SCAN_PATH);
  log(`read ${SCAN_PATH}: ${scan.count} points`);
  const rng = new Rng(seed);
  const inputs: BenchInput[] = [];
  for (const n of sizes) {
    const t0 = performance.now();
    const cloud = resizeCloud(scan, n, rng.fork());
    const draco = await encodeDraco(cloud);
    const s = (performance.now() - t0) / 1000;
    log(
      `input ${n} points: ${(draco.byteLength / 1024 / 1024).toFixed(2)} MiB Draco, ` +
        `built in ${s.toFixed(1)} s`,
    );
    inputs.push({ points: n, draco });
  }
  return { inputs, scanPoints: scan.count };
}
