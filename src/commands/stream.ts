/**
 * `stream FILE_OR_DIR --labels a,b,c [--server HOST:PORT] [--period S] [--objects]
 * [--query "fire extinguisher,door"] [--independent] [--voxel M] [--radius M]
 * [--max-voxels N] [--min-score S] [--model M] [--version V] [--token T] [--ca FILE]`:
 * replays a scan sequence against a GeoGuide server's SegmentStream, as a robot would,
 * and prints one line per scan (latency, fused or not, map size, labels, objects), then
 * the answers to `--query` (the map's objects for those labels) and a JSON summary.
 *
 * FILE_OR_DIR: a sequence folder (`sequence.json` with poses and timestamps, one folder
 * of .npy arrays per scan, as `synth --sequence` writes), a folder of cloud files
 * (.ply/.pcd/.npy/.drc, sent in name order without poses, so each is labelled alone) or
 * one cloud file. `--period` paces the sends (seconds; default 0.2; 0 = as fast as
 * answers come).
 *
 * @module
 */

import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { GeoError } from "../kernels/errors.ts";
import { readCloudFile } from "../io/read_cloud.ts";
import { readSequence } from "../io/sequence_folder.ts";
import { GeoguideClient } from "../server/grpc.ts";
import { numberFlag, parseFlags, runCancellable } from "./_flags.ts";
import { type ReplayScan, replayStream } from "./stream_replay.ts";

/** Usage of `stream`. */
export const USAGE = [
  "usage: stream FILE_OR_DIR --labels a,b,c [flags]",
  "  FILE_OR_DIR        a sequence folder (sequence.json), a folder of cloud files or one file",
  "  --labels a,b,c     labels, at least one; required",
  "  --server HOST:PORT the server; default 127.0.0.1:50051",
  "  --period S         seconds between scans (0 = as fast as answered); default 0.2",
  "  --objects          also print each scan's objects; default off",
  '  --query "a,b"      after the last scan, ask the map where these are; default none',
  "  --independent      label every scan alone (no map); default off",
  "  --no-pose          send no poses (each scan labelled alone); default off",
  "  --voxel M          map voxel side, metres; default the server's (0.05)",
  "  --radius M         map radius around the sensor, metres; default the server's (30)",
  "  --max-voxels N     map budget, voxels; default the server's",
  "  --min-score S      best score below S = unknown; default the model's calibration",
  '  --model M          model name; default "" (the default model)',
  "  --version V        model version; default 0 (latest)",
  "  --token T          bearer token; default $GEOGUIDE_SEGMENT_TOKEN",
  "  --ca FILE          PEM CA file: use TLS; default plaintext",
].join("\n");

const BOOLEAN = new Set(["--objects", "--independent", "--no-pose"]);
const CLOUD_EXT = /\.(ply|pcd|npy|drc)$/i;

/** The scans of FILE_OR_DIR (see the module doc), loaded one at a time. */
export async function scanSource(
  path: string,
  period: number,
  withPose: boolean,
): Promise<{ count: number; labels?: string[]; get(i: number): Promise<ReplayScan> }> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (e) {
    throw new GeoError("not_found", `${path}: cannot read it (${(e as Error).message})`);
  }
  if (isDir && (await readdir(path)).includes("sequence.json")) {
    const seq = await readSequence(path);
    return {
      count: seq.scans.length,
      labels: seq.labels,
      get: async (i) => {
        const s = seq.scans[i];
        return {
          cloud: (await seq.load(i)).cloud,
          timestamp: s.timestamp,
          ...(withPose && s.pose ? { pose: s.pose } : {}),
        };
      },
    };
  }
  const files = isDir
    ? (await readdir(path)).filter((f) => CLOUD_EXT.test(f)).sort().map((f) => join(path, f))
    : [path];
  if (files.length === 0) throw new GeoError("invalid_argument", `${path} holds no cloud files`);
  return {
    count: files.length,
    get: async (i) => ({ cloud: await readCloudFile(files[i]), timestamp: i * period }),
  };
}

/** Runs `stream`; returns the exit code. */
export function run(args: string[]): Promise<number> {
  return runCancellable("stream", async (signal) => {
    const path = args[0];
    if (!path || path.startsWith("--")) throw new GeoError("invalid_argument", USAGE);
    const m = parseFlags(args.slice(1), BOOLEAN);
    const labels = (m.get("--labels") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
    if (labels.length === 0) {
      throw new GeoError("invalid_argument", "--labels needs at least one label");
    }
    const period = numberFlag(m, "--period") ?? 0.2;
    const minScore = numberFlag(m, "--min-score");
    const source = await scanSource(path, period, !m.has("--no-pose"));
    const client = new GeoguideClient(m.get("--server") ?? "127.0.0.1:50051", {
      token: m.get("--token") ?? process.env.GEOGUIDE_SEGMENT_TOKEN,
      tls: m.has("--ca") ? { caFile: m.get("--ca")! } : undefined,
    });
    const latencies: number[] = [];
    let fused = 0, points = 0;
    try {
      const done = await replayStream(client, source, {
        open: {
          labels,
          model: m.get("--model") ?? "",
          model_version: numberFlag(m, "--version") ?? 0,
          voxel_size: numberFlag(m, "--voxel") ?? 0,
          map_radius: numberFlag(m, "--radius") ?? 0,
          max_map_voxels: numberFlag(m, "--max-voxels") ?? 0,
          ...(minScore !== undefined ? { min_score: minScore } : {}),
          return_objects: m.has("--objects") || m.has("--query"),
          independent: m.has("--independent"),
        },
        period,
        queries: m.has("--query") ? [m.get("--query")!.split(",").map((s) => s.trim())] : [],
        signal,
      }, ({ index, result, latencyMs }) => {
        latencies.push(latencyMs);
        points += result.point_count;
        if (result.fused) fused++;
        const n = Math.max(1, result.point_count);
        const top = [...result.summary].sort((a, b) => b.points - a.points).slice(0, 4)
          .map((s) => `${s.label} ${(100 * s.points / n).toFixed(0)}%`).join(", ");
        const objects = m.has("--objects")
          ? "  objects: " + result.objects.slice(0, 5)
            .map((o) => `${o.label_text}#${o.id} ${o.score.toFixed(2)}`).join(", ")
          : "";
        console.log(
          `scan ${String(index).padStart(5)}  ${result.point_count} pts  ${
            latencyMs.toFixed(0)
          } ms  ${result.fused ? "fused" : "alone"}  map ${result.map_voxels}  ${top}${objects}${
            result.warning ? `  (${result.warning})` : ""
          }`,
        );
      });
      for (const q of done.queries) {
        console.log(`query: ${q?.objects.length ?? 0} objects (map ${q?.map_voxels} voxels)`);
        for (const o of q?.objects ?? []) {
          console.log(
            `  ${o.label_text}#${o.id} score ${o.score.toFixed(3)} at ${
              o.centroid.map((x) => x.toFixed(2)).join(",")
            } (${o.point_count} voxels)`,
          );
        }
      }
      const sorted = [...latencies].sort((a, b) => a - b);
      const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
      console.log(JSON.stringify({
        scans: latencies.length,
        fused,
        points,
        model: done.opened?.model,
        model_version: done.opened?.model_version,
        latency_ms: { p50: q(0.5), p99: q(0.99), max: sorted[sorted.length - 1] },
      }));
      return 0;
    } finally {
      client.close();
    }
  });
}
