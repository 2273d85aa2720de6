/**
 * Streaming segmentation on synthetic robot scan sequences (`synth --sequence`).
 *
 * `deno task bench stream --data DIR [--scans N] [--true-poses] [--map-voxel M] [--speed]
 * [--max-weight W] [--soak N] [--map-voxels N] [--models DIR] [--default NAME]` (`--map-voxel`:
 * the map's voxel side, default 0.05 m; `--max-weight`: the running mean's cap, default 100;
 * `--default`: the registry's model to use, as `serve --default-model`, e.g. a training run's
 * `--out` folder under `--models`)
 * - Quality (always; in process, the server's pipeline without the transport): every scan
 *   of each sequence in DIR (a sequence folder or a folder of them; `--scans` limits each)
 *   is labelled twice with the sequence's classes: fused (the SegmentStream session, map
 *   in the reported-pose frame, or the true one with `--true-poses`: what drift costs) and independent (a Segment call per scan, gravity from
 *   the pose). Per-scan mIoU (mean over scans), label flicker and objects at IoU 0.5
 *   (`stream_quality.ts`), min_score −1 (no point is rejected).
 * - Speed (`--speed`): a `serve` subprocess gets the scans of the first sequence again and
 *   again over one SegmentStream (map and objects on, as fast as answered, two scans in
 *   flight) for `--soak` scans (default 300): scans/s, latency p50/p99 as the client sees
 *   it, and the server's resident memory every 100 scans (flat = bounded map).
 * Markdown on stdout, progress on stderr.
 *
 * @module
 */

import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { confusionMatrix } from "../src/kernels/confusion_matrix.ts";
import { segmentationMetrics } from "../src/kernels/segmentation_metrics.ts";
import { typedToBytes } from "../src/io/typed_bytes.ts";
import { readSequence, type SequenceFolder } from "../src/io/sequence_folder.ts";
import { numberFlag, parseFlags } from "../src/commands/_flags.ts";
import { createSegmentService } from "../src/infer/segment_service.ts";
import { segmentInput } from "../src/infer/segment_input.ts";
import { STREAM_MAX_WEIGHT, StreamSession } from "../src/infer/stream_session.ts";
import { GeoguideClient } from "../src/server/grpc.ts";
import { replayStream } from "../src/commands/stream_replay.ts";
import {
  emptyCounts,
  FlickerMeter,
  matchObjects,
  type ObjectCounts,
  type PredictedObject,
} from "./stream_quality.ts";
import { processMemoryMiB, startServerProcess } from "./serve_server.ts";

const STRUCTURE = new Set(["wall", "floor", "ceiling"]);

/** One labelling mode's running scores over a sequence. */
class ModeScores {
  mious: number[] = [];
  flicker = new FlickerMeter(0.05);
  objects: ObjectCounts = emptyCounts();
  lastIds = new Map<number, number>();
  add(
    labels: Int16Array,
    positions: Float32Array,
    objects: PredictedObject[],
    truth: { segment: Int16Array; instance: Int32Array; classes: string[] },
  ) {
    const k = truth.classes.length;
    const m = segmentationMetrics(confusionMatrix(labels, truth.segment, k), truth.classes);
    if (Number.isFinite(m.mIoU)) this.mious.push(m.mIoU);
    this.flicker.add({ positions, labels });
    const skipClass = new Set(
      truth.classes.map((c, i) => (STRUCTURE.has(c) ? i : -1)).filter((i) => i >= 0),
    );
    this.lastIds = matchObjects(
      objects,
      {
        instance: truth.instance,
        segment: truth.segment,
        skipClass,
        minPoints: 50,
      },
      this.objects,
      this.lastIds,
    );
  }
  row(name: string): string {
    const o = this.objects;
    const pct = (a: number, b: number) => (b ? (100 * a / b).toFixed(1) : "—");
    const miou = this.mious.reduce((a, b) => a + b, 0) / Math.max(1, this.mious.length);
    return `| ${name} | ${(100 * miou).toFixed(1)} | ${(100 * this.flicker.value()).toFixed(1)} | ${
      pct(o.matched, o.predicted)
    } | ${pct(o.matched, o.truth)} | ${pct(o.matchedWithLabel, o.truth)} | ${
      pct(o.sameId, o.tracked)
    } |`;
  }
}

