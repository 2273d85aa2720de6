/**
 * Which way is up, measured: `deno task bench gravity [--data DIR] [--rotations N]
 * [--seed S] [--model DIR]`.
 *
 * Every scene of the dataset folder DIR (default `.cache/bench/standard/test`, from
 * `deno task cli synth --split standard --out .cache/bench/standard`) is turned by N seeded
 * uniformly random rotations (default 3). Printed: the angle between the up that
 * `infer/gravity.ts` estimates and the true one (median and worst, degrees, and how many
 * estimates were confident), and the mIoU / mAcc of the model (default `models/default`,
 * latest version) on the scenes as they are, turned by the first rotation with no
 * alignment, and turned with `alignToGravity` (what Segment does).
 *
 * @module
 */

import { alignToGravity, estimateCloudUp, MIN_UP_CONFIDENCE } from "../src/infer/gravity.ts";
import { segmentCloud } from "../src/infer/inference.ts";
import { readDataset, readScene } from "../src/io/dataset.ts";
import type { PointCloud } from "../src/kernels/point_cloud.ts";
import { Rng } from "../src/kernels/random.ts";
import { randomRotation, rotateCloud } from "../src/kernels/rotate_up.ts";
import { classEmbeddings, openModelFolder } from "../src/train/evaluate.ts";
import { type LabelledPoints, metricsOver } from "../src/train/metrics.ts";
import { numberFlag, parseFlags } from "../src/commands/train.ts";

/** Angle between two unit 3-vectors, degrees. */
const angleDeg = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Math.acos(Math.max(-1, Math.min(1, a[0] * b[0] + a[1] * b[1] + a[2] * b[2]))) * 180 / Math.PI;

/** Runs the benchmark (see the module doc). */
export async function run(args: string[]): Promise<void> {
  const m = parseFlags(args, new Set());
  const data = m.get("--data") ?? ".cache/bench/standard/test";
  const rotations = numberFlag(m, "--rotations") ?? 3;
  const rng = new Rng(numberFlag(m, "--seed") ?? 1);
  const model = await openModelFolder(m.get("--model") ?? "models/default");
  const log = (line: string) => console.error(`gravity: ${line}`);
  try {
    const info = await readDataset(data);
    const embeddings = await classEmbeddings(model, info);
    const runs: Record<"as is" | "turned" | "turned, aligned", LabelledPoints[]> = {
      "as is": [],
      "turned": [],
      "turned, aligned": [],
    };
    const errors: number[] = [];
    let confident = 0;
    for (const [i, name] of info.scenes.entries()) {
      const s = await readScene(data, name, { numClasses: info.labels.length });
      const cloud: PointCloud = { count: s.count, coord: s.coord, color: s.color };
      const turns = Array.from({ length: rotations }, () => randomRotation(rng));
      for (const r of turns) {
        const e = estimateCloudUp(rotateCloud(cloud, r));
        errors.push(angleDeg(e.up, [r[2], r[5], r[8]])); // R·z: where up went
        if (e.confidence >= MIN_UP_CONFIDENCE) confident++;
      }
      if (s.segment && turns.length > 0) {
        const turned = rotateCloud(cloud, turns[0]);
        const clouds = {
          "as is": cloud,
          "turned": turned,
          "turned, aligned": alignToGravity(turned).cloud,
        };
        for (const [k, c] of Object.entries(clouds) as [keyof typeof runs, PointCloud][]) {
          runs[k].push({ pred: (await segmentCloud(model, c, embeddings)).labels, gt: s.segment });
        }
      }
      log(`scene ${i + 1}/${info.scenes.length} ${name}`);
    }
    errors.sort((a, b) => a - b);
    const pct = (x: number) => (100 * x).toFixed(1);
    console.log(`## Up estimation (${model.name} v${model.version}, ${data})`);
    console.log("");
    console.log(
      `${errors.length} rotated scans: median error ${errors[errors.length >> 1]?.toFixed(2)}°, ` +
        `worst ${errors[errors.length - 1]?.toFixed(2)}°, confident ${confident}/${errors.length}`,
    );
    console.log("");
    console.log("| scenes | mIoU | mAcc |");
    console.log("|---|---:|---:|");
    for (const [k, v] of Object.entries(runs)) {
      if (v.length === 0) continue;
      const r = metricsOver(v, info.labels);
      console.log(`| ${k} | ${pct(r.mIoU)} | ${pct(r.mAcc)} |`);
    }
  } finally {
    await model.release();
  }
}
