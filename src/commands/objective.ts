/**
 * `objective --case CASE.json`: prints one JSON object
 * `{ "loss": {sp, mask, sim, total}, "grad": { "adapter": {w1,b1,w2,b2},
 * "reliability": {w1,b1,w2,b2} } }` — the GeoGuide losses of the case and the gradients of
 * `total` (float64), as defined in `docs/objective.md`. Nothing else goes to stdout.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { GeoError } from "../kernels/errors.ts";
import { probeObjective } from "../train/objective/probe.ts";

/** Usage of `objective` (printed by `cli.ts` for `--help` / `-h` and on bad usage). */
export const USAGE = [
  "usage: objective --case CASE.json [--backend onnxruntime|interpreter]",
  "  --case FILE     the case JSON (see docs/objective.md); required",
  "  --backend B     onnxruntime (CPU session in double) or interpreter (float64); default onnxruntime",
  "stdout: one JSON object {loss: {sp, mask, sim, total}, grad: {adapter, reliability}}",
].join("\n");

/**
 * Runs the command.
 *
 * @param args `["--case", path]` (or `--case=path`), optionally `--backend interpreter` to
 *   evaluate with the float64 interpreter instead of a CPU onnxruntime session in double
 * @returns 0 on success, 1 on an unreadable or invalid case, 2 on bad usage
 */
export async function run(args: string[]): Promise<number> {
  let path: string | undefined;
  let backend: "onnxruntime" | "interpreter" = "onnxruntime";
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].startsWith("--") && args[i].includes("=")
      ? [args[i].slice(0, args[i].indexOf("=")), args[i].slice(args[i].indexOf("=") + 1)]
      : [args[i], undefined];
    const value = inline ?? (i + 1 < args.length ? args[++i] : undefined);
    if (flag === "--case" && value !== undefined) path = value;
    else if (flag === "--backend" && (value === "onnxruntime" || value === "interpreter")) {
      backend = value;
    } else {
      console.error(`objective: unexpected argument '${args[i]}'\n${USAGE}`);
      return 2;
    }
  }
  if (!path) {
    console.error(USAGE);
    return 2;
  }
  try {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(path, "utf8"));
    } catch (e) {
      throw new GeoError(
        "invalid_argument",
        `Cannot read case file '${path}': ${(e as Error).message}`,
      );
    }
    const t0 = performance.now();
    const out = await probeObjective(json, { backend });
    console.error(`objective: evaluated in ${(performance.now() - t0).toFixed(0)} ms`);
    console.log(JSON.stringify(out));
    return 0;
  } catch (e) {
    const err = GeoError.from(e);
    console.error(`objective: ${err.kind === "internal" ? String(e) : err.message}`);
    return 1;
  }
}
