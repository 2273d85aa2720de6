/**
 * `synth --out DIR --scenes N --seed S [--split standard|site] [--views V]
 * [--scale F] [--embeddings glove|random|FILE.npy] [--dim C] [--frames] [--ply]
 * [--no-pictures] [--no-instances] [--teacher JSON]`: generates synthetic indoor scenes (virtual
 * RGB-D scans with a simulated 2D teacher) as dataset folders.
 *
 * Without `--split`: N scenes (room types in turn) seeded from S into DIR.
 * With `--split standard|site`: the fixed scene lists of `synth/splits.ts`
 * into DIR/train and DIR/test (`--scenes` and `--seed` are then ignored).
 * Defaults: 30 views per scan, cast at 0.5 × 640×480 (320×240, scaled
 * intrinsics), class embeddings from the GloVe text encoder (`random`: seeded
 * unit vectors of `--dim`, default 64; or an L×C float32 .npy), pictures on.
 * `--teacher` overrides the simulated 2D model's failure modes (JSON object of
 * `TeacherOptions`, see `synth/teacher.ts`). `--frames` also saves the camera
 * frames; without it they are regenerated exactly from scene.json's spec and
 * options. `--no-instances` leaves instance.npy out (so training computes
 * class-agnostic proposals instead of using ground-truth instances).
 * Every scene folder gets scene.json and preview.png (ground truth | teacher
 * argmax from above); `--ply` adds gt.ply, teacher.ply and rgb.ply.
 *
 * `synth --out DIR --sequence [--scenes N] [--seed S] [--scans 300] [--period 0.2]
 * [--points 30000] [--pose-noise 0.01,0.2] [--scale 0.4] [--views 1] [--world 1|2]`:
 * instead of fused scenes, N streaming sequences (`synth/scan_sequence.ts`): a robot
 * drives through one room each (room types in turn, seeded from S) and its depth
 * sensor sends a partial scan every `--period` seconds, at most `--points` points in
 * the sensor frame with the reported (odometry, drifting by `--pose-noise` metres and
 * degrees per scan; `0,0` = exact) and the true sensor-to-map pose. Each goes to
 * DIR/seq_000, DIR/seq_001, … as a sequence folder (`io/sequence_folder.ts`) with
 * preview.png (the route over the scanned room, from above; `--no-pictures` leaves it
 * out). `--views` is then the number of views per scan, `--scale` defaults to 0.4.
 *
 * stdout: one JSON summary; progress on stderr.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { GeoError } from "../kernels/errors.ts";
import { Rng } from "../kernels/random.ts";
import { decodeNpy } from "../io/npy.ts";
import { parseFlags } from "./_flags.ts";
import { REALISTIC_WORLD } from "../synth/realism.ts";
import { loadGloveEncoder } from "../text/glove.ts";
import { SCANNET20 } from "../synth/classes.ts";
import { generateDataset, type SceneSpec } from "../synth/generate_dataset.ts";
import { ROOM_TYPES } from "../synth/layout.ts";
import { randomEmbeddings } from "../synth/teacher_quality.ts";
import { isSplitName, SPLITS } from "../synth/splits.ts";
import { SequenceWriter } from "../io/sequence_folder.ts";
import { generateSequence, type PoseNoise } from "../synth/scan_sequence.ts";
import { formatDuration } from "../train/progress.ts";

/** Usage of `synth` (printed by `cli.ts` for `--help` / `-h` and on bad usage). */
export const USAGE = [
  "usage: synth --out DIR [--scenes N] [--seed S] [flags]",
  "  --out DIR          output dataset folder; required",
  "  --scenes N         number of scenes (room types in turn); default 1",
  "  --seed S           seed of the scenes and random embeddings; default 0",
  "  --split S          standard|site: the fixed lists of src/synth/splits.json into",
  "                     DIR/train and DIR/test (--scenes and --seed ignored); default none",
  "  --views V          views per scan; default 30",
  "  --scale F          render scale of 640x480, in (0, 1]; default 0.5",
  "  --embeddings E     glove|random|FILE.npy (L x C float32); default glove",
  "  --dim C            dimension of random embeddings; default 64",
  "  --teacher JSON     TeacherOptions overriding the simulated 2D model; default none",
  "  --world W          1 = the world of models 1-3, 2 = every realism lever on; default 1",
  "  --frames           also save the camera frames; default off",
  "  --ply              also write gt.ply, teacher.ply, rgb.ply; default off",
  "  --no-pictures      no preview pictures; default pictures on",
  "  --no-instances     leave instance.npy out; default instances on",
  "  --sequence         write streaming scan sequences (DIR/seq_NNN) instead of scenes:",
  "    --scans N        scans per sequence; default 300",
  "    --period S       seconds between scans; default 0.2",
  "    --points P       points per scan at most; default 30000",
  "    --pose-noise T,Y odometry drift per scan, metres and degrees; default 0.01,0.2",
  "                     (--views = views per scan, default 1; --scale default 0.4)",
].join("\n");

