/**
 * Which way the walls face, measured: `deno task bench heading [--data DIR[,DIR…]]
 * [--model DIR] [--angles 15,30,45,60,75]`.
 *
 * Every scene of the dataset folders (default `.cache/bench/standard/test`) is turned
 * about z (through the origin) by each angle, degrees, and labelled by the model
 * (default `models/default`, latest version) twice: from the turned cloud's features
 * alone, and after `alignToGravity(…, { heading: true })` turned its walls back onto
 * x / y (what Segment does). Printed: mIoU per angle and way, over all scenes, with
 * angle 0 (the scenes as they are) first and the mean over the other angles last.
 * Progress on stderr.
 *
 * @module
 */

import { alignToGravity } from "../src/infer/gravity.ts";
import { segmentCloud } from "../src/infer/inference.ts";
import { labelledScenes, readDatasets } from "../src/io/dataset.ts";
import { rotateCloud, rotationAboutZ } from "../src/kernels/rotate_up.ts";
import { classEmbeddings, openModelFolder } from "../src/train/evaluate.ts";
import { type LabelledPoints, metricsOver } from "../src/train/metrics.ts";
import { parseFlags } from "../src/commands/train.ts";

/** Runs the benchmark (see the module doc). */
export async function run(args: string[]): Promise<void> {
  const m = parseFlags(args, new Set());
  const dirs = (m.get("--data") ?? ".cache/bench/standard/test").split(",");
  const angles = [0, ...(m.get("--angles") ?? "15,30,45,60,75").split(",").map(Number)];
  if (angles.some((a) => !Number.isFinite(a))) {
    throw new Error(`--angles must be numbers of degrees, got '${m.get("--angles")}'`);
  }
  const info = await readDatasets(dirs);
  const model = await openModelFolder(m.get("--model") ?? "models/default");
  // runs[a][0]: features alone at angle a; runs[a][1]: walls turned back first.
  const runs: LabelledPoints[][][] = angles.map(() => [[], []]);
  try {
    const embeddings = await classEmbeddings(model, info);
    for await (const { scene: s, index: i, total } of labelledScenes(info)) {
      for (const [k, a] of angles.entries()) {
        const turned = rotateCloud(
          { count: s.count, coord: s.coord, color: s.color },
          rotationAboutZ((a * Math.PI) / 180),
        );
        const aligned = alignToGravity(turned, undefined, { heading: true }).cloud;
        for (const [w, cloud] of [turned, aligned].entries()) {
          runs[k][w].push({
            pred: (await segmentCloud(model, cloud, embeddings)).labels,
            gt: s.segment,
          });
        }
      }
      console.error(`heading: scene ${i + 1}/${total} ${s.name}`);
    }
  } finally {
    await model.release();
  }
  const mIoU = runs.map((r) => r.map((x) => 100 * metricsOver(x, info.labels).mIoU));
  console.log(`## Rooms turned about z (${model.name} v${model.version}, ${dirs.join(", ")})`);
  console.log("");
  console.log("| turned | features alone | walls turned back (Segment) |");
  console.log("|---|---:|---:|");
  for (const [k, a] of angles.entries()) {
    console.log(`| ${a}° | ${mIoU[k][0].toFixed(1)} | ${mIoU[k][1].toFixed(1)} |`);
  }
  const turned = mIoU.slice(1);
  const mean = (w: number) => turned.reduce((t, x) => t + x[w], 0) / Math.max(1, turned.length);
  console.log(`| mean of the turns | ${mean(0).toFixed(1)} | ${mean(1).toFixed(1)} |`);
}
