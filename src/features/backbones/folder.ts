/**
 * A backbone folder: a pre-trained ONNX backbone outside any model version, as `pretrain`
 * writes it and `train --backbone DIR` reads it.
 *
 * ```
 * DIR/backbone.onnx   the network (see onnx.ts and inputs.ts for its contract)
 * DIR/backbone.json   { "kind": "onnx", "version": string, "dim": Dg, "inputs": [ {name, role,
 *                     …}, … ], "output"?: string, "pretraining"?: any JSON (kept as it is) }
 * ```
 *
 * `inputs` is the non-empty list of graph inputs and their roles (`parseBackboneInput`).
 * Opened by {@link backboneFromFolder}, the backbone's version is the folder's version
 * followed by `@` and the first 12 hex digits of the sha256 of `backbone.onnx` and its
 * declared inputs and output ({@link contentVersion}), so two different networks never
 * share a version, nor feature cache entries. The folder is written whole or not at all ({@link writeBackboneFolder}).
 *
 * @module
 */

import { createHash, randomUUID } from "node:crypto";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { GeoError, invalid } from "../../kernels/errors.ts";
import type { SessionOptions } from "../../onnx/session.ts";
import type { Backbone } from "./backbone.ts";
import { type BackboneInput, parseBackboneInput } from "./inputs.ts";
import { onnxBackbone } from "./onnx.ts";

/** The two files of a backbone folder. */
export const BACKBONE_FOLDER_FILES = {
  /** the description (kind, version, dim, inputs, output, pretraining) */
  json: "backbone.json",
  /** the ONNX network */
  onnx: "backbone.onnx",
} as const;

/** `backbone.json`, parsed. */
export interface BackboneFolderJson {
  /** always "onnx" */
  kind: "onnx";
  /** weights version as the folder names it (without the content hash) */
  version: string;
  /** feature width Dg (columns of the output) */
  dim: number;
  /** the graph inputs and their roles, at least one */
  inputs: BackboneInput[];
  /** name of the N×Dg float32 output (absent: the model's first output) */
  output?: string;
  /** how the network was pre-trained: any JSON, kept but not interpreted */
  pretraining?: unknown;
}

/** A backbone folder's content. */
export interface BackboneFolder {
  /** `backbone.json` */
  json: BackboneFolderJson;
  /** `backbone.onnx` bytes */
  onnx: Uint8Array;
}

/**
 * Checks a parsed `backbone.json`.
 *
 * @param raw the JSON value
 * @param where the file, for messages
 * @throws GeoError invalid_argument naming the file and the field
 */
export function parseBackboneFolderJson(raw: unknown, where: string): BackboneFolderJson {
  const o = raw as Record<string, unknown>;
  if (!o || typeof o !== "object" || Array.isArray(o)) throw invalid(`${where} is not an object`);
  if (o.kind !== "onnx") throw invalid(`${where}: kind must be "onnx"`);
  if (typeof o.version !== "string" || o.version === "") {
    throw invalid(`${where}: version must be a non-empty string`);
  }
  if (!Number.isInteger(o.dim) || (o.dim as number) < 1) {
    throw invalid(`${where}: dim must be an integer ≥ 1`);
  }
  if (!Array.isArray(o.inputs) || o.inputs.length === 0) {
    throw invalid(`${where}: inputs must be a non-empty list of {name, role, …}`);
  }
  const inputs = o.inputs.map((x, i) => parseBackboneInput(x, `${where}: inputs[${i}]`));
  const dup = inputs.find((x, i) => inputs.findIndex((y) => y.name === x.name) !== i);
  if (dup) throw invalid(`${where}: input '${dup.name}' is declared twice`);
  if (o.output !== undefined && (typeof o.output !== "string" || o.output === "")) {
    throw invalid(`${where}: output must be a non-empty string`);
  }
  return {
    kind: "onnx",
    version: o.version,
    dim: o.dim as number,
    inputs,
    ...(o.output !== undefined ? { output: o.output as string } : {}),
    ...(o.pretraining !== undefined ? { pretraining: o.pretraining } : {}),
  };
}

/**
 * Reads and checks a backbone folder.
 *
 * @param dir the folder
 * @throws GeoError not_found when a file is missing, invalid_argument when `backbone.json`
 *   is not valid (both naming the file)
 */
