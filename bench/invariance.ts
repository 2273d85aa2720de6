/**
 * Does the model read a room the same way whatever the scan's frame, exposure and
 * sampling? `deno task bench invariance [--data DIR[,DIR…]] [--model DIR[,DIR…]]
 * [--seed S] [--variants "as is,dark,…"] [--align]`.
 *
 * Every scene of the dataset folders (default `.cache/bench/standard/test`) is changed
 * the ways real scans differ from the synthetic training rooms, one change at a time,
 * and every model (default `models/default`, latest version) labels each variant:
 *
 * | variant | change |
 * |---|---|
 * | as is | — |
 * | turned 37° | turned 37° about z and moved by (3.1, 1.7) m: walls no longer on the axes |
 * | floor +0.4 m | moved 0.4 m up |
 * | moved 1 cm | moved 1 cm along x, y and z: half a voxel, another voxel lattice |
 * | grey | colour replaced by its grey level |
 * | channels | colour channels rotated (r, g, b) → (b, r, g): another white balance |
 * | dark | colour × 0.6: a darker exposure |
 * | half density | a seeded half of the points |
 * | flat thinned | a seeded quarter of the points on flat surfaces, the rest kept (`train/decimate.ts`): a decimated mesh's large triangles |
 * | part | the points left of the room's median x plus 30 % of the rest: a partial scan |
 * | sensor view | what one depth sensor at robot height sees from a seeded spot (`train/sensor_view.ts`): a single robot scan |
 *
 * Printed: a table of mIoU per variant and model, with its change from "as is"; the
 * mean change over the variants. A variant that keeps a subset of the points is compared
 * with the unchanged scan's labels on the same points: thinning flat surfaces drops many
 * easy wall and floor points, which alone moves mIoU over the points that are left.
 * `--align` first turns each variant the way Segment does (`infer/gravity.ts`: up, and the
 * walls onto x / y), so the table measures the service rather than the features alone. `--variants` keeps the named ones ("as is" always runs).
 * Progress on stderr.
 *
 * @module
 */

import { alignToGravity } from "../src/infer/gravity.ts";
import { segmentCloud } from "../src/infer/inference.ts";
import { labelledScenes, readDatasets } from "../src/io/dataset.ts";
import type { PointCloud } from "../src/kernels/point_cloud.ts";
import { Rng } from "../src/kernels/random.ts";
import { rotateCloud, rotationAboutZ } from "../src/kernels/rotate_up.ts";
import type { LoadedModel } from "../src/models/bundle.ts";
import { flatThinningMask, subsetScene } from "../src/train/decimate.ts";
import { sensorView } from "../src/train/sensor_view.ts";
import { classEmbeddings, openModelFolder } from "../src/train/evaluate.ts";
import { type LabelledPoints, metricsOver } from "../src/train/metrics.ts";
import { numberFlag, parseFlags } from "../src/commands/train.ts";

/** A scene as the model gets it, with the ground truth of the points kept. */
interface Variant {
  cloud: PointCloud;
  gt: Int16Array;
  /** Int32Array: the input point of each point, for a variant that keeps a subset. */
  kept?: Int32Array;
}

type Change = (cloud: PointCloud, gt: Int16Array, rng: Rng) => Variant;

/** Keeps the points where `keep` is 1. */
function subset(cloud: PointCloud, gt: Int16Array, keep: Uint8Array): Variant {
  const s = subsetScene({ coord: cloud.coord, color: cloud.color, segment: gt }, keep);
  const kept = new Int32Array(s.segment!.length);
  for (let i = 0, j = 0; i < keep.length; i++) if (keep[i]) kept[j++] = i;
  return {
    cloud: { count: s.coord.length / 3, coord: s.coord, color: s.color },
    gt: s.segment!,
    kept,
  };
}

