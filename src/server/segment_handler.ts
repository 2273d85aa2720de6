/**
 * Segmentation.Segment and Segmentation.ListModels: protobuf ↔ `infer/api.ts`
 * translation, request checks that need no decoding, admission (the Segment lane) and
 * the request metrics.
 *
 * @module
 */

import { GeoError, invalid } from "../kernels/errors.ts";
import { checkPointLimit, rawPointCount, rosCloudInput } from "../features/cloud_input.ts";
import type { CloudInput } from "../features/cloud_input.ts";
import type {
  ModelInfo,
  SceneObjectOutput,
  SegmentInput,
  SegmentOutput,
  SegmentService,
} from "../infer/api.ts";
import { bytesToFloat32, typedToBytes } from "../io/typed_bytes.ts";
import { checkTemplate } from "../text/text_encoder.ts";
import { checkBearer } from "./auth.ts";
import type {
  ListModelsResponseMsg,
  SceneObjectMsg,
  SegmentRequestMsg,
  SegmentResponseMsg,
} from "./wire.ts";
import type { ServerMetrics } from "./metrics.ts";
import type { RpcContext } from "./rpc_context.ts";
import type { SegmentLane } from "../runtime/admission.ts";
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

/** What the Segmentation handlers need. */
export interface SegmentHandlerDeps {
  /** The inference side. */
  readonly service: SegmentService;
  /** The server's Segment admission lane (gRPC and HTTP alike). */
  readonly queue: SegmentLane;
  /** Request limits. */
  readonly limits: SegmentLimits;
  /** Bearer token; "" = open. */
  readonly token: string;
  /** Metrics to update. */
  readonly metrics: ServerMetrics;
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

/** Translates and checks a SegmentRequest (everything but decoding). */
export function segmentInputFromMsg(
  req: SegmentRequestMsg,
  deps: SegmentHandlerDeps,
): SegmentInput {
  const { limits } = deps;
  const spec = labelSpecFromMsg(req, limits, "request");
  const { model, version } = modelFromMsg(req, deps.service, "request");
  const minScore = minScoreFromMsg(req.min_score, "request");
  const up = upFromMsg(req.up, req.sensor_to_world, "request");
  return {
    cloud: cloudFromMsg(req.cloud, limits.maxPoints, "request"),
    labels: spec.labels,
    model,
    version,
    ...(minScore !== undefined ? { minScore } : {}),
    returnScores: Boolean(req.return_scores),
    returnObjects: Boolean(req.return_objects),
    returnPositions: Boolean(req.return_positions),
    labelEmbeddings: spec.labelEmbeddings,
    promptTemplate: spec.promptTemplate,
    limits: { maxPoints: limits.maxPoints },
    ...(up ? { up } : {}),
  };
}

/** Translates a SegmentOutput to the wire, checking its shapes. */
export function segmentResponseToMsg(out: SegmentOutput, input: SegmentInput): SegmentResponseMsg {
  const n = out.labels.length;
  if (out.scores && out.scores.length !== n) {
    throw new GeoError(
      "internal",
      `The pipeline returned ${out.scores.length} scores for ${n} points`,
    );
  }
  if (out.positions && out.positions.length !== 3 * n) {
    throw new GeoError(
      "internal",
      `The pipeline returned ${out.positions.length / 3} positions for ${n} points`,
    );
  }
  return {
    labels: typedToBytes(out.labels),
    point_count: n,
    scores: input.returnScores && out.scores ? typedToBytes(out.scores) : new Uint8Array(0),
    positions: input.returnPositions && out.positions
      ? typedToBytes(out.positions)
      : new Uint8Array(0),
    summary: out.summary.map((s) => ({
      label: s.label,
      points: s.points,
      mean_score: s.meanScore,
    })),
    model: out.model,
    model_version: out.version,
    timing: { ...out.timing },
    up: out.gravity ? [...out.gravity.up] : [],
    up_source: out.gravity?.source ?? "",
    up_confidence: out.gravity?.confidence ?? 0,
    objects: (out.objects ?? []).map((o) => ({
      ...sceneObjectToMsg(o),
      label_text: input.labels[o.label] ?? "",
    })),
    min_score: out.minScore ?? input.minScore ?? 0,
  };
}

/** Translates one object to the wire. */
export function sceneObjectToMsg(o: SceneObjectOutput): SceneObjectMsg {
  return {
    id: o.id,
    label: o.label,
    label_text: "",
    score: o.score,
    point_count: o.pointCount,
    centroid: [...o.centroid],
    box: [...o.box],
    yaw_box: [...o.yawBox],
    point_indices: o.pointIndices ? typedToBytes(o.pointIndices) : new Uint8Array(0),
  };
}

/** Settles like `p`, or rejects with the signal's reason as soon as `signal` aborts. */
export function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    p.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * Runs `work` in the Segment admission lane, keeping the queue gauges and the queue and
 * compute histograms of `method` up to date. The caller is answered as soon as `signal`
 * aborts; the work slot stays taken until `work` really returns, so CPU is never
 * oversubscribed.
 *
 * @returns work's result and the milliseconds it waited for a slot
 */
export async function runInLane<T>(
  deps: Pick<SegmentHandlerDeps, "queue" | "metrics">,
  method: string,
  work: () => Promise<T>,
  signal: AbortSignal,
): Promise<{ out: T; queueMs: number }> {
  const { metrics, queue } = deps;
  const setDepth = () => {
    metrics.queueDepth.set({}, queue.queued);
    metrics.inflight.set({}, queue.running);
  };
  const result = queue.run(async (queueMs) => {
    setDepth();
    metrics.queueDuration.observe({ method }, queueMs / 1000);
    const t1 = performance.now();
    signal.throwIfAborted();
    try {
      const out = await work();
      signal.throwIfAborted();
      return { out, queueMs };
    } finally {
      metrics.computeDuration.observe({ method }, (performance.now() - t1) / 1000);
    }
  }, signal);
  setDepth();
  return await raceAbort(result.finally(setDepth), signal);
}

/** The Segment handler. */
export function makeSegmentHandler(
  deps: SegmentHandlerDeps,
): (req: SegmentRequestMsg, ctx: RpcContext) => Promise<SegmentResponseMsg> {
  return async (req, ctx) => {
    const t0 = performance.now();
    checkBearer(ctx.metadata("authorization"), deps.token, "Segmentation");
    if (!deps.service.ready()) {
      throw new GeoError("unavailable", "The default model is not loaded yet; retry later");
    }
    const input = segmentInputFromMsg(req, deps);
    const { out, queueMs } = await runInLane(
      deps,
      "Segment",
      () => deps.service.segment(input, ctx.signal),
      ctx.signal,
    );
    const msg = segmentResponseToMsg(out, input);
    msg.timing = { ...out.timing, queue: queueMs, total: performance.now() - t0 };
    deps.metrics.points.inc({}, out.labels.length);
    return msg;
  };
}

/** The ListModels handler. */
export function makeListModelsHandler(
  deps: Pick<SegmentHandlerDeps, "service" | "token">,
): (req: unknown, ctx: RpcContext) => Promise<ListModelsResponseMsg> {
  return (_req, ctx) => {
    checkBearer(ctx.metadata("authorization"), deps.token, "Segmentation");
    const models = deps.service.listModels();
    return Promise.resolve({
      models: models.map((m) => ({
        name: m.name,
        versions: [...m.versions],
        is_default: m.isDefault,
        feature_dim: m.featureDim,
        text_encoder: m.textEncoder,
        backbone: m.backbone,
        training_summary: m.trainingSummary,
        latest_version: m.versions.length ? m.versions[m.versions.length - 1] : 0,
        default_labels: [...m.defaultLabels],
      })),
      default_model: models.find((m) => m.isDefault)?.name ?? "",
    });
  };
}
