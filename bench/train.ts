/**
 * The proof table of the training method on the synthetic proving ground.
 *
 * `deno task bench train [--data DIR] [--site DIR|none] [--steps N] [--site-steps N]
 * [--seeds 1,2,3] [--crop N] [--configs a,b,…] [--instances gt|proposals|both]
 * [--proposals] [--scenes N] [--quick] [--out DIR] [--cache DIR|none] [--lr R]
 * [--backbone geodesc-1|…|geodesc-6|BACKBONE_DIR]`
 *
 * DIR holds `train/` and `test/` dataset folders (`deno task cli synth --split standard
 * --out DIR`; default `.cache/bench/standard`). For every configuration (teacher alone,
 * naive distillation, USD without weights, full GeoGuide, full − USD, full − IMR, full −
 * IIRC) and seed, the adapter is trained on DIR/train and scored once, after its last
 * step, on DIR/test (nothing is tuned on the test scenes). `--instances proposals` (or
 * `--proposals`) trains with class-agnostic instance proposals computed from the geometry
 * in place of the dataset's instance.npy; `both` reports both settings (naive distillation,
 * which reads no instance, is trained once). Defaults: 600 steps, crop 60 000 points, seeds
 * 1,2,3, all configurations, ground-truth instances, the trainer's default backbone, a peak
 * learning rate of 1e-3 (`PROOF_LEARNING_RATE`, the rate the published table was measured at;
 * `--lr` sets the rate of the runs trained from scratch) and the trainer's fine-tune rate for
 * the site fine-tunes. The site section (`--site`, default
 * `.cache/bench/site`, from `synth --split site`; skipped when absent): the full model
 * trained on DIR/train vs the same model fine-tuned on SITE/train (`--site-steps`, default
 * steps / 4; instances as in the first setting), both scored on SITE/test. `--quick`: 8
 * steps, seed 1, crop 20 000, the first 2 scenes of every split, 4 site steps.
 *
 * stdout: markdown tables and PASS/FAIL claim lines; progress on stderr; JSON (and a
 * loss-curve PNG) under `--out` (default `.cache/bench`).
 *
 * @module
 */

import { mkdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { numberFlag, parseFlags } from "../src/commands/train.ts";
import { loadBackbone } from "../src/features/backbones/load.ts";
import {
  DEFAULT_TRAIN_CONFIG,
  FINE_TUNE_LEARNING_RATE,
  type TrainConfig,
} from "../src/train/config.ts";
import { binLossCurve } from "../src/train/plot.ts";
import { linePlotPng } from "../src/render/plot.ts";
import type { AdapterWeights } from "../src/features/adapter_graph.ts";
import {
  checkClaims,
  claimLines,
  CONFIG_SPECS,
  parseConfigs,
  PROOF_CONFIGS,
  type ProofConfig,
  proofTable,
  type RunScore,
  type SiteScore,
  siteTable,
  summarize,
} from "./train_report.ts";
import {
  type LoadContext,
  loadSplit,
  OverallProgress,
  type RunResult,
  scoreAdapter,
  type Split,
  teacherScores,
  trainAndScore,
  withProposals,
} from "./train_runs.ts";

type Mode = "gt" | "proposals";

/**
 * Peak learning rate of the proof table's runs from scratch unless `--lr` names one: the rate
 * its published rows were measured at (below the trainer's from-scratch default).
 */
const PROOF_LEARNING_RATE = 1e-3;

interface Options {
  data: string;
  site: string | null;
  steps: number;
  siteSteps: number;
  seeds: number[];
  crop: number;
  configs: ProofConfig[];
  modes: Mode[];
  scenes?: number;
  out: string;
  cacheDir?: string | null;
  backbone: string;
  /** peak learning rate of the runs trained from scratch */
  lr: number;
}

const BOOLEAN = new Set(["--quick", "--proposals"]);

function parseOptions(args: string[]): Options {
  const m = parseFlags(args, BOOLEAN);
  const quick = m.has("--quick");
  const steps = numberFlag(m, "--steps") ?? (quick ? 8 : 600);
  const inst = m.get("--instances") ?? (m.has("--proposals") ? "proposals" : "gt");
  if (!["gt", "proposals", "both"].includes(inst)) {
    throw new Error(`--instances must be gt, proposals or both, got '${inst}'`);
  }
  const site = m.get("--site") ?? ".cache/bench/site";
  const cache = m.get("--cache");
  return {
    data: m.get("--data") ?? ".cache/bench/standard",
    site: site === "none" ? null : site,
    steps,
    siteSteps: numberFlag(m, "--site-steps") ?? (quick ? 4 : Math.max(1, Math.round(steps / 4))),
    seeds: parseSeeds(m.get("--seeds") ?? "1,2,3").slice(0, quick ? 1 : undefined),
    crop: numberFlag(m, "--crop") ?? (quick ? 20_000 : 60_000),
    configs: parseConfigs(m.get("--configs") ?? PROOF_CONFIGS.join(",")),
    modes: inst === "both" ? ["gt", "proposals"] : [inst as Mode],
    scenes: numberFlag(m, "--scenes") ?? (quick ? 2 : undefined),
    out: m.get("--out") ?? ".cache/bench",
    cacheDir: cache === "none" ? null : cache,
    backbone: m.get("--backbone") ?? DEFAULT_TRAIN_CONFIG.backbone,
    lr: numberFlag(m, "--lr") ?? PROOF_LEARNING_RATE,
  };
}

function parseSeeds(text: string): number[] {
  const seeds = text.split(",").map((x) => Number(x.trim()));
  if (seeds.some((x) => !Number.isInteger(x) || x < 0)) {
    throw new Error(`--seeds must be comma-separated integers ≥ 0, got '${text}'`);
  }
  return seeds;
}

async function exists(path: string): Promise<boolean> {
  return await stat(path).then(() => true, () => false);
}

/** Mean loss curve (total) over the runs of each configuration, binned. */
function lossSeries(curves: Map<string, RunResult["lossCurve"][]>) {
  return [...curves].map(([name, runs]) => {
    const n = Math.min(...runs.map((r) => r.length));
    const mean = Array.from({ length: n }, (_, i) => {
      const p = runs.map((r) => r[i]);
      const avg = (k: "sp" | "mask" | "sim" | "total") =>
        p.reduce((s, x) => s + x[k], 0) / p.length;
      return {
        step: i + 1,
        sp: avg("sp"),
        mask: avg("mask"),
        sim: avg("sim"),
        total: avg("total"),
      };
    });
    const binned = binLossCurve(mean, 200);
    return { name, x: binned.map((b) => b.step), y: binned.map((b) => b.total) };
  });
}

/** Runs the benchmark (see the module doc). */
export async function run(args: string[]): Promise<void> {
  const o = parseOptions(args);
  const log = (line: string) => console.error(`bench train: ${line}`);
  const backbone = await loadBackbone(o.backbone);
  const ctx: LoadContext = {
    backbone,
    voxelSize: DEFAULT_TRAIN_CONFIG.voxelSize,
    cacheDir: o.cacheDir,
    log,
  };
  const trained = o.configs.filter((c) => CONFIG_SPECS[c].overrides !== null);
  const siteOn = o.site !== null && await exists(join(o.site, "train")) &&
    await exists(join(o.site, "test"));
  if (o.site !== null && !siteOn) log(`site section skipped: ${o.site}/{train,test} not found`);
  const needBase = siteOn && !o.configs.includes("full");
  // naive distillation reads no instance: trained once whatever the instance settings
  const perSeed = o.modes.length * trained.length -
    (o.modes.length > 1 && trained.includes("naive") ? o.modes.length - 1 : 0);
  const totalSteps = o.seeds.length *
    (perSeed * o.steps + (siteOn ? o.siteSteps : 0) + (needBase ? o.steps : 0));
  log(
    `${perSeed * o.seeds.length} training runs of ${o.steps} steps` +
      `${siteOn ? ` + ${o.seeds.length} site fine-tunes of ${o.siteSteps}` : ""} (crop ${o.crop})`,
  );
  const gtTrain = await loadSplit(join(o.data, "train"), ctx, { limit: o.scenes, teacher: true });
  const test = await loadSplit(join(o.data, "test"), ctx, { limit: o.scenes });
  const dg = backbone.dim;
  const base: Partial<TrainConfig> = {
    steps: o.steps,
    maxPointsPerStep: o.crop,
    backbone: o.backbone,
    learningRate: o.lr,
  };
  const progress = new OverallProgress(totalSteps, log);
  const teacher = teacherScores(test);
  const report: Record<string, unknown> = {
    date: new Date().toISOString(),
    options: o,
    teacher: { miou: teacher.mIoU, macc: teacher.mAcc },
  };
  const baseAdapters = new Map<number, AdapterWeights>();
  const curves = new Map<string, RunResult["lossCurve"][]>();
  let stepSeconds = 0, stepCount = 0;
  const out: string[] = [];
  for (const mode of o.modes) {
    const train = mode === "gt" ? gtTrain : await withProposals(gtTrain, ctx);
    const runs: (RunScore & { seconds: number; perClassIou: Record<string, number> })[] = [];
    for (const config of o.configs) {
      const overrides = CONFIG_SPECS[config].overrides;
      if (overrides === null) {
        runs.push({
          config,
          seed: 0,
          miou: teacher.mIoU,
          macc: teacher.mAcc,
          seconds: 0,
          perClassIou: {},
        });
        continue;
      }
      const first = report[o.modes[0]] as { runs: typeof runs } | undefined;
      if (config === "naive" && first) {
        runs.push(...first.runs.filter((r) => r.config === "naive"));
        continue;
      }
      for (const seed of o.seeds) {
        const label = `[${mode}] ${config} seed ${seed}`;
        const t0 = performance.now();
        const r = await trainAndScore({
          base,
          overrides,
          seed,
          train,
          test,
          dg,
          label,
          progress,
          log,
        });
        const seconds = (performance.now() - t0) / 1000;
        stepSeconds += r.stepSeconds;
        stepCount += o.steps;
        if (config === "full" && !baseAdapters.has(seed)) baseAdapters.set(seed, r.adapter);
        if (mode === o.modes[0]) curves.set(config, [...(curves.get(config) ?? []), r.lossCurve]);
        const perClassIou = Object.fromEntries(
          r.student.classNames.map((n, c) => [n, r.student.iou[c]]),
        );
        runs.push({
          config,
          seed,
          miou: r.student.mIoU,
          macc: r.student.mAcc,
          seconds,
          perClassIou,
        });
        log(
          `${label}: test mIoU ${(100 * r.student.mIoU).toFixed(1)} mAcc ` +
            `${(100 * r.student.mAcc).toFixed(1)} (${seconds.toFixed(0)} s)`,
        );
      }
    }
    const summary = summarize(runs);
    const claims = checkClaims(summary);
    const title = mode === "gt"
      ? "ground-truth instances (instance.npy)"
      : "geometric instance proposals (no instance.npy)";
    out.push(
      `## Proving ground: ${o.data}/test, trained with ${title}\n`,
      `${gtTrain.scenes.length} train / ${test.scenes.length} test scenes, ${o.steps} steps, ` +
        `crop ${o.crop}, seeds ${
          o.seeds.join(",")
        }; mIoU / mAcc in percent, mean ± std over seeds\n`,
      proofTable(summary),
      "",
      claimLines(claims),
      "",
    );
    report[mode] = { runs, summary, claims };
  }
  if (siteOn) {
    out.push(await siteSection(o, ctx, { base, gtTrain, baseAdapters, progress, log, report }));
  }
  const meanStep = stepCount > 0 ? stepSeconds / stepCount : NaN;
  out.push(`mean training step: ${meanStep.toFixed(2)} s (crop ${o.crop}, this machine)`);
  report.meanStepSeconds = meanStep;
  console.log(out.join("\n"));
  await mkdir(o.out, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const file = join(o.out, `train-${stamp}.json`);
  await writeFile(file, JSON.stringify(report, null, 1));
  log(`wrote ${file}`);
  if (curves.size > 0) {
    const png = join(o.out, `train-${stamp}-loss.png`);
    await writeFile(
      png,
      linePlotPng(lossSeries(curves), { title: `training loss (mean over seeds, ${o.modes[0]})` }),
    );
    log(`wrote ${png}`);
  }
}

/** Base (standard train) vs fine-tuned on the site scans, both scored on the site test scans. */
async function siteSection(
  o: Options,
  ctx: LoadContext,
  s: {
    /** the settings every run of the table shares */
    base: Partial<TrainConfig>;
    gtTrain: Split;
    baseAdapters: Map<number, AdapterWeights>;
    progress: OverallProgress;
    log: (line: string) => void;
    report: Record<string, unknown>;
  },
): Promise<string> {
  const site = o.site!;
  const gtSite = await loadSplit(join(site, "train"), ctx, { limit: o.scenes, teacher: true });
  const siteTrain = o.modes[0] === "gt" ? gtSite : await withProposals(gtSite, ctx);
  const siteTest = await loadSplit(join(site, "test"), ctx, { limit: o.scenes });
  const dg = ctx.backbone.dim;
  const hidden = DEFAULT_TRAIN_CONFIG.hidden;
  const scores: SiteScore[] = [];
  for (const seed of o.seeds) {
    let adapter = s.baseAdapters.get(seed);
    if (!adapter) {
      adapter = (await trainAndScore({
        base: s.base,
        overrides: {},
        seed,
        train: s.gtTrain,
        test: siteTest,
        dg,
        label: `[site] base seed ${seed}`,
        progress: s.progress,
        log: s.log,
      })).adapter;
    }
    const before = await scoreAdapter(siteTest, { dg, c: siteTest.classes.dim, hidden }, adapter);
    const tuned = await trainAndScore({
      base: { ...s.base, steps: o.siteSteps, learningRate: FINE_TUNE_LEARNING_RATE },
      overrides: {},
      seed,
      train: siteTrain,
      test: siteTest,
      dg,
      init: adapter,
      label: `[site] fine-tune seed ${seed}`,
      progress: s.progress,
      log: s.log,
    });
    scores.push({
      seed,
      base: { miou: before.mIoU, macc: before.mAcc },
      tuned: { miou: tuned.student.mIoU, macc: tuned.student.mAcc },
    });
    s.log(
      `[site] seed ${seed}: base mIoU ${(100 * before.mIoU).toFixed(1)}, fine-tuned ` +
        `${(100 * tuned.student.mIoU).toFixed(1)}`,
    );
  }
  const teacher = teacherScores(siteTest);
  s.report.site = { scores, teacher: { miou: teacher.mIoU, macc: teacher.mAcc } };
  return [
    `## Site adaptation: ${site}/test (${siteTest.scenes.length} scans)\n`,
    `base = full GeoGuide on ${o.data}/train (${o.steps} steps); fine-tuned from it on ` +
    `${siteTrain.scenes.length} site scans for ${o.siteSteps} steps; instances: ` +
    `${o.modes[0] === "gt" ? "instance.npy" : "geometric proposals"}\n`,
    siteTable(scores, { miou: teacher.mIoU, macc: teacher.mAcc }),
    "",
  ].join("\n");
}