/** The sequence folders under `dir` (sorted), or `dir` itself when it is one. */
export async function sequences(dir: string): Promise<string[]> {
  const entries = await readdir(dir);
  if (entries.includes("sequence.json")) return [dir];
  const out: string[] = [];
  for (const e of entries.sort()) {
    if ((await readdir(join(dir, e)).catch(() => [] as string[])).includes("sequence.json")) {
      out.push(join(dir, e));
    }
  }
  if (out.length === 0) throw new Error(`${dir} holds no sequence folder (sequence.json)`);
  return out;
}

async function quality(
  dirs: string[],
  modelsDir: string,
  options: {
    limit: number;
    truePoses: boolean;
    mapVoxel: number;
    maxWeight: number;
    defaultModel: string;
  },
): Promise<void> {
  const { limit } = options;
  const service = createSegmentService({ modelsDir, defaultModel: options.defaultModel });
  const never = new AbortController().signal;
  await service.whenStarted();
  const fused = new ModeScores(), same = new ModeScores(), alone = new ModeScores();
  /** Milliseconds of each fused scan's `labelScan` (what runs on the server's transport thread). */
  const fuseMs: number[] = [];
  try {
    for (const dir of dirs) {
      const seq: SequenceFolder = await readSequence(dir);
      const classes = seq.labels;
      const emb = await service.embedLabels({
        model: "",
        version: 0,
        labels: classes,
        labelEmbeddings: [],
        promptTemplate: "",
      }, never);
      const session = new StreamSession({
        dim: emb.embeddings.length / classes.length,
        voxelSize: options.mapVoxel,
        maxWeight: options.maxWeight,
        mapRadius: 30,
        maxMapVoxels: 200_000,
        minScore: -1,
      });
      session.setLabels(emb.embeddings);
      const single = new StreamSession({ ...session.options, independent: true });
      single.setLabels(emb.embeddings);
      const count = Math.min(limit, seq.scans.length);
      const t0 = performance.now();
      for (let i = 0; i < count; i++) {
        const { cloud, segment, instance } = await seq.load(i);
        if (!segment || !instance) throw new Error(`${dir}: scan ${i} has no ground truth`);
        const pose = (options.truePoses ? seq.scans[i].poseTrue : seq.scans[i].pose) ?? undefined;
        const input = {
          kind: "raw" as const,
          xyz: typedToBytes(cloud.coord),
          rgb: cloud.color,
        };
        const truth = { segment, instance, classes };
        const scan = await service.scan({
          cloud: input,
          model: "",
          version: 0,
          limits: { maxPoints: 10_000_000 },
          proposals: true,
          ...(pose ? { pose } : {}),
        }, never);
        const tFuse = performance.now();
        const res = session.labelScan(scan, {
          pose,
          timestamp: seq.scans[i].timestamp,
          objects: true,
          changes: false,
        });
        fuseMs.push(performance.now() - tFuse);
        const asObjects = (os: typeof res.objects) =>
          os.map((o) => ({ id: o.id, label: o.label, points: o.pointIndices! }));
        fused.add(res.labels, scan.positions, asObjects(res.objects), truth);
        const own = single.labelScan(scan, { timestamp: 0, objects: true, changes: false });
        same.add(own.labels, scan.positions, asObjects(own.objects), truth);
        const one = await service.segment(
          segmentInput(input, classes, {
            minScore: -1,
            returnObjects: true,
            limits: { maxPoints: 10_000_000 },
            ...(pose ? { up: [pose[8], pose[9], pose[10]] as [number, number, number] } : {}),
          }),
          never,
        );
        alone.add(one.labels, scan.positions, asObjects([...(one.objects ?? [])]), truth);
        const rate = (i + 1) / ((performance.now() - t0) / 1000);
        console.error(
          `${dir}: scan ${i + 1}/${count}, ${rate.toFixed(1)} scans/s, ETA ${
            ((count - i - 1) / rate).toFixed(0)
          } s`,
        );
      }
    }
  } finally {
    await service.close();
  }
  console.log(
    `\n## Streaming quality (${dirs.length} sequences, ≤ ${limit} scans each, ${
      options.truePoses ? "true" : "reported"
    } poses)\n`,
  );
  console.log(
    "| labelling | per-scan mIoU | flicker % | objects precision | recall | recall with label | same id next scan % |",
  );
  console.log("|---|---|---|---|---|---|---|");
  console.log(fused.row("fused (SegmentStream)"));
  console.log(same.row("each scan alone, same features (map frame)"));
  console.log(alone.row("independent (Segment per scan)"));
  const sorted = fuseMs.sort((a, b) => a - b);
  console.log(
    `\nFusion of one scan on the transport thread (labelScan with objects): p50 ${
      sorted[sorted.length >> 1]?.toFixed(1)
    } ms, p99 ${sorted[Math.floor(0.99 * (sorted.length - 1))]?.toFixed(1)} ms\n`,
  );
}

