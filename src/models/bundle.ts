/**
 * The model bundle: what one registry version folder `models/<name>/<version>/` holds and
 * how it is written and loaded.
 *
 * Files (names as the manifest declares them; `manifest.ts` documents every field):
 * - `manifest.json` (written by `publishVersion`): backbone (descriptor or ONNX), dims,
 *   text encoder (`"glove-sg-100d@1"` default, `"clip-onnx"` with the file
 *   `text_encoder.onnx`, or `"client-embeddings"`), the adapter's files and tensor names,
 *   default labels, prompt template, voxel size, training record.
 * - `adapter.onnx`: the served inference graph (`buildAdapterInferenceGraph`) with the
 *   adapter weights as initializers, dynamic N and L.
 * - `adapter.bin`: float32 LE concatenation of w1 (Dg×H), b1 (H), w2 (H×C), b2 (C).
 * - `backbone.onnx` (kind "onnx" only), `text_encoder.onnx` (clip-onnx only), and any
 *   extra files such as `loss_curve.png`.
 *
 * @module
 */

import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GeoError } from "../kernels/errors.ts";
import { DESCRIPTOR_VERSION } from "../kernels/geometric_descriptor.ts";
import { describeModel, encodeModel } from "../onnx/onnx_proto.ts";
import { createSession, type SessionOptions } from "../onnx/session.ts";
import { GLOVE_SG_100D_ID } from "../text/glove_convert.ts";
import {
  type AdapterDims,
  type AdapterWeights,
  buildAdapterInferenceGraph,
  INFERENCE_IO,
  type InferenceIo,
} from "../features/adapter_graph.ts";
import type { Backbone } from "../features/backbones/backbone.ts";
import type { BackboneInput } from "../features/backbones/inputs.ts";
import { createBackbone } from "../features/backbones/factory.ts";
import { type LoadedVersion, loadVersion, publishVersion } from "./registry.ts";
import {
  BUNDLE_FILES,
  CLIP_ONNX_ENCODER,
  DEFAULT_PROMPT_TEMPLATE,
  DEFAULT_VOXEL_SIZE,
  type ManifestDraft,
  type ModelManifest,
} from "./manifest.ts";
import { decodeAdapterWeights, encodeAdapterWeights } from "./adapter_weights.ts";
import {
  type Classification,
  classifyWith,
  type SemanticHead,
  semanticHead,
  warmUp,
} from "./adapter_session.ts";

export type { Classification } from "./adapter_session.ts";

/** The `adapter.bin` codec, re-exported for the importers of this module. */
export { decodeAdapterWeights, encodeAdapterWeights } from "./adapter_weights.ts";
/** Bundle file names and manifest defaults, re-exported for the importers of this module. */
export {
  BUNDLE_FILES,
  CLIENT_EMBEDDINGS_ENCODER,
  CLIP_ONNX_ENCODER,
  DEFAULT_PROMPT_TEMPLATE,
  DEFAULT_VOXEL_SIZE,
} from "./manifest.ts";

/** What `writeBundleFiles` writes. */
export interface BundleContent {
  /** Adapter sizes Dg, H, C. */
  dims: AdapterDims;
  /** Adapter weights (float32, shapes per `adapterShapes(dims)`). */
  weights: AdapterWeights;
  /** ONNX backbone bytes (manifest backbone kind "onnx"). */
  backbone?: Uint8Array;
  /** Further files by relative path, e.g. `loss_curve.png`, `text_encoder.onnx`. */
  extraFiles?: Record<string, Uint8Array>;
  /** Tensor names of the adapter graph (default `INFERENCE_IO`; the manifest declares them). */
  io?: InferenceIo;
}

/**
 * Writes `adapter.onnx`, `adapter.bin`, `backbone.onnx` (when given) and the extra files
 * into `dir` (use inside `publishVersion`'s `writeFiles`).
 *
 * @throws GeoError invalid_argument when a weight has the wrong length
 */
export async function writeBundleFiles(dir: string, bundle: BundleContent): Promise<void> {
  const graph = buildAdapterInferenceGraph({
    ...bundle.dims,
    weights: bundle.weights,
    io: bundle.io,
  });
  await writeFile(join(dir, BUNDLE_FILES.adapterOnnx), encodeModel(graph));
  await writeFile(
    join(dir, BUNDLE_FILES.adapterBin),
    encodeAdapterWeights(bundle.dims, bundle.weights),
  );
  if (bundle.backbone) await writeFile(join(dir, BUNDLE_FILES.backboneOnnx), bundle.backbone);
  for (const [rel, bytes] of Object.entries(bundle.extraFiles ?? {})) {
    if (rel.startsWith("/") || rel.includes("..") || rel.includes("/")) {
      throw new GeoError(
        "invalid_argument",
        `Extra bundle file '${rel}' must be a plain file name`,
      );
    }
    await writeFile(join(dir, rel), bytes);
  }
}

