/**
 * Is the synthetic world a proxy for real scans? Runs the default model's own feature
 * path (`voxelFeatures`: voxel grid at the model's voxel size → scene geometry →
 * backbone) on the synthetic test scans and on real clouds, and reports:
 *
 * - per backbone column (named as the descriptor names them), the 1-D Wasserstein-1
 *   distance between the synthetic voxels and each real cloud's voxels, in units of the
 *   synthetic standard deviation, with both means; sorted by the largest distance, the
 *   top columns in bold; one summary line per cloud (mean distance, columns over 1.0);
 * - the model's labels with the 20 ScanNet class names: per-label point shares on each
 *   real cloud (and on the synthetic scans for contrast), and PNGs of each real cloud's
 *   labels from above (`NAME.top.png`) and from the side (`NAME.side.png`, looking
 *   along +y, z up).
 *
 * `deno task bench realism [--data DIR] [--real a.pcd,b.ply] [--out DIR] [--json FILE]
 * [--models DIR] [--model M] [--version V] [--scenes N] [--rows N] [--top K]
 * [--drop-normals] [--up AXIS]`: `--data` a dataset folder or several, comma-separated (default `.cache/bench/standard/test`;
 * `deno task cli synth --split standard --out .cache/bench/standard` writes it),
 * `--real` the real clouds (default `fragment.pcd` and `frag_115.ply` of
 * /work/shared/data/open3d), `--rows` the synthetic voxels kept per scene (evenly
 * strided, default 50000), `--drop-normals` drops the real clouds' own normals (ScanNet
 * scans arrive without), `--up` (+z, −z, ±y, ±x) turns the real clouds so that this
 * axis of theirs is +z (a crude re-orientation of captures in their camera's frame, as
 * both default clouds are; ScanNet scans arrive z up). Markdown on stdout, progress on
 * stderr.
 *
 * @module
 */

import { mkdir } from "node:fs/promises";
import { basename, extname, join } from "node:path";
import { writeFileAtomic } from "../src/io/atomic_write.ts";
import { readDatasets, readScene, unionScenes } from "../src/io/dataset.ts";
import { readCloudFile } from "../src/io/read_cloud.ts";
import type { PointCloud } from "../src/kernels/point_cloud.ts";
import { CONTEXT_FEATURES } from "../src/kernels/context_descriptor.ts";
import { DESCRIPTOR_FEATURES } from "../src/kernels/geometric_descriptor.ts";
import type { Backbone } from "../src/features/backbones/backbone.ts";
import { type LoadedModel, loadModel } from "../src/models/bundle.ts";
import { listModels, resolveDefaultModel } from "../src/models/registry.ts";
import { segmentCloud, voxelFeatures } from "../src/infer/inference.ts";
import { LabelEmbedder } from "../src/infer/label_embeddings.ts";
import { renderLabelPanels } from "../src/render/topdown.ts";
import {
  type ColumnSamples,
  columnsOf,
  concatColumns,
  labelShares,
  type ShiftRow,
  shiftSummary,
  shiftTable,
  sideView,
} from "./realism_shift.ts";
import { numberFlag, parseFlags } from "../src/commands/train.ts";
import { SCANNET20 } from "../src/synth/classes.ts";
import { rotateCloud, type Rotation3 } from "../src/kernels/rotate_up.ts";

/** Default real clouds: a Redwood living-room capture and an apartment mesh fragment. */
export const DEFAULT_REAL = [
  "/work/shared/data/open3d/fragment.pcd",
  "/work/shared/data/open3d/frag_115.ply",
];

/** Names of a backbone's columns: the descriptor's own, else `f0`, `f1`, …. */
export function columnNames(backbone: Backbone): string[] {
  const names = backbone.kind === "descriptor"
    ? [
      ...DESCRIPTOR_FEATURES,
      ...(backbone.dim > DESCRIPTOR_FEATURES.length ? CONTEXT_FEATURES : []),
    ]
    : [];
  return names.length === backbone.dim
    ? names
    : Array.from({ length: backbone.dim }, (_, c) => `f${c}`);
}

