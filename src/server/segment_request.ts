/**
 * The request-side checks of Segmentation messages that need no decoding: labels, label
 * embeddings and prompt template, model name and version, `min_score`, the up direction
 * and the wire cloud, each translated once into `infer/api.ts` / `features/` types with
 * errors naming the field. Shared by Segment, SegmentStream and Train.
 *
 * @module
 */

import { GeoError, invalid } from "../kernels/errors.ts";
import { checkPointLimit, rawPointCount, rosCloudInput } from "../features/cloud_input.ts";
import type { CloudInput } from "../features/cloud_input.ts";
import type { ModelInfo, SegmentService } from "../infer/api.ts";
import { bytesToFloat32 } from "../io/typed_bytes.ts";
import { checkTemplate } from "../text/text_encoder.ts";
import type { SegmentRequestMsg } from "./wire.ts";
import { resolveModel } from "../models/resolve.ts";
import { upFromPose } from "../kernels/rotate_up.ts";

/** Per-request limits of Segment (see config.ts for their flags and defaults). */
export interface SegmentLimits {
  /** Most points per request. */
  readonly maxPoints: number;
  /** Most labels (and label embeddings) per request. */
  readonly maxLabels: number;
  /** Longest label, UTF-8 bytes. */
  readonly maxLabelBytes: number;
  /** Longest prompt template, UTF-8 bytes. */
  readonly maxPromptBytes: number;
}

/** Longest model name accepted in a request, bytes (registry names are at most 64). */
const MODEL_NAME_BYTES = 128;

/** Longest label-embedding vector accepted, float32 values. */
export const MAX_EMBEDDING_DIM = 16_384;

/** UTF-8 byte length of `text`, stopping early once it exceeds `max`. */
function utf8Over(text: string, max: number): number {
  if (text.length > max) return text.length; // every UTF-16 unit is ≥ 1 UTF-8 byte
  const bytes = new TextEncoder().encode(text).byteLength;
  return bytes > max ? bytes : -1;
}

/** Throws when `labels` break the count or length limits; messages never echo a label. */
export function checkLabelLimits(
  labels: readonly string[],
  limits: Pick<SegmentLimits, "maxLabels" | "maxLabelBytes">,
  field: string,
): void {
  if (labels.length > limits.maxLabels) {
    throw new GeoError(
      "resource_exhausted",
      `${field} has ${labels.length} entries, over this server's limit of ${limits.maxLabels} (--max-labels)`,
    );
  }
  for (let i = 0; i < labels.length; i++) {
    const over = utf8Over(labels[i], limits.maxLabelBytes);
    if (over >= 0) {
      throw invalid(
        `${field}[${i}] is ${over} bytes long, over the limit of ${limits.maxLabelBytes} (--max-label-bytes)`,
      );
    }
  }
}

/** Translates the wire cloud, checking what can be checked without decoding. */
export function cloudFromMsg(
  msg: SegmentRequestMsg["cloud"],
  maxPoints: number,
  source: string,
): CloudInput {
  if (msg?.data === "draco" && msg.draco) {
    if (msg.draco.byteLength === 0) throw invalid(`${source}: cloud.draco is empty`);
    return { kind: "draco", bytes: msg.draco };
  }
  if (msg?.data === "raw" && msg.raw) {
    const n = rawPointCount(msg.raw.xyz, source);
    if (n === 0) throw invalid(`${source}: the point cloud has zero points`);
    checkPointLimit(n, maxPoints, source);
    return { kind: "raw", xyz: msg.raw.xyz, rgb: msg.raw.rgb, normal: msg.raw.normal };
  }
  if (msg?.data === "file" && msg.file) {
    if (!msg.file.data || msg.file.data.byteLength === 0) {
      throw invalid(`${source}: cloud.file.data is empty`);
    }
    const name = msg.file.name ?? "";
    if (name.length > 255) throw invalid(`${source}: cloud.file.name is over 255 characters`);
    return { kind: "file", bytes: msg.file.data, name };
  }
  if (msg?.data === "ros" && msg.ros) {
    // Sizes, fields and the point limit (no point is read here; cost: the fields).
    return rosCloudInput(msg.ros, source, maxPoints);
  }
  throw invalid(
    `${source}: cloud is missing (set cloud.draco, cloud.raw, cloud.file or cloud.ros)`,
  );
}

/**
 * Throws not_found (worded by `resolveModel`) when `model`/`version` name nothing in
 * `models` ("" = the default model, checked by the service; 0 = latest).
 */
