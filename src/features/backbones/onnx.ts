/**
 * The ONNX backbone slot: a user-supplied pre-trained point network run through
 * onnxruntime instead of the geometric descriptor (manifest `backbone.kind` "onnx", the
 * bundle file `backbone.onnx`).
 *
 * Contract of the model: one float32 input of shape N×9 (dynamic N), one float32 output
 * of shape N×Dg (row i = point i). The 9 input columns ({@link ONNX_BACKBONE_COLUMNS}):
 * - 0–2 `x, y, z`: position in metres, shifted so that x, y are relative to the centre
 *   of the scene's bounding box and z to the floor height (`analyzeScene`'s estimate),
 * - 3–5 `r, g, b`: colour / 255 in [0, 1] (0 when the cloud has no colour),
 * - 6–8 `nx, ny, nz`: unit normal (the cloud's own or the estimated one).
 * The first input and first output of the model are used.
 *
 * @module
 */

import { GeoError } from "../../kernels/errors.ts";
import { boundingBox } from "../../kernels/point_cloud.ts";
import { createSession, type Session, type SessionOptions } from "../../onnx/session.ts";
import type { Backbone, BackboneSpec } from "./backbone.ts";
import type { SceneGeometry } from "../scene_geometry.ts";

/** Names of the per-point input columns, in order (k = 9). */
export const ONNX_BACKBONE_COLUMNS: readonly string[] = [
  "x",
  "y",
  "z",
  "r",
  "g",
  "b",
  "nx",
  "ny",
  "nz",
];

/** What an ONNX backbone needs beyond the manifest description. */
export interface OnnxBackboneSpec extends BackboneSpec {
  /** Path of the ONNX model (the bundle's `backbone.onnx`), or its bytes. */
  path?: string;
  /** ONNX bytes instead of a path. */
  bytes?: Uint8Array;
  /** onnxruntime session options. */
  session?: SessionOptions;
  /** Name of the N×9 points input, as the manifest declares it (default: the first input). */
  input?: string;
  /** Name of the N×Dg features output, as the manifest declares it (default: the first output). */
  output?: string;
}

/**
 * The per-point input matrix of an ONNX backbone (see the module doc).
 *
 * @returns Float32Array N×9
 */
export function onnxBackboneInput(geometry: SceneGeometry): Float32Array {
  const { cloud, normal } = geometry;
  const n = cloud.count;
  const k = ONNX_BACKBONE_COLUMNS.length;
  const out = new Float32Array(n * k);
  if (n === 0) return out;
  const [x0, y0, , x1, y1] = boundingBox(cloud.coord);
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const cz = geometry.floor.floor;
  const color = cloud.color;
  for (let i = 0; i < n; i++) {
    const o = i * k;
    out[o] = cloud.coord[3 * i] - cx;
    out[o + 1] = cloud.coord[3 * i + 1] - cy;
    out[o + 2] = cloud.coord[3 * i + 2] - cz;
    if (color) {
      out[o + 3] = color[3 * i] / 255;
      out[o + 4] = color[3 * i + 1] / 255;
      out[o + 5] = color[3 * i + 2] / 255;
    }
    out[o + 6] = normal[3 * i];
    out[o + 7] = normal[3 * i + 1];
    out[o + 8] = normal[3 * i + 2];
  }
  return out;
}

/**
 * An ONNX backbone. The session is created on the first `features` call (once); call
 * `release()` to free it.
 *
 * @param spec kind "onnx", `dim` Dg (required), `version` (default "onnx"), and `path`
 *   or `bytes` of the model
 * @throws GeoError failed_precondition when the model or Dg is missing; at run time
 *   failed_precondition when the output is not N×Dg
 */
export function onnxBackbone(spec: BackboneSpec): Backbone & { release(): Promise<void> } {
  const s = spec as OnnxBackboneSpec;
  const model = s.bytes ?? s.path;
  if (!model) {
    throw new GeoError(
      "failed_precondition",
      "The ONNX backbone has no model file (backbone.onnx)",
    );
  }
  const dim = s.dim;
  if (!Number.isInteger(dim) || (dim as number) < 1) {
    throw new GeoError(
      "failed_precondition",
      "The ONNX backbone needs its feature width (backbone.dim)",
    );
  }
  let session: Promise<Session> | undefined;
  const open = () => session ??= createSession(model, s.session);
  return {
    kind: "onnx",
    version: s.version ?? "onnx",
    dim: dim as number,
    async features(geometry: SceneGeometry): Promise<Float32Array> {
      const sess = await open();
      const n = geometry.cloud.count;
      const k = ONNX_BACKBONE_COLUMNS.length;
      const input = onnxBackboneInput(geometry);
      const inName = s.input ?? sess.inputNames[0];
      const outName = s.output ?? sess.outputNames[0];
      if (!sess.inputNames.includes(inName) || !sess.outputNames.includes(outName)) {
        throw new GeoError(
          "failed_precondition",
          `The ONNX backbone has no input '${inName}' or no output '${outName}' (inputs: ${
            sess.inputNames.join(", ")
          }; outputs: ${sess.outputNames.join(", ")})`,
        );
      }
      const out = await sess.run({ [inName]: { data: input, dims: [n, k] } }, [outName]);
      const t = out[outName];
      if (
        !(t.data instanceof Float32Array) || t.dims.length !== 2 || t.dims[0] !== n ||
        t.dims[1] !== dim
      ) {
        throw new GeoError(
          "failed_precondition",
          `The ONNX backbone returned [${t.dims}] (${
            t.type ?? "?"
          }), expected float32 [${n}, ${dim}]`,
        );
      }
      return t.data;
    },
    async release() {
      if (session) await (await session).release();
    },
  };
}
