/**
 * The `manifest.json` of a registry model version: its fields and their check.
 *
 * @module
 */

import { GeoError } from "../kernels/errors.ts";

/** Valid model (registry folder) names: 1–64 of A–Z a–z 0–9 _ . -, not starting with _ . -. */
export const MODEL_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** `manifest.json` of one model version (snake_case on disk; extra fields are kept). */
export interface ModelManifest {
  /** Model name (the registry folder). */
  name: string;
  /** Version number ≥ 1 (the version folder). */
  version: number;
  /** Creation time, ISO 8601 UTC. */
  created: string;
  /** Backbone description; `kind` names it (e.g. "sparse-unet-onnx"). */
  backbone: { kind: string; [key: string]: unknown };
  /** Dimensions; `feature` is the point-feature / text-embedding dimension. */
  dims: { feature: number; [key: string]: number };
  /** Text encoder description; `name` names it. */
  text_encoder: { name: string; [key: string]: unknown };
  /** Labels used when a client sends none of its own (may be empty). */
  default_labels: string[];
  /** Training configuration and metrics (null for hand-made models). */
  training: { config: Record<string, unknown>; metrics: Record<string, unknown> } | null;
  /** sha256 (hex) of every file of the version but manifest.json, by path relative to the version folder ("/"-separated). */
  files: Record<string, string>;
  [key: string]: unknown;
}

/** What a publisher supplies; name, version, created (optional) and files are filled in. */
export type ManifestDraft = Omit<ModelManifest, "name" | "version" | "created" | "files"> & {
  created?: string;
};

/** Checks the manifest fields; throws failed_precondition naming `source` and the field. */
export function validateManifest(m: unknown, source: string): ModelManifest {
  const bad = (what: string) => new GeoError("failed_precondition", `${source}: ${what}`);
  if (typeof m !== "object" || m === null || Array.isArray(m)) {
    throw bad("the manifest is not a JSON object");
  }
  const o = m as Record<string, unknown>;
  const isObj = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
  if (typeof o.name !== "string" || !MODEL_NAME_RE.test(o.name)) {
    throw bad("field 'name' is missing or invalid");
  }
  if (!Number.isInteger(o.version) || (o.version as number) < 1) {
    throw bad("field 'version' must be an integer ≥ 1");
  }
  if (typeof o.created !== "string" || Number.isNaN(Date.parse(o.created))) {
    throw bad("field 'created' must be an ISO 8601 time");
  }
  if (!isObj(o.backbone) || typeof (o.backbone as { kind?: unknown }).kind !== "string") {
    throw bad("field 'backbone.kind' is missing");
  }
  const feature = isObj(o.dims) ? (o.dims as { feature?: unknown }).feature : undefined;
  if (!Number.isInteger(feature) || (feature as number) < 1) {
    throw bad("field 'dims.feature' must be an integer ≥ 1");
  }
  if (!isObj(o.text_encoder) || typeof (o.text_encoder as { name?: unknown }).name !== "string") {
    throw bad("field 'text_encoder.name' is missing");
  }
  if (!Array.isArray(o.default_labels) || o.default_labels.some((l) => typeof l !== "string")) {
    throw bad("field 'default_labels' must be a list of strings");
  }
  if (
    o.training !== null &&
    !(isObj(o.training) && isObj((o.training as { config?: unknown }).config) &&
      isObj((o.training as { metrics?: unknown }).metrics))
  ) {
    throw bad("field 'training' must be null or { config: {…}, metrics: {…} }");
  }
  if (!isObj(o.files)) throw bad("field 'files' must map file paths to sha256");
  for (const [path, sha] of Object.entries(o.files as Record<string, unknown>)) {
    if (typeof sha !== "string" || !/^[0-9a-f]{64}$/.test(sha)) {
      throw bad(`files['${path}'] is not a sha256 hex`);
    }
    if (path.startsWith("/") || path.split("/").includes("..") || path === "manifest.json") {
      throw bad(`files['${path}'] is not a plain relative path`);
    }
  }
  return o as ModelManifest;
}
