/**
 * `calibrate --model MODEL_DIR --data DIR[,DIR…] [--reject-wrong Q] [--out MODEL_DIR]`:
 * measures the reject threshold of a published model on labelled data and, with `--out`,
 * publishes it.
 *
 * The model runs through the inference path on every scene with ground truth (as `eval`
 * does; points whose ground truth is −1 are left out). For each point its best score
 * (cosine) and whether its label is right; the threshold `min_score` is the lowest that
 * turns the share Q of the wrong labels into −1 ("unknown"; `kernels/reject_threshold.ts`,
 * `train/calibrate.ts`). stdout: a table of thresholds (none; the one the service uses
 * today when a client sets no min_score; Q = 0.25, 0.5, 0.75 and the requested Q) with the
 * share of wrong labels rejected, of right labels kept, of all points rejected, and mIoU
 * when the rejected points count as wrong and when they are left out (percent); then one
 * JSON line: the source model and version, the calibration, and the published version.
 *
 * `--out` is a model folder of a registry (`models/default`): a NEW version is published
 * there (atomically, the next number) with the same files as the source version and its
 * manifest with `calibration` set; the source version never changes. Progress on stderr.
 *
 * @module
 */

import { join } from "node:path";
import { GeoError } from "../kernels/errors.ts";
import { publishCalibratedCopy } from "../models/calibrated_copy.ts";
import type { ManifestCalibration } from "../models/manifest.ts";
import {
  calibrationOf,
  correctness,
  DEFAULT_REJECT_WRONG,
  type ModelScores,
  rejectMetrics,
  scoreModel,
} from "../train/calibrate.ts";
import { rejectShares } from "../kernels/reject_threshold.ts";
import { modelLocation } from "../train/evaluate.ts";
import { registryTarget } from "../train/publish.ts";
import { checkKnownFlags, parseFlags, runCancellable, shareFlag } from "./_flags.ts";

/** Usage of `calibrate` (printed by `cli.ts` for `--help` / `-h` and on bad usage). */
export const USAGE = [
  "usage: calibrate --model MODEL_DIR --data DIR [--reject-wrong Q] [--out MODEL_DIR]",
  "  --model DIR        version folder (models/default/4) or model folder (its latest); required",
  "  --data DIR[,DIR…]  labelled dataset folder(s), same labels.txt; required",
  "  --reject-wrong Q   share in [0, 1] of the wrong labels min_score turns into -1; default 0.5",
  "  --out MODEL_DIR    publish a new version there: the same files, manifest calibration set;",
  "                     default none (only measure)",
  "stdout: the threshold table (percent), then one JSON line (calibration, published version)",
].join("\n");

/** Shares of the table rows besides the requested one. */
const TABLE_SHARES = [0.25, 0.5, 0.75];

const pct = (x: number) => (Number.isNaN(x) ? "nan" : (100 * x).toFixed(1));

/** The table: one row per threshold (no threshold, the served default, then by share). */
function table(r: ModelScores, byShare: ReadonlyMap<number, ManifestCalibration>): string[] {
  const correct = correctness(r.points);
  const served = r.manifest.calibration?.min_score ?? 0;
  const rows: [string, number][] = [["none", -Infinity], ["served default", served]];
  for (const [s, c] of byShare) rows.push([`q=${s}`, c.min_score]);
  const head = ["threshold", "min_score", "wrong_rejected", "right_kept", "rejected", "mIoU_wrong"];
  const lines = [[...head, "mIoU_ignored"]];
  for (const [label, t] of rows) {
    const shares = rejectShares(r.points.scores, correct, t);
    const m = rejectMetrics(r.points, t, r.classNames);
    lines.push([
      label,
      Number.isFinite(t) ? t.toFixed(4) : "-inf",
      pct(shares.wrongRejected),
      pct(shares.rightKept),
      pct(m.rejected),
      pct(m.asWrong.mIoU),
      pct(m.ignored.mIoU),
    ]);
  }
  const widths = lines[0].map((_, c) => Math.max(...lines.map((l) => l[c].length)));
  return lines.map((l) =>
    l.map((x, c) => (c === 0 ? x.padEnd(widths[c]) : x.padStart(widths[c]))).join("  ")
  );
}

/** Measures, prints and publishes; returns the exit code. */
async function calibrate(m: Map<string, string>, signal: AbortSignal): Promise<number> {
  const log = (line: string) => console.error(`calibrate: ${line}`);
  const modelDir = m.get("--model")!, data = m.get("--data")!;
  const q = shareFlag(m, "--reject-wrong") ?? DEFAULT_REJECT_WRONG;
  const from = await modelLocation(modelDir);
  const r = await scoreModel(join(from.root, from.name, String(from.version)), data, {
    log,
    signal,
  });
  const wrong = correctness(r.points).reduce((s, c) => s + (c ? 0 : 1), 0);
  console.log(
    `model ${from.name} version ${from.version}: ${r.scenes} scenes, ${r.points.gt.length} ` +
      `points with ground truth, ${wrong} labelled wrong`,
  );
  const shares = [...new Set([...TABLE_SHARES, q])].sort((a, b) => a - b);
  const byShare = new Map(shares.map((s) => [s, calibrationOf(r.points, s, data)]));
  for (const line of table(r, byShare)) console.log(line);
  const calibration = byShare.get(q)!;
  let published: { model: string; version: number; dir: string } | undefined;
  if (m.has("--out")) {
    if (signal.aborted) throw new GeoError("cancelled", "Calibration was cancelled");
    const to = registryTarget(m.get("--out")!);
    const manifest = await publishCalibratedCopy(from, calibration, to);
    const dir = join(to.root, to.name, String(manifest.version));
    published = { model: to.name, version: manifest.version, dir };
    log(`published ${to.name} version ${manifest.version} in ${dir}`);
  }
  console.log(JSON.stringify({
    model: from.name,
    version: from.version,
    calibration,
    ...(published ? { published } : {}),
  }));
  return 0;
}

/**
 * Runs the command.
 *
 * @returns 0 on success, 1 on a failure, 2 on bad usage, 130 when interrupted
 */
export async function run(args: string[]): Promise<number> {
  let m: Map<string, string>;
  try {
    m = parseFlags(args, new Set());
    checkKnownFlags(m, new Set(["--model", "--data", "--reject-wrong", "--out"]));
    if (!m.has("--model") || !m.has("--data")) {
      throw new GeoError("invalid_argument", "--model and --data are required");
    }
    shareFlag(m, "--reject-wrong");
  } catch (e) {
    console.error(`calibrate: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  return await runCancellable("calibrate", (signal) => calibrate(m, signal));
}
