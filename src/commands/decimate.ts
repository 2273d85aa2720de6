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
import { Rng } from "../kernels/random.ts";
import { readDataset, readScene, writeDatasetHeader, writeScene } from "../io/dataset.ts";
import { flatThinningMask, subsetScene } from "../train/decimate.ts";
import { formatDuration } from "../train/progress.ts";
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
  let data: string, out: string, keep: [number, number], flatness: number, seed: number;
  try {
    const m = parseFlags(args, new Set());
    checkKnownFlags(m, KNOWN);
    if (!m.has("--data") || !m.has("--out")) {
      throw new GeoError("invalid_argument", "--data and --out are required");
    }
    [data, out] = [m.get("--data")!, m.get("--out")!];
    if (data === out) throw new GeoError("invalid_argument", "--out must differ from --data");
    keep = keepRange(m.get("--keep"));
    flatness = numberFlag(m, "--flatness") ?? 0.01;
    seed = numberFlag(m, "--seed") ?? 0;
  } catch (e) {
    console.error(`decimate: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  try {
    const info = await readDataset(data);
    await writeDatasetHeader(out, info.labels, info.embeddings);
    const rng = new Rng(seed);
    const start = performance.now();
    let before = 0, after = 0;
    for (const [i, name] of info.scenes.entries()) {
      const scene = await readScene(data, name, { numClasses: info.labels.length });
      const share = keep[0] + (keep[1] - keep[0]) * rng.next();
      const mask = flatThinningMask(scene, rng, { keep: share, flatness });
      const thin = subsetScene(scene, mask);
      await writeScene(out, thin);
      before += scene.count;
      after += thin.count;
      const rate = (i + 1) / ((performance.now() - start) / 1000);
      console.error(
        `decimate: scene ${i + 1}/${info.scenes.length} ${name}: ${scene.count} → ${thin.count} ` +
          `points (flat kept ${share.toFixed(2)}), ${rate.toFixed(2)} scenes/s, ETA ` +
          formatDuration((info.scenes.length - i - 1) / rate),
      );
    }
    console.log(JSON.stringify({ scenes: info.scenes.length, points: before, kept: after, out }));
    return 0;
  } catch (e) {
    const err = GeoError.from(e);
    console.error(`decimate: ${err.message}`);
    return err.kind === "invalid_argument" ? 2 : 1;
  }
}
