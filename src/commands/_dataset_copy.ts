/**
 * What the commands that write a changed copy of a dataset folder share (`decimate`,
 * `views`): the `--data` / `--out` / `--seed` flags, and the loop that reads each scene,
 * hands it to the command's change with one seeded generator, writes what comes back under
 * the same header, prints progress and one JSON summary.
 *
 * @module
 */

import { GeoError } from "../kernels/errors.ts";
import { Rng } from "../kernels/random.ts";
import {
  readDataset,
  readScene,
  type SceneArrays,
  writeDatasetHeader,
  writeScene,
} from "../io/dataset.ts";
import { formatDuration } from "../train/progress.ts";
import { numberFlag } from "./_flags.ts";

/** A read scene, as the change receives it. */
export type CopiedScene = SceneArrays & { name: string; count: number };

/** `--data` and `--out` (required, different) and `--seed` (default 0). */
export function copyFlags(m: Map<string, string>): { data: string; out: string; seed: number } {
  const data = m.get("--data"), out = m.get("--out");
  if (data === undefined || out === undefined) {
    throw new GeoError("invalid_argument", "--data and --out are required");
  }
  if (data === out) throw new GeoError("invalid_argument", "--out must differ from --data");
  return { data, out, seed: numberFlag(m, "--seed") ?? 0 };
}

/**
 * Copies a dataset folder through `change`: every scene in order, one generator seeded
 * with `seed` for all of them; `change` returns the scenes to write (any number) and a note
 * for the progress line. Prints `{ scenes, points, written, kept, …extra }` as JSON on stdout.
 *
 * @param command name for progress lines (stderr)
 * @param o dataset folder, new folder, seed
 * @param change what to write for one scene
 * @param extra more summary fields, read after the last scene
 * @returns 0, or the exit code of the error (2 invalid_argument, 1 otherwise)
 */
export async function copyDataset(
  command: string,
  o: { data: string; out: string; seed: number },
  change: (scene: CopiedScene, rng: Rng) => { scenes: CopiedScene[]; note: string },
  extra: () => Record<string, number> = () => ({}),
): Promise<number> {
  try {
    const info = await readDataset(o.data);
    await writeDatasetHeader(o.out, info.labels, info.embeddings);
    const rng = new Rng(o.seed), start = performance.now();
    let points = 0, written = 0, kept = 0;
    for (const [i, name] of info.scenes.entries()) {
      const scene = await readScene(o.data, name, { numClasses: info.labels.length });
      const { scenes, note } = change(scene, rng);
      for (const s of scenes) {
        await writeScene(o.out, s);
        kept += s.count;
      }
      points += scene.count;
      written += scenes.length;
      const rate = (i + 1) / ((performance.now() - start) / 1000);
      console.error(
        `${command}: scene ${i + 1}/${info.scenes.length} ${name}: ${note}, ` +
          `${rate.toFixed(2)} scenes/s, ETA ${formatDuration((info.scenes.length - i - 1) / rate)}`,
      );
    }
    const summary = { scenes: info.scenes.length, points, written, kept, ...extra(), out: o.out };
    console.log(JSON.stringify(summary));
    return 0;
  } catch (e) {
    const err = GeoError.from(e);
    console.error(`${command}: ${err.message}`);
    return err.kind === "invalid_argument" ? 2 : 1;
  }
}
