/**
 * Small helpers over the registry's folders: the model-name check and listings that
 * treat a missing folder as empty.
 *
 * @module
 */

import { readdir } from "node:fs/promises";
import { GeoError, quote } from "../kernels/errors.ts";
import { MODEL_NAME_RE } from "./manifest.ts";

/** Throws invalid_argument unless `name` is a valid model (registry folder) name. */
export function checkName(name: string): void {
  if (!MODEL_NAME_RE.test(name)) {
    throw new GeoError(
      "invalid_argument",
      `Model name ${quote(name)} must be 1-64 letters, digits, '_', '.', '-'`,
    );
  }
}

/** True when `e` is a "no such file or folder" error. */
export function isMissing(e: unknown): boolean {
  return (e as { code?: string })?.code === "ENOENT";
}

/** Names in folder `dir`; [] when it does not exist. */
export async function entriesOf(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (e) {
    if (isMissing(e)) return [];
    throw e;
  }
}
