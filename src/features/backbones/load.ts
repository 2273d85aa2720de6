/**
 * One way to name a backbone on a command line or in a bench: a descriptor version
 * ("geodesc-4") or a backbone folder written by `pretrain` (`backbone.json` +
 * `backbone.onnx`, folder.ts).
 *
 * @module
 */

import { stat } from "node:fs/promises";
import {
  type Backbone,
  DESCRIPTOR_VERSIONS,
  descriptorBackbone,
  isDescriptorVersion,
} from "./backbone.ts";
import { GeoError } from "../../kernels/errors.ts";
import type { SessionOptions } from "../../onnx/session.ts";
import { BACKBONE_FOLDER_FILES, backboneFromFolder } from "./folder.ts";

/** What `ref` may be, for messages: the descriptor versions or a backbone folder. */
export const BACKBONE_REF_HELP = `${DESCRIPTOR_VERSIONS.join(", ")} or a backbone folder (${
  Object.values(BACKBONE_FOLDER_FILES).join(" + ")
})`;

/**
 * The backbone `ref` names: a descriptor version gives the descriptor backbone, anything
 * else is read as a backbone folder (`backboneFromFolder`: an ONNX backbone whose version
 * carries the network's content hash and whose `bundle` holds what publishing writes into
 * a model version). Call `release()` on it when done (ONNX sessions).
 *
 * @param ref a descriptor version or a backbone folder path
 * @param options onnxruntime session options of a folder's backbone
 * @throws GeoError invalid_argument when `ref` is neither (the message lists both), and
 *   as `readBackboneFolder` for a folder that is not valid
 */
export async function loadBackbone(
  ref: string,
  options: { session?: SessionOptions } = {},
): Promise<Backbone> {
  if (isDescriptorVersion(ref)) return descriptorBackbone(ref);
  const isDir = ref !== "" && await stat(ref).then((s) => s.isDirectory(), () => false);
  if (!isDir) {
    throw new GeoError(
      "invalid_argument",
      `Backbone '${ref}' is neither a descriptor version nor a folder: use ${BACKBONE_REF_HELP}`,
    );
  }
  return await backboneFromFolder(ref, options.session);
}
