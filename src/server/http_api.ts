/**
 * The JSON API of the HTTP port, for the viewer page and scripts:
 * `GET /api/models` and `POST /api/segment`. Both go through the very
 * handlers gRPC serves (`Segmentation.ListModels` / `Segment`): the same
 * bearer token, work queue, limits, deadlines, metrics and log lines. Only
 * the envelope differs.
 *
 * `POST /api/segment?labels=wall,floor[&model=NAME][&version=N][&minScore=S][&name=FILE][&up=X,Y,Z]`
 * takes the file bytes as the body (file name in `name` or the `x-file-name`
 * header; the format comes from its extension, else the magic bytes) and
 * sends it to the pipeline undecoded (`cloud.file`), so decoding happens
 * where Segment computes, never on the transport's thread. `up` is the
 * cloud's up direction (opposite gravity) in its own frame, as
 * `SegmentRequest.up`; absent, the server estimates it. `minScore` is the
 * reject threshold (a point whose best score is below it is unknown; −1
 * rejects nothing); absent or empty, it is left unset, so the model
 * version's calibrated threshold (`calibration.min_score` in its manifest)
 * applies, else 0. The body is read as a stream and refused as soon as it
 * passes `maxBodyBytes`. Headers: `authorization: Bearer <token>` (when
 * the server has a Segment token),
 * `x-request-id`, `x-timeout-ms` (a deadline relative to now, like gRPC's).
 * The answer is JSON: `labels` (base64 int16 LE, N, −1 = unknown),
 * `positions` (base64 float32 LE N×3, metres), `scores` (base64 float32 LE
 * N), `pointCount`, `summary`, `timing` (ms), `model`, `version`, `up` and
 * `upSource` (the up direction used, see `infer/gravity.ts`) and `colors` (sRGB 0..255 per label index, plus `unknown`). Errors answer
 * `{ "error": message }` with the HTTP status of their kind (status.ts).
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { GeoError, invalid } from "../kernels/errors.ts";
import { classColor } from "../render/palette.ts";
import { checkBearer } from "./auth.ts";
import type { Logger } from "./log.ts";
import type { ListModelsResponseMsg, SegmentRequestMsg, SegmentResponseMsg } from "./wire.ts";
import type { RpcContext, UnaryHandler } from "./rpc_context.ts";
import { toClientStatus } from "./status.ts";

/** What the API routes need: the gRPC handlers (already observed) and the HTTP-only limits. */
export interface HttpApiDeps {
  /** Segmentation.Segment, as served over gRPC. */
  readonly segment: UnaryHandler<SegmentRequestMsg, SegmentResponseMsg>;
  /** Segmentation.ListModels, as served over gRPC. */
  readonly listModels: UnaryHandler<Record<string, never>, ListModelsResponseMsg>;
  /** Segment bearer token ("" = open), checked before the body is read. */
  readonly token: string;
  /** Largest request body, bytes; larger bodies are refused while streaming. */
  readonly maxBodyBytes: number;
  /** True once the default model is loaded (reported by `/api/models`). */
  readonly ready?: () => boolean;
  /** True when the work queue would refuse a request now (checked before reading the body). */
  readonly busy?: () => boolean;
  /**
   * Counts and logs a Segment call refused before its body was read (auth, queue full),
   * like any other call, then rejects with `reason`.
   */
  readonly refuse?: (reason: unknown, ctx: RpcContext) => Promise<never>;
  /** Where internal errors are logged. */
  readonly logger?: Logger;
}

/** Longest deadline a client may ask for with `x-timeout-ms`, ms (one day). */
const MAX_TIMEOUT_MS = 86_400_000;

/** The request's labels: comma-separated, trimmed, blanks dropped; at least one. */
export function parseLabelList(text: string | null): string[] {
  const labels = (text ?? "").split(",").map((l) => l.trim()).filter((l) => l !== "");
  if (labels.length === 0) {
    throw invalid("labels is empty: give at least one label, e.g. labels=wall,floor");
  }
  return labels;
}

function numberParam<T extends number | undefined>(
  params: URLSearchParams,
  key: string,
  fallback: T,
): number | T {
  const text = params.get(key);
  if (text === null || text.trim() === "") return fallback;
  const value = Number(text);
  if (!Number.isFinite(value)) throw invalid(`${key} must be a number`);
  return value;
}

/**
 * Reads a request body as a stream, failing with resource_exhausted as soon
 * as more than `maxBytes` arrived (a declared content-length over it fails
 * before reading), and with invalid_argument when it is empty.
 *
 * @returns the body bytes
 */
