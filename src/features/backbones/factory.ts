/**
 * The backbone factory: the implementation a model manifest names (kind
 * "descriptor", backbone.ts, or "onnx", onnx.ts), checked against the
 * manifest's version and width.
 *
 * @module
 */

import { GeoError } from "../../kernels/errors.ts";
import { DESCRIPTOR_VERSION } from "../../kernels/geometric_descriptor.ts";
import { type Backbone, type BackboneSpec, descriptorBackbone } from "./backbone.ts";
import { onnxBackbone } from "./onnx.ts";

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
    backbone = descriptorBackbone(spec.version ?? DESCRIPTOR_VERSION);
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
