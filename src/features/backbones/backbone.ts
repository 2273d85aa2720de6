/**
 * Frozen 3D backbones: what turns a scene's geometry into the per-point
 * geometric features F_G (N×dim) that the adapter reads.
 *
 * Kinds:
 * - `"descriptor"`: the deterministic multi-scale point descriptor of
 *   `src/kernels/geometric_descriptor.ts` (no weights), in three versions:
 *   "geodesc-1" (48 local columns, the default), "geodesc-2" (the same 48
 *   columns followed by the 23 scene-context columns of
 *   `src/kernels/context_descriptor.ts`: 71 columns) and "geodesc-3" (the 71
 *   columns of geodesc-2, each standardised by frozen constants,
 *   `src/features/backbones/geodesc_scaling.ts`, so that features are centred: cosine
 *   similarities between pooled features then spread over [−1, 1] instead of
 *   crowding near 1, which is what IIRC compares), and "geodesc-4" (71 columns: as
 *   geodesc-2 but the wall distance measured to walls found from local vertical evidence,
 *   `src/kernels/wall_evidence.ts`, which survives walls seen in part; standardised by
 *   constants of the world-2 standard training split, `geodesc4_scaling.ts`) and
 *   "geodesc-5" (geodesc-4 made independent of the scan's sampling density and exposure:
 *   point counts and neighbour radii taken at a reference spacing of 2 cm,
 *   `src/kernels/density_scale.ts`, and colours brought to one mean brightness,
 *   `src/kernels/brightness_gain.ts`; standardised by its own constants,
 *   `geodesc5_scaling.ts`) and "geodesc-6" (geodesc-5 with counts that measure surface:
 *   every point weighs the area it stands for, from its own neighbour spacing,
 *   `src/kernels/point_area.ts`, so a decimated mesh's sparse flat walls are not "small";
 *   the s1–s3 eigen features are weighted alike, and the kNN-radius column, which
 *   measures only sampling density, is 0; `geodesc6_scaling.ts`).
 * - `"onnx"`: a pre-trained network run through onnxruntime, implemented in
 *   `src/features/backbones/onnx.ts` against the interface here.
 *
 * `createBackbone` (factory.ts) picks the implementation a manifest names; `loadBackbone`
 * (load.ts) the one a command line names (a descriptor version or a backbone folder,
 * folder.ts).
 *
 * @module
 */

import { CONTEXT_DIM, contextDescriptor } from "../../kernels/context_descriptor.ts";
import { GeoError } from "../../kernels/errors.ts";
import {
  DESCRIPTOR_DIM,
  DESCRIPTOR_VERSION,
  geometricDescriptor,
} from "../../kernels/geometric_descriptor.ts";
import { standardizeColumns } from "../../kernels/column_standardize.ts";
import { normalizeBrightness } from "../../kernels/brightness_gain.ts";
import { densityScale } from "../../kernels/density_scale.ts";
import { pointArea } from "../../kernels/point_area.ts";
import { GEODESC_3_MEAN, GEODESC_3_SCALE } from "./geodesc_scaling.ts";
import { GEODESC_4_MEAN, GEODESC_4_SCALE } from "./geodesc4_scaling.ts";
import { GEODESC_5_MEAN, GEODESC_5_SCALE } from "./geodesc5_scaling.ts";
import { GEODESC_6_MEAN, GEODESC_6_SCALE } from "./geodesc6_scaling.ts";
import type { SceneGeometry } from "../scene_geometry.ts";
import type { BackboneInput } from "./inputs.ts";

/** The kinds of backbone a model manifest may name. */
export type BackboneKind = "descriptor" | "onnx";

/** A frozen backbone producing per-point geometric features. */
export interface Backbone {
  /** Which implementation this is. */
  readonly kind: BackboneKind;
  /** Version of the feature definition or weights (recorded in model manifests). */
  readonly version: string;
  /** Feature width Dg (columns per point). */
  readonly dim: number;
  /**
   * Features of every point of the scene.
   *
   * @param geometry the output of `analyzeScene`
   * @returns Float32Array N×dim, row i = point i of `geometry.cloud`
   */
  features(geometry: SceneGeometry): Promise<Float32Array>;
  /**
   * What a model version needs to carry this backbone (ONNX backbones built from bytes:
   * a backbone folder, a fine-tuned base model); absent for the descriptor, which needs
   * nothing, and for ONNX backbones opened from a path.
   */
  readonly bundle?: OnnxBackboneBundle;
  /** Frees native resources (ONNX sessions); absent when there are none. */
  release?(): Promise<void>;
}

/**
 * How a model version carries an ONNX backbone: the bytes it writes as `backbone.onnx`
 * and the manifest backbone entry (without `file`, which the bundle writer names).
 */
export interface OnnxBackboneBundle {
  /** the ONNX model, written into the version as `backbone.onnx` */
  onnx: Uint8Array;
  /** the manifest backbone entry */
  entry: {
    kind: "onnx";
    /** weights version (the backbone's `version`) */
    version: string;
    /** feature width Dg */
    dim: number;
    /** declared inputs of a multi-input backbone (absent: one N×9 points input) */
    inputs?: BackboneInput[];
    /** name of the single N×9 input (only without `inputs`) */
    input?: string;
    /** name of the N×Dg features output (absent: the model's first output) */
    output?: string;
  };
}

