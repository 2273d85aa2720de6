/**
 * What a backbone costs at serving: the inference path's voxel grid and geometry, then
 * the backbone's features, for clouds of given sizes (a dataset scene tiled side by side
 * to reach them), against the geodesc-4 descriptor in the same process. Peak memory is
 * the process's high-water mark (VmHWM) after each size.
 *
 * `deno task bench backbone --backbone REF [--data DATASET_DIR | --cloud FILE]
 * [--points 100000,1000000] [--repeat 5]` (REF a descriptor version or a backbone folder;
 * the cloud is the first scene of DATASET_DIR, default `.cache/bench/standard/test`, or
 * FILE, e.g. `../shared/data/open3d/fragment.pcd`, the scan `bench serve` uses; a cloud
 * smaller than a size is tiled). Markdown on stdout.
 *
 * @module
 */

import { join } from "node:path";
import { numberFlag, parseFlags } from "../src/commands/_flags.ts";
import { loadBackbone } from "../src/features/backbones/load.ts";
import type { Backbone } from "../src/features/backbones/backbone.ts";
import { voxelFeatures } from "../src/infer/inference.ts";
import { readDataset } from "../src/io/dataset.ts";
import { readCloudFile } from "../src/io/read_cloud.ts";
import type { PointCloud } from "../src/kernels/point_cloud.ts";
import { processMemoryMiB } from "./serve_server.ts";

/**
 * `cloud` repeated side by side (x offsets of its width + 1 m) until it has `points` points.
 *
 * @returns a cloud of exactly `points` points
 */
export function tileCloud(cloud: PointCloud, points: number): PointCloud {
  let x0 = Infinity, x1 = -Infinity;
  for (let i = 0; i < cloud.count; i++) {
    x0 = Math.min(x0, cloud.coord[3 * i]);
    x1 = Math.max(x1, cloud.coord[3 * i]);
  }
  const step = x1 - x0 + 1;
  const coord = new Float32Array(3 * points);
  const color = cloud.color ? new Uint8Array(3 * points) : undefined;
  for (let j = 0; j < points; j++) {
    const i = j % cloud.count, copy = Math.floor(j / cloud.count);
    coord[3 * j] = cloud.coord[3 * i] + copy * step;
    coord[3 * j + 1] = cloud.coord[3 * i + 1];
    coord[3 * j + 2] = cloud.coord[3 * i + 2];
    if (color) color.set(cloud.color!.subarray(3 * i, 3 * i + 3), 3 * j);
  }
  return color ? { count: points, coord, color } : { count: points, coord };
}

/** Median of the `repeat` timings of the feature stage (ms), and the voxel count. */
async function time(
  cloud: PointCloud,
  backbone: Backbone,
  repeat: number,
): Promise<{ ms: number; voxels: number }> {
  const ms: number[] = [];
  let voxels = 0;
  for (let r = 0; r < repeat + 1; r++) {
    const t0 = performance.now();
    const f = await voxelFeatures(cloud, { voxelSize: 0.02, backbone });
    if (r > 0) ms.push(performance.now() - t0); // the first run warms the session up
    voxels = f.grid.count;
  }
  ms.sort((a, b) => a - b);
  return { ms: ms[Math.floor(ms.length / 2)], voxels };
}

/** Runs the benchmark (see the module doc). */
export async function run(args: string[]): Promise<void> {
  const m = parseFlags(args, new Set());
  const ref = m.get("--backbone");
  if (!ref) throw new Error("usage: bench backbone --backbone REF [--data DIR] [--points a,b]");
  const data = m.get("--data") ?? ".cache/bench/standard/test";
  const sizes = (m.get("--points") ?? "100000,1000000").split(",").map(Number);
  const repeat = numberFlag(m, "--repeat") ?? 5;
  const cloudFile = m.get("--cloud");
  const base = cloudFile
    ? await readCloudFile(cloudFile)
    : await readCloudFile(join(data, (await readDataset(data)).scenes[0], "coord.npy"));
  const backbone = await loadBackbone(ref);
  const reference = await loadBackbone("geodesc-4");
  const lines = [
    `## Backbone cost: ${backbone.version} vs geodesc-4 (voxels + geometry + features, median of ${repeat})\n`,
    "| points | voxels | geodesc-4 ms | backbone ms | ratio | peak RSS MiB |",
    "|---:|---:|---:|---:|---:|---:|",
  ];
  try {
    for (const points of sizes) {
      const cloud = tileCloud(base, points);
      const r = await time(cloud, reference, repeat);
      const b = await time(cloud, backbone, repeat);
      const peak = processMemoryMiB(Deno.pid).peak;
      lines.push(
        `| ${points} | ${b.voxels} | ${r.ms.toFixed(0)} | ${b.ms.toFixed(0)} | ${
          (b.ms / r.ms).toFixed(2)
        } | ${peak.toFixed(0)} |`,
      );
      console.error(`backbone: ${points} points done`);
    }
  } finally {
    await backbone.release?.();
  }
  console.log(lines.join("\n"));
}
