/**
 * The model bundle: what one registry version folder `models/<name>/<version>/` holds and
 * how it is written and loaded.
 *
 * Files:
 * - `manifest.json` (written by `publishVersion`): the `ModelManifest` fields plus
 *   `dims: { feature: C, geometric: Dg, hidden: H }`, `backbone: { kind: "descriptor",
 *   version, dim: Dg }` or `{ kind: "onnx", file: "backbone.onnx", version, dim: Dg }`,
 *   `text_encoder: { name, dim: C }` (`"glove-sg-100d@1"` default, `"clip-onnx"` with the
 *   file `text_encoder.onnx`, or `"client-embeddings"`), `default_labels`,
 *   `prompt_template` (one `{}`), `voxel_size` (metres), `training` (or null).
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
import { Rng } from "../kernels/random.ts";
import { encodeModel } from "../onnx/onnx_proto.ts";
import { createSession, type Session, type SessionOptions } from "../onnx/session.ts";
import { GLOVE_SG_100D_ID } from "../text/glove_convert.ts";
import {
  type AdapterDims,
  type AdapterWeights,
  buildAdapterInferenceGraph,
  INFERENCE_IO,
} from "../features/adapter_graph.ts";
import { type Backbone, createBackbone } from "../features/backbones/backbone.ts";
import {
  type LoadedVersion,
  loadVersion,
  type ManifestDraft,
  type ModelManifest,
  publishVersion,
} from "./registry.ts";
import { analyzeScene } from "../features/scene_geometry.ts";
import { decodeAdapterWeights, encodeAdapterWeights } from "./adapter_weights.ts";

/** The `adapter.bin` codec, re-exported for the importers of this module. */
export { decodeAdapterWeights, encodeAdapterWeights } from "./adapter_weights.ts";

/** File names inside a bundle. */
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
}

/**
 * Writes `adapter.onnx`, `adapter.bin`, `backbone.onnx` (when given) and the extra files
 * into `dir` (use inside `publishVersion`'s `writeFiles`).
 *
 * @throws GeoError invalid_argument when a weight has the wrong length
 */
export async function writeBundleFiles(dir: string, bundle: BundleContent): Promise<void> {
  const graph = buildAdapterInferenceGraph({ ...bundle.dims, weights: bundle.weights });
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
  backbone?: { kind: "descriptor"; version?: string } | { kind: "onnx"; version?: string };
  /** Text encoder name (default `"glove-sg-100d@1"`). */
  textEncoder?: string;
  /** Labels used when a client sends none (default []). */
  defaultLabels?: string[];
  /** Prompt template with one `{}` (default `"{}"`). */
  promptTemplate?: string;
  /** Voxel side for inference, metres (default 0.02). */
  voxelSize?: number;
  /** Training record: config, metrics (test_miou …), loss_curve; default null. */
  training?: {
    config: Record<string, unknown>;
    metrics: Record<string, unknown>;
    [k: string]: unknown;
  } | null;
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
  const backbone = bb.kind === "descriptor"
    ? { kind: "descriptor", version: bb.version ?? DESCRIPTOR_VERSION, dim: dims.dg }
    : {
      kind: "onnx",
      file: BUNDLE_FILES.backboneOnnx,
      version: bb.version ?? "onnx",
      dim: dims.dg,
    };
  return {
    ...(options.created ? { created: options.created } : {}),
    backbone,
    dims: { feature: dims.dim, geometric: dims.dg, hidden: dims.hidden },
    text_encoder: { name: options.textEncoder ?? GLOVE_SG_100D_ID, dim: dims.dim },
    default_labels: options.defaultLabels ?? [],
    prompt_template: options.promptTemplate ?? DEFAULT_PROMPT_TEMPLATE,
    voxel_size: voxelSize,
    training: options.training ?? null,
  };
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
  const draft = bundleManifestDraft({ ...bundle.manifest, dims: bundle.dims });
  return publishVersion(root, name, (dir) => writeBundleFiles(dir, bundle), draft);
}

/**
 * Adapter sizes from a manifest's `dims` (feature C, geometric Dg, hidden H).
 *
 * @throws GeoError failed_precondition when `geometric` or `hidden` is missing
 */
