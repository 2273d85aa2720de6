/**
 * `views --data DIR --out DIR [--views 1] [--seed S]`: writes, for every scene of a dataset
 * folder, `--views` single depth-sensor views of it (`train/sensor_view.ts`): a sensor at
 * robot height (0.9–1.3 m) on a random floor spot, random heading, 58° × 45° field of view,
 * 5 m range, keeping the points it would see and every per-point array with them (teacher,
 * labels, instances…). Scene `NAME` gives `NAME_v0`, `NAME_v1`, … Training on such views next
 * to whole rooms shows a model the cut walls and half-seen objects of a single robot scan.
 *
 * stdout: one JSON summary (`_dataset_copy.ts`: scenes, points, written, kept, missed); progress
 * on stderr.
 *
 * @module
 */

import { GeoError } from "../kernels/errors.ts";
import { subsetScene } from "../train/decimate.ts";
import { sensorView } from "../train/sensor_view.ts";
import { copyDataset, copyFlags } from "./_dataset_copy.ts";
import { checkKnownFlags, numberFlag, parseFlags } from "./_flags.ts";

/** Usage of `views` (printed by `cli.ts` for `--help` / `-h` and on bad usage). */
export const USAGE = [
  "usage: views --data DIR --out DIR [flags]",
  "  --data DIR       dataset folder to view; required",
  "  --out DIR        new dataset folder; required",
  "  --views K        sensor views per scene; default 1",
  "  --seed S         seed of the poses; default 0",
].join("\n");

const KNOWN = new Set(["--data", "--out", "--views", "--seed"]);

/**
 * Runs the command.
 *
 * @returns 0 on success, 1 on a failure, 2 on bad usage
 */
export async function run(args: string[]): Promise<number> {
  let copy: ReturnType<typeof copyFlags>, views: number;
  try {
    const m = parseFlags(args, new Set());
    checkKnownFlags(m, KNOWN);
    copy = copyFlags(m);
    views = numberFlag(m, "--views") ?? 1;
    if (!Number.isInteger(views) || views < 1) {
      throw new GeoError("invalid_argument", `--views must be an integer ≥ 1, got ${views}`);
    }
  } catch (e) {
    console.error(`views: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  let missed = 0;
  return await copyDataset("views", copy, (scene, rng) => {
    const scenes = [];
    for (let k = 0; k < views; k++) {
      const view = sensorView(scene, rng);
      if (view) scenes.push({ ...subsetScene(scene, view.keep), name: `${scene.name}_v${k}` });
      else missed++;
    }
    return { scenes, note: `${scene.count} points, ${scenes.length} views` };
  }, () => ({ missed }));
}
