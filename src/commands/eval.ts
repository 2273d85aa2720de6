/**
 * `eval --model MODEL_DIR --data DIR`: runs a published model's inference path on every
 * scene of a dataset folder that has ground truth and prints the per-class IoU table.
 *
 * `MODEL_DIR` is a version folder (`models/default/2`) or a model folder (its latest
 * version). stdout: the teacher's scores on the same points (`teacher mIoU=… mAcc=…`,
 * when the scenes have teacher.npy), then the model's table, whose last line is
 * `mIoU=xx.x mAcc=yy.y` (percent). Progress on stderr.
 *
 * @module
 */

import { GeoError } from "../kernels/errors.ts";
import { formatMetricsTable } from "../kernels/segmentation_metrics.ts";
import { evaluateModel } from "../train/evaluate.ts";
import { parseFlags } from "./train.ts";

/** Usage of `eval` (printed by `cli.ts` for `--help` / `-h` and on bad usage). */
export const USAGE = [
  "usage: eval --model MODEL_DIR --data DIR",
  "  --model DIR  version folder (models/default/2) or model folder (its latest version); required",
  "  --data DIR   dataset folder(s) with ground truth, commas between folders; required",
  "stdout: the teacher's scores (when the scenes have teacher.npy), the per-class IoU table,",
  "last line mIoU=xx.x mAcc=yy.y (percent); progress on stderr",
].join("\n");

const pct = (x: number) => (Number.isNaN(x) ? "nan" : (100 * x).toFixed(1));

/**
 * Runs the command.
 *
 * @returns 0 on success, 1 on a failure, 2 on bad usage
 */
export async function run(args: string[]): Promise<number> {
  let m: Map<string, string>;
  try {
    m = parseFlags(args, new Set());
    const unknown = [...m.keys()].filter((k) => k !== "--model" && k !== "--data");
    if (unknown.length > 0) throw new GeoError("invalid_argument", `Unknown flag ${unknown[0]}`);
    if (!m.has("--model") || !m.has("--data")) {
      throw new GeoError("invalid_argument", "--model and --data are required");
    }
  } catch (e) {
    console.error(`eval: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  try {
    const r = await evaluateModel(m.get("--model")!, m.get("--data")!, {
      log: (line) => console.error(`eval: ${line}`),
    });
    if (r.teacher) {
      console.log(`teacher mIoU=${pct(r.teacher.mIoU)} mAcc=${pct(r.teacher.mAcc)} (same points)`);
    }
    console.log(`model: ${r.scenes} scenes, ${r.points} points`);
    console.log(formatMetricsTable(r.student));
    return 0;
  } catch (e) {
    const err = GeoError.from(e);
    console.error(`eval: ${err.message}`);
    return err.kind === "invalid_argument" ? 2 : 1;
  }
}
