/**
 * The viewer page of the HTTP port: static files (`GET /`, `/viewer.js`,
 * `/viewer.css`, three.js under `/vendor/`) and the JSON endpoints the page
 * calls — `GET /api/models` and `POST /api/segment`.
 *
 * `POST /api/segment?labels=wall,floor[&model=NAME][&version=N][&minScore=S][&name=FILE]`
 * takes the file bytes as the body (file name in `name` or the `x-file-name`
 * header; the format comes from its extension, else the magic bytes). Draco
 * goes to the service as is; .ply/.pcd/.npy are decoded here and sent as raw
 * arrays. The answer is JSON: `labels` (base64 int16 LE, N, −1 = unknown),
 * `positions` (base64 float32 LE N×3, metres), `scores` (base64 float32 LE N),
 * `pointCount`, `summary`, `timing` (ms), `model`, `version` and `colors`
 * (sRGB 0..255 per label index, plus `unknown`). Errors answer
 * `{ "error": message }` with the HTTP status of their kind (status.ts).
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { GeoError, invalid } from "../kernels/errors.ts";
import { decodeCloud, detectFormat } from "../io/read_cloud.ts";
import { checkPointLimit } from "../pipeline/cloud_input.ts";
import type { CloudInput, SegmentInput, SegmentService } from "../pipeline/service_api.ts";
import { typedToBytes } from "../pipeline/typed_bytes.ts";
import { classColor } from "../render/palette.ts";
import { DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_POINTS } from "./config.ts";
import type { Logger } from "./log.ts";
import { checkModelKnown, MAX_LABELS, segmentResponseToMsg } from "./segment_handler.ts";
import { toClientStatus } from "./status.ts";
import type { WorkQueue } from "./work_queue.ts";

/** Options of {@link viewerHandler}. */
export interface ViewerOptions {
  /** Most points per upload (default `DEFAULT_MAX_POINTS`). */
  readonly maxPoints?: number;
  /** Largest upload, bytes (default `DEFAULT_MAX_MESSAGE_BYTES`, 256 MiB). */
  readonly maxUploadBytes?: number;
  /** Work queue shared with gRPC Segment calls; without one requests run at once. */
  readonly queue?: WorkQueue;
  /** Where internal errors are logged (their details never reach the client). */
  readonly logger?: Logger;
  /** Folder of the `three` package (default: found from this module like Node does). */
  readonly threeDir?: string;
}

const VIEWER_DIR = fileURLToPath(new URL("./viewer/", import.meta.url));

const TYPES = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
} as const;

/** Static files: URL path → [file relative to its root, root, content type]. */
const STATIC: Record<string, [string, "viewer" | "three", keyof typeof TYPES]> = {
  "/": ["index.html", "viewer", "html"],
  "/index.html": ["index.html", "viewer", "html"],
  "/viewer.js": ["viewer.js", "viewer", "js"],
  "/viewer.css": ["viewer.css", "viewer", "css"],
  "/vendor/three.module.js": ["build/three.module.js", "three", "js"],
  "/vendor/three.core.js": ["build/three.core.js", "three", "js"],
  "/vendor/OrbitControls.js": ["examples/jsm/controls/OrbitControls.js", "three", "js"],
};

/** Folder of the installed `three` package, resolved the way Node resolves `require("three")`. */
function findThreeDir(): string {
  const main = createRequire(import.meta.url).resolve("three");
  return dirname(dirname(main));
}

function errorResponse(reason: unknown, logger?: Logger): Response {
  const status = toClientStatus(reason);
  if (status.kind === "internal") {
    logger?.log("error", "viewer internal error", { detail: String(reason) });
  }
  return Response.json({ error: status.message }, { status: status.httpStatus });
}

/** The request's labels: comma-separated, trimmed, blanks dropped. */
export function parseLabelList(text: string | null): string[] {
  const labels = (text ?? "").split(",").map((l) => l.trim()).filter((l) => l !== "");
  if (labels.length === 0) {
    throw invalid("labels is empty: give at least one label, e.g. labels=wall,floor");
  }
  if (labels.length > MAX_LABELS) {
    throw new GeoError(
      "resource_exhausted",
      `labels has ${labels.length} labels, over ${MAX_LABELS}`,
    );
  }
  return labels;
}

function numberParam(params: URLSearchParams, key: string, fallback: number): number {
  const text = params.get(key);
  if (text === null || text.trim() === "") return fallback;
  const value = Number(text);
  if (!Number.isFinite(value)) throw invalid(`${key} must be a number, got '${text}'`);
  return value;
}

async function readBody(req: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  const tooBig = (n: number) =>
    new GeoError("resource_exhausted", `The upload has ${n} bytes, over the limit of ${maxBytes}`);
  if (declared > maxBytes) throw tooBig(declared);
  const bytes = new Uint8Array(await req.arrayBuffer());
  if (bytes.byteLength > maxBytes) throw tooBig(bytes.byteLength);
  if (bytes.byteLength === 0) {
    throw invalid("The upload is empty: send the point-cloud file as the body");
  }
  return bytes;
}

