/**
 * The one parser (JSON → {@link ModelManifest}, filling in the defaults of older manifests
 * described in `manifest.ts`) and the one writer ({@link manifestJson}) of `manifest.json`.
 * Errors name the field and a label such as `model "default" version 3`, never a path.
 *
 * @module
 */

import { type ErrorKind, GeoError } from "../kernels/errors.ts";
import { DESCRIPTOR_VERSION } from "../kernels/geometric_descriptor.ts";
import { INFERENCE_IO } from "../features/adapter_graph.ts";
import { type BackboneInput, parseBackboneInput } from "../features/backbones/inputs.ts";
import {
  BUNDLE_FILES,
  CLIP_ONNX_ENCODER,
  DEFAULT_PROMPT_TEMPLATE,
  DEFAULT_VOXEL_SIZE,
  MANIFEST_FILE,
  type ManifestAdapter,
  type ManifestBackbone,
  type ManifestCalibration,
  type ManifestDims,
  type ManifestDraft,
  type ManifestOnnxBackbone,
  manifestSource,
  type ManifestTextEncoder,
  MODEL_NAME_RE,
  type ModelManifest,
  type TrainingRecord,
} from "./manifest.ts";

type Obj = Record<string, unknown>;

/** `o` without its undefined fields (optional fields are absent, not undefined). */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Options of {@link parseManifest}. */
export interface ParseManifestOptions {
  /** What the manifest belongs to, for messages, e.g. `model "x" version 2` (never a path). */
  source: string;
  /** Error kind (default failed_precondition: a stored manifest; invalid_argument: a draft). */
  kind?: Extract<ErrorKind, "failed_precondition" | "invalid_argument">;
}

/**
 * Parses a manifest (JSON value) into its typed form, filling in the defaults of older
 * manifests (see the module doc).
 *
 * @throws GeoError failed_precondition (or `options.kind`) naming the field
 */
