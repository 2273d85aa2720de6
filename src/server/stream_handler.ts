/**
 * Segmentation.SegmentStream and Segmentation.QueryMap: protobuf ↔ the stream session
 * (`infer/stream_session.ts`), per-message checks, the open sessions of this server (for
 * QueryMap), idle closing and back-pressure.
 *
 * One scan is computed at a time per stream, through the Segment admission lane like a
 * Segment call; while it runs, at most a few messages wait unread before the call is
 * paused (the client's writes then block on HTTP/2 flow control), and answers wait for
 * the client to read them. A bad pose or an out-of-order timestamp does not end the
 * stream: that scan is labelled alone (`fused` false, `warning` says why). A bad cloud
 * or a bad message ends it with INVALID_ARGUMENT; a stream silent for `idleMs` ends
 * with DEADLINE_EXCEEDED; memory per stream is fixed when it opens.
 *
 * @module
 */

import { GeoError, invalid } from "../kernels/errors.ts";
import { upFromPose } from "../kernels/rotate_up.ts";
import { typedToBytes } from "../io/typed_bytes.ts";
import type { EmbedOutput, ScanOutput } from "../infer/api.ts";
import { summarizeLabels } from "../infer/inference.ts";
import { type ScanLabels, StreamSession } from "../infer/stream_session.ts";
import { checkBearer } from "./auth.ts";
import {
  DEFAULT_MAX_SEGMENT_STREAMS,
  DEFAULT_MAX_STREAM_MAP_VOXELS,
  DEFAULT_STREAM_IDLE_MS,
  DEFAULT_STREAM_MAP_VOXELS,
} from "./config.ts";
import {
  raceAbort,
  runInLane,
  sceneObjectToMsg,
  type SegmentHandlerDeps,
  summaryToMsg,
} from "./segment_handler.ts";
import {
  cloudFromMsg,
  labelSpecFromMsg,
  minScoreFromMsg,
  modelFromMsg,
} from "./segment_request.ts";
import type { BidiHandler, RpcContext, UnaryHandler } from "./rpc_context.ts";
import type {
  MapQueryMsg,
  QueryMapRequestMsg,
  QueryMapResponseMsg,
  ScanResultMsg,
  StreamOpenMsg,
  StreamRequestMsg,
  StreamResponseMsg,
  StreamScanMsg,
} from "./wire.ts";

/** Limits of SegmentStream (see config.ts for their flags). */
export interface StreamLimits {
  /** Most streams open at once on this server. */
  readonly maxStreams: number;
  /** Map voxels of a stream that asks for none. */
  readonly defaultMapVoxels: number;
  /** Most map voxels a stream may ask for. */
  readonly maxMapVoxels: number;
  /** A stream with no message for this long is closed, ms. */
  readonly idleMs: number;
}

/** Defaults of {@link StreamLimits}. */
export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  maxStreams: DEFAULT_MAX_SEGMENT_STREAMS,
  defaultMapVoxels: DEFAULT_STREAM_MAP_VOXELS,
  maxMapVoxels: DEFAULT_MAX_STREAM_MAP_VOXELS,
  idleMs: DEFAULT_STREAM_IDLE_MS,
};

/** Map voxel side of a stream that asks for none, metres. */
export const DEFAULT_MAP_VOXEL = 0.05;
/** Map radius of a stream that asks for none, metres. */
export const DEFAULT_MAP_RADIUS = 30;
/** Objects a map query returns when it asks for none. */
const DEFAULT_MAX_OBJECTS = 20;
/** Smallest object (map voxels) a map query returns when it asks for none. */
const DEFAULT_MIN_VOXELS = 10;

/** What the stream handlers need. */
export interface StreamHandlerDeps extends SegmentHandlerDeps {
  /** Stream limits (default {@link DEFAULT_STREAM_LIMITS}). */
  readonly streamLimits?: StreamLimits;
  /** The open sessions by id (shared by SegmentStream and QueryMap). */
  readonly sessions: Map<string, OpenStream>;
}

/** An open stream as QueryMap sees it. */
export interface OpenStream {
  readonly session: StreamSession;
  readonly model: string;
  readonly version: number;
  /** Serialises map access between the stream and QueryMap calls. */
  busy: Promise<unknown>;
}

/** Next message of `it`, or deadline_exceeded after `ms` of silence, or the call's abort. */
async function nextWithin<T>(
  it: AsyncIterator<T>,
  ms: number,
  signal: AbortSignal,
): Promise<IteratorResult<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const idle = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new GeoError(
            "deadline_exceeded",
            `The stream sent nothing for ${ms / 1000} s and was closed`,
          ),
        ),
      ms,
    );
  });
  try {
    return await raceAbort(Promise.race([it.next(), idle]), signal);
  } finally {
    clearTimeout(timer);
  }
}