/** The cloud with every colour byte mapped by `f(value, channel)`. */
function recolour(cloud: PointCloud, f: (rgb: Uint8Array, i: number) => number[]): PointCloud {
  if (!cloud.color) return cloud;
  const color = new Uint8Array(cloud.color.length);
  for (let i = 0; i < cloud.count; i++) {
    color.set(f(cloud.color.subarray(3 * i, 3 * i + 3), i).map((v) => Math.round(v)), 3 * i);
  }
  return { ...cloud, color };
}

function moved(cloud: PointCloud, by: [number, number, number]): PointCloud {
  const coord = cloud.coord.slice();
  for (let i = 0; i < coord.length; i++) coord[i] += by[i % 3];
  return { ...cloud, coord };
}

/** The changes, in table order. */
export const CHANGES: [string, Change][] = [
  ["as is", (cloud, gt) => ({ cloud, gt })],
  ["turned 37°", (cloud, gt) => ({
    cloud: moved(rotateCloud(cloud, rotationAboutZ((37 * Math.PI) / 180)), [3.1, 1.7, 0]),
    gt,
  })],
  ["floor +0.4 m", (cloud, gt) => ({ cloud: moved(cloud, [0, 0, 0.4]), gt })],
  ["moved 1 cm", (cloud, gt) => ({ cloud: moved(cloud, [0.01, 0.01, 0.01]), gt })],
  ["grey", (cloud, gt) => ({
    cloud: recolour(cloud, ([r, g, b]) => Array(3).fill((r + g + b) / 3)),
    gt,
  })],
  ["channels", (cloud, gt) => ({ cloud: recolour(cloud, ([r, g, b]) => [b, r, g]), gt })],
  [
    "dark",
    (cloud, gt) => ({ cloud: recolour(cloud, (rgb) => Array.from(rgb, (v) => v * 0.6)), gt }),
  ],
  ["half density", (cloud, gt, rng) => {
    const keep = new Uint8Array(cloud.count);
    for (let i = 0; i < keep.length; i++) keep[i] = rng.next() < 0.5 ? 1 : 0;
    return subset(cloud, gt, keep);
  }],
  [
    "flat thinned",
    (cloud, gt, rng) => subset(cloud, gt, flatThinningMask(cloud, rng, { keep: 0.25 })),
  ],
  ["part", (cloud, gt) => {
    const x = Array.from({ length: cloud.count }, (_, i) => cloud.coord[3 * i]).sort((a, b) =>
      a - b
    );
    const median = x[x.length >> 1] ?? 0, cut = median + 0.3 * ((x[x.length - 1] ?? 0) - median);
    const keep = new Uint8Array(cloud.count);
    for (let i = 0; i < keep.length; i++) keep[i] = cloud.coord[3 * i] < cut ? 1 : 0;
    return subset(cloud, gt, keep);
  }],
  ["sensor view", (cloud, gt, rng) => {
    const view = sensorView(cloud, rng);
    return view ? subset(cloud, gt, view.keep) : { cloud, gt };
  }],
];

/**
 * The generator of variant `g` of scene `i`: seeded by `(seed + i) · 10 + g`, 10 being the
 * number of variants the first tables were made with, so that adding one leaves the others'
 * draws alone.
 */
export function variantRng(seed: number, i: number, g: number): Rng {
  return new Rng((seed + i) * 10 + g);
}

