/**
 * A published version again, with a reject threshold: the same files (copied, byte for
 * byte) and manifest, `calibration` set, published atomically as a NEW version
 * (`publishVersion`); the source version is never changed.
 *
 * @module
 */

import { copyFile, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { ManifestCalibration, ManifestDraft, ModelManifest } from "./manifest.ts";
import { loadVersion, publishVersion } from "./registry.ts";

/** The training-config field of a Train RPC's idempotency key (`train/publish.ts`). */
const REQUEST_ID = "request_id";

/**
 * The draft of a copy of `m` with `calibration`: every field but name, version, files
 * and creation time (now, at publish). A Train RPC's idempotency key is left out of the
 * training record, so that a replay still finds the version the run published.
 */
export function calibratedDraft(m: ModelManifest, calibration: ManifestCalibration): ManifestDraft {
  const { name: _n, version: _v, files: _f, created: _c, ...rest } = m;
  let training = m.training;
  if (training && REQUEST_ID in training.config) {
    const { [REQUEST_ID]: _id, ...config } = training.config;
    training = { ...training, config };
  }
  return { ...rest, training, calibration };
}

/**
 * Publishes a copy of version `from.version` of `from.name` (under `from.root`) with the
 * given calibration as the next version of `to.name` under `to.root` (the same model or
 * another). The source is verified (sha256 of every file) before it is copied.
 *
 * @returns the manifest as written
 * @throws GeoError not_found / failed_precondition for a missing or corrupt source,
 *   invalid_argument for a bad calibration (naming the field)
 */
export async function publishCalibratedCopy(
  from: { root: string; name: string; version: number },
  calibration: ManifestCalibration,
  to: { root: string; name: string },
): Promise<ModelManifest> {
  const src = await loadVersion(from.root, from.name, from.version);
  const draft = calibratedDraft(src.manifest, calibration);
  return await publishVersion(to.root, to.name, async (dir) => {
    for (const rel of Object.keys(src.manifest.files)) {
      const dest = join(dir, ...rel.split("/"));
      await mkdir(dirname(dest), { recursive: true });
      await copyFile(src.file(rel), dest);
    }
  }, draft);
}