/** Bytes → Draco input as is, or decoded here (ply/pcd/npy) → raw input. */
async function cloudInputOf(
  bytes: Uint8Array,
  name: string,
  maxPoints: number,
): Promise<{ cloud: CloudInput; decodeMs: number; coord?: Float32Array }> {
  if (detectFormat(bytes, name) === "draco") {
    return { cloud: { kind: "draco", bytes }, decodeMs: 0 };
  }
  const t0 = performance.now();
  const cloud = await decodeCloud(bytes, name);
  checkPointLimit(cloud.count, maxPoints, name);
  return {
    cloud: {
      kind: "raw",
      xyz: typedToBytes(cloud.coord),
      rgb: cloud.color,
      normal: cloud.normal ? typedToBytes(cloud.normal) : undefined,
    },
    decodeMs: performance.now() - t0,
    coord: cloud.coord,
  };
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

async function segmentUpload(
  req: Request,
  service: SegmentService,
  options: ViewerOptions,
): Promise<Response> {
  const t0 = performance.now();
  const params = new URL(req.url).searchParams;
  const labels = parseLabelList(params.get("labels"));
  const model = params.get("model") ?? "";
  const version = numberParam(params, "version", 0);
  if (!Number.isInteger(version) || version < 0) {
    throw invalid(`version must be 0 (latest) or a version number, got ${version}`);
  }
  const minScore = numberParam(params, "minScore", 0);
  const name = params.get("name") || req.headers.get("x-file-name") || "upload";
  if (!service.ready()) {
    throw new GeoError("unavailable", "The default model is not loaded yet; retry later");
  }
  checkModelKnown(service.listModels(), model, version);
  const maxPoints = options.maxPoints ?? DEFAULT_MAX_POINTS;
  const bytes = await readBody(req, options.maxUploadBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
  const { cloud, decodeMs, coord } = await cloudInputOf(bytes, name, maxPoints);
  const input: SegmentInput = {
    cloud,
    labels,
    model,
    version,
    minScore,
    returnScores: true,
    returnPositions: true,
    labelEmbeddings: [],
    promptTemplate: "",
    limits: { maxPoints },
  };
  const job = async (queueMs: number) => ({
    out: await service.segment(input, req.signal),
    queueMs,
  });
  const { out, queueMs } = options.queue ? await options.queue.run(job, req.signal) : await job(0);
  // Decoded here when not Draco: the service returns positions it was given, else use ours.
  const withPositions = out.positions || !coord ? out : { ...out, positions: coord };
  const msg = segmentResponseToMsg(withPositions, input);
  if (msg.point_count > 0 && msg.positions.byteLength === 0) {
    throw new GeoError("internal", "The pipeline returned no positions for the viewer");
  }
  return Response.json({
    pointCount: msg.point_count,
    labels: base64(msg.labels),
    positions: base64(msg.positions),
    scores: base64(msg.scores),
    summary: out.summary,
    timing: {
      ...out.timing,
      decode: out.timing.decode + decodeMs,
      queue: queueMs,
      total: performance.now() - t0,
    },
    model: out.model,
    version: out.version,
    colors: { labels: labels.map((_, i) => classColor(i)), unknown: classColor(-1) },
  });
}

function listModels(service: SegmentService): Response {
  return Response.json({
    ready: service.ready(),
    models: service.listModels().map((m) => ({
      name: m.name,
      versions: m.versions,
      isDefault: m.isDefault,
      defaultLabels: m.defaultLabels,
    })),
  });
}

/**
 * The viewer's request handler. Answers the paths listed in the module doc
 * and returns `undefined` for every other path, so it can sit in front of
 * (or behind) other handlers.
 *
 * @param service the inference side
 * @param options limits, shared queue, logger, three.js location
 * @returns a web-standard handler: Request → Response, or undefined when the path is not the viewer's
 */
export function viewerHandler(
  service: SegmentService,
  options: ViewerOptions = {},
): (req: Request) => Promise<Response | undefined> {
  const cache = new Map<string, Uint8Array<ArrayBuffer>>();
  let threeDir = options.threeDir;
  const load = async (path: string): Promise<Uint8Array<ArrayBuffer>> => {
    const [file, root] = STATIC[path];
    const key = `${root}:${file}`;
    let bytes = cache.get(key);
    if (!bytes) {
      const base = root === "viewer" ? VIEWER_DIR : (threeDir ??= findThreeDir());
      try {
        bytes = new Uint8Array(await readFile(join(base, file)));
      } catch (e) {
        throw new GeoError("not_found", `Viewer file ${file} is missing from this installation`, {
          cause: e,
        });
      }
      cache.set(key, bytes);
    }
    return bytes;
  };
  return async (req) => {
    const path = new URL(req.url).pathname;
    const isStatic = Object.hasOwn(STATIC, path);
    const isApi = path === "/api/segment" || path === "/api/models";
    if (!isStatic && !isApi) return undefined;
    const wanted = path === "/api/segment" ? "POST" : "GET";
    if (req.method !== wanted && !(wanted === "GET" && req.method === "HEAD")) {
      return Response.json({ error: `Use ${wanted} for ${path}` }, {
        status: 405,
        headers: { allow: wanted },
      });
    }
    try {
      if (path === "/api/segment") return await segmentUpload(req, service, options);
      if (path === "/api/models") return listModels(service);
      const body = await load(path);
      const headers = { "content-type": TYPES[STATIC[path][2]], "cache-control": "no-cache" };
      return new Response(req.method === "HEAD" ? null : body, { headers });
    } catch (e) {
      return errorResponse(e, options.logger);
    }
  };
}