export function checkModelKnown(
  models: readonly ModelInfo[],
  model: string,
  version: number,
): void {
  if (model) resolveModel(models, model, version);
}

/**
 * The request's up direction from `up` (3 finite numbers, norm > 0) or `sensor_to_world`
 * (16 finite numbers, the upper-left 3×3 a rotation: up = its third row); undefined when
 * neither is set (the service then estimates it). Throws invalid_argument otherwise, or
 * when both are set.
 */
export function upFromMsg(
  up: readonly number[] | null | undefined,
  pose: readonly number[] | null | undefined,
  source: string,
): [number, number, number] | undefined {
  const hasUp = (up?.length ?? 0) > 0, hasPose = (pose?.length ?? 0) > 0;
  if (hasUp && hasPose) throw invalid(`${source}: set up or sensor_to_world, not both`);
  if (hasPose) return upFromPose(pose!, `${source}.sensor_to_world`);
  if (!hasUp) return undefined;
  const v = up!;
  if (v.length !== 3 || !v.every(Number.isFinite) || !(Math.hypot(v[0], v[1], v[2]) > 0)) {
    throw invalid(`${source}.up must be 3 finite numbers, not all zero (x, y, z)`);
  }
  return [v[0], v[1], v[2]];
}

/** Labels, embeddings and prompt of a request, checked. */
export interface LabelSpec {
  labels: string[];
  labelEmbeddings: { label: string; vector: Float32Array }[];
  promptTemplate: string;
}

/**
 * Translates and checks labels, label embeddings and prompt template (`field` names the
 * message in errors, e.g. "request").
 */
export function labelSpecFromMsg(
  msg: {
    labels?: string[] | null;
    label_embeddings?: { label?: string | null; vector?: Uint8Array | null }[] | null;
    prompt_template?: string | null;
  },
  limits: SegmentLimits,
  field: string,
): LabelSpec {
  const labels = msg.labels ?? [];
  if (labels.length === 0) throw invalid(`${field}.labels is empty: send at least one label`);
  checkLabelLimits(labels, limits, `${field}.labels`);
  const blank = labels.findIndex((l) => l.trim() === "");
  if (blank >= 0) throw invalid(`${field}.labels[${blank}] is blank`);
  const sent = msg.label_embeddings ?? [];
  checkLabelLimits(sent.map((e) => e.label ?? ""), limits, `${field}.label_embeddings`);
  const embeddings = sent.map((e, i) => {
    const at = `${field}.label_embeddings[${i}].vector`;
    if ((e.vector?.byteLength ?? 0) > 4 * MAX_EMBEDDING_DIM) {
      throw invalid(`${at} is over ${MAX_EMBEDDING_DIM} float32 values`);
    }
    return { label: e.label ?? "", vector: bytesToFloat32(e.vector ?? new Uint8Array(0), at) };
  });
  const dims = new Set(embeddings.map((e) => e.vector.length));
  if (dims.size > 1 || dims.has(0)) {
    throw invalid(
      `${field}.label_embeddings vectors must be non-empty and of one length, got ${
        [...dims].slice(0, 4)
      }`,
    );
  }
  const template = msg.prompt_template ?? "";
  if (template) {
    const over = utf8Over(template, limits.maxPromptBytes);
    if (over >= 0) {
      throw invalid(
        `${field}.prompt_template is ${over} bytes long, over the limit of ${limits.maxPromptBytes} (--max-prompt-bytes)`,
      );
    }
    checkTemplate(template);
  }
  return { labels, labelEmbeddings: embeddings, promptTemplate: template };
}

/** Checks a model name and version of a message (`field` names it in errors). */
export function modelFromMsg(
  msg: { model?: string | null; model_version?: number | null },
  service: SegmentService,
  field: string,
): { model: string; version: number } {
  const version = Number(msg.model_version ?? 0);
  if (!Number.isInteger(version) || version < 0) {
    throw invalid(`${field}.model_version must be 0 (latest) or a version number, got ${version}`);
  }
  const model = msg.model ?? "";
  if (utf8Over(model, MODEL_NAME_BYTES) >= 0) {
    throw invalid(`${field}.model is over ${MODEL_NAME_BYTES} bytes: no model has such a name`);
  }
  checkModelKnown(service.listModels(), model, version);
  return { model, version };
}

/** A min_score as sent: undefined when absent (proto3 `optional`), else finite. */
export function minScoreFromMsg(v: number | null | undefined, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Number.isFinite(v)) throw invalid(`${field}.min_score is not a finite number`);
  return v;
}
