/**
 * Writes synthetic scenes as dataset folders (see `io/dataset.ts`), with
 * per-scene `scene.json` (room spec, objects, cameras, timing, teacher score),
 * optional pictures (`preview.png`: ground truth | teacher argmax, from above),
 * coloured PLYs and camera frames. Progress lines with rate and ETA go to `log`.
 *
 * Frames (`--frames`): `frames/NNN_depth.npy` int16 millimetres H×W,
 * `frames/NNN_instance.npy` int32 H×W, `frames/NNN_features.npy` float16
 * h×w×C, `frames/NNN_teacher_label.npy` int16 h×w, and the intrinsics and poses
 * in `scene.json`. Without them, the frames are regenerated bit-exactly by
 * running the generator again with the spec and options recorded in scene.json.
 *
 * @module
 */

import { writeFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { encodeNpy } from "../io/npy.ts";
import { encodePly } from "../io/ply.ts";
import { writeDatasetHeader, writeScene } from "../io/dataset.ts";
import { labelColors } from "../render/palette.ts";
import { renderLabelPanels } from "../render/topdown.ts";
import type { RoomSpec } from "./layout.ts";
import { generateScene, type SynthFrame, type SynthOptions } from "./scene_gen.ts";
import { TeacherScore } from "./teacher_quality.ts";
import { isLegacy, LEGACY_WORLD } from "./realism.ts";

/** A named room spec (one scene). */
export type SceneSpec = RoomSpec & { name: string };

/** Options of {@link generateDataset}. */
export interface DatasetOptions extends SynthOptions {
  /** Class names (labels.txt), L of them. */
  classNames: string[];
  /** Write preview.png per scene (default true). */
  pictures?: boolean;
  /** Write gt.ply and teacher.ply per scene (default false). */
  ply?: boolean;
  /** Write the camera frames per scene (default false). */
  frames?: boolean;
  /** Write the ground-truth instances as instance.npy (default true; false leaves proposals to the trainer). */
  instances?: boolean;
  /** Progress sink (default none). */
  log?: (line: string) => void;
}

/** Per-scene result line of the summary. */
export interface SceneSummary {
  /** Scene folder name. */
  name: string;
  /** Room type. */
  type: string;
  /** Points N after 2 cm voxelization. */
  points: number;
  /** Points seen by the teacher (valid = 1). */
  valid: number;
  /** Wall-clock generation time, seconds. */
  seconds: number;
  /** Teacher argmax mIoU against the ground truth, fraction in [0, 1]. */
  teacherMIoU: number;
}

function fmtDuration(s: number): string {
  if (!Number.isFinite(s)) return "?";
  const t = Math.max(0, Math.round(s)), m = Math.floor(t / 60);
  return m > 0 ? `${m}m${String(t % 60).padStart(2, "0")}s` : `${t}s`;
}

function writeFrame(dir: string, i: number, f: SynthFrame): void {
  const k = f.intrinsics, tag = String(i).padStart(3, "0");
  const mm = Int16Array.from(f.depth, (z) => Math.min(32767, Math.round(z * 1000)));
  const C = f.features.length / (f.featureWidth * f.featureHeight);
  writeFileSync(join(dir, `${tag}_depth.npy`), encodeNpy(mm, [k.height, k.width]));
  writeFileSync(join(dir, `${tag}_instance.npy`), encodeNpy(f.instance, [k.height, k.width]));
  writeFileSync(
    join(dir, `${tag}_features.npy`),
    encodeNpy(f.features, [f.featureHeight, f.featureWidth, C], { dtype: "float16" }),
  );
  writeFileSync(
    join(dir, `${tag}_teacher_label.npy`),
    encodeNpy(f.teacherLabel, [f.featureHeight, f.featureWidth]),
  );
}

/**
 * Generates the scenes into dataset folder `dir` (labels.txt,
 * label_embeddings.npy, one folder per scene). Returns per-scene summaries and
 * the teacher's overall mIoU (fraction).
 */
export async function generateDataset(
  dir: string,
  specs: SceneSpec[],
  options: DatasetOptions,
): Promise<{ scenes: SceneSummary[]; teacherMIoU: number; teacherMAcc: number }> {
  const log = options.log ?? (() => {});
  await writeDatasetHeader(dir, options.classNames, options.embeddings);
  const score = new TeacherScore(options.classNames, options.embeddings);
  const out: SceneSummary[] = [];
  const start = performance.now();
  for (const [si, spec] of specs.entries()) {
    const t0 = performance.now();
    const realism = { ...LEGACY_WORLD, ...options.realism };
    const sceneDir = join(dir, spec.name), framesDir = join(sceneDir, "frames");
    if (options.frames) await mkdir(framesDir, { recursive: true });
    let lastLog = t0;
    const scene = generateScene(spec, {
      ...options,
      onFrame: options.frames ? (i, f) => writeFrame(framesDir, i, f) : undefined,
    }, (done, total) => {
      const now = performance.now();
      if (now - lastLog < 5000) return;
      lastLog = now;
      const frac = (si + done / total) / specs.length, el = (now - start) / 1000;
      log(
        `synth: ${spec.name} ${Math.round((100 * done) / total)}% | ${
          (100 * frac).toFixed(0)
        }% overall, ETA ${fmtDuration(el / frac - el)}`,
      );
    });
    await writeScene(dir, {
      name: spec.name,
      coord: scene.coord,
      color: scene.color,
      segment: scene.segment,
      instance: (options.instances ?? true) ? scene.instance : undefined,
      teacher: scene.teacher,
      teacherDim: scene.dim,
      valid: scene.valid,
    });
    const { metrics, pred } = score.add(scene);
    const seconds = (performance.now() - t0) / 1000;
    const valid = scene.valid.reduce((s, v) => s + v, 0);
    const summary: SceneSummary = {
      name: spec.name,
      type: spec.type,
      points: scene.valid.length,
      valid,
      seconds,
      teacherMIoU: metrics.mIoU,
    };
    out.push(summary);
    await writeFile(
      join(sceneDir, "scene.json"),
      JSON.stringify(
        {
          spec: { type: spec.type, seed: spec.seed, arrangement: spec.arrangement ?? 0 },
          options: {
            views: options.views ?? 40,
            scale: options.scale ?? 0.5,
            voxel: options.voxel ?? realism.voxel,
            world: isLegacy(realism) ? 1 : 2,
            realism,
            sensor: options.sensor ?? {},
            teacher: options.teacher ?? {},
            depthTolerance: options.depthTolerance ?? 0.25,
          },
          size: scene.room.size,
          objects: scene.room.objects.map((o, id) => ({
            id,
            class: options.classNames[o.cls],
            kind: o.kind,
            parts: o.parts.length,
          })),
          camera: {
            intrinsics: scene.camera.intrinsics,
            convention: "camera-to-world 4x4 row-major; camera x right, y down, z forward; metres",
            poses: scene.camera.poses.map((p) => Array.from(p, (v) => Math.round(v * 1e6) / 1e6)),
          },
          summary: {
            name: summary.name,
            type: summary.type,
            points: summary.points,
            valid,
            teacherMIoU: metrics.mIoU,
          },
          teacherIoU: Object.fromEntries(
            options.classNames.map((
              n,
              c,
            ) => [
              n,
              Number.isNaN(metrics.iou[c]) ? null : Math.round(metrics.iou[c] * 1000) / 1000,
            ]),
          ),
        },
        null,
        1,
      ) + "\n",
    );
    if (options.pictures ?? true) {
      const png = renderLabelPanels(scene.coord, [
        { title: "ground truth", labels: scene.segment },
        { title: "teacher", labels: pred },
      ], { classNames: options.classNames, zMax: 2.0 });
      await writeFile(join(sceneDir, "preview.png"), png);
    }
    if (options.ply) {
      const n = scene.valid.length;
      await writeFile(
        join(sceneDir, "gt.ply"),
        encodePly({ count: n, coord: scene.coord, color: labelColors(scene.segment) }),
      );
      await writeFile(
        join(sceneDir, "teacher.ply"),
        encodePly({ count: n, coord: scene.coord, color: labelColors(pred) }),
      );
      await writeFile(
        join(sceneDir, "rgb.ply"),
        encodePly({ count: n, coord: scene.coord, color: scene.color }),
      );
    }
    const el = (performance.now() - start) / 1000, rate = (si + 1) / el;
    log(
      `synth: ${si + 1}/${specs.length} ${spec.name} ${scene.valid.length} points in ${
        seconds.toFixed(1)
      } s ` +
        `(teacher mIoU ${(100 * metrics.mIoU).toFixed(1)}) | ${
          (rate * 60).toFixed(1)
        } scenes/min, ETA ${fmtDuration((specs.length - si - 1) / rate)}`,
    );
  }
  const total = score.total();
  return { scenes: out, teacherMIoU: total.mIoU, teacherMAcc: total.mAcc };
}