/** The label embeddings of a label message, through the service (text encoder or as sent). */
function embed(
  deps: StreamHandlerDeps,
  msg: Parameters<typeof labelSpecFromMsg>[0],
  at: { model: string; version: number },
  field: string,
  signal: AbortSignal,
): Promise<EmbedOutput> {
  const spec = labelSpecFromMsg(msg, deps.limits, field);
  return deps.service.embedLabels!({ ...at, ...spec }, signal);
}

/** The pose of a scan when it is usable, else the warning saying why not. */
function poseOf(scan: StreamScanMsg): { pose?: Float64Array; warning: string } {
  const p = scan.sensor_to_map ?? [];
  if (p.length === 0) return { warning: "" };
  try {
    upFromPose(p, "scan.sensor_to_map");
    return { pose: Float64Array.from(p), warning: "" };
  } catch (e) {
    return { warning: `${GeoError.from(e).message}: labelled alone` };
  }
}

/** `open.map_up` checked (3 finite numbers, not all 0); undefined when empty. */
function mapUpOf(up: readonly number[] | null | undefined): number[] | undefined {
  if (!up || up.length === 0) return undefined;
  if (up.length !== 3 || !up.every(Number.isFinite) || !(Math.hypot(up[0], up[1], up[2]) > 0)) {
    throw invalid("open.map_up must be 3 finite numbers, not all zero (x, y, z)");
  }
  return [...up];
}

/** Checks a map query's numbers. */
function queryOptions(
  q: MapQueryMsg,
): { maxObjects: number; minScore: number; minVoxels: number } {
  const minScore = q.min_score ?? 0;
  if (!Number.isFinite(minScore)) throw invalid("query.min_score is not a finite number");
  return {
    maxObjects: q.max_objects || DEFAULT_MAX_OBJECTS,
    minScore,
    minVoxels: q.min_voxels || DEFAULT_MIN_VOXELS,
  };
}

/** The answer to one scan. */
function scanResultMsg(
  res: ScanLabels,
  scanned: ScanOutput,
  at: {
    index: number;
    timestamp: number;
    names: readonly string[];
    open: StreamOpenMsg;
    warning: string;
    mapUp: number[];
    timing: { queue: number; total: number };
  },
): ScanResultMsg {
  const { open } = at;
  return {
    scan_index: at.index,
    timestamp: at.timestamp,
    labels: typedToBytes(res.labels),
    point_count: res.labels.length,
    scores: open.return_scores ? typedToBytes(res.scores) : new Uint8Array(0),
    positions: open.return_positions ? typedToBytes(scanned.positions) : new Uint8Array(0),
    summary: summaryToMsg(summarizeLabels(res.labels, res.scores, at.names)),
    objects: res.objects.map((o) => sceneObjectToMsg(o, at.names)),
    changes: res.changes
      ? { centers: typedToBytes(res.changes.centers), labels: typedToBytes(res.changes.labels) }
      : null,
    timing: { ...scanned.timing, text: 0, ...at.timing },
    fused: res.fused,
    warning: [at.warning, res.warning].filter(Boolean).join("; "),
    map_voxels: res.mapVoxels,
    evicted_voxels: res.evicted,
    map_up: at.mapUp,
  };
}

