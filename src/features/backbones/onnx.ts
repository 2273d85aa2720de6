/**
 * The ONNX backbone slot: a user-supplied pre-trained point network run through
 * onnxruntime instead of the geometric descriptor (manifest `backbone.kind` "onnx", the
 * bundle file `backbone.onnx`).
 *
 * Single-input contract (no `inputs` declared): one float32 input of shape N×9 (dynamic
 * N), one float32 output of shape N×Dg (row i = point i). The 9 input columns
 * ({@link ONNX_BACKBONE_COLUMNS}):
 * - 0–2 `x, y, z`: position in metres, shifted so that x, y are relative to the centre
 *   of the scene's bounding box and z to the floor height (`analyzeScene`'s estimate),
 * - 3–5 `r, g, b`: colour / 255 in [0, 1] (0 when the cloud has no colour),
 * - 6–8 `nx, ny, nz`: unit normal (the cloud's own or the estimated one).
 * The first input (or the declared `input`) and the first output (or `output`) are used.
 *
 * Multi-input contract (`inputs` declared, `inputs.ts`): every declared graph input is fed
 * by its role (points N×9, a descriptor's N×D columns, int64 kNN indices, int64 grid cell
 * ids and counts); the model must have exactly the declared inputs. Such a session runs
 * deterministic (one thread) unless the session options set `deterministic` themselves:
 * pooling over kNN or grid indices is ScatterND add, which loses updates multi-threaded
 * (`src/onnx/session.ts`).
 *
 * @module
 */

import { GeoError } from "../../kernels/errors.ts";
import { boundingBox } from "../../kernels/point_cloud.ts";
import {
  createSession,
  type Session,
  type SessionOptions,
  type TensorData,
} from "../../onnx/session.ts";
import {
  type Backbone,
  type BackboneSpec,
  descriptorBackbone,
  type OnnxBackboneBundle,
} from "./backbone.ts";
import { backboneFeeds, type BackboneInput, type FloatRoles } from "./inputs.ts";
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
  /**
   * Declared inputs of a multi-input backbone, fed by role (`inputs.ts`); absent: one N×9
   * points input. Not combined with `input`.
   */
  inputs?: readonly BackboneInput[];
}

/**
 * How the float roles of a multi-input backbone are computed (shared by the served
 * backbone and pre-training): `points` = {@link onnxBackboneInput}, `descriptor` = that
 * descriptor backbone's features (float32 N×D).
 */
export const floatRoles: FloatRoles = {
  points: (geometry) => onnxBackboneInput(geometry),
  async descriptor(geometry, version) {
    const d = descriptorBackbone(version);
    return { data: await d.features(geometry), dim: d.dim };
  },
};

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
 * Session options of a multi-input backbone: deterministic (one thread, see the module
 * doc) unless `options.deterministic` is set either way.
 */
export function multiInputSessionOptions(options: SessionOptions = {}): SessionOptions {
  if (options.deterministic !== undefined) return options;
  return { ...options, threads: undefined, deterministic: true };
}

/**
 * Checks declared inputs: at least one, unique names, and descriptor versions this build
 * computes.
 *
 * @throws GeoError failed_precondition naming the declaration
 */
function checkInputs(
  inputs: readonly BackboneInput[],
  single: string | undefined,
): void {
  const fail = (what: string) => new GeoError("failed_precondition", `The ONNX backbone ${what}`);
  if (inputs.length === 0) throw fail("declares an empty list of inputs");
  if (single !== undefined) throw fail("declares both a single input and a list of inputs");
  const names = new Set<string>();
  for (const inp of inputs) {
    if (names.has(inp.name)) throw fail(`declares input '${inp.name}' twice`);
    names.add(inp.name);
    // throws failed_precondition for a descriptor version this build does not compute
    if (inp.role === "descriptor") descriptorBackbone(inp.version);
  }
}

