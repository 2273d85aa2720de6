/**
 * Which backbone columns carry what a scan change costs? `deno task bench attribute
 * [--data DIR[,DIR…]] [--model DIR] [--variant NAME] [--seed S]`.
 *
 * Every scene of the dataset folders (default `.cache/bench/standard/test`) is changed
 * one way (a variant of `bench invariance`, default "flat thinned", drawn from the same
 * seeded generator as there) and the model (default `models/default`) labels the changed
 * scan with its own features, then again with one group of columns put back to what the
 * unchanged scan gave at the same points (each changed point takes the columns of its
 * source point's voxel; where two changed points share a voxel the later one wins). The
 * table prints mIoU over the changed scan's points per group restored, from "none" (the
 * variant as `bench invariance` scores it) to "all" (the unchanged scan's features at
 * those points), and each group's share of the gap. Descriptor backbones of 71 columns
 * (geodesc-2 … geodesc-6) only. Progress on stderr.
 *
 * @module
 */

import { voxelFeatures } from "../src/infer/inference.ts";
import { labelledScenes, readDatasets } from "../src/io/dataset.ts";
import { CONTEXT_FEATURES } from "../src/kernels/context_descriptor.ts";
import { DESCRIPTOR_FEATURES } from "../src/kernels/geometric_descriptor.ts";
import type { PointCloud } from "../src/kernels/point_cloud.ts";
import { classEmbeddings, openModelFolder } from "../src/train/evaluate.ts";
import { type LabelledPoints, metricsOver } from "../src/train/metrics.ts";
import { numberFlag, parseFlags } from "../src/commands/train.ts";
import { CHANGES, variantRng } from "./invariance.ts";

/** Column names of the 71-column descriptors, in order, context columns prefixed "ctx.". */
export const COLUMNS = [...DESCRIPTOR_FEATURES, ...CONTEXT_FEATURES.map((n) => `ctx.${n}`)];

/** Column groups, by name: point-scale, coarse-scale, density, superpoint, context. */
export const GROUPS: [string, (name: string) => boolean][] = [
  ["none", () => false],
  ["s0 eigen features (kNN)", (n) => n.startsWith("s0.")],
  ["s1–s3 eigen features", (n) => /^s[123]\.(?!support)/.test(n)],
  ["kNN radius", (n) => n === "knnRadius"],
  ["neighbourhood supports", (n) => /^s[123]\.support$/.test(n)],
  ["superpoint columns", (n) => n.startsWith("sp.") || n === "heightInSuperpoint"],
  [
    "normal, heights, colour",
    (n) => !n.includes(".") && n !== "knnRadius" && n !== "heightInSuperpoint",
  ],
  ["proposal context", (n) => n.startsWith("ctx.") && !/structural|wall|^ctx\.col/.test(n)],
  ["structure, walls, columns", (n) => /^ctx\.(structural|wall|col)/.test(n)],
  ["all", () => true],
];

/** Column indices of each group of {@link GROUPS}, in the same order. */
export const GROUP_COLUMNS: number[][] = GROUPS.map(([, pick]) =>
  COLUMNS.flatMap((n, c) => (pick(n) ? [c] : []))
);

/**
 * A copy of `features` (V×D) with the columns `cols` of row v taken from row `from[v]` of
 * `source` (W×D): what "a group of columns put back" means here and in `scan_attribute`.
 */
export function columnsFrom(
  features: Float32Array,
  source: Float32Array,
  o: { dim: number; from: Int32Array; cols: readonly number[] },
): Float32Array {
  const f = features.slice(), D = o.dim;
  for (let v = 0; v < o.from.length; v++) {
    for (const c of o.cols) f[v * D + c] = source[o.from[v] * D + c];
  }
  return f;
}

/** Runs the benchmark (see the module doc). */
export async function run(args: string[]): Promise<void> {
  const m = parseFlags(args, new Set());
  const dirs = (m.get("--data") ?? ".cache/bench/standard/test").split(",");
  const variant = m.get("--variant") ?? "flat thinned";
  const seed = numberFlag(m, "--seed") ?? 1;
  const g = CHANGES.findIndex(([name]) => name === variant);
  if (g <= 0) {
    throw new Error(`--variant must be one of ${CHANGES.slice(1).map(([n]) => n).join(", ")}`);
  }
  const info = await readDatasets(dirs);
  const model = await openModelFolder(m.get("--model") ?? "models/default");
  const D = model.backbone.dim;
  const runs: LabelledPoints[][] = GROUPS.map(() => []);
  try {
    if (model.backbone.kind !== "descriptor" || D !== COLUMNS.length) {
      throw new Error(`bench attribute reads 71-column descriptors, not ${model.backbone.version}`);
    }
    const embeddings = await classEmbeddings(model, info);
    for await (const { scene: s, index: i, total } of labelledScenes(info)) {
      const cloud: PointCloud = { count: s.count, coord: s.coord, color: s.color };
      const v = CHANGES[g][1](cloud, s.segment, variantRng(seed, i, g));
      const source = v.kept ?? Int32Array.from({ length: v.cloud.count }, (_, j) => j);
      const before = await voxelFeatures(cloud, model), after = await voxelFeatures(v.cloud, model);
      // Each changed voxel's source voxel in the unchanged scan (the later point wins).
      const from = new Int32Array(after.grid.count);
      for (let j = 0; j < source.length; j++) {
        from[after.grid.voxelOf[j]] = before.grid.voxelOf[source[j]];
      }
      for (const [k, cols] of GROUP_COLUMNS.entries()) {
        const f = columnsFrom(after.features, before.features, { dim: D, from, cols });
        const { label } = await model.classify(f, embeddings);
        runs[k].push({ pred: Int16Array.from(after.grid.voxelOf, (x) => label[x]), gt: v.gt });
      }
      console.error(`attribute: scene ${i + 1}/${total} ${s.name}`);
    }
  } finally {
    await model.release();
  }
  const mIoU = runs.map((r) => 100 * metricsOver(r, info.labels).mIoU);
  const gap = mIoU[mIoU.length - 1] - mIoU[0];
  console.log(`## What "${variant}" costs ${model.name} v${model.version}, by column group`);
  console.log("");
  console.log("| columns put back | mIoU | share of the gap |");
  console.log("|---|---:|---:|");
  for (const [k, [group]] of GROUPS.entries()) {
    const share = Math.abs(gap) < 1e-9
      ? "—"
      : `${((100 * (mIoU[k] - mIoU[0])) / gap).toFixed(0)} %`;
    console.log(`| ${group} | ${mIoU[k].toFixed(1)} | ${share} |`);
  }
}
