/**
 * `views --data DIR --out DIR [--views 1] [--seed S]`: writes, for every scene of a dataset
 * folder, `--views` single depth-sensor views of it (`train/sensor_view.ts`): a sensor at
 * robot height (0.9–1.3 m) on a random floor spot, random heading, 58° × 45° field of view,
 * 5 m range, keeping the points it would see and every per-point array with them (teacher,
 * labels, instances…). Scene `NAME` gives `NAME_v0`, `NAME_v1`, … Training on such views next
 * to whole rooms shows a model the cut walls and half-seen objects of a single robot scan.
 *
 * stdout: one JSON summary; progress on stderr.
 *
 * @module
 */

import { GeoError } from "../kernels/errors.ts";
import { Rng } from "../kernels/random.ts";
import { readDataset, readScene, writeDatasetHeader, writeScene } from "../io/dataset.ts";
import { subsetScene } from "../train/decimate.ts";
import { sensorView } from "../train/sensor_view.ts";
import { formatDuration } from "../train/progress.ts";
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
  let data: string, out: string, views: number, seed: number;
  try {
    const m = parseFlags(args, new Set());
    checkKnownFlags(m, KNOWN);
    if (!m.has("--data") || !m.has("--out")) {
      throw new GeoError("invalid_argument", "--data and --out are required");
    }
    [data, out] = [m.get("--data")!, m.get("--out")!];
    if (data === out) throw new GeoError("invalid_argument", "--out must differ from --data");
    views = numberFlag(m, "--views") ?? 1;
    if (!Number.isInteger(views) || views < 1) {
      throw new GeoError("invalid_argument", `--views must be an integer ≥ 1, got ${views}`);
    }
    seed = numberFlag(m, "--seed") ?? 0;
  } catch (e) {
    console.error(`views: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  try {
    const info = await readDataset(data);
    await writeDatasetHeader(out, info.labels, info.embeddings);
    const rng = new Rng(seed);
    const start = performance.now();
    let written = 0, missed = 0, kept = 0;
    for (const [i, name] of info.scenes.entries()) {
      const scene = await readScene(data, name, { numClasses: info.labels.length });
      for (let k = 0; k < views; k++) {
        const view = sensorView(scene, rng);
        if (!view) {
          missed++;
          continue;
        }
        await writeScene(out, { ...subsetScene(scene, view.keep), name: `${name}_v${k}` });
        written++;
        kept += view.count;
      }
      const rate = (i + 1) / ((performance.now() - start) / 1000);
      console.error(
        `views: scene ${i + 1}/${info.scenes.length} ${name}: ${scene.count} points, ` +
          `${written} views so far, ${rate.toFixed(2)} scenes/s, ETA ` +
          formatDuration((info.scenes.length - i - 1) / rate),
      );
    }
    console.log(
      JSON.stringify({ scenes: info.scenes.length, views: written, missed, points: kept, out }),
    );
    return 0;
  } catch (e) {
    const err = GeoError.from(e);
    console.error(`views: ${err.message}`);
    return err.kind === "invalid_argument" ? 2 : 1;
  }
}