const BOOLEAN = new Set(["--frames", "--ply", "--no-pictures", "--no-instances", "--sequence"]);

function positive(m: Map<string, string>, flag: string, def: number): number {
  const v = Number(m.get(flag) ?? def);
  if (!(v > 0 && Number.isFinite(v))) {
    throw new GeoError(
      "invalid_argument",
      `${flag} must be a positive number, got '${m.get(flag)}'`,
    );
  }
  return v;
}

/** `--pose-noise T,Y` (metres, degrees per scan) as a PoseNoise in metres and radians, or 0. */
function poseNoiseFlag(text: string | undefined): PoseNoise | 0 {
  const parts = (text ?? "0.01,0.2").split(",").map((x) => Number(x));
  if (parts.length !== 2 || parts.some((x) => !(x >= 0 && Number.isFinite(x)))) {
    throw new GeoError(
      "invalid_argument",
      `--pose-noise must be T,Y (metres, degrees per scan, ≥ 0), got '${text}'`,
    );
  }
  return parts[0] === 0 && parts[1] === 0
    ? 0
    : { translation: parts[0], yaw: (parts[1] * Math.PI) / 180 };
}

/** Sequence mode: one sequence folder per room, progress on stderr; returns the summary. */
async function runSequences(out: string, m: Map<string, string>): Promise<Record<string, unknown>> {
  const seed = int(m, "--seed", 0), n = int(m, "--scenes", 1), scans = int(m, "--scans", 300);
  const points = int(m, "--points", 30000), views = int(m, "--views", 1);
  const period = positive(m, "--period", 0.2), scale = positive(m, "--scale", 0.4);
  const world = int(m, "--world", 1);
  if (n < 1 || scans < 1 || points < 1 || views < 1 || scale > 1 || (world !== 1 && world !== 2)) {
    throw new GeoError(
      "invalid_argument",
      "--scenes, --scans, --points and --views must be ≥ 1, --scale in (0, 1], --world 1 or 2",
    );
  }
  const poseNoise = poseNoiseFlag(m.get("--pose-noise")), t0 = performance.now();
  const results: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const type = ROOM_TYPES[i % ROOM_TYPES.length], name = `seq_${String(i).padStart(3, "0")}`;
    const writer = await SequenceWriter.create(join(out, name), [...SCANNET20]);
    let lastLog = performance.now(), total = 0;
    try {
      const seq = await generateSequence({ name, type, seed: seed * 100003 + i }, {
        scans,
        period,
        points,
        scale,
        views,
        poseNoise,
        realism: world === 2 ? REALISTIC_WORLD : undefined,
        keepScans: false,
        preview: !m.has("--no-pictures"),
      }, async (scan, k, count) => {
        await writer.add(scan);
        total += scan.segment.length;
        const now = performance.now();
        if (now - lastLog < 5000 && k + 1 < count) return;
        lastLog = now;
        const done = i + (k + 1) / count, el = (now - t0) / 1000;
        console.error(
          `synth: ${name} ${k + 1}/${count} scans | ${((done * count) / el).toFixed(1)} ` +
            `scans/s, ETA ${formatDuration((el / done) * (n - done))}`,
        );
      });
      await writer.finish({
        room: seq.record,
        files: seq.preview ? { "preview.png": seq.preview } : undefined,
      });
      results.push({
        name,
        type,
        mode: seq.path.mode,
        scans,
        points: total,
        lapLength: Math.round(seq.path.length * 100) / 100,
        driftMetres: Math.round(seq.drift.translation * 1000) / 1000,
        driftDegrees: Math.round((seq.drift.yaw * 180) / Math.PI * 100) / 100,
        seconds: Math.round(seq.seconds * 10) / 10,
      });
      console.error(
        `synth: ${
          i + 1
        }/${n} ${name} (${type}, ${seq.path.mode}) ${scans} scans, ${total} points ` +
          `in ${seq.seconds.toFixed(1)} s | ETA ${
            formatDuration(((performance.now() - t0) / 1000 / (i + 1)) * (n - i - 1))
          }`,
      );
    } catch (e) {
      await writer.abort();
      throw e;
    }
  }
  return { seconds: Math.round((performance.now() - t0) / 100) / 10, sequences: results };
}

function int(m: Map<string, string>, flag: string, def: number): number {
  const v = m.get(flag);
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n)) {
    throw new GeoError("invalid_argument", `${flag} must be an integer, got '${v}'`);
  }
  return n;
}