export function parseManifest(json: unknown, options: ParseManifestOptions): ModelManifest {
  const bad = (what: string) =>
    new GeoError(options.kind ?? "failed_precondition", `${options.source}: ${what}`);
  if (!isObj(json)) throw bad("the manifest is not a JSON object");
  const o = json;
  const obj = (v: unknown, field: string, optional = false): Obj => {
    if (optional && v === undefined) return {};
    if (!isObj(v)) throw bad(`field '${field}' must be an object`);
    return v;
  };
  const str = (v: unknown, field: string, fallback?: string): string => {
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== "string" || v === "") throw bad(`field '${field}' must be a non-empty string`);
    return v;
  };
  const optStr = (v: unknown, field: string): string | undefined =>
    v === undefined ? undefined : str(v, field);
  const count = (v: unknown, field: string, fallback?: number): number => {
    if (v === undefined && fallback !== undefined) return fallback;
    if (!Number.isInteger(v) || (v as number) < 1) {
      throw bad(`field '${field}' must be an integer ≥ 1`);
    }
    return v as number;
  };

  if (typeof o.name !== "string" || !MODEL_NAME_RE.test(o.name)) {
    throw bad("field 'name' is missing or invalid");
  }
  const version = count(o.version, "version");
  if (typeof o.created !== "string" || Number.isNaN(Date.parse(o.created))) {
    throw bad("field 'created' must be an ISO 8601 time");
  }

  const files = parseFiles(o.files, bad);
  const listed = (rel: string, field: string) => {
    if (!(rel in files)) throw bad(`field '${field}' names '${rel}', which is not in 'files'`);
    return rel;
  };

  const d = obj(o.dims, "dims");
  const dims: ManifestDims = {
    feature: count(d.feature, "dims.feature"),
    geometric: count(d.geometric, "dims.geometric"),
    hidden: count(d.hidden, "dims.hidden"),
  };

  const b = obj(o.backbone, "backbone");
  const bdim = count(b.dim, "backbone.dim", dims.geometric);
  if (bdim !== dims.geometric) {
    throw bad(`field 'backbone.dim' is ${bdim} but dims.geometric is ${dims.geometric}`);
  }
  let backbone: ManifestBackbone;
  if (b.kind === "descriptor") {
    backbone = {
      kind: "descriptor",
      version: str(b.version, "backbone.version", DESCRIPTOR_VERSION),
      dim: bdim,
    };
  } else if (b.kind === "onnx") {
    backbone = defined<ManifestOnnxBackbone>({
      kind: "onnx",
      file: listed(str(b.file, "backbone.file", BUNDLE_FILES.backboneOnnx), "backbone.file"),
      version: str(b.version, "backbone.version", "onnx"),
      dim: bdim,
      input: optStr(b.input, "backbone.input"),
      inputs: parseInputs(b, bad),
      output: optStr(b.output, "backbone.output"),
    });
  } else {
    throw bad('field \'backbone.kind\' must be "descriptor" or "onnx"');
  }

  const t = obj(o.text_encoder, "text_encoder");
  const tname = str(t.name, "text_encoder.name");
  const tdim = count(t.dim, "text_encoder.dim", dims.feature);
  if (tdim !== dims.feature) {
    throw bad(`field 'text_encoder.dim' is ${tdim} but dims.feature is ${dims.feature}`);
  }
  const tfile = optStr(t.file, "text_encoder.file") ??
    (tname === CLIP_ONNX_ENCODER ? BUNDLE_FILES.textEncoderOnnx : undefined);
  const text_encoder = defined<ManifestTextEncoder>({
    name: tname,
    dim: tdim,
    file: tfile === undefined ? undefined : listed(tfile, "text_encoder.file"),
    input: optStr(t.input, "text_encoder.input"),
    output: optStr(t.output, "text_encoder.output"),
  });

  const a = obj(o.adapter, "adapter", true);
  const io = obj(a.io, "adapter.io", true);
  const adapter: ManifestAdapter = {
    file: listed(str(a.file, "adapter.file", BUNDLE_FILES.adapterOnnx), "adapter.file"),
    weights: listed(str(a.weights, "adapter.weights", BUNDLE_FILES.adapterBin), "adapter.weights"),
    io: {
      geometric: str(io.geometric, "adapter.io.geometric", INFERENCE_IO.geometric),
      labels: str(io.labels, "adapter.io.labels", INFERENCE_IO.labels),
      label: str(io.label, "adapter.io.label", INFERENCE_IO.label),
      score: str(io.score, "adapter.io.score", INFERENCE_IO.score),
    },
  };

  if (!Array.isArray(o.default_labels) || o.default_labels.some((l) => typeof l !== "string")) {
    throw bad("field 'default_labels' must be a list of strings");
  }
  const prompt_template = str(o.prompt_template, "prompt_template", DEFAULT_PROMPT_TEMPLATE);
  if (prompt_template.split("{}").length !== 2) {
    throw bad("field 'prompt_template' must contain exactly one \"{}\"");
  }
  const voxel_size = o.voxel_size === undefined ? DEFAULT_VOXEL_SIZE : o.voxel_size;
  if (typeof voxel_size !== "number" || !(voxel_size > 0) || !Number.isFinite(voxel_size)) {
    throw bad("field 'voxel_size' must be a positive number of metres");
  }

  let training: TrainingRecord | null = null;
  if (o.training !== null) {
    const tr = o.training;
    if (!(isObj(tr) && isObj(tr.config) && isObj(tr.metrics))) {
      throw bad("field 'training' must be null or { config: {…}, metrics: {…} }");
    }
    if (
      tr.loss_curve !== undefined && !(Array.isArray(tr.loss_curve) && tr.loss_curve.every(isObj))
    ) {
      throw bad("field 'training.loss_curve' must be a list of objects");
    }
    training = { config: tr.config, metrics: tr.metrics };
    if (tr.loss_curve !== undefined) training.loss_curve = tr.loss_curve as Obj[];
  }

  const calibration = parseCalibration(o.calibration, bad);

  return {
    name: o.name,
    version,
    created: o.created,
    backbone,
    dims,
    text_encoder,
    adapter,
    default_labels: [...o.default_labels] as string[],
    prompt_template,
    voxel_size,
    training,
    calibration,
    files,
  };
}

