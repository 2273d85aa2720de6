/**
 * The description of every registry model (for ListModels and model checks),
 * read from the manifest of each model's latest version.
 *
 * @module
 */

import { listModels, loadVersion, resolveDefaultModel } from "./registry.ts";

/** One registry model as ListModels describes it (`infer/api.ts` calls it `ModelInfo`). */
export interface ModelDescription {
  /** Model name (registry folder). */
  readonly name: string;
  /** Published versions, ascending. */
  readonly versions: readonly number[];
  /** Whether an empty request model means this one. */
  readonly isDefault: boolean;
  /** Feature / text embedding dimension of the latest version. */
  readonly featureDim: number;
  /** Text encoder name of the latest version. */
  readonly textEncoder: string;
  /** Backbone kind of the latest version. */
  readonly backbone: string;
  /** Training summary of the latest version, a JSON object text ("" when none). */
  readonly trainingSummary: string;
  /** Default labels of the latest version. */
  readonly defaultLabels: readonly string[];
}

/**
 * Describes every model of the registry at `root`; `preferredDefault` ("" =
 * pick, see `resolveDefaultModel`) marks the default. Each latest version is
 * loaded and verified (sha256), so a corrupt model fails here.
 */
export async function describeRegistry(
  root: string,
  preferredDefault = "",
): Promise<ModelDescription[]> {
  const models = await listModels(root);
  const def = resolveDefaultModel(models.map((m) => m.name), preferredDefault);
  const out: ModelDescription[] = [];
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
