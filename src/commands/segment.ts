/**
 * `segment <file.drc|.ply|.pcd> --labels a,b,c [--out colored.ply] [--server host:port]
 * [--model M] [--version V] [--min-score S] [--template T] [--models DIR] [--token T]
 * [--ca FILE] [--up X,Y,Z]`: labels every point of a cloud and prints a per-label table (label,
 * points, %, mean score) on stdout; `--out` writes a PLY coloured by label (with `label`
 * and `score` float properties).
 *
 * Without `--server` the model runs in this process, from the registry folder `--models`
 * (else `GEOGUIDE_MODELS`, else `models`). With `--server` the cloud is sent to a
 * GeoGuide server's Segment RPC (token: `--token` or `GEOGUIDE_SEGMENT_TOKEN`; TLS when
 * `--ca` is given). Draco files are sent as they are; other formats as raw arrays.
 * `--up` gives the cloud's up direction (opposite gravity) in its own frame; without it
 * the up direction is estimated (the cloud is turned only when that is confident and
 * over 10° from +z).
 * Without `--min-score` no threshold is sent (in-process: none is set), so the model
 * version's calibrated threshold (`calibration.min_score` in its manifest) applies, else 0.
 *
 * @module
 */

import { segmentInput } from "../infer/segment_input.ts";
import { readFile, writeFile } from "node:fs/promises";
import process from "node:process";
import { GeoError } from "../kernels/errors.ts";
import type { PointCloud } from "../kernels/point_cloud.ts";
import { encodePly } from "../io/ply.ts";
import { detectFormat, readCloudFile } from "../io/read_cloud.ts";
import { createSegmentService } from "../infer/segment_service.ts";
import type { CloudInput } from "../features/cloud_input.ts";
import type { LabelCountOutput } from "../infer/api.ts";
import { bytesToFloat32, bytesToInt16, typedToBytes } from "../io/typed_bytes.ts";
import { GeoguideClient } from "../server/grpc.ts";

/** Usage of `segment` (printed by `cli.ts` for `--help` / `-h` and on bad usage). */
export const USAGE = [
  "usage: segment <file.drc|.ply|.pcd|.npy> --labels a,b,c [flags]",
  "  --labels a,b,c     labels to assign, at least one; required",
  "  --out FILE.ply     write a PLY coloured by label (label, score properties); default none",
  "  --server HOST:PORT send to a GeoGuide server's Segment RPC; default in-process",
  '  --model M          model name; default "" (the default model)',
  "  --version V        model version; default 0 (latest)",
  "  --min-score S      best score below S = unknown; default the model's calibrated threshold, else 0",
  '  --template T       prompt template; default "" (the model\'s)',
  "  --models DIR       registry folder (in-process); default $GEOGUIDE_MODELS, else models",
  "  --token T          bearer token for --server; default $GEOGUIDE_SEGMENT_TOKEN",
  "  --ca FILE          PEM CA file: use TLS to --server; default plaintext",
  "  --up X,Y,Z         the cloud's up direction (opposite gravity); default estimated",
].join("\n");

const FLAGS = [
  "labels",
  "out",
  "server",
  "model",
  "version",
  "min-score",
  "template",
  "models",
  "token",
  "ca",
  "up",
];

/** Parsed command line of `segment`. */
export interface SegmentArgs {
  /** Input cloud file. */
  file: string;
  /** Labels, at least one. */
  labels: string[];
  /** Output PLY path. */
  out?: string;
  /** "host:port" of a server; absent = in-process. */
  server?: string;
  /** Model name ("" = default). */
  model: string;
  /** Model version (0 = latest). */
  version: number;
  /** Minimum best score, below it → unknown; absent = the model's calibrated threshold, else 0. */
  minScore?: number;
  /** Prompt template ("" = the model's). */
  template: string;
  /** Registry folder for in-process runs. */
  modelsDir: string;
  /** Bearer token for the server. */
  token?: string;
  /** PEM CA file: use TLS. */
  ca?: string;
  /** The cloud's up direction; absent = estimated. */
  up?: [number, number, number];
}

/**
 * Parses the arguments (see the module doc).
 *
 * @throws Error with a usage message on unknown flags, missing values or bad numbers
 */