/** `calibration`: absent or null, or the threshold with the shares it was measured at. */
function parseCalibration(v: unknown, bad: (what: string) => GeoError): ManifestCalibration | null {
  if (v === undefined || v === null) return null;
  const share = (x: unknown) => typeof x === "number" && x >= 0 && x <= 1;
  if (
    !isObj(v) || typeof v.min_score !== "number" || !Number.isFinite(v.min_score) ||
    !share(v.wrong_rejected) || !share(v.right_kept) ||
    !(Number.isInteger(v.points) && (v.points as number) >= 0) || typeof v.data !== "string"
  ) {
    throw bad(
      "field 'calibration' must be null or { min_score: finite, wrong_rejected: [0,1], " +
        "right_kept: [0,1], points: integer ≥ 0, data: string }",
    );
  }
  return {
    min_score: v.min_score,
    wrong_rejected: v.wrong_rejected as number,
    right_kept: v.right_kept as number,
    points: v.points as number,
    data: v.data,
  };
}

/** `backbone.inputs` of an ONNX backbone: absent, or a non-empty list of unique declarations. */
function parseInputs(b: Obj, bad: (what: string) => GeoError): BackboneInput[] | undefined {
  if (b.inputs === undefined) return undefined;
  if (!Array.isArray(b.inputs) || b.inputs.length === 0) {
    throw bad("field 'backbone.inputs' must be a non-empty list of {name, role, …}");
  }
  if (b.input !== undefined) {
    throw bad("field 'backbone.input' cannot be combined with 'backbone.inputs'");
  }
  const inputs = b.inputs.map((raw, i) => {
    try {
      return parseBackboneInput(raw, `backbone.inputs[${i}]`);
    } catch (e) {
      throw bad(`field ${GeoError.from(e).message}`);
    }
  });
  const dup = inputs.find((x, i) => inputs.findIndex((y) => y.name === x.name) !== i);
  if (dup) throw bad(`field 'backbone.inputs' declares '${dup.name}' twice`);
  return inputs;
}

function parseFiles(v: unknown, bad: (what: string) => GeoError): Record<string, string> {
  if (!isObj(v)) throw bad("field 'files' must map file paths to sha256");
  const out: Record<string, string> = {};
  for (const [path, sha] of Object.entries(v)) {
    if (typeof sha !== "string" || !/^[0-9a-f]{64}$/.test(sha)) {
      throw bad(`files['${path}'] is not a sha256 hex`);
    }
    if (
      path === "" || path.startsWith("/") || path.includes("\\") ||
      path.split("/").some((p) => p === ".." || p === "." || p === "") || path === MANIFEST_FILE
    ) {
      throw bad(`files['${path}'] is not a plain relative path`);
    }
    out[path] = sha;
  }
  return out;
}

/**
 * The manifest of a new version: `draft` completed with name, version, creation time and
 * file hashes, checked like a stored manifest.
 *
 * @throws GeoError invalid_argument naming the field
 */
export function completeManifest(
  draft: ManifestDraft,
  fill: { name: string; version: number; created?: string; files: Record<string, string> },
): ModelManifest {
  const created = fill.created ?? draft.created ?? new Date().toISOString();
  return parseManifest(
    { ...draft, name: fill.name, version: fill.version, created, files: fill.files },
    { source: manifestSource(fill.name, fill.version), kind: "invalid_argument" },
  );
}

/** The `manifest.json` text of a manifest (the one writer): fixed field order, 2-space indent. */
export function manifestJson(m: ModelManifest): string {
  const ordered: ModelManifest = {
    name: m.name,
    version: m.version,
    created: m.created,
    backbone: m.backbone,
    dims: m.dims,
    text_encoder: m.text_encoder,
    adapter: m.adapter,
    default_labels: m.default_labels,
    prompt_template: m.prompt_template,
    voxel_size: m.voxel_size,
    training: m.training,
    // Omitted when null, so versions without one keep the bytes they always had.
    ...(m.calibration ? { calibration: m.calibration } : {}),
    files: m.files,
  } as ModelManifest;
  return JSON.stringify(ordered, null, 2) + "\n";
}
