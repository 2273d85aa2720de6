/**
 * `info <file>`: prints one JSON object describing a point-cloud file —
 * `points`, `attributes`, `bbox` ({min, max} in file units, metres by
 * convention), and for .npy also `dtype` and `shape` of the coordinates.
 *
 * @module
 */

import { GeoError } from "../kernels/errors.ts";
import { boundingBox, cloudAttributes } from "../kernels/point_cloud.ts";
import { readCloudFile } from "../io/read_cloud.ts";

/** Usage of `info` (printed by `cli.ts` for `--help` / `-h` and on bad usage). */
export const USAGE = [
  "usage: info <file.drc|.ply|.pcd|.npy>",
  "  <file>  the point-cloud file (no flags)",
  "stdout: one JSON object: points, attributes, bbox {min, max} (file units); for .npy also",
  "dtype and shape",
].join("\n");

/**
 * Runs the command.
 *
 * @param args `[file]`
 * @returns 0 on success, 1 on an unreadable or invalid file, 2 on bad usage
 */
export async function run(args: string[]): Promise<number> {
  if (args.length !== 1 || args[0].startsWith("-")) {
    console.error(USAGE);
    return 2;
  }
  try {
    const cloud = await readCloudFile(args[0]);
    const b = boundingBox(cloud.coord);
    const out: Record<string, unknown> = {
      points: cloud.count,
      attributes: cloudAttributes(cloud),
      bbox: { min: [b[0], b[1], b[2]], max: [b[3], b[4], b[5]] },
    };
    if (cloud.npy) {
      out.dtype = cloud.npy.dtype;
      out.shape = cloud.npy.shape;
    }
    console.log(JSON.stringify(out));
    return 0;
  } catch (e) {
    const err = GeoError.from(e);
    console.error(`info: ${err.kind === "internal" ? String(e) : err.message}`);
    return 1;
  }
}