/** The SegmentStream handler. */
export function makeSegmentStreamHandler(
  deps: StreamHandlerDeps,
): BidiHandler<StreamRequestMsg, StreamResponseMsg> {
  const limits = deps.streamLimits ?? DEFAULT_STREAM_LIMITS;
  return async (input, ctx, write) => {
    checkBearer(ctx.metadata("authorization"), deps.token, "Segmentation");
    const { service } = deps;
    if (!service.ready()) {
      throw new GeoError("unavailable", "The default model is not loaded yet; retry later");
    }
    if (!service.scan || !service.embedLabels) {
      throw new GeoError("failed_precondition", "This server does not serve SegmentStream");
    }
    const it = input[Symbol.asyncIterator]();
    const first = await nextWithin(it, limits.idleMs, ctx.signal);
    const open = first.done ? undefined : first.value.open;
    if (!open) throw invalid("The first message of a stream must be `open`");
    if (deps.sessions.size >= limits.maxStreams) {
      throw new GeoError(
        "resource_exhausted",
        `This server has ${deps.sessions.size} streams open, its limit (--max-segment-streams); retry later`,
      );
    }
    const at = modelFromMsg(open, service, "open");
    const voxels = open.max_map_voxels || limits.defaultMapVoxels;
    if (voxels > limits.maxMapVoxels) {
      throw new GeoError(
        "resource_exhausted",
        `open.max_map_voxels ${voxels} is over this server's limit of ${limits.maxMapVoxels} (--max-stream-map-voxels)`,
      );
    }
    const voxelSize = open.voxel_size || DEFAULT_MAP_VOXEL;
    const mapRadius = open.map_radius || DEFAULT_MAP_RADIUS;
    if (!(voxelSize >= 0.005 && voxelSize <= 10) || !(mapRadius > 0 && mapRadius <= 1e4)) {
      throw invalid("open.voxel_size must be in [0.005, 10] m and open.map_radius in (0, 10000] m");
    }
    const asked = minScoreFromMsg(open.min_score, "open");
    const labels = await embed(deps, open, at, "open", ctx.signal);
    const pinned = { model: labels.model, version: labels.version };
    // Unset: the pinned version's calibrated threshold, else 0.
    const minScore = asked ?? labels.calibratedMinScore ?? 0;
    const session = new StreamSession({
      dim: labels.embeddings.length / open.labels!.length,
      voxelSize,
      mapRadius,
      maxMapVoxels: voxels,
      minScore,
      independent: Boolean(open.independent),
      mapUp: mapUpOf(open.map_up),
    });
    session.setLabels(labels.embeddings);
    let names = [...open.labels!];

    const id = crypto.randomUUID();
    const entry: OpenStream = { session, ...pinned, busy: Promise.resolve() };
    deps.sessions.set(id, entry);
    try {
      await write({
        msg: "opened",
        opened: {
          session_id: id,
          model: pinned.model,
          model_version: pinned.version,
          voxel_size: voxelSize,
          max_map_voxels: voxels,
          map_radius: mapRadius,
          min_score: minScore,
        },
      });
      let index = 0;
      while (true) {
        const next = await nextWithin(it, limits.idleMs, ctx.signal);
        if (next.done) return;
        const m = next.value;
        if (m.scan) {
          const t0 = performance.now();
          const scan = m.scan;
          const cloud = cloudFromMsg(scan.cloud, deps.limits.maxPoints, "scan");
          const posed = poseOf(scan);
          const timestamp = Number(scan.timestamp ?? 0);
          // Features in the map frame only for a scan the session will fuse.
          const pose = session.fuseRefusal(posed.pose, timestamp) === "" ? posed.pose : undefined;
          const { out: scanned, queueMs } = await runInLane(
            deps,
            "SegmentStream",
            () =>
              service.scan!({
                cloud,
                ...pinned,
                limits: { maxPoints: deps.limits.maxPoints },
                proposals: Boolean(open.return_objects),
                ...(pose ? { pose, frame: session.frame.rotation } : {}),
              }, ctx.signal),
            ctx.signal,
          );
          const job = entry.busy.then(() =>
            session.labelScan(scanned, {
              // The session decides again, alike: a refused scan's warning says why.
              pose: posed.pose,
              timestamp,
              objects: Boolean(open.return_objects),
              changes: Boolean(open.return_map_changes),
            })
          );
          entry.busy = job.catch(() => {});
          const res = await job;
          deps.metrics.points.inc({}, res.labels.length);
          await write({
            msg: "scan",
            scan: scanResultMsg(res, scanned, {
              index: index++,
              timestamp,
              names,
              open,
              warning: posed.warning,
              mapUp: session.frame.up,
              timing: { queue: queueMs, total: performance.now() - t0 },
            }),
          });
        } else if (m.labels) {
          const next = await embed(deps, m.labels, pinned, "labels", ctx.signal);
          session.setLabels(next.embeddings);
          names = [...m.labels.labels!];
        } else if (m.query) {
          const q = m.query;
          const qe = await embed(deps, q, pinned, "query", ctx.signal);
          const objects = session.query(qe.embeddings, queryOptions(q));
          await write({
            msg: "query",
            query: {
              objects: objects.map((o) => sceneObjectToMsg(o, q.labels!)),
              map_voxels: session.mapVoxels,
            },
          });
        } else if (m.open) {
          throw invalid("The stream is already open: `open` comes once, first");
        } else {
          throw invalid("A stream message must set one of open, scan, labels or query");
        }
      }
    } finally {
      deps.sessions.delete(id);
    }
  };
}

/** The QueryMap handler: a map query against an open stream of this server. */
export function makeQueryMapHandler(
  deps: StreamHandlerDeps,
): UnaryHandler<QueryMapRequestMsg, QueryMapResponseMsg> {
  return async (req: QueryMapRequestMsg, ctx: RpcContext) => {
    checkBearer(ctx.metadata("authorization"), deps.token, "Segmentation");
    const entry = deps.sessions.get(req.session_id ?? "");
    if (!entry) {
      throw new GeoError(
        "not_found",
        "No open stream session has this session_id on this server (sessions live as long as their stream, on the server that opened them)",
      );
    }
    const q = req.query;
    if (!q) throw invalid("request.query is missing");
    const options = queryOptions(q);
    const qe = await embed(deps, q, entry, "request.query", ctx.signal);
    const job = entry.busy.then(() => entry.session.query(qe.embeddings, options));
    entry.busy = job.catch(() => {});
    const objects = await job;
    return {
      objects: objects.map((o) => sceneObjectToMsg(o, q.labels!)),
      map_voxels: entry.session.mapVoxels,
    };
  };
}