export function parseSegmentArgs(
  args: string[],
  env: Record<string, string | undefined>,
): SegmentArgs {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("--")) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    if (!FLAGS.includes(name)) throw new Error(`unknown flag --${name}`);
    const value = eq >= 0 ? a.slice(eq + 1) : args[++i];
    if (value === undefined) throw new Error(`flag --${name} needs a value`);
    flags[name] = value;
  }
  if (positional.length !== 1) throw new Error("give exactly one input file");
  const labels = (flags.labels ?? "").split(",").map((l) => l.trim()).filter((l) => l !== "");
  if (labels.length === 0) {
    throw new Error("--labels needs at least one label, e.g. --labels wall,floor,chair");
  }
  const num = (name: string, fallback: number) => {
    const v = flags[name] === undefined ? fallback : Number(flags[name]);
    if (!Number.isFinite(v)) throw new Error(`--${name} must be a number, got '${flags[name]}'`);
    return v;
  };
  const version = num("version", 0);
  if (!Number.isInteger(version) || version < 0) {
    throw new Error("--version must be 0 (latest) or a version number");
  }
  let up: [number, number, number] | undefined;
  if (flags.up !== undefined) {
    const v = flags.up.split(",").map((s) => (s.trim() === "" ? NaN : Number(s)));
    if (v.length !== 3 || !v.every(Number.isFinite) || !(Math.hypot(v[0], v[1], v[2]) > 0)) {
      throw new Error(`--up must be three numbers x,y,z, not all zero, got '${flags.up}'`);
    }
    up = [v[0], v[1], v[2]];
  }
  return {
    file: positional[0],
    labels,
    out: flags.out,
    server: flags.server,
    model: flags.model ?? "",
    version,
    ...(flags["min-score"] !== undefined ? { minScore: num("min-score", 0) } : {}),
    template: flags.template ?? "",
    modelsDir: flags.models ?? env.GEOGUIDE_MODELS ?? "models",
    token: flags.token ?? env.GEOGUIDE_SEGMENT_TOKEN,
    ca: flags.ca,
    up,
  };
}

/** The inputs a cloud file becomes (never a ROS message). */
type FileCloudInput = Exclude<CloudInput, { kind: "ros" }>;

/** What either path returns. */
interface Result {
  labels: Int16Array;
  scores: Float32Array;
  positions: Float32Array;
  summary: readonly LabelCountOutput[];
  model: string;
  version: number;
  timing: Record<string, number>;
}

async function cloudInput(path: string): Promise<{ input: FileCloudInput; cloud?: PointCloud }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new GeoError("not_found", `${path}: cannot read the file (${(e as Error).message})`);
  }
  if (detectFormat(bytes, path) === "draco") return { input: { kind: "draco", bytes } };
  const cloud = await readCloudFile(path);
  return {
    cloud,
    input: {
      kind: "raw",
      xyz: typedToBytes(cloud.coord),
      rgb: cloud.color,
      normal: cloud.normal ? typedToBytes(cloud.normal) : undefined,
    },
  };
}

async function segmentLocal(a: SegmentArgs, input: CloudInput): Promise<Result> {
  const log = (_level: string, message: string, fields?: Record<string, string | number>) =>
    console.error(`segment: ${message} ${fields ? JSON.stringify(fields) : ""}`);
  const service = createSegmentService({
    modelsDir: a.modelsDir,
    defaultModel: a.model,
    log,
  });
  try {
    await service.whenStarted();
    const out = await service.segment(
      segmentInput(input, a.labels, {
        model: a.model,
        version: a.version,
        ...(a.minScore !== undefined ? { minScore: a.minScore } : {}),
        returnScores: true,
        returnPositions: true,
        promptTemplate: a.template,
        limits: { maxPoints: Number.MAX_SAFE_INTEGER },
        ...(a.up ? { up: a.up } : {}),
      }),
      new AbortController().signal,
    );
    const g = out.gravity;
    if (g) {
      console.error(
        `segment: up ${g.up.map((x) => x.toFixed(3)).join(",")} (${g.source}, confidence ${
          g.confidence.toFixed(2)
        })`,
      );
    }
    return { ...out, scores: out.scores!, positions: out.positions!, timing: { ...out.timing } };
  } finally {
    await service.close();
  }
}

