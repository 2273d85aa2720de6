/**
 * Builds a `SegmentInput` with the defaults a request without those fields
 * means: default model, latest version, no scores or positions returned,
 * the model's text encoder and prompt template, and no `minScore` (the model
 * version's calibrated threshold applies, else 0).
 *
 * @module
 */

import type { CloudInput } from "../features/cloud_input.ts";
import type { SegmentInput } from "./api.ts";

/** Most points an in-process caller allows unless it says otherwise. */
export const IN_PROCESS_MAX_POINTS = 10_000_000;

/**
 * A segmentation request for `cloud` and `labels`; `overrides` replace any field.
 *
 * @param cloud the encoded cloud (Draco bytes or raw arrays)
 * @param labels free-text labels, at least one
 * @param overrides fields that differ from the defaults
 */
export function segmentInput(
  cloud: CloudInput,
  labels: readonly string[],
  overrides: Partial<SegmentInput> = {},
): SegmentInput {
  return {
    cloud,
    labels,
    model: "",
    version: 0,
    returnScores: false,
    returnPositions: false,
    labelEmbeddings: [],
    promptTemplate: "",
    limits: { maxPoints: IN_PROCESS_MAX_POINTS },
    ...overrides,
  };
}