/** Checks that the session has exactly the declared inputs and the output. */
function checkSessionIo(sess: Session, inputs: readonly BackboneInput[], outName: string): void {
  const declared = inputs.map((i) => i.name);
  const have = `model inputs: ${sess.inputNames.join(", ")}`;
  const missing = declared.find((n) => !sess.inputNames.includes(n));
  if (missing !== undefined) {
    throw new GeoError(
      "failed_precondition",
      `The ONNX backbone declares input '${missing}', which the model does not have (${have})`,
    );
  }
  const extra = sess.inputNames.find((n) => !declared.includes(n));
  if (extra !== undefined) {
    throw new GeoError(
      "failed_precondition",
      `The ONNX backbone model has input '${extra}', which its inputs do not declare (${have})`,
    );
  }
  if (!sess.outputNames.includes(outName)) {
    throw new GeoError(
      "failed_precondition",
      `The ONNX backbone has no output '${outName}' (outputs: ${sess.outputNames.join(", ")})`,
    );
  }
}

/** The N×dim float32 output, checked. */
function checkedOutput(t: TensorData, n: number, dim: number): Float32Array {
  if (
    !(t.data instanceof Float32Array) || t.dims.length !== 2 || t.dims[0] !== n ||
    t.dims[1] !== dim
  ) {
    throw new GeoError(
      "failed_precondition",
      `The ONNX backbone returned [${t.dims}] (${t.type ?? "?"}), expected float32 [${n}, ${dim}]`,
    );
  }
  return t.data;
}

/**
 * An ONNX backbone. The session is created on the first `features` call (once); call
 * `release()` to free it. Built from `bytes`, it carries them as its `bundle` (what
 * publishing writes into a model version).
 *
 * @param spec kind "onnx", `dim` Dg (required), `version` (default "onnx"), `path` or
 *   `bytes` of the model, and `inputs` for a multi-input model (see the module doc)
 * @throws GeoError failed_precondition when the model or Dg is missing or the inputs are
 *   malformed; at run time failed_precondition when the model's inputs are not the
 *   declared ones or the output is not N×Dg
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
  const inputs = s.inputs;
  if (inputs) checkInputs(inputs, s.input);
  const options = inputs ? multiInputSessionOptions(s.session) : s.session;
  const version = s.version ?? "onnx";
  let session: Promise<Session> | undefined;
  const open = () => session ??= createSession(model, options);
  const bundle: OnnxBackboneBundle | undefined = s.bytes
    ? {
      onnx: s.bytes,
      entry: {
        kind: "onnx",
        version,
        dim: dim as number,
        ...(inputs ? { inputs: inputs.map((i) => ({ ...i })) } : {}),
        ...(s.input !== undefined ? { input: s.input } : {}),
        ...(s.output !== undefined ? { output: s.output } : {}),
      },
    }
    : undefined;
  return {
    kind: "onnx",
    version,
    dim: dim as number,
    ...(bundle ? { bundle } : {}),
    async features(geometry: SceneGeometry): Promise<Float32Array> {
      const sess = await open();
      const n = geometry.cloud.count;
      const outName = s.output ?? sess.outputNames[0];
      if (inputs) {
        checkSessionIo(sess, inputs, outName);
        if (n === 0) return new Float32Array(0);
        const feeds = await backboneFeeds(geometry, inputs, floatRoles);
        const out = await sess.run(feeds, [outName]);
        return checkedOutput(out[outName], n, dim as number);
      }
      const k = ONNX_BACKBONE_COLUMNS.length;
      const input = onnxBackboneInput(geometry);
      const inName = s.input ?? sess.inputNames[0];
      if (!sess.inputNames.includes(inName) || !sess.outputNames.includes(outName)) {
        throw new GeoError(
          "failed_precondition",
          `The ONNX backbone has no input '${inName}' or no output '${outName}' (inputs: ${
            sess.inputNames.join(", ")
          }; outputs: ${sess.outputNames.join(", ")})`,
        );
      }
      const out = await sess.run({ [inName]: { data: input, dims: [n, k] } }, [outName]);
      return checkedOutput(out[outName], n, dim as number);
    },
    async release() {
      if (session) await (await session).release();
    },
  };
}