export async function readBodyCapped(req: Request, maxBytes: number): Promise<Uint8Array> {
  const tooBig = () =>
    new GeoError(
      "resource_exhausted",
      `The upload is over this server's limit of ${maxBytes} bytes (--max-message-bytes)`,
    );
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > maxBytes) {
    await req.body?.cancel().catch(() => {});
    throw tooBig();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (req.body) {
    const reader = req.body.getReader();
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => {});
        throw tooBig();
      }
      chunks.push(value);
    }
  }
  if (size === 0) throw invalid("The upload is empty: send the point-cloud file as the body");
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** The call context of an HTTP request: headers as metadata, abort on disconnect or deadline. */
export function httpContext(req: Request): { ctx: RpcContext; done: () => void } {
  const raw = req.headers.get("x-timeout-ms");
  const ac = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let deadline = Infinity;
  if (raw !== null) {
    const ms = Number(raw);
    if (!Number.isFinite(ms) || ms < 0) throw invalid("x-timeout-ms must be a number of ms ≥ 0");
    const wait = Math.min(ms, MAX_TIMEOUT_MS);
    deadline = Date.now() + wait;
    timer = setTimeout(
      () => ac.abort(new DOMException("The client deadline was exceeded", "TimeoutError")),
      wait,
    );
  }
  const signal = AbortSignal.any([req.signal, ac.signal]);
  return {
    ctx: {
      metadata: (key) => req.headers.get(key) ?? undefined,
      signal,
      deadline,
      peer: "http",
    },
    done: () => clearTimeout(timer),
  };
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** The `up` query parameter: "x,y,z" → 3 numbers (checked by the handler); absent → []. */
export function parseUpParam(text: string | null): number[] {
  if (text === null || text.trim() === "") return [];
  const parts = text.split(",");
  if (parts.length !== 3 || parts.some((p) => p.trim() === "")) {
    throw invalid("up must be three comma-separated numbers x,y,z, e.g. up=0,-1,0");
  }
  return parts.map(Number);
}

async function segmentRoute(req: Request, ctx: RpcContext, deps: HttpApiDeps): Promise<Response> {
  const params = new URL(req.url).searchParams;
  const labels = parseLabelList(params.get("labels"));
  const version = numberParam(params, "version", 0);
  const minScore = numberParam(params, "minScore", undefined);
  const up = parseUpParam(params.get("up"));
  const name = params.get("name") || req.headers.get("x-file-name") || "upload";
  try {
    checkBearer(ctx.metadata("authorization"), deps.token, "Segmentation");
    if (deps.busy?.()) throw new GeoError("resource_exhausted", "The server is busy; retry later");
  } catch (e) {
    await req.body?.cancel().catch(() => {});
    if (deps.refuse) await deps.refuse(e, ctx);
    throw e;
  }
  const data = await readBodyCapped(req, deps.maxBodyBytes);
  const msg = await deps.segment({
    cloud: { data: "file", file: { data, name } },
    labels,
    model: params.get("model") ?? "",
    model_version: version,
    ...(minScore !== undefined ? { min_score: minScore } : {}),
    return_scores: true,
    return_positions: true,
    label_embeddings: [],
    prompt_template: "",
    up,
  }, ctx);
  return Response.json({
    pointCount: msg.point_count,
    labels: base64(msg.labels),
    positions: base64(msg.positions),
    scores: base64(msg.scores),
    summary: msg.summary.map((s) => ({
      label: s.label,
      points: s.points,
      meanScore: s.mean_score,
    })),
    timing: msg.timing,
    model: msg.model,
    version: msg.model_version,
    up: msg.up,
    upSource: msg.up_source,
    colors: { labels: labels.map((_, i) => classColor(i)), unknown: classColor(-1) },
  });
}

async function modelsRoute(ctx: RpcContext, deps: HttpApiDeps): Promise<Response> {
  const res = await deps.listModels({}, ctx);
  return Response.json({
    ready: deps.ready?.() ?? true,
    defaultModel: res.default_model,
    models: res.models.map((m) => ({
      name: m.name,
      versions: m.versions,
      isDefault: m.is_default,
      defaultLabels: m.default_labels,
    })),
  });
}

/**
 * The API's request handler: answers `/api/segment` and `/api/models`, and
 * returns `undefined` for every other path.
 *
 * @param deps the gRPC handlers, token and body limit
 * @returns Request → Response, or undefined when the path is not the API's
 */
export function httpApi(deps: HttpApiDeps): (req: Request) => Promise<Response | undefined> {
  return async (req) => {
    const path = new URL(req.url).pathname;
    if (path !== "/api/segment" && path !== "/api/models") return undefined;
    const wanted = path === "/api/segment" ? "POST" : "GET";
    if (req.method !== wanted && !(wanted === "GET" && req.method === "HEAD")) {
      await req.body?.cancel().catch(() => {});
      return Response.json({ error: `Use ${wanted} for this path` }, {
        status: 405,
        headers: { allow: wanted },
      });
    }
    let done = () => {};
    try {
      const made = httpContext(req);
      done = made.done;
      return path === "/api/segment"
        ? await segmentRoute(req, made.ctx, deps)
        : await modelsRoute(made.ctx, deps);
    } catch (e) {
      await req.body?.cancel().catch(() => {});
      const status = toClientStatus(e);
      if (status.kind === "internal") {
        deps.logger?.log("error", "http api internal error", { detail: String(e) });
      }
      const headers: Record<string, string> = status.httpStatus === 429
        ? { "retry-after": "1" }
        : {};
      if (status.httpStatus === 401) headers["www-authenticate"] = "Bearer";
      return Response.json({ error: status.message }, { status: status.httpStatus, headers });
    } finally {
      done();
    }
  };
}