/** A real cloud to compare. */
export interface RealCloud {
  /** Short name (file name without extension). */
  name: string;
  /** The decoded cloud. */
  cloud: PointCloud;
}

/** Facts about one real cloud. */
export interface RealCloudInfo {
  name: string;
  points: number;
  voxels: number;
  /** [min, max] per axis, metres. */
  extent: [number, number][];
  /** Floor and top heights the geometry chain found (2 % / 98 % of z). */
  floor: { floor: number; top: number };
  /** Whether the cloud's own normals were used. */
  ownNormals: boolean;
  /** Per-label point shares, SCANNET20 order. */
  shares: number[];
  /** PNGs written. */
  pngs: string[];
  /** Mean distance over columns and columns over 1.0. */
  mean: number;
  over1: number;
}

/** Everything the benchmark measured. */
export interface RealismReport {
  model: string;
  version: number;
  backbone: string;
  data: string;
  scenes: number;
  synthVoxels: number;
  /** How the real clouds were turned: "as read" or the axis made +z. */
  up: string;
  /** Per-label point shares of the model's labels on the synthetic scans. */
  synthShares: number[];
  clouds: RealCloudInfo[];
  columns: ShiftRow[];
}

/** Options of {@link realismReport}. */
export interface RealismOptions {
  model: LoadedModel;
  /** Synthetic dataset folder. */
  data: string;
  /** Real clouds. */
  real: readonly RealCloud[];
  /** Folder for the PNGs. */
  out: string;
  /** Most synthetic scenes (default all). */
  scenes?: number;
  /** Synthetic voxels kept per scene, evenly strided (default 50000). */
  rows?: number;
  /** How the real clouds were turned (`--up`), for the report; default as read. */
  up?: string;
  /** Label embeddings (default: the model's text encoder on SCANNET20). */
  embeddings?: Float32Array;
  log?: (line: string) => void;
}

function extent(coord: Float32Array): [number, number][] {
  return [0, 1, 2].map((d) => {
    let lo = Infinity, hi = -Infinity;
    for (let i = d; i < coord.length; i += 3) {
      lo = Math.min(lo, coord[i]), hi = Math.max(hi, coord[i]);
    }
    return [lo, hi];
  });
}

/** Pixels per metre that make the larger xy side of `coord` about 600 pixels (20..400). */
export function pictureScale(coord: Float32Array): number {
  const e = extent(coord);
  const span = Math.max(e[0][1] - e[0][0], e[1][1] - e[1][0]);
  return Math.min(400, Math.max(20, 600 / Math.max(span, 1e-6)));
}