/** Options of {@link bundleManifestDraft}. */
export interface BundleManifestOptions {
  /** Adapter sizes. */
  dims: AdapterDims;
  /**
   * Backbone; default the descriptor (version default `DESCRIPTOR_VERSION`). "onnx" needs
   * `backbone` bytes.
   */
  backbone?:
    | { kind: "descriptor"; version?: string }
    | {
      kind: "onnx";
      version?: string;
      input?: string;
      inputs?: BackboneInput[];
      output?: string;
    };
  /** Text encoder name (default `"glove-sg-100d@1"`). */
  textEncoder?: string;
  /** Tensor names of the bundled ONNX text encoder ("clip-onnx"). */
  textEncoderIo?: { input?: string; output?: string };
  /** Tensor names of the adapter graph (default `INFERENCE_IO`). */
  adapterIo?: InferenceIo;
  /** Labels used when a client sends none (default []). */
  defaultLabels?: string[];
  /** Prompt template with one `{}` (default `"{}"`). */
  promptTemplate?: string;
  /** Voxel side for inference, metres (default 0.02). */
  voxelSize?: number;
  /** Training record: config, metrics (test_miou …), loss_curve; default null. */
  training?: ManifestDraft["training"];
  /** Creation time, ISO 8601 (default: now, at publish). */
  created?: string;
}

/** The manifest draft of a bundle (everything `publishVersion` does not fill in). */
export function bundleManifestDraft(options: BundleManifestOptions): ManifestDraft {
  const { dims } = options;
  const bb = options.backbone ?? { kind: "descriptor" };
  const voxelSize = options.voxelSize ?? DEFAULT_VOXEL_SIZE;
  if (!(voxelSize > 0) || !Number.isFinite(voxelSize)) {
    throw new GeoError(
      "invalid_argument",
      `Voxel size must be a positive number of metres, got ${voxelSize}`,
    );
  }
  const backbone: ManifestDraft["backbone"] = bb.kind === "descriptor"
    ? { kind: "descriptor", version: bb.version ?? DESCRIPTOR_VERSION, dim: dims.dg }
    : {
      kind: "onnx",
      file: BUNDLE_FILES.backboneOnnx,
      version: bb.version ?? "onnx",
      dim: dims.dg,
      ...(bb.input ? { input: bb.input } : {}),
      ...(bb.inputs ? { inputs: bb.inputs } : {}),
      ...(bb.output ? { output: bb.output } : {}),
    };
  const textEncoder = options.textEncoder ?? GLOVE_SG_100D_ID;
  return {
    ...(options.created ? { created: options.created } : {}),
    backbone,
    dims: { feature: dims.dim, geometric: dims.dg, hidden: dims.hidden },
    text_encoder: {
      name: textEncoder,
      dim: dims.dim,
      ...(textEncoder === CLIP_ONNX_ENCODER
        ? { file: BUNDLE_FILES.textEncoderOnnx, ...options.textEncoderIo }
        : {}),
    },
    adapter: {
      file: BUNDLE_FILES.adapterOnnx,
      weights: BUNDLE_FILES.adapterBin,
      io: options.adapterIo ?? { ...INFERENCE_IO },
    },
    default_labels: options.defaultLabels ?? [],
    prompt_template: options.promptTemplate ?? DEFAULT_PROMPT_TEMPLATE,
    voxel_size: voxelSize,
    training: options.training ?? null,
  };
}

/** The first real input (not an initializer, not `skip`) and the `prefer`red or first output. */
function onnxIo(
  bytes: Uint8Array,
  skip: string,
  prefer: string,
): { input: string; output: string } {
  const m = describeModel(bytes);
  const init = new Set(m.initializers);
  const input = m.inputs.map((i) => i.name).find((n) => n && !init.has(n) && n !== skip);
  const outputs = m.outputs.map((o) => o.name);
  const output = outputs.includes(prefer) ? prefer : outputs[0];
  if (!input || !output) {
    throw new GeoError("invalid_argument", "A bundled ONNX model has no input or no output");
  }
  return { input, output };
}

/**
 * Publishes a bundle as the next version of `name` under `root` (atomic, see
 * `publishVersion`). Returns the manifest as written.
 */
export function publishBundle(
  root: string,
  name: string,
  bundle: BundleContent & { manifest: Omit<BundleManifestOptions, "dims"> },
): Promise<ModelManifest> {
  const o = bundle.manifest;
  const bb = o.backbone;
  const textOnnx = bundle.extraFiles?.[BUNDLE_FILES.textEncoderOnnx];
  const draft = bundleManifestDraft({
    ...o,
    dims: bundle.dims,
    // Declare the tensor names of bundled ONNX models (the loader then needs no guessing);
    // a multi-input backbone declares its inputs itself.
    backbone: bb?.kind === "onnx" && bundle.backbone
      ? bb.inputs
        ? { output: onnxIo(bundle.backbone, "", "").output, ...bb }
        : { ...onnxIo(bundle.backbone, "", ""), ...bb }
      : bb,
    textEncoderIo: o.textEncoder === CLIP_ONNX_ENCODER && textOnnx
      ? { ...onnxIo(textOnnx, "attention_mask", "text_embeds"), ...o.textEncoderIo }
      : o.textEncoderIo,
  });
  const io = draft.adapter?.io as InferenceIo;
  return publishVersion(root, name, (dir) => writeBundleFiles(dir, { ...bundle, io }), draft);
}

