/**
 * The `manifest.json` of a registry model version: its typed form and constants. The one
 * parser and the one writer are in `manifest_codec.ts`.
 *
 * On disk (snake_case), with the defaults the parser fills in for older manifests:
 *
 * ```
 * name, version, created             model name, version ≥ 1, ISO 8601 time
 * backbone                           { kind: "descriptor", version (default "geodesc-1"), dim }
 *                                    | { kind: "onnx", file (default "backbone.onnx"), version
 *                                        (default "onnx"), dim, input?, inputs?, output? }
 *                                    dim defaults to dims.geometric and must equal it;
 *                                    input/output absent = the model's first input / output;
 *                                    inputs = [{ name, role, version? | k? | size? }, …]
 *                                    declares a multi-input backbone (roles points,
 *                                    descriptor, knn, grid, grid_count; see
 *                                    src/features/backbones/inputs.ts), never with input
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

import { quote } from "../kernels/errors.ts";
import type { InferenceIo } from "../features/adapter_graph.ts";
import type { BackboneInput } from "../features/backbones/inputs.ts";

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
  /** N×9 float32 points input (absent: the model's first input); never with `inputs` */
  input?: string;
  /** the graph inputs of a multi-input backbone and their roles (absent: one N×9 input) */
  inputs?: BackboneInput[];
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

/** A reject threshold chosen on validation data (`calibration` of a manifest). */
export interface ManifestCalibration {
  /** Best-cosine threshold: points scoring below it get −1 ("unknown"). */
  min_score: number;
  /** Share of the wrong labels on the validation points that the threshold turns into −1. */
  wrong_rejected: number;
  /** Share of the right labels on the validation points kept (not turned into −1). */
  right_kept: number;
  /** Points it was measured on, and where they came from (a dataset folder, free text). */
  points: number;
  data: string;
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
  /**
   * The reject threshold chosen on validation data (null when none was chosen): Segment
   * and SegmentStream use `min_score` when the client sets none.
   */
  calibration: ManifestCalibration | null;
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
      inputs?: BackboneInput[];
      output?: string;
    };
  dims: ManifestDims;
  text_encoder: { name: string; dim?: number; file?: string; input?: string; output?: string };
  adapter?: { file?: string; weights?: string; io?: Partial<InferenceIo> };
  default_labels: string[];
  prompt_template?: string;
  voxel_size?: number;
  training: TrainingRecord | null;
  /** The reject threshold measured on validation data (default none). */
  calibration?: ManifestCalibration | null;
}

/** The label of a version in messages: `model "name" version 3`. */
export function manifestSource(name: string, version: number): string {
  return `model ${quote(name)} version ${version}`;
}
