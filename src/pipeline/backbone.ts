/**
 * Frozen 3D backbones: what turns a scene's geometry into the per-point
 * geometric features F_G (N×dim) that the adapter reads.
 *
 * Kinds:
 * - `"descriptor"`: the deterministic multi-scale point descriptor of
 *   `src/kernels/geometric_descriptor.ts` (the default; no weights).
 * - `"onnx"`: a pre-trained network run through onnxruntime. Its
 *   implementation belongs in `src/pipeline/onnx_backbone.ts` and plugs into
 *   {@link createBackbone} below.
 *
 * @module
 */

import { GeoError } from "../kernels/errors.ts";
import {
  DESCRIPTOR_DIM,
  DESCRIPTOR_VERSION,
  geometricDescriptor,
} from "../kernels/geometric_descriptor.ts";
import { onnxBackbone } from "./onnx_backbone.ts";
import type { SceneGeometry } from "./scene_geometry.ts";

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
}

/** The default backbone: the geometric descriptor (dim 48, version "geodesc-1"). */
export function descriptorBackbone(): Backbone {
  return {
    kind: "descriptor",
    version: DESCRIPTOR_VERSION,
    dim: DESCRIPTOR_DIM,
    features(geometry: SceneGeometry): Promise<Float32Array> {
      return Promise.resolve(geometricDescriptor({
        coord: geometry.cloud.coord,
        normal: geometry.normal,
        color: geometry.cloud.color,
        neighbors: geometry.neighbors,
        superpoints: geometry.superpoints,
        local: geometry.local,
        floor: geometry.floor,
      }));
    },
  };
}

/** How a model manifest describes its backbone. */
export interface BackboneSpec {
  /** Backbone kind. */
  kind: string;
  /** Version the model was trained with; checked when given. */
  version?: string;
  /** Feature width the model was trained with; checked when given. */
  dim?: number;
}

/**
 * The backbone a model was trained with. Throws `GeoError("failed_precondition")`
 * when the kind is unknown or not available here, or when the version or
 * width differ from what this build computes (the model would read features
 * it was not trained on).
 *
 * @param spec the manifest's backbone description
 */
export function createBackbone(spec: BackboneSpec): Backbone {
  let backbone: Backbone;
  if (spec.kind === "descriptor") {
    backbone = descriptorBackbone();
  } else if (spec.kind === "onnx") {
    backbone = onnxBackbone(spec);
  } else {
    throw new GeoError("failed_precondition", `Unknown backbone kind '${spec.kind}'`);
  }
  if (spec.version !== undefined && spec.version !== backbone.version) {
    throw new GeoError(
      "failed_precondition",
      `The model was trained with backbone version '${spec.version}', this build computes '${backbone.version}'`,
    );
  }
  if (spec.dim !== undefined && spec.dim !== backbone.dim) {
    throw new GeoError(
      "failed_precondition",
      `The model expects ${spec.dim} backbone features, the ${backbone.kind} backbone gives ${backbone.dim}`,
    );
  }
  return backbone;
}