/** Runs the benchmark (see the module doc). */
export async function run(args: string[]): Promise<void> {
  const m = parseFlags(args, new Set(["--align"]));
  const dirs = (m.get("--data") ?? ".cache/bench/standard/test").split(",");
  const models = (m.get("--model") ?? "models/default").split(",");
  const seed = numberFlag(m, "--seed") ?? 1;
  const wanted = m.get("--variants")?.split(",");
  const align = m.has("--align");
  const unknown = wanted?.filter((w) => !CHANGES.some(([name]) => name === w)) ?? [];
  if (unknown.length > 0) {
    throw new Error(
      `Unknown variant(s) ${unknown.join(", ")}: ${CHANGES.map(([n]) => n).join(", ")}`,
    );
  }
  // Each kept variant with its place in CHANGES, which seeds it: a --variants subset draws
  // what a full run does.
  const changes = CHANGES.map((c, g) => ({ g, name: c[0], change: c[1] }))
    .filter(({ name, g }) => g === 0 || !wanted || wanted.includes(name));
  const info = await readDatasets(dirs);
  const log = (line: string) => console.error(`invariance: ${line}`);
  const loaded: { label: string; model: LoadedModel; embeddings: Float32Array }[] = [];
  // Per model label: mIoU of each variant, and of the unchanged scene on its points.
  const scores = new Map<string, number[]>(), reference = new Map<string, number[]>();
  try {
    for (const ref of models) {
      const model = await openModelFolder(ref);
      const label = `${model.name} v${model.version} (${model.manifest.backbone?.version ?? "?"})`;
      loaded.push({ label, model, embeddings: await classEmbeddings(model, info) });
    }
    // runs[m][c]: model m on variant c of every scene; each variant is made once per scene.
    // same[m][c]: model m on the unchanged scene, scored on variant c's points.
    const runs: LabelledPoints[][][] = loaded.map(() => changes.map(() => []));
    const same: LabelledPoints[][][] = loaded.map(() => changes.map(() => []));
    for await (const { scene: s, index: i, total } of labelledScenes(info)) {
      const cloud: PointCloud = { count: s.count, coord: s.coord, color: s.color };
      const asIs: LabelledPoints[] = [];
      for (const [c, { g, change }] of changes.entries()) {
        const v = change(cloud, s.segment, variantRng(seed, i, g));
        // Aligned once per variant: every model sees the same cloud.
        const input = align ? alignToGravity(v.cloud, undefined, { heading: true }).cloud : v.cloud;
        for (const [m, { model, embeddings }] of loaded.entries()) {
          const scored = { pred: (await segmentCloud(model, input, embeddings)).labels, gt: v.gt };
          if (c === 0) asIs[m] = scored;
          runs[m][c].push(scored);
          const kept = v.kept, before = asIs[m].pred;
          same[m][c].push(
            kept ? { pred: Int16Array.from(kept, (p) => before[p]), gt: v.gt } : asIs[m],
          );
        }
      }
      log(`scene ${i + 1}/${total} ${s.name}`);
    }
    for (const [m, { label }] of loaded.entries()) {
      const mIoU = (r: LabelledPoints[]) => 100 * metricsOver(r, info.labels).mIoU;
      scores.set(label, runs[m].map(mIoU));
      reference.set(label, same[m].map(mIoU));
    }
  } finally {
    for (const { model } of loaded) await model.release();
  }
  const labels = [...scores.keys()];
  console.log(`## The same rooms changed the ways real scans differ (${dirs.join(", ")})`);
  console.log("");
  console.log(`| variant | ${labels.map((l) => `${l} mIoU | Δ`).join(" | ")} |`);
  console.log(`|---|${labels.map(() => "---:|---:").join("|")}|`);
  const fmt = (x: number) => (x >= 0 ? "+" : "") + x.toFixed(1);
  for (const [c, { name }] of changes.entries()) {
    const cells = labels.map((l) => {
      const s = scores.get(l)!, r = reference.get(l)!;
      return `${s[c].toFixed(1)} | ${c === 0 ? "—" : fmt(s[c] - r[c])}`;
    });
    console.log(`| ${name} | ${cells.join(" | ")} |`);
  }
  const mean = labels.map((l) => {
    const s = scores.get(l)!, r = reference.get(l)!;
    return fmt(s.slice(1).reduce((t, x, c) => t + x - r[c + 1], 0) / (s.length - 1));
  });
  console.log(`| mean change | ${mean.map((x) => `| ${x}`).join(" | ")} |`);
}