async function speed(
  dir: string,
  modelsDir: string,
  options: { soak: number; mapVoxels: number; defaultModel: string },
): Promise<void> {
  const { soak } = options;
  const seq = await readSequence(dir);
  const server = await startServerProcess({
    modelsDir,
    defaultModel: options.defaultModel,
    maxPoints: 2_000_000,
    readyTimeoutMs: 120_000,
    log: (l) => console.error(l),
  });
  const client = new GeoguideClient(server.address);
  const latencies: number[] = [];
  const rss: { scans: number; mib: number }[] = [{
    scans: 0,
    mib: processMemoryMiB(server.pid).rss,
  }];
  const cache = new Map<number, Awaited<ReturnType<SequenceFolder["load"]>>>();
  const t0 = performance.now();
  let points = 0, evicted = 0;
  try {
    await replayStream(client, {
      count: soak,
      get: async (i) => {
        const j = i % seq.scans.length;
        if (!cache.has(j)) cache.set(j, await seq.load(j));
        return {
          cloud: cache.get(j)!.cloud,
          pose: seq.scans[j].pose ?? undefined,
          timestamp: i * 0.2,
        };
      },
    }, {
      open: { labels: seq.labels, return_objects: true, max_map_voxels: options.mapVoxels },
      period: 0,
    }, ({ index, result, latencyMs }) => {
      latencies.push(latencyMs);
      points += result.point_count;
      evicted += result.evicted_voxels;
      if ((index + 1) % 100 === 0) {
        rss.push({ scans: index + 1, mib: processMemoryMiB(server.pid).rss });
        const s = (performance.now() - t0) / 1000;
        console.error(
          `scan ${index + 1}/${soak}: ${
            ((index + 1) / s).toFixed(1)
          } scans/s, map ${result.map_voxels} voxels, server RSS ${
            rss[rss.length - 1].mib.toFixed(0)
          } MiB`,
        );
      }
    });
  } finally {
    client.close();
    await server.stop();
  }
  const s = (performance.now() - t0) / 1000;
  const sorted = [...latencies].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  console.log(
    `\n## Streaming speed (${soak} scans, ${
      (points / soak).toFixed(0)
    } points each, map budget ${options.mapVoxels} voxels)\n`,
  );
  console.log(
    `- sustained: ${(soak / s).toFixed(1)} scans/s (${(points / s / 1000).toFixed(0)} K points/s)`,
  );
  console.log(
    `- latency per scan: p50 ${q(0.5).toFixed(0)} ms, p99 ${q(0.99).toFixed(0)} ms, max ${
      sorted[sorted.length - 1].toFixed(0)
    } ms`,
  );
  console.log(`- map voxels evicted: ${evicted}`);
  console.log(`- server RSS (MiB) every 100 scans: ${rss.map((r) => r.mib.toFixed(0)).join(" ")}`);
}

/** Entry point of `deno task bench stream`. */
export async function run(args: string[]): Promise<void> {
  const m = parseFlags(args, new Set(["--speed", "--true-poses"]));
  const data = m.get("--data");
  if (!data) {
    throw new Error(
      "usage: bench stream --data DIR [--scans N] [--speed] [--soak N] [--map-voxels N]",
    );
  }
  const modelsDir = m.get("--models") ?? "models";
  const defaultModel = m.get("--default") ?? "";
  const dirs = await sequences(data);
  await quality(dirs, modelsDir, {
    limit: numberFlag(m, "--scans") ?? Infinity,
    truePoses: m.has("--true-poses"),
    mapVoxel: numberFlag(m, "--map-voxel") ?? 0.05,
    maxWeight: numberFlag(m, "--max-weight") ?? STREAM_MAX_WEIGHT,
    defaultModel,
  });
  if (m.has("--speed")) {
    await speed(dirs[0], modelsDir, {
      soak: numberFlag(m, "--soak") ?? 300,
      mapVoxels: numberFlag(m, "--map-voxels") ?? 100_000,
      defaultModel,
    });
  }
}