export function manifestDims(manifest: ModelManifest): AdapterDims {
  const { feature, geometric, hidden } = manifest.dims;
  for (const [k, v] of [["geometric", geometric], ["hidden", hidden]] as const) {
    if (!Number.isInteger(v) || (v as number) < 1) {
      throw new GeoError(
        "failed_precondition",
        `${manifest.name} v${manifest.version}: dims.${k} is missing`,
      );
    }
  }
  return { dg: geometric, hidden, dim: feature };
}

/** Reads a loaded version's `adapter.bin`. */
export async function readAdapterWeights(
  loaded: LoadedVersion,
): Promise<{ dims: AdapterDims; weights: AdapterWeights }> {
  const dims = manifestDims(loaded.manifest);
  const path = loaded.file(BUNDLE_FILES.adapterBin);
  return { dims, weights: decodeAdapterWeights(await readFile(path), dims, path) };
}

/** Best label and score per row, as the adapter graph returns them. */
export interface Classification {
  /** Int32Array N: index of the best label. */
  label: Int32Array;
  /** Float32Array N: cosine of the best label. */
  score: Float32Array;
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
  const bbSpec = m.backbone as { kind: string; version?: string; dim?: number; file?: string };
  const backbone = createBackbone(
    {
      kind: bbSpec.kind,
      version: bbSpec.version,
      dim: bbSpec.dim ?? dims.dg,
      ...(bbSpec.kind === "onnx"
        ? { path: files.file(bbSpec.file ?? BUNDLE_FILES.backboneOnnx), session: options.session }
        : {}),
    } as Parameters<typeof createBackbone>[0],
  );
  if (backbone.dim !== dims.dg) {
    throw new GeoError(
      "failed_precondition",
      `${name} v${m.version}: backbone gives ${backbone.dim} features, dims.geometric is ${dims.dg}`,
    );
  }
  const voxelSize = typeof m.voxel_size === "number" && m.voxel_size > 0
    ? m.voxel_size
    : DEFAULT_VOXEL_SIZE;
  const promptTemplate = typeof m.prompt_template === "string" && m.prompt_template
    ? m.prompt_template
    : DEFAULT_PROMPT_TEMPLATE;
  const session = await createSession(files.file(BUNDLE_FILES.adapterOnnx), options.session);
  const release = async () => {
    await session.release();
    await (backbone as { release?: () => Promise<void> }).release?.();
  };
  const model: LoadedModel = {
    name,
    version: m.version,
    manifest: m,
    files,
    dims,
    voxelSize,
    promptTemplate,
    backbone,
    classify: (geometric, embeddings) => classifyWith(session, dims, geometric, embeddings),
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

async function classifyWith(
  session: Session,
  dims: AdapterDims,
  geometric: Float32Array,
  embeddings: Float32Array,
): Promise<Classification> {
  if (
    geometric.length % dims.dg !== 0 || embeddings.length % dims.dim !== 0 ||
    embeddings.length === 0
  ) {
    throw new GeoError(
      "internal",
      `Adapter input shapes do not match Dg ${dims.dg}, C ${dims.dim}`,
    );
  }
  const n = geometric.length / dims.dg;
  if (n === 0) return { label: new Int32Array(0), score: new Float32Array(0) };
  const out = await session.run({
    [INFERENCE_IO.geometric]: { data: geometric, dims: [n, dims.dg] },
    [INFERENCE_IO.labels]: { data: embeddings, dims: [embeddings.length / dims.dim, dims.dim] },
  }, [INFERENCE_IO.label, INFERENCE_IO.score]);
  const raw = out[INFERENCE_IO.label].data;
  const label = new Int32Array(n);
  for (let i = 0; i < n; i++) label[i] = Number(raw[i]);
  return { label, score: out[INFERENCE_IO.score].data as Float32Array };
}

/** One run of backbone + adapter on a small seeded synthetic scene (a noisy box corner). */
async function warmUp(model: LoadedModel): Promise<void> {
  const rng = new Rng(1);
  const n = 96;
  const coord = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    const face = i % 3;
    for (let d = 0; d < 3; d++) {
      coord[3 * i + d] = d === face ? rng.uniform(0, 0.01) : rng.uniform(0, 1);
    }
  }
  const geometry = analyzeScene({ count: n, coord });
  const features = await model.backbone.features(geometry);
  const emb = new Float32Array(2 * model.dims.dim).map(() => rng.uniform(-1, 1));
  await model.classify(features, emb);
}
