/**
 * Atomic file writes: the bytes go to a temporary sibling that is renamed
 * over the target, so a reader never sees a partial file and concurrent
 * writers of the same path leave one whole copy.
 *
 * @module
 */

import { randomUUID } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Writes `bytes` to `path` atomically, creating its folder when needed.
 *
 * @param path target file
 * @param bytes the whole content
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${randomUUID()}`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
