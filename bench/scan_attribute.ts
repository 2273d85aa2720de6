/**
 * Which backbone columns carry what a single robot scan costs against the whole room?
 * `deno task bench scan_attribute --data DIR [--every N] [--model DIR[,DIR…]]`.
 *
 * DIR is a sequence folder of `synth --sequence` or a folder of them. For each sequence the
 * whole room is its scans put together in the map frame with their true poses; every N-th
 * scan (default 15) is then labelled alone in the map frame (the "each scan alone" row of
 * `bench stream`) with its own features, and again with one group of columns (`bench
 * attribute`'s groups) taken from the room's features at the nearest room voxel. Printed per
 * model: per-scan mIoU (mean over the scans, as `bench stream`) per group taken from the
 * room, its change from "none", and the room's own mIoU. Descriptor backbones of 71 columns.
 * Progress on stderr.
 *
 * @module
 */

import { voxelFeatures } from "../src/infer/inference.ts";
import { readSequence, type SequenceFolder } from "../src/io/sequence_folder.ts";
import type { LoadedModel } from "../src/models/bundle.ts";
import { knnSearch } from "../src/kernels/neighbor_search.ts";
import type { PointCloud } from "../src/kernels/point_cloud.ts";
import { transformPoints } from "../src/kernels/rigid_transform.ts";
import { classEmbeddings, openModelFolder } from "../src/train/evaluate.ts";
import { type LabelledPoints, metricsOver } from "../src/train/metrics.ts";
import { numberFlag, parseFlags } from "../src/commands/train.ts";
import { COLUMNS, columnsFrom, GROUP_COLUMNS, GROUPS } from "./attribute.ts";
import { sequences } from "./stream.ts";

/** One scan in the map frame with its ground truth. */
interface MapScan {
  cloud: PointCloud;
  segment: Int16Array;
}

/** Runs the benchmark (see the module doc). */
export async function run(args: string[]): Promise<void> {
  const m = parseFlags(args, new Set());
  const data = m.get("--data");
  if (!data) throw new Error("usage: bench scan_attribute --data SEQUENCE_DIR [--every N]");
  const every = numberFlag(m, "--every") ?? 15;
  if (!Number.isInteger(every) || every < 1) throw new Error(`--every must be ≥ 1, got ${every}`);
  const dirs = await sequences(data);
  const models: LoadedModel[] = [];
  try {
    for (const ref of (m.get("--model") ?? "models/default").split(",")) {
      const model = await openModelFolder(ref);
      models.push(model);
      if (model.backbone.kind !== "descriptor" || model.backbone.dim !== COLUMNS.length) {
        throw new Error(
          `bench scan_attribute reads 71-column descriptors, not ${model.backbone.version}`,
        );
      }
    }
    const tallies = models.map(() => ({
      runs: GROUPS.map((): LabelledPoints[] => []),
      rooms: [] as LabelledPoints[],
    }));
    let labels: string[] = [];
    for (const dir of dirs) {
      const seq = await readSequence(dir);
      labels = seq.labels;
      const scans = await mapScans(seq, dir);
      const whole = union(scans);
      for (const [k, model] of models.entries()) {
        await attribute(model, { scans, whole, labels, every }, tallies[k]);
        console.error(`scan_attribute: ${model.name} v${model.version}: ${dir} done`);
      }
    }
    for (const [k, model] of models.entries()) report(model, tallies[k], labels);
  } finally {
    for (const model of models) await model.release();
  }
}

/** Every scan of a sequence in the map frame (true poses) with its ground truth. */
async function mapScans(seq: SequenceFolder, dir: string): Promise<MapScan[]> {
  const scans: MapScan[] = [];
  for (const [i, info] of seq.scans.entries()) {
    const s = await seq.load(i);
    if (!info.poseTrue || !s.segment) {
      throw new Error(`${dir}: scan ${info.name} lacks pose_true or segment`);
    }
    scans.push({
      cloud: { ...s.cloud, coord: transformPoints(s.cloud.coord, info.poseTrue) },
      segment: s.segment,
    });
  }
  return scans;
}

/** Labelled points of one model: per column group over the scans alone, and the rooms. */
interface Tally {
  runs: LabelledPoints[][];
  rooms: LabelledPoints[];
}

/** Adds one sequence's room and every `every`-th scan, per column group, to the tally. */
async function attribute(
  model: LoadedModel,
  seq: { scans: MapScan[]; whole: MapScan; labels: string[]; every: number },
  tally: Tally,
): Promise<void> {
  const D = model.backbone.dim;
  const embeddings = await classEmbeddings(model, { labels: seq.labels });
  const room = await voxelFeatures(seq.whole.cloud, model);
  const roomLabel = (await model.classify(room.features, embeddings)).label;
  tally.rooms.push({
    pred: Int16Array.from(room.grid.voxelOf, (v) => roomLabel[v]),
    gt: seq.whole.segment,
  });
  for (let i = 0; i < seq.scans.length; i += seq.every) {
    const scan = await voxelFeatures(seq.scans[i].cloud, model);
    const from = knnSearch(room.geometry.cloud.coord, 1, { queries: scan.geometry.cloud.coord })
      .index;
    for (const [k, cols] of GROUP_COLUMNS.entries()) {
      const f = columnsFrom(scan.features, room.features, { dim: D, from, cols });
      const { label } = await model.classify(f, embeddings);
      tally.runs[k].push({
        pred: Int16Array.from(scan.grid.voxelOf, (v) => label[v]),
        gt: seq.scans[i].segment,
      });
    }
  }
}

/** Prints the table of the module doc for one model. */
function report(model: LoadedModel, tally: Tally, labels: string[]): void {
  const perScan = tally.runs.map((r) =>
    (100 * r.reduce((t, x) => t + metricsOver([x], labels).mIoU, 0)) / Math.max(1, r.length)
  );
  console.log(
    `## ${model.name} v${model.version} (${model.backbone.version}): ${tally.runs[0].length} ` +
      `scans alone; the room of all scans ${
        (100 * metricsOver(tally.rooms, labels).mIoU).toFixed(1)
      } mIoU`,
  );
  console.log("");
  console.log("| columns taken from the room | per-scan mIoU | change |");
  console.log("|---|---:|---:|");
  for (const [k, [group]] of GROUPS.entries()) {
    const d = perScan[k] - perScan[0];
    console.log(`| ${group} | ${perScan[k].toFixed(1)} | ${d >= 0 ? "+" : ""}${d.toFixed(1)} |`);
  }
  console.log("");
}

/** All scans as one cloud (colour only when every scan has it). */
function union(scans: MapScan[]): MapScan {
  const n = scans.reduce((t, s) => t + s.cloud.count, 0);
  const coord = new Float32Array(3 * n), segment = new Int16Array(n);
  const colored = scans.every((s) => s.cloud.color);
  const color = colored ? new Uint8Array(3 * n) : undefined;
  let o = 0;
  for (const s of scans) {
    coord.set(s.cloud.coord, 3 * o);
    color?.set(s.cloud.color!, 3 * o);
    segment.set(s.segment, o);
    o += s.cloud.count;
  }
  return { cloud: { count: n, coord, color }, segment };
}