async function segmentRemote(a: SegmentArgs, input: FileCloudInput): Promise<Result> {
  const client = new GeoguideClient(a.server!, {
    token: a.token,
    tls: a.ca ? { caFile: a.ca } : undefined,
  });
  try {
    const res = await client.segment({
      cloud: input.kind === "draco"
        ? { data: "draco", draco: input.bytes }
        : input.kind === "file"
        ? { data: "file", file: { data: input.bytes, name: input.name } }
        : { data: "raw", raw: { xyz: input.xyz, rgb: input.rgb, normal: input.normal } },
      labels: a.labels,
      model: a.model,
      model_version: a.version,
      ...(a.minScore !== undefined ? { min_score: a.minScore } : {}),
      return_scores: true,
      return_positions: true,
      prompt_template: a.template,
      up: a.up ?? [],
    });
    return {
      labels: bytesToInt16(res.labels, "response.labels"),
      scores: bytesToFloat32(res.scores, "response.scores"),
      positions: bytesToFloat32(res.positions, "response.positions"),
      summary: res.summary.map((s) => ({
        label: s.label,
        points: s.points,
        meanScore: s.mean_score,
      })),
      model: res.model,
      version: Number(res.model_version),
      timing: { ...(res.timing ?? {}) },
    };
  } finally {
    client.close();
  }
}

/** A distinct RGB colour per label index (−1 = grey). */
export function labelColor(label: number): [number, number, number] {
  if (label < 0) return [128, 128, 128];
  const h = (label * 0.618033988749895) % 1;
  const f = (n: number) => {
    const k = (n + h * 6) % 6;
    return Math.round(255 * (0.85 - 0.65 * Math.max(0, Math.min(k, 4 - k, 1))));
  };
  return [f(5), f(3), f(1)];
}

/** The per-label table: label, points, %, mean score. */
export function formatSummary(summary: readonly LabelCountOutput[], total: number): string {
  const width = Math.max(5, ...summary.map((s) => s.label.length));
  const lines = [
    `${"label".padEnd(width)}  ${"points".padStart(9)}  ${"%".padStart(6)}  mean score`,
  ];
  for (const s of summary) {
    const pct = total > 0 ? (100 * s.points / total).toFixed(1) : "0.0";
    lines.push(
      `${s.label.padEnd(width)}  ${String(s.points).padStart(9)}  ${pct.padStart(6)}  ${
        s.meanScore.toFixed(3)
      }`,
    );
  }
  return lines.join("\n");
}

/**
 * Runs the command.
 *
 * @param args see the module doc
 * @returns 0 on success, 1 on a failure (unreadable file, unknown model, server error), 2 on bad usage
 */
export async function run(args: string[]): Promise<number> {
  let a: SegmentArgs;
  try {
    a = parseSegmentArgs(args, process.env);
  } catch (e) {
    console.error(`segment: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  try {
    const { input } = await cloudInput(a.file);
    const r = a.server ? await segmentRemote(a, input) : await segmentLocal(a, input);
    const n = r.labels.length;
    console.log(formatSummary(r.summary, n));
    const t = r.timing;
    console.error(
      `segment: ${n} points, model ${r.model} v${r.version}; ms decode ${fmt(t.decode)} ` +
        `features ${fmt(t.features)} adapter ${fmt(t.adapter)} text ${fmt(t.text)} total ${
          fmt(t.total)
        }`,
    );
    if (a.out) {
      const color = new Uint8Array(3 * n);
      for (let i = 0; i < n; i++) color.set(labelColor(r.labels[i]), 3 * i);
      const ply = encodePly({ count: n, coord: r.positions, color }, {
        scalars: { label: Float32Array.from(r.labels), score: r.scores },
      });
      await writeFile(a.out, ply);
      console.error(`segment: wrote ${a.out}`);
    }
    return 0;
  } catch (e) {
    const err = GeoError.from(e);
    console.error(`segment: ${err.kind === "internal" ? String(e) : err.message}`);
    return 1;
  }
}

function fmt(ms: number | undefined): string {
  return ms === undefined ? "?" : ms.toFixed(0);
}
