/**
 * One way to name a backbone on a command line or in a bench: a descriptor version
 * ("geodesc-4") or a backbone folder written by `pretrain` (`backbone.json` +
 * `backbone.onnx`).
 *
 * @module
 */

import { type Backbone, descriptorBackbone, isDescriptorVersion } from "./backbone.ts";
import { GeoError } from "../../kernels/errors.ts";

/**
 * The backbone `ref` names.
 *
 * @param ref a descriptor version or a backbone folder path
 * @throws GeoError failed_precondition when it is neither
 */
export function loadBackbone(ref: string): Promise<Backbone> {
  if (isDescriptorVersion(ref)) return Promise.resolve(descriptorBackbone(ref));
  return Promise.reject(new GeoError("failed_precondition", `Unknown backbone '${ref}'`));
}
