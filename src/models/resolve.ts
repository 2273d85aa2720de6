/**
 * The one place that decides and words "model not found": a model name and version asked
 * for (by a Segment request, the segment service or the registry loader) against the
 * models that exist.
 *
 * @module
 */

import { GeoError, quote } from "../kernels/errors.ts";

/** A model and its published versions, as the registry or the model list knows them. */
export interface CatalogEntry {
  /** Model name. */
  readonly name: string;
  /** Published versions. */
  readonly versions: readonly number[];
}

/** A model version that exists. */
export interface ResolvedModel {
  /** Model name. */
  readonly name: string;
  /** Version number ≥ 1 (0 resolved to the latest). */
  readonly version: number;
}

/** Most model names an error lists. */
const LISTED = 20;

/** The not_found error for a model name that is not among `names`. */
function unknownModel(name: string, names: readonly string[], what = "model"): GeoError {
  const shown = names.slice(0, LISTED).join(", ") +
    (names.length > LISTED ? `, … (${names.length} models)` : "");
  return new GeoError(
    "not_found",
    `Unknown ${what} ${quote(name)}; available: ${shown || "none"}`,
  );
}

/**
 * Resolves `name` and `version` (0 = the latest) against `catalog`.
 *
 * @throws GeoError not_found, `Unknown model "x"; available: a, b` or
 *   `Model "x" has no version 7; versions: 1, 2` (names quoted, never a path)
 */
export function resolveModel(
  catalog: readonly CatalogEntry[],
  name: string,
  version: number,
): ResolvedModel {
  const entry = catalog.find((m) => m.name === name && m.versions.length > 0);
  if (!entry) {
    throw unknownModel(name, catalog.filter((m) => m.versions.length > 0).map((m) => m.name));
  }
  const latest = Math.max(...entry.versions);
  const v = version === 0 ? latest : version;
  if (!entry.versions.includes(v)) {
    const versions = [...entry.versions].sort((a, b) => a - b).join(", ");
    throw new GeoError(
      "not_found",
      `Model ${quote(name)} has no version ${v}; versions: ${versions}`,
    );
  }
  return { name, version: v };
}

/**
 * The default model among `names`: `preferred` when given (must exist), else the only one,
 * else "default" when present, else the first by name; null when there are none.
 *
 * @throws GeoError not_found when `preferred` is not among `names`
 */
export function resolveDefaultModel(names: readonly string[], preferred = ""): string | null {
  if (preferred) {
    if (!names.includes(preferred)) throw unknownModel(preferred, names, "default model");
    return preferred;
  }
  if (names.length === 0) return null;
  if (names.length === 1) return names[0];
  return names.includes("default") ? "default" : [...names].sort()[0];
}
