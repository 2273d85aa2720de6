/**
 * The model version a run fine-tunes from (site adaptation): its verified files, adapter
 * weights, backbone and text encoder; a training run started from it (or from a seeded
 * adapter when there is none).
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { GeoError } from "../kernels/errors.ts";
import type { AdapterDims, AdapterWeights } from "../features/adapter_graph.ts";
import type { Backbone } from "../features/backbones/backbone.ts";
import { createBackbone } from "../features/backbones/factory.ts";
import { contentVersion } from "../features/backbones/folder.ts";
import { onnxBackbone } from "../features/backbones/onnx.ts";
import { readAdapterWeights } from "../models/bundle.ts";
import type { ManifestOnnxBackbone } from "../models/manifest.ts";
import { type LoadedVersion, loadVersion } from "../models/registry.ts";
import { trainAdapter, type TrainLoopOptions, type TrainOutcome } from "./loop.ts";

/** A base model version. */
export interface BaseModel {
  /** the verified version */
  loaded: LoadedVersion;
  /** adapter sizes from its manifest */
  dims: AdapterDims;
  /** its adapter weights (adapter.bin) */
  weights: AdapterWeights;
  /** the backbone it was trained on */
  backbone: Backbone;
  /** its text encoder name */
  textEncoder: string;
  /** its voxel size, metres (the manifest's, 0.02 for manifests without one) */
  voxelSize: number;
}

/**
 * Loads version `version` (0 = latest) of `name` from the registry at `root`.
 *
 * @throws GeoError not_found / failed_precondition as `loadVersion`, failed_precondition
 *   when its backbone is not one this build computes (an ONNX backbone is read from the
 *   version's own `backbone.onnx`)
 */
export async function loadBaseModel(root: string, name: string, version = 0): Promise<BaseModel> {
  const loaded = await loadVersion(root, name, version);
  const { dims, weights } = await readAdapterWeights(loaded);
  const m = loaded.manifest;
  const backbone = m.backbone.kind === "onnx"
    ? await onnxBase(loaded, m.backbone)
    : createBackbone(m.backbone);
  return {
    loaded,
    dims,
    weights,
    backbone,
    textEncoder: m.text_encoder.name,
    voxelSize: m.voxel_size,
  };
}

/**
 * The ONNX backbone of a base version, built from its bytes (so that publishing carries
 * them into the fine-tuned version) with the content hash in its version
 * (`contentVersion`: the feature cache never mixes two networks).
 */
async function onnxBase(loaded: LoadedVersion, entry: ManifestOnnxBackbone): Promise<Backbone> {
  const bytes = new Uint8Array(await readFile(loaded.file(entry.file)));
  const { file: _file, ...spec } = entry;
  return onnxBackbone(
    {
      ...spec,
      bytes,
      version: contentVersion(entry.version, bytes, entry),
    } as Parameters<typeof onnxBackbone>[0],
  );
}

/**
 * Loads a version folder `<root>/<name>/<version>` (the CLI's `--base MODEL_DIR`).
 *
 * @throws GeoError invalid_argument when the folder is not named like a version
 */
export async function loadBaseFolder(dir: string): Promise<BaseModel> {
  const full = resolve(dir);
  const version = Number(basename(full));
  if (!Number.isInteger(version) || version < 1) {
    throw new GeoError(
      "invalid_argument",
      `${dir} is not a model version folder (expected <models>/<name>/<version> holding manifest.json)`,
    );
  }
  return await loadBaseModel(dirname(dirname(full)), basename(dirname(full)), version);
}

/** Name and version of a base model as provenance records them; null without one. */
export function baseRef(base: BaseModel | undefined): { name: string; version: number } | null {
  return base ? { name: base.loaded.manifest.name, version: base.loaded.manifest.version } : null;
}

/** Options of {@link trainFromBase}: the loop's, but for its adapter sizes and start. */
export interface TrainFromBaseOptions extends Omit<TrainLoopOptions, "dims" | "init"> {
  /** the backbone the scenes' geometric features come from (its width is Dg) */
  backbone: Backbone;
  /** C, the width of the teacher features and class embeddings */
  classDim: number;
  /** the version to fine-tune; without one the adapter starts from a seeded initialisation */
  base?: BaseModel;
}

/** A finished run and the sizes of the adapter it trained (as `publishTrained` takes them). */
export interface TrainedAdapter {
  /** what `trainAdapter` returned */
  outcome: TrainOutcome;
  /** Dg of the backbone, H of the config, C of the classes */
  dims: AdapterDims;
}

/**
 * Trains the adapter on features of `o.backbone`, starting from `o.base`'s weights when
 * there is a base.
 *
 * @throws as `trainAdapter`
 */
export async function trainFromBase(o: TrainFromBaseOptions): Promise<TrainedAdapter> {
  const { backbone, classDim, base, ...loop } = o;
  const outcome = await trainAdapter({
    ...loop,
    dims: { dg: backbone.dim, c: classDim },
    init: base?.weights,
  });
  return { outcome, dims: { dg: backbone.dim, hidden: loop.config.hidden, dim: classDim } };
}
