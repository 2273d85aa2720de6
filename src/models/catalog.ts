/**
 * `ModelInfo` of every registry model (for ListModels and model checks),
 * read from the manifest of each model's latest version.
 *
 * @module
 */

import { listModels, loadVersion, resolveDefaultModel } from "./registry.ts";
import type { ModelInfo } from "../infer/api.ts";

/**
 * Describes every model of the registry at `root`; `preferredDefault` ("" =
 * pick, see `resolveDefaultModel`) marks the default. Each latest version is
 * loaded and verified (sha256), so a corrupt model fails here.
 */
export async function describeRegistry(root: string, preferredDefault = ""): Promise<ModelInfo[]> {
  const models = await listModels(root);
  const def = resolveDefaultModel(models.map((m) => m.name), preferredDefault);
  const out: ModelInfo[] = [];
  for (const m of models) {
    const { manifest } = await loadVersion(root, m.name);
    out.push({
      name: m.name,
      versions: m.versions,
      isDefault: m.name === def,
      featureDim: manifest.dims.feature,
      textEncoder: manifest.text_encoder.name,
      backbone: manifest.backbone.kind,
      trainingSummary: manifest.training ? JSON.stringify(manifest.training) : "",
      defaultLabels: manifest.default_labels,
    });
  }
  return out;
}
