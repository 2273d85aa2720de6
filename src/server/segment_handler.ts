/**
 * Segmentation.Segment and Segmentation.ListModels: protobuf ↔ `infer/api.ts`
 * translation (the request checks are in `segment_request.ts`), admission (the Segment
 * lane) and the request metrics.
 *
 * @module
 */

import { GeoError } from "../kernels/errors.ts";
import type {
  LabelCountOutput,
  SceneObjectOutput,
  SegmentInput,
  SegmentOutput,
  SegmentService,
} from "../infer/api.ts";
import { typedToBytes } from "../io/typed_bytes.ts";
import { checkBearer } from "./auth.ts";
import type {
  LabelCountMsg,
  ListModelsResponseMsg,
  SceneObjectMsg,
  SegmentRequestMsg,
  SegmentResponseMsg,
} from "./wire.ts";
import type { ServerMetrics } from "./metrics.ts";
import type { RpcContext } from "./rpc_context.ts";
import type { SegmentLane } from "../runtime/admission.ts";
import {
  cloudFromMsg,
  labelSpecFromMsg,
  minScoreFromMsg,
  modelFromMsg,
  type SegmentLimits,
  upFromMsg,
} from "./segment_request.ts";

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
    summary: summaryToMsg(out.summary),
    model: out.model,
    model_version: out.version,
    timing: { ...out.timing },
    up: out.gravity ? [...out.gravity.up] : [],
    up_source: out.gravity?.source ?? "",
    up_confidence: out.gravity?.confidence ?? 0,
    objects: (out.objects ?? []).map((o) => sceneObjectToMsg(o, input.labels)),
    min_score: out.minScore ?? input.minScore ?? 0,
  };
}

/** Translates a per-label summary to the wire. */
export function summaryToMsg(summary: readonly LabelCountOutput[]): LabelCountMsg[] {
  return summary.map((s) => ({ label: s.label, points: s.points, mean_score: s.meanScore }));
}

/** Translates one object to the wire; `names` are the labels its label indexes. */
export function sceneObjectToMsg(o: SceneObjectOutput, names: readonly string[]): SceneObjectMsg {
  return {
    id: o.id,
    label: o.label,
    label_text: names[o.label] ?? "",
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
