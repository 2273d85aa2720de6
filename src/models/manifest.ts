/**
 * The `manifest.json` of a registry model version: its typed form, the one parser (JSON →
 * {@link ModelManifest}) and the one writer ({@link manifestJson}).
 *
 * On disk (snake_case), with the defaults the parser fills in for older manifests:
 *
 * ```
 * name, version, created             model name, version ≥ 1, ISO 8601 time
 * backbone                           { kind: "descriptor", version (default "geodesc-1"), dim }
 *                                    | { kind: "onnx", file (default "backbone.onnx"), version
 *                                        (default "onnx"), dim, input?, output? }
 *                                    dim defaults to dims.geometric and must equal it;
 *                                    input/output absent = the model's first input / output
 * dims                               { feature: C, geometric: Dg, hidden: H }
 * text_encoder                       { name, dim (default C, must equal it), file?, input?,
 *                                      output? }; "clip-onnx" has file (default
 *                                      "text_encoder.onnx"); input/output absent = detected
 *                                      (see src/text/onnx_text_encoder.ts)
 * adapter                            { file (default "adapter.onnx"), weights (default
 *                                      "adapter.bin"), io: { geometric, labels, label, score }
 *                                      (default INFERENCE_IO: "geometric", "label_embeddings",
 *                                      "label", "score") }
 * default_labels                     labels used when a client sends none (may be empty)
 * prompt_template                    one "{}" (default "{}")
 * voxel_size                         inference voxel side, metres (default 0.02)
 * training                           null | { config: {…}, metrics: {…}, loss_curve?: […] }
 * files                              sha256 (hex) of every other file, by relative path
 * ```
 *
 * Every file a field names (adapter, weights, ONNX backbone, text encoder) must be listed in
 * `files`. Errors name the field and a label such as `model "default" version 3`, never a
 * path. Fields this module does not know are dropped.
 *
 * @module
 */

import { type ErrorKind, GeoError, quote } from "../kernels/errors.ts";
import { DESCRIPTOR_VERSION } from "../kernels/geometric_descriptor.ts";
import { INFERENCE_IO, type InferenceIo } from "../features/adapter_graph.ts";

/** Valid model (registry folder) names: 1–64 of A–Z a–z 0–9 _ . -, not starting with _ . -. */
export const MODEL_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** The manifest's file name inside a version folder. */
export const MANIFEST_FILE = "manifest.json";

/** Default file names inside a bundle. */
export const BUNDLE_FILES = {
  /** served inference graph */
  adapterOnnx: "adapter.onnx",
  /** raw adapter weights */
  adapterBin: "adapter.bin",
  /** ONNX backbone (kind "onnx") */
  backboneOnnx: "backbone.onnx",
  /** CLIP-style text encoder (text encoder "clip-onnx") */
  textEncoderOnnx: "text_encoder.onnx",
} as const;

/** Default voxel side for inference, metres. */
export const DEFAULT_VOXEL_SIZE = 0.02;
/** Default prompt template (the bare label). */
export const DEFAULT_PROMPT_TEMPLATE = "{}";
/** Text encoder name meaning "the client always sends embeddings". */
export const CLIENT_EMBEDDINGS_ENCODER = "client-embeddings";
/** Text encoder name of a bundled CLIP-style ONNX text encoder. */
export const CLIP_ONNX_ENCODER = "clip-onnx";

/** The geometric descriptor backbone (no weights). */
export interface ManifestDescriptorBackbone {
  kind: "descriptor";
  /** descriptor version, e.g. "geodesc-3" */
  version: string;
  /** feature width Dg (= dims.geometric) */
  dim: number;
}

/** A pre-trained ONNX point network bundled as `file`. */
export interface ManifestOnnxBackbone {
  kind: "onnx";
  /** the bundled model file */
  file: string;
  /** weights version */
  version: string;
  /** feature width Dg (= dims.geometric) */
  dim: number;
  /** N×9 float32 points input (absent: the model's first input) */
  input?: string;
  /** N×Dg float32 features output (absent: the model's first output) */
  output?: string;
}

/** The backbone of a model, by kind. */
export type ManifestBackbone = ManifestDescriptorBackbone | ManifestOnnxBackbone;

/** Adapter sizes C, Dg, H. */
export interface ManifestDims {
  /** C: point-feature / text-embedding width */
  feature: number;
  /** Dg: backbone feature width */
  geometric: number;
  /** H: adapter hidden width */
  hidden: number;
}

/** The text encoder of a model. */
export interface ManifestTextEncoder {
  /** "glove-sg-100d@1", "clip-onnx", "client-embeddings", … */
  name: string;
  /** embedding width (= dims.feature) */
  dim: number;
  /** the bundled ONNX text encoder ("clip-onnx") */
  file?: string;
  /** B×77 token input (absent: detected) */
  input?: string;
  /** B×C embedding output (absent: detected) */
  output?: string;
}

/** The served adapter graph and its raw weights. */
export interface ManifestAdapter {
  /** the inference graph (ONNX) */
  file: string;
  /** float32 LE w1, b1, w2, b2 */
  weights: string;
  /** tensor names of the inference graph */
  io: InferenceIo;
}

/** Training record of a trained model. */
export interface TrainingRecord {
  /** the run's configuration and provenance (request_id, base, …) */
  config: Record<string, unknown>;
  /** its metrics (test_miou, …) */
  metrics: Record<string, unknown>;
  /** binned loss curve */
  loss_curve?: readonly object[];
}

/** `manifest.json` of one model version, parsed and with every default filled in. */
export interface ModelManifest {
  /** Model name (the registry folder). */
  name: string;
  /** Version number ≥ 1 (the version folder). */
  version: number;
  /** Creation time, ISO 8601 UTC. */
  created: string;
  /** The frozen backbone. */
  backbone: ManifestBackbone;
  /** Adapter sizes. */
  dims: ManifestDims;
  /** The text encoder. */
  text_encoder: ManifestTextEncoder;
  /** The adapter graph and weights. */
  adapter: ManifestAdapter;
  /** Labels used when a client sends none (may be empty). */
  default_labels: string[];
  /** Prompt template with one `{}`. */
  prompt_template: string;
  /** Inference voxel side, metres. */
  voxel_size: number;
  /** Training configuration and metrics (null for hand-made models). */
  training: TrainingRecord | null;
  /** sha256 (hex) of every file of the version but manifest.json, by "/"-separated relative path. */
  files: Record<string, string>;
}

/** What a publisher supplies: the on-disk form without name, version and files; defaults apply. */
export interface ManifestDraft {
  /** Creation time (default: now, at publish). */
  created?: string;
  backbone:
    | { kind: "descriptor"; version?: string; dim?: number }
    | {
      kind: "onnx";
      file?: string;
      version?: string;
      dim?: number;
      input?: string;
      output?: string;
    };
  dims: ManifestDims;
  text_encoder: { name: string; dim?: number; file?: string; input?: string; output?: string };
  adapter?: { file?: string; weights?: string; io?: Partial<InferenceIo> };
  default_labels: string[];
  prompt_template?: string;
  voxel_size?: number;
  training: TrainingRecord | null;
}

type Obj = Record<string, unknown>;

/** `o` without its undefined fields (optional fields are absent, not undefined). */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** The label of a version in messages: `model "name" version 3`. */
export function manifestSource(name: string, version: number): string {
  return `model ${quote(name)} version ${version}`;
}

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
    files,
  };
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
    files: m.files,
  };
  return JSON.stringify(ordered, null, 2) + "\n";
}