/** Measures the shift and labels the real clouds (see the module doc). */
export async function realismReport(o: RealismOptions): Promise<RealismReport> {
  const log = o.log ?? (() => {});
  const { model } = o;
  const names = columnNames(model.backbone), L = SCANNET20.length;
  const embeddings = o.embeddings ??
    await new LabelEmbedder().embed(model, { labels: [...SCANNET20] });
  const info = await readDatasets(o.data.split(","));
  const all = unionScenes(info);
  const sceneNames = all.slice(0, o.scenes ?? all.length);
  if (sceneNames.length === 0) throw new Error(`${o.data} holds no scenes`);
  const parts: ColumnSamples[] = [];
  const synthCount = new Array<number>(L).fill(0);
  let synthPoints = 0, synthVoxels = 0;
  for (const { dir, name } of sceneNames) {
    const s = await readScene(dir, name);
    const cloud: PointCloud = { count: s.count, coord: s.coord, color: s.color, normal: s.normal };
    const vf = await voxelFeatures(cloud, model);
    const { label } = await model.classify(vf.features, embeddings);
    for (const v of vf.grid.voxelOf) synthCount[label[v]]++;
    synthPoints += s.count;
    const stride = Math.max(1, Math.ceil(vf.grid.count / (o.rows ?? 50000)));
    parts.push(columnsOf(vf.features, model.backbone.dim, stride));
    synthVoxels += parts[parts.length - 1][0].length;
    log(`${name}: ${s.count} points, ${vf.grid.count} voxels`);
  }
  const realCols: ColumnSamples[] = [];
  const clouds: RealCloudInfo[] = [];
  await mkdir(o.out, { recursive: true });
  for (const { name, cloud } of o.real) {
    const vf = await voxelFeatures(cloud, model);
    realCols.push(columnsOf(vf.features, model.backbone.dim));
    const { labels } = await segmentCloud(model, cloud, embeddings);
    const pngs: string[] = [];
    for (const [view, coord] of [["top", cloud.coord], ["side", sideView(cloud.coord)]] as const) {
      const path = join(o.out, `${name}.${view}.png`);
      const png = renderLabelPanels(coord, [{
        title: `${name} (${view}): ${model.name} v${model.version}`,
        labels,
      }], { classNames: [...SCANNET20], pxPerMetre: pictureScale(coord) });
      await writeFileAtomic(path, png);
      pngs.push(path);
    }
    clouds.push({
      name,
      points: cloud.count,
      voxels: vf.grid.count,
      extent: extent(cloud.coord),
      floor: vf.geometry.floor,
      ownNormals: !vf.geometry.normalsEstimated,
      shares: labelShares(labels, L),
      pngs,
      mean: 0,
      over1: 0,
    });
    log(`${name}: ${cloud.count} points, ${vf.grid.count} voxels`);
  }
  const columns = shiftTable(names, concatColumns(parts), realCols);
  clouds.forEach((c, k) => Object.assign(c, shiftSummary(columns, k)));
  return {
    model: model.name,
    version: model.version,
    backbone: model.backbone.version,
    data: o.data,
    scenes: sceneNames.length,
    synthVoxels,
    up: o.up ? `${o.up} made +z` : "as read",
    synthShares: synthCount.map((c) => c / synthPoints),
    clouds,
    columns,
  };
}

/**
 * Markdown of a report.
 *
 * @param top how many of the most shifted columns are in bold
 */
export function formatReport(r: RealismReport, top = 10): string {
  const f = (x: number, d = 2) => x.toFixed(d);
  const pct = (x: number) => (100 * x).toFixed(1);
  const cn = r.clouds.map((c) => c.name);
  const lines = [
    `## Domain shift per backbone column: synthetic vs real (${r.model} v${r.version}, ${r.backbone})`,
    "",
    `Synthetic: ${r.scenes} scenes of ${r.data}, ${r.synthVoxels} voxels. ` +
    `Distance = 1-D Wasserstein-1 / synthetic σ. Top ${top} in bold.`,
    "",
    `Real clouds (${r.up}):`,
    "",
    ...r.clouds.map((c) =>
      `- ${c.name}: ${c.points} points, ${c.voxels} voxels, extent ` +
      c.extent.map(([lo, hi], d) => `${"xyz"[d]} ${f(lo)}..${f(hi)}`).join(", ") +
      ` m; floor ${f(c.floor.floor)}, top ${f(c.floor.top)} m; ` +
      (c.ownNormals ? "own normals" : "normals estimated")
    ),
    "",
    `| # | column | synth mean | synth σ | ${cn.map((n) => `${n} dist | ${n} mean`).join(" | ")} |`,
    `|---:|---|---:|---:|${cn.map(() => "---:|---:").join("|")}|`,
    ...r.columns.map((row, k) => {
      const b = (s: string) => (k < top ? `**${s}**` : s);
      return `| ${k + 1} | ${b(row.column)} | ${f(row.synthMean)} | ${f(row.synthStd)} | ` +
        row.real.map((x) => `${b(f(x.distance))} | ${f(x.mean)}`).join(" | ") + " |";
    }),
    "",
    ...r.clouds.map((c) =>
      `Summary ${c.name}: mean distance ${f(c.mean)} over ${r.columns.length} columns, ` +
      `${c.over1} over 1.0`
    ),
    "",
    `## Label shares (% of points; ${SCANNET20.length} ScanNet labels, every point labelled)`,
    "",
    `| label | synthetic | ${cn.join(" | ")} |`,
    `|---|---:|${cn.map(() => "---:").join("|")}|`,
    ...SCANNET20.map((l, k) =>
      `| ${l} | ${pct(r.synthShares[k])} | ${r.clouds.map((c) => pct(c.shares[k])).join(" | ")} |`
    ),
    "",
    `Pictures: ${r.clouds.flatMap((c) => c.pngs).join(", ")}`,
  ];
  return lines.join("\n");
}

