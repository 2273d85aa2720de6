/**
 * `decimate --data DIR --out DIR [--keep 0.25 | --keep A,B] [--flatness 0.01] [--seed S]`:
 * writes a copy of a dataset folder whose flat surfaces are thinned the way a decimated
 * reconstruction mesh samples them (`train/decimate.ts`): each flat point of a scene stays
 * with probability `keep` (one value, or a range from which each scene draws its own), all
 * other points stay, and every per-point array (colour, teacher, labels, instances…) follows.
 * Training on such copies next to the dense rooms teaches a model rooms sampled either way.
 *
 * stdout: one JSON summary; progress on stderr.
 *
 * @module
 */

import { GeoError } from "../kernels/errors.ts";
import { flatThinningMask, subsetScene } from "../train/decimate.ts";
import { copyDataset, copyFlags } from "./_dataset_copy.ts";
import { checkKnownFlags, numberFlag, parseFlags } from "./_flags.ts";

/** Usage of `decimate` (printed by `cli.ts` for `--help` / `-h` and on bad usage). */
export const USAGE = [
  "usage: decimate --data DIR --out DIR [flags]",
  "  --data DIR       dataset folder to copy; required",
  "  --out DIR        new dataset folder; required",
  "  --keep K|A,B     share of flat points kept, or a range drawn per scene; default 0.25",
  "  --flatness F     largest kNN surface variation that counts as flat; default 0.01",
  "  --seed S         seed of the draws; default 0",
].join("\n");

const KNOWN = new Set(["--data", "--out", "--keep", "--flatness", "--seed"]);

/** Parses `--keep`: one share or an `A,B` range, each in (0, 1]. */
function keepRange(text: string | undefined): [number, number] {
  const parts = (text ?? "0.25").split(",").map(Number);
  const [a, b] = parts.length === 1 ? [parts[0], parts[0]] : parts;
  if (parts.length > 2 || !(a > 0 && a <= 1 && b >= a && b <= 1)) {
    throw new GeoError(
      "invalid_argument",
      `--keep must be K or A,B with 0 < A ≤ B ≤ 1, got '${text}'`,
    );
  }
  return [a, b];
}

/**
 * Runs the command.
 *
 * @returns 0 on success, 1 on a failure, 2 on bad usage
 */
export async function run(args: string[]): Promise<number> {
  let copy: ReturnType<typeof copyFlags>, keep: [number, number], flatness: number;
  try {
    const m = parseFlags(args, new Set());
    checkKnownFlags(m, KNOWN);
    copy = copyFlags(m);
    keep = keepRange(m.get("--keep"));
    flatness = numberFlag(m, "--flatness") ?? 0.01;
  } catch (e) {
    console.error(`decimate: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  return await copyDataset("decimate", copy, (scene, rng) => {
    const share = keep[0] + (keep[1] - keep[0]) * rng.next();
    const thin = subsetScene(scene, flatThinningMask(scene, rng, { keep: share, flatness }));
    return {
      scenes: [thin],
      note: `${scene.count} → ${thin.count} points (flat kept ${share.toFixed(2)})`,
    };
  });
}
