/**
 * Quality of the class-agnostic instance proposals the trainer computes for scenes without
 * instance masks, against the true instances of synthetic scenes.
 *
 * `deno task bench proposals [--data DIR] [--scenes N] [--exclude wall,floor] [--out DIR]
 * [--cache DIR|none]`: for every scene of DIR with instance.npy and segment.npy, the
 * proposals exactly as training computes them (`sceneFeatures` with proposals: inference
 * voxel grid, geometry, structure removal, connected components), mapped back to the
 * points; each true instance whose majority class is not excluded (floor and wall by
 * default: proposals remove them on purpose) is matched to the proposal of highest IoU.
 * Per scene: kept instances, proposals, mean best IoU, recall at IoU ≥ 0.5, precision at
 * 0.5 (proposals whose best IoU with a kept instance is ≥ 0.5). The overall row pools all
 * instances (and proposals) of all scenes.
 *
 * stdout: a markdown table; progress on stderr; JSON under `--out` (default `.cache/bench`).
 *
 * @module
 */

import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GeoError } from "../src/kernels/errors.ts";
import { descriptorBackbone } from "../src/features/backbones/backbone.ts";
import { readDataset, readScene } from "../src/io/dataset.ts";
import { DEFAULT_TRAIN_CONFIG } from "../src/train/config.ts";
import { sceneFeatures } from "../src/train/feature_cache.ts";
import { formatDuration } from "../src/train/progress.ts";
import { numberFlag, parseFlags } from "../src/commands/train.ts";
import { instanceClasses, matchInstances } from "./proposal_match.ts";

/** Scores of one scene (or of all scenes pooled). */
export interface ProposalScores {
  /** scene name, or "overall" */
  scene: string;
  /** true instances matched (excluded classes left out) */
  instances: number;
  /** proposals */
  proposals: number;
  /** mean best IoU over the matched instances, [0, 1] */
  meanIou: number;
  /** instances with best IoU ≥ 0.5 over instances, [0, 1] */
  recall50: number;
  /** proposals with best IoU ≥ 0.5 against a kept instance over proposals, [0, 1] */
  precision50: number;
}

/** Sums behind {@link ProposalScores}, poolable over scenes. */
interface Tally {
  instances: number;
  proposals: number;
  iouSum: number;
  hits: number;
  goodProposals: number;
}

function scoresOf(scene: string, t: Tally): ProposalScores {
  return {
    scene,
    instances: t.instances,
    proposals: t.proposals,
    meanIou: t.instances > 0 ? t.iouSum / t.instances : NaN,
    recall50: t.instances > 0 ? t.hits / t.instances : NaN,
    precision50: t.proposals > 0 ? t.goodProposals / t.proposals : NaN,
  };
}

/**
 * Tallies one scene.
 *
 * @param truth Int32Array N true instance ids
 * @param proposals Int32Array N proposal ids
 * @param kept true instance ids to match
 */
function tally(truth: Int32Array, proposals: Int32Array, kept: Set<number>): Tally {
  const matches = matchInstances(truth, proposals, (id) => kept.has(id));
  const keptTruth = Int32Array.from(truth, (t) => (kept.has(t) ? t : -1));
  const reverse = matchInstances(proposals, keptTruth);
  return {
    instances: matches.length,
    proposals: reverse.length,
    iouSum: matches.reduce((s, m) => s + m.iou, 0),
    hits: matches.filter((m) => m.iou >= 0.5).length,
    goodProposals: reverse.filter((m) => m.iou >= 0.5).length,
  };
}

const pct = (x: number) => (Number.isNaN(x) ? "—" : (100 * x).toFixed(1));

/** The markdown table of per-scene rows and the overall row. */
export function proposalTable(rows: readonly ProposalScores[]): string {
  const lines = [
    "| scene | instances | proposals | mean IoU | recall@0.5 | precision@0.5 |",
    "|---|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    const name = r.scene === "overall" ? "**overall**" : r.scene;
    lines.push(
      `| ${name} | ${r.instances} | ${r.proposals} | ${pct(r.meanIou)} | ${pct(r.recall50)} | ` +
        `${pct(r.precision50)} |`,
    );
  }
  return lines.join("\n");
}

/** Runs the benchmark (see the module doc). */
export async function run(args: string[]): Promise<void> {
  const m = parseFlags(args, new Set());
  const data = m.get("--data") ?? ".cache/bench/standard/test";
  const exclude = (m.get("--exclude") ?? "wall,floor").split(",").map((s) => s.trim());
  const outDir = m.get("--out") ?? ".cache/bench";
  const cacheFlag = m.get("--cache");
  const cacheDir = cacheFlag === "none" ? null : cacheFlag;
  const info = await readDataset(data);
  const limit = numberFlag(m, "--scenes") ?? info.scenes.length;
  const excluded = new Set(exclude.map((name) => info.labels.indexOf(name)).filter((c) => c >= 0));
  const backbone = descriptorBackbone();
  const log = (line: string) => console.error(`proposals: ${line}`);
  const rows: ProposalScores[] = [];
  const total: Tally = { instances: 0, proposals: 0, iouSum: 0, hits: 0, goodProposals: 0 };
  const names = info.scenes.slice(0, limit);
  const t0 = performance.now();
  for (const [i, name] of names.entries()) {
    const s = await readScene(data, name, { numClasses: info.labels.length });
    if (!s.instance || !s.segment) {
      log(`${name}: no instance.npy or segment.npy, skipped`);
      continue;
    }
    const cloud = { count: s.count, coord: s.coord, color: s.color, normal: s.normal };
    const f = await sceneFeatures(cloud, {
      backbone,
      voxelSize: DEFAULT_TRAIN_CONFIG.voxelSize,
      proposals: true,
      cacheDir,
    });
    const proposals = Int32Array.from(f.voxelOf, (v) => f.proposals![v]);
    const classes = instanceClasses(s.instance, s.segment);
    const kept = new Set([...classes].filter(([, c]) => !excluded.has(c)).map(([id]) => id));
    const t = tally(s.instance, proposals, kept);
    for (const k of Object.keys(total) as (keyof Tally)[]) total[k] += t[k];
    rows.push(scoresOf(name, t));
    const sec = (performance.now() - t0) / 1000;
    log(
      `scene ${i + 1}/${names.length} ${name}: ${t.instances} instances, ${t.proposals} ` +
        `proposals, mean IoU ${pct(rows[rows.length - 1].meanIou)} ` +
        `ETA ${formatDuration((sec / (i + 1)) * (names.length - i - 1))}`,
    );
  }
  if (rows.length === 0) {
    throw new GeoError(
      "failed_precondition",
      `No scene of ${data} has instance.npy and segment.npy`,
    );
  }
  const overall = scoresOf("overall", total);
  rows.push(overall);
  console.log(`Instance proposals vs true instances (${data}; excluded: ${exclude.join(", ")})\n`);
  console.log(proposalTable(rows));
  console.log(
    `\noverall: mean IoU ${pct(overall.meanIou)}, recall@0.5 ${pct(overall.recall50)}, ` +
      `${overall.proposals} proposals for ${overall.instances} instances`,
  );
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, `proposals-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  await writeFile(file, JSON.stringify({ data, exclude, rows }, null, 1));
  log(`wrote ${file}`);
}