/** Adapter sizes from a manifest's `dims` (feature C, geometric Dg, hidden H). */
export function manifestDims(manifest: ModelManifest): AdapterDims {
  const { feature, geometric, hidden } = manifest.dims;
  return { dg: geometric, hidden, dim: feature };
}

/** Reads a loaded version's adapter weights (`adapter.weights`, `adapter.bin`). */
export async function readAdapterWeights(
  loaded: LoadedVersion,
): Promise<{ dims: AdapterDims; weights: AdapterWeights }> {
  const dims = manifestDims(loaded.manifest);
  const rel = loaded.manifest.adapter.weights;
  const bytes = await readFile(loaded.file(rel));
  return { dims, weights: decodeAdapterWeights(bytes, dims, `${loaded.manifest.name}: ${rel}`) };
}

/** A model version ready to serve: verified files, backbone and a warm adapter session. */
export interface LoadedModel {
  /** Model name. */
  readonly name: string;
  /** Version number ≥ 1. */
  readonly version: number;
  /** The manifest. */
  readonly manifest: ModelManifest;
  /** The verified registry version (file paths). */
  readonly files: LoadedVersion;
  /** Adapter sizes (Dg, H, C = feature / text dim). */
  readonly dims: AdapterDims;
  /** Inference voxel side, metres. */
  readonly voxelSize: number;
  /** The model's prompt template (one `{}`). */
  readonly promptTemplate: string;
  /** The frozen backbone the adapter was trained on. */
  readonly backbone: Backbone;
  /**
   * Runs the adapter graph.
   *
   * @param geometric Float32Array N×Dg backbone features
   * @param embeddings Float32Array L×C label embeddings (normalised inside the graph)
   */
  classify(geometric: Float32Array, embeddings: Float32Array): Promise<Classification>;
  /**
   * The adapter's unit semantic features (`buildAdapterFeatureGraph`; its session is made
   * from `adapter.bin` on first use).
   *
   * @param geometric Float32Array N×Dg backbone features
   * @returns Float32Array N×C unit rows
   */
  semantic(geometric: Float32Array): Promise<Float32Array>;
  /** Frees the native sessions. */
  release(): Promise<void>;
}

/** Options of {@link loadModel}. */
export interface LoadModelOptions {
  /** onnxruntime session options (threads, provider). */
  session?: SessionOptions;
  /** Skip the warm-up run (default false). */
  skipWarmUp?: boolean;
}

/**
 * Loads version `version` (0 = latest) of `name` from the registry at `root`: verifies
 * it (sha256), builds the backbone, creates the adapter session once and warms both up
 * on a small synthetic scene.
 *
 * @throws GeoError not_found for an unknown model/version, failed_precondition for a
 *   corrupt or incompatible one
 */
export async function loadModel(
  root: string,
  name: string,
  version = 0,
  options: LoadModelOptions = {},
): Promise<LoadedModel> {
  const files = await loadVersion(root, name, version);
  const m = files.manifest;
  const dims = manifestDims(m);
  const backbone = createBackbone(
    m.backbone.kind === "onnx"
      ? {
        ...m.backbone,
        path: files.file(m.backbone.file),
        session: options.session,
      } as Parameters<typeof createBackbone>[0]
      : m.backbone,
  );
  if (backbone.dim !== dims.dg) {
    throw new GeoError(
      "failed_precondition",
      `${name} v${m.version}: backbone gives ${backbone.dim} features, dims.geometric is ${dims.dg}`,
    );
  }
  const session = await createSession(files.file(m.adapter.file), options.session);
  let semantic: Promise<SemanticHead> | undefined;
  const release = async () => {
    await session.release();
    if (semantic) await semantic.then((h) => h.release(), () => {});
    await (backbone as { release?: () => Promise<void> }).release?.();
  };
  const model: LoadedModel = {
    name,
    version: m.version,
    manifest: m,
    files,
    dims,
    voxelSize: m.voxel_size,
    promptTemplate: m.prompt_template,
    backbone,
    classify: (geometric, embeddings) =>
      classifyWith(session, m.adapter.io, dims, geometric, embeddings),
    semantic: (geometric) => {
      semantic ??= semanticHead(dims, readAdapterWeights(files).then((r) => r.weights), options);
      return semantic.then((h) => h.run(geometric));
    },
    release,
  };
  if (!options.skipWarmUp) {
    try {
      await warmUp(model);
    } catch (e) {
      await release();
      throw e;
    }
  }
  return model;
}