/** Class embeddings from the chosen source: GloVe (default), seeded random unit vectors, or a float32 L×C .npy. */
async function embeddingsFor(source: string, dim: number, seed: number): Promise<Float32Array> {
  const L = SCANNET20.length;
  if (source === "random") return randomEmbeddings(L, dim, new Rng(seed ^ 0x5eed));
  if (source === "glove") {
    const enc = await loadGloveEncoder({ log: (l) => console.error(`synth: ${l}`) });
    return await enc.encode([...SCANNET20]);
  }
  const a = decodeNpy(await readFile(source), source);
  if (a.shape.length !== 2 || a.shape[0] !== L) {
    throw new GeoError(
      "invalid_argument",
      `${source}: expected shape (${L}, C), got (${a.shape.join(", ")})`,
    );
  }
  return Float32Array.from(a.data);
}

/**
 * Runs the command.
 *
 * @returns 0 on success, 1 on a failure, 2 on bad usage
 */
export async function run(args: string[]): Promise<number> {
  let m: Map<string, string>;
  try {
    m = parseFlags(args, BOOLEAN);
  } catch (e) {
    console.error(`synth: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const known = [
    "--out",
    "--scenes",
    "--seed",
    "--split",
    "--views",
    "--scale",
    "--embeddings",
    "--dim",
    "--teacher",
    "--world",
    "--scans",
    "--period",
    "--points",
    "--pose-noise",
  ];
  const bad = [...m.keys()].find((k) => !known.includes(k) && !BOOLEAN.has(k));
  const out = m.get("--out");
  const split = m.get("--split");
  const sequence = m.has("--sequence");
  const seqOnly = ["--scans", "--period", "--points", "--pose-noise"].find((f) => m.has(f));
  if (bad || !out || (split && (!isSplitName(split) || sequence)) || (seqOnly && !sequence)) {
    console.error(
      bad
        ? `synth: unknown flag ${bad}\n${USAGE}`
        : seqOnly && !sequence
        ? `synth: ${seqOnly} needs --sequence\n${USAGE}`
        : USAGE,
    );
    return 2;
  }
  try {
    if (sequence) {
      console.log(JSON.stringify(await runSequences(out, m)));
      return 0;
    }
    const seed = int(m, "--seed", 0), views = int(m, "--views", 30), dim = int(m, "--dim", 64);
    const scale = Number(m.get("--scale") ?? 0.5);
    if (!(scale > 0 && scale <= 1)) {
      throw new GeoError("invalid_argument", `--scale must be in (0, 1], got ${scale}`);
    }
    if (views < 1) throw new GeoError("invalid_argument", `--views must be ≥ 1, got ${views}`);
    const teacher = m.has("--teacher") ? JSON.parse(m.get("--teacher")!) : undefined;
    const world = int(m, "--world", 1);
    if (world !== 1 && world !== 2) {
      throw new GeoError("invalid_argument", `--world must be 1 or 2, got ${world}`);
    }
    const jobs: [string, SceneSpec[]][] = [];
    if (split && isSplitName(split)) {
      const s = SPLITS[split];
      jobs.push([join(out, "train"), s.train], [join(out, "test"), s.test]);
    } else {
      const n = int(m, "--scenes", 1);
      if (n < 1) throw new GeoError("invalid_argument", `--scenes must be ≥ 1, got ${n}`);
      jobs.push([
        out,
        Array.from({ length: n }, (_, i) => ({
          name: `scene_${String(i).padStart(4, "0")}_${ROOM_TYPES[i % ROOM_TYPES.length]}`,
          type: ROOM_TYPES[i % ROOM_TYPES.length],
          seed: seed * 100003 + i,
        })),
      ]);
    }
    const embeddings = await embeddingsFor(m.get("--embeddings") ?? "glove", dim, seed);
    const summary: Record<string, unknown> = {};
    const t0 = performance.now();
    for (const [dir, specs] of jobs) {
      const r = await generateDataset(dir, specs, {
        classNames: [...SCANNET20],
        embeddings,
        views,
        scale,
        teacher,
        realism: world === 2 ? REALISTIC_WORLD : undefined,
        frames: m.has("--frames"),
        ply: m.has("--ply"),
        pictures: !m.has("--no-pictures"),
        instances: !m.has("--no-instances"),
        log: (l) => console.error(l),
      });
      summary[dir] = {
        scenes: r.scenes.length,
        points: r.scenes.reduce((s, x) => s + x.points, 0),
        teacherMIoU: Math.round(r.teacherMIoU * 1000) / 10,
        teacherMAcc: Math.round(r.teacherMAcc * 1000) / 10,
        perScene: r.scenes.map((x) => ({
          ...x,
          seconds: Math.round(x.seconds * 10) / 10,
          teacherMIoU: Math.round(x.teacherMIoU * 1000) / 10,
        })),
      };
    }
    console.log(
      JSON.stringify({
        seconds: Math.round((performance.now() - t0) / 100) / 10,
        datasets: summary,
      }),
    );
    return 0;
  } catch (e) {
    const err = GeoError.from(e);
    console.error(`synth: ${err.kind === "internal" ? String(e) : err.message}`);
    return 1;
  }
}