export async function readBackboneFolder(dir: string): Promise<BackboneFolder> {
  const read = async (name: string) => {
    const path = join(dir, name);
    try {
      return await readFile(path);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === "ENOENT" || code === "ENOTDIR") {
        throw new GeoError("not_found", `The backbone folder has no ${path}`, { cause: e });
      }
      throw new GeoError("invalid_argument", `${path} cannot be read (${code ?? "error"})`, {
        cause: e,
      });
    }
  };
  const jsonPath = join(dir, BACKBONE_FOLDER_FILES.json);
  const text = new TextDecoder().decode(await read(BACKBONE_FOLDER_FILES.json));
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new GeoError("invalid_argument", `${jsonPath} is not valid JSON`, { cause: e });
  }
  const json = parseBackboneFolderJson(raw, jsonPath);
  const onnx = new Uint8Array(await read(BACKBONE_FOLDER_FILES.onnx));
  return { json, onnx };
}

/**
 * Writes a backbone folder atomically: both files go into a temporary sibling folder
 * that is then renamed to `dir`. An existing `dir` is replaced (moved aside, then
 * removed), so a crash leaves the old folder, the new one or both whole, never half of
 * one.
 *
 * @param dir the folder to create or replace
 * @param folder its content: `json` (checked first, as `backbone.json` is on reading) and
 *   the ONNX bytes
 * @throws GeoError invalid_argument when `json` is not valid
 */
export async function writeBackboneFolder(
  dir: string,
  folder: { json: BackboneFolderJson | Readonly<Record<string, unknown>>; onnx: Uint8Array },
): Promise<void> {
  const full = resolve(dir);
  const json = parseBackboneFolderJson(folder.json, BACKBONE_FOLDER_FILES.json);
  await mkdir(dirname(full), { recursive: true });
  const tag = randomUUID();
  const tmp = join(dirname(full), `.${basename(full)}.tmp-${tag}`);
  const old = join(dirname(full), `.${basename(full)}.old-${tag}`);
  let movedAside = false;
  try {
    await mkdir(tmp);
    await writeFile(join(tmp, BACKBONE_FOLDER_FILES.onnx), folder.onnx);
    await writeFile(
      join(tmp, BACKBONE_FOLDER_FILES.json),
      JSON.stringify(json, null, 2) + "\n",
    );
    if (await stat(full).then(() => true, () => false)) {
      await rename(full, old);
      movedAside = true;
    }
    await rename(tmp, full);
  } catch (e) {
    if (movedAside) await rename(old, full).catch(() => {});
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  if (movedAside) await rm(old, { recursive: true, force: true });
}

/** What, beside its bytes, decides what an ONNX backbone computes. */
export interface OnnxBackboneIo {
  /** declared inputs (multi-input backbones) */
  inputs?: readonly BackboneInput[];
  /** the single input's name */
  input?: string;
  /** the output's name */
  output?: string;
}

/**
 * First 12 hex digits of the sha256 of `bytes` followed by the JSON of `io` (inputs,
 * input, output; absent fields as null): what tells two ONNX backbones apart.
 */
export function contentHash12(bytes: Uint8Array, io: OnnxBackboneIo = {}): string {
  const decl = JSON.stringify({
    inputs: io.inputs ?? null,
    input: io.input ?? null,
    output: io.output ?? null,
  });
  return createHash("sha256").update(bytes).update("\n" + decl).digest("hex").slice(0, 12);
}

/**
 * `version` followed by `@` and {@link contentHash12} of the network, unless it already
 * ends that way (then unchanged): the version of an ONNX backbone used for training.
 *
 * @param version the version as the folder or manifest names it
 * @param bytes the ONNX bytes
 * @param io its declared inputs and output
 */
export function contentVersion(
  version: string,
  bytes: Uint8Array,
  io: OnnxBackboneIo = {},
): string {
  const tail = `@${contentHash12(bytes, io)}`;
  return version.endsWith(tail) ? version : version + tail;
}

/**
 * The ONNX backbone of a folder, its version made unique by {@link contentVersion}; it
 * carries the bytes as its `bundle` (what publishing writes into a model version).
 *
 * @param dir the folder
 * @param session onnxruntime session options (multi-input backbones run deterministic)
 * @throws as {@link readBackboneFolder}, and failed_precondition for unknown descriptor
 *   versions in `inputs`
 */
export async function backboneFromFolder(
  dir: string,
  session?: SessionOptions,
): Promise<Backbone & { release(): Promise<void> }> {
  const { json, onnx } = await readBackboneFolder(dir);
  return onnxBackbone(
    {
      kind: "onnx",
      version: contentVersion(json.version, onnx, json),
      dim: json.dim,
      bytes: onnx,
      inputs: json.inputs,
      ...(json.output !== undefined ? { output: json.output } : {}),
      ...(session ? { session } : {}),
    } as Parameters<typeof onnxBackbone>[0],
  );
}