/** Axes a real cloud's "up" may be given as (see {@link turnUp}). */
export const UP_AXES = ["+z", "-z", "+y", "-y", "+x", "-x"] as const;

/** Rows of the rotation (det +1) taking each axis of {@link UP_AXES} to +z. */
const UP_ROTATIONS: Record<typeof UP_AXES[number], Rotation3> = {
  "+z": Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]),
  "-z": Float64Array.from([1, 0, 0, 0, -1, 0, 0, 0, -1]),
  "+y": Float64Array.from([1, 0, 0, 0, 0, -1, 0, 1, 0]),
  "-y": Float64Array.from([1, 0, 0, 0, 0, 1, 0, -1, 0]),
  "+x": Float64Array.from([0, 1, 0, 0, 0, 1, 1, 0, 0]),
  "-x": Float64Array.from([0, 1, 0, 0, 0, -1, -1, 0, 0]),
};

/**
 * The cloud rotated (a proper rotation, normals too) so that axis `up` becomes +z: a
 * crude re-orientation of a capture in its camera's frame, for comparison only.
 */
export function turnUp(cloud: PointCloud, up: typeof UP_AXES[number]): PointCloud {
  return rotateCloud(cloud, UP_ROTATIONS[up]);
}

/**
 * A cloud file as a {@link RealCloud}, optionally without its normals and turned so
 * that axis `up` is +z.
 */
export async function readRealCloud(
  path: string,
  options: { dropNormals?: boolean; up?: typeof UP_AXES[number] } = {},
): Promise<RealCloud> {
  const c = await readCloudFile(path);
  let cloud: PointCloud = { count: c.count, coord: c.coord, color: c.color };
  if (!options.dropNormals && c.normal) cloud = { ...cloud, normal: c.normal };
  if (options.up) cloud = turnUp(cloud, options.up);
  return { name: basename(path, extname(path)), cloud };
}

/** Runs the benchmark (see the module doc). */
export async function run(args: string[]): Promise<void> {
  const m = parseFlags(args, new Set(["--drop-normals"]));
  const root = m.get("--models") ?? "models";
  const name = resolveDefaultModel((await listModels(root)).map((x) => x.name), m.get("--model"));
  if (!name) throw new Error(`no model in ${root}`);
  const log = (line: string) => console.error(`realism: ${line}`);
  const model = await loadModel(root, name, numberFlag(m, "--version") ?? 0, { skipWarmUp: true });
  try {
    const paths = m.get("--real")?.split(",").filter((p) => p !== "") ?? DEFAULT_REAL;
    const up = m.get("--up");
    if (up !== undefined && !(UP_AXES as readonly string[]).includes(up)) {
      throw new Error(`--up must be one of ${UP_AXES.join(", ")}, got '${up}'`);
    }
    const real = await Promise.all(paths.map((p) =>
      readRealCloud(p, {
        dropNormals: m.has("--drop-normals"),
        up: up as typeof UP_AXES[number] | undefined,
      })
    ));
    const report = await realismReport({
      model,
      data: m.get("--data") ?? ".cache/bench/standard/test",
      real,
      out: m.get("--out") ?? ".cache/bench/realism",
      scenes: numberFlag(m, "--scenes"),
      rows: numberFlag(m, "--rows"),
      up,
      log,
    });
    console.log(formatReport(report, numberFlag(m, "--top") ?? 10));
    const json = m.get("--json");
    if (json) {
      await writeFileAtomic(json, new TextEncoder().encode(JSON.stringify(report, null, 1)));
      log(`wrote ${json}`);
    }
  } finally {
    await model.release();
  }
}