/** Descriptor versions this build computes, oldest first. */
export const DESCRIPTOR_VERSIONS = [
  DESCRIPTOR_VERSION,
  "geodesc-2",
  "geodesc-3",
  "geodesc-4",
  "geodesc-5",
  "geodesc-6",
] as const;

/** A descriptor version this build computes. */
export type DescriptorVersion = typeof DESCRIPTOR_VERSIONS[number];

/** Width of each descriptor version: 48 ("geodesc-1"), 48 + 23 = 71 (the others). */
export const DESCRIPTOR_VERSION_DIMS: Readonly<Record<DescriptorVersion, number>> = {
  [DESCRIPTOR_VERSION]: DESCRIPTOR_DIM,
  "geodesc-2": DESCRIPTOR_DIM + CONTEXT_DIM,
  "geodesc-3": DESCRIPTOR_DIM + CONTEXT_DIM,
  "geodesc-4": DESCRIPTOR_DIM + CONTEXT_DIM,
  "geodesc-5": DESCRIPTOR_DIM + CONTEXT_DIM,
  "geodesc-6": DESCRIPTOR_DIM + CONTEXT_DIM,
};

/** Whether `version` names a descriptor version this build computes. */
export function isDescriptorVersion(version: string): version is DescriptorVersion {
  return (DESCRIPTOR_VERSIONS as readonly string[]).includes(version);
}

/**
 * The geometric descriptor backbone (kind "descriptor").
 *
 * @param version "geodesc-1" (default: 48 columns), "geodesc-2" (71 columns: the 48 of
 *   geodesc-1, unchanged, then the 23 context columns), "geodesc-3" (geodesc-2 standardised),
 *   "geodesc-4" (wall distance from local evidence, standardised), "geodesc-5" (geodesc-4
 *   independent of sampling density and exposure, standardised) or "geodesc-6" (geodesc-5
 *   with area-weighted counts, standardised)
 * @param options `raw: true` skips the standardisation (what `tools/geodesc_scaling.ts` measures)
 * @throws GeoError failed_precondition for any other version
 */
export function descriptorBackbone(
  version: string = DESCRIPTOR_VERSION,
  options: { raw?: boolean } = {},
): Backbone {
  if (!isDescriptorVersion(version)) {
    throw new GeoError(
      "failed_precondition",
      `The model was trained with backbone version '${version}', this build computes ` +
        DESCRIPTOR_VERSIONS.map((v) => `'${v}'`).join(" or "),
    );
  }
  const dim = DESCRIPTOR_VERSION_DIMS[version];
  return {
    kind: "descriptor",
    // The unscaled variant has its own name, so no feature cache mixes the two.
    version: options.raw && STANDARDIZED[version] ? `${version}/raw` : version,
    dim,
    features(geometry: SceneGeometry): Promise<Float32Array> {
      const invariant = version === "geodesc-5" || version === "geodesc-6";
      const color = geometry.cloud.color;
      const nb = geometry.neighbors;
      const density = invariant
        ? { ...densityScale(nb), weight: version === "geodesc-6" ? pointArea(nb) : undefined }
        : undefined;
      const input = {
        coord: geometry.cloud.coord,
        normal: geometry.normal,
        color: invariant && color ? normalizeBrightness(color) : color,
        neighbors: geometry.neighbors,
        superpoints: geometry.superpoints,
        local: geometry.local,
        floor: geometry.floor,
        density,
      };
      const base = geometricDescriptor(input);
      if (version === DESCRIPTOR_VERSION) return Promise.resolve(base);
      const context = contextDescriptor(input, {
        walls: version === "geodesc-2" || version === "geodesc-3" ? "structure" : "evidence",
      });
      const n = geometry.cloud.coord.length / 3;
      const out = new Float32Array(n * dim);
      for (let i = 0; i < n; i++) {
        out.set(base.subarray(i * DESCRIPTOR_DIM, (i + 1) * DESCRIPTOR_DIM), i * dim);
        out.set(context.subarray(i * CONTEXT_DIM, (i + 1) * CONTEXT_DIM), i * dim + DESCRIPTOR_DIM);
      }
      const scaling = STANDARDIZED[version];
      if (scaling && !options.raw) standardizeColumns(out, scaling.mean, scaling.scale, out);
      return Promise.resolve(out);
    },
  };
}

/** Frozen column standardisation of the standardised descriptor versions. */
const STANDARDIZED: Partial<
  Record<DescriptorVersion, { mean: readonly number[]; scale: readonly number[] }>
> = {
  "geodesc-3": { mean: GEODESC_3_MEAN, scale: GEODESC_3_SCALE },
  "geodesc-4": { mean: GEODESC_4_MEAN, scale: GEODESC_4_SCALE },
  "geodesc-5": { mean: GEODESC_5_MEAN, scale: GEODESC_5_SCALE },
  "geodesc-6": { mean: GEODESC_6_MEAN, scale: GEODESC_6_SCALE },
};

/** How a model manifest describes its backbone. */
export interface BackboneSpec {
  /** Backbone kind. */
  kind: string;
  /** Version the model was trained with; checked when given. */
  version?: string;
  /** Feature width the model was trained with; checked when given. */
  dim?: number;
}
