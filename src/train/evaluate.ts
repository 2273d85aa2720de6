/**
 * Evaluation of a published model on a dataset folder through the served inference path
 * (`loadModel` + `segmentCloud`: voxel grid, geometry, backbone, adapter graph, labels
 * mapped back to every point), with the teacher's scores on the same points
 * (argmax cosine of each valid teacher row to the class embeddings; unseen points count
 * as misses).
 *
 * @module
 */

import { basename, dirname, resolve } from "node:path";
import { GeoError } from "../kernels/errors.ts";
import type { SegmentationMetrics } from "../kernels/segmentation_metrics.ts";
import {
  type DatasetUnion,
  type LabelledScene,
  labelledScenes,
  readDatasets,
} from "../io/dataset.ts";
import { segmentCloud, type SegmentCloudResult } from "../infer/inference.ts";
import { LabelEmbedder } from "../infer/label_embeddings.ts";
import { type LoadedModel, loadModel } from "../models/bundle.ts";
import type { ModelManifest } from "../models/manifest.ts";
import { listVersions } from "../models/registry.ts";
import { cosineArgmax, type LabelledPoints, metricsOver } from "./metrics.ts";
import { formatDuration } from "./progress.ts";

/**
 * Loads the model of a version folder (or a model folder's latest version) for offline
 * scoring: validated like the server loads it, without the warm-up run.
 *
 * @param dir a version folder (`models/default/2`) or a model folder
 * @throws GeoError not_found / failed_precondition as {@link modelLocation} and `loadModel`
 */
export async function openModelFolder(dir: string): Promise<LoadedModel> {
  const where = await modelLocation(dir);
  return await loadModel(where.root, where.name, where.version, { skipWarmUp: true });
}

/** Registry root, name and version of a version folder (or of a model folder: latest). */
export async function modelLocation(
  dir: string,
): Promise<{ root: string; name: string; version: number }> {
  const full = resolve(dir);
  const last = basename(full);
  if (/^[1-9][0-9]*$/.test(last)) {
    return { root: dirname(dirname(full)), name: basename(dirname(full)), version: Number(last) };
  }
  const versions = await listVersions(dirname(full), last);
  if (versions.length === 0) {
    throw new GeoError(
      "not_found",
      `${dir} is neither a model version folder nor a model with versions`,
    );
  }
  return { root: dirname(full), name: last, version: versions[versions.length - 1] };
}

/** Scores of one evaluation. */
export interface EvaluationResult {
  /** the model's scores (every point of every scene with ground truth) */
  student: SegmentationMetrics;
  /** the teacher's scores on the scenes that have teacher.npy */
  teacher?: SegmentationMetrics;
  /** scenes evaluated */
  scenes: number;
  /** points evaluated */
  points: number;
}

/**
 * Class embeddings for the dataset's labels: `label_embeddings.npy` when present, else the
 * model's text encoder (with its prompt template).
 */
export async function classEmbeddings(
  model: LoadedModel,
  info: { labels: string[]; embeddings?: Float32Array; embeddingDim?: number },
): Promise<Float32Array> {
  if (info.embeddings) {
    if (info.embeddingDim !== model.dims.dim) {
      throw new GeoError(
        "invalid_argument",
        `label_embeddings.npy has ${info.embeddingDim} columns, model '${model.name}' expects ${model.dims.dim}`,
      );
    }
    return info.embeddings;
  }
  return await new LabelEmbedder().embed(model, { labels: info.labels });
}

/** One labelled scene after the model has labelled it (see {@link runLabelledScenes}). */
export interface LabelledSceneRun {
  /** the scene's arrays (with ground truth) */
  scene: LabelledScene["scene"];
  /** the model's labels and scores of every point */
  result: SegmentCloudResult;
  /** the loaded model */
  model: LoadedModel;
  /** Float32Array L×C class embeddings used */
  embeddings: Float32Array;
  /** position among all scenes of the folders (0-based) and their count */
  index: number;
  total: number;
}

/**
 * The served inference path over every scene of `dataDir` that has ground truth: loads the
 * model (no warm-up), makes the class embeddings (`classEmbeddings`), segments each scene
 * and hands it to `visit`; releases the model at the end.
 *
 * @param modelDir a version folder (`models/default/2`) or a model folder (latest version)
 * @param dataDir a dataset folder, or several separated by commas (same labels.txt)
 * @param visit called once per labelled scene, in folder order
 * @param options.signal aborts between and inside scenes
 * @returns the datasets' header, the model's manifest and how many scenes were visited
 * @throws GeoError failed_precondition when no scene has segment.npy
 */
export async function runLabelledScenes(
  modelDir: string,
  dataDir: string,
  visit: (run: LabelledSceneRun) => void,
  options: { signal?: AbortSignal } = {},
): Promise<{ info: DatasetUnion; manifest: ModelManifest; scenes: number }> {
  const model = await openModelFolder(modelDir);
  try {
    const info = await readDatasets(dataDir.split(","));
    const embeddings = await classEmbeddings(model, info);
    let visited = 0;
    for await (const { scene, index, total } of labelledScenes(info)) {
      const cloud = {
        count: scene.count,
        coord: scene.coord,
        color: scene.color,
        normal: scene.normal,
      };
      const result = await segmentCloud(model, cloud, embeddings, { signal: options.signal });
      visit({ scene, result, model, embeddings, index, total });
      visited++;
    }
    if (visited === 0) {
      throw new GeoError(
        "failed_precondition",
        `No scene of ${dataDir} has ground truth (segment.npy)`,
      );
    }
    return { info, manifest: model.manifest, scenes: visited };
  } finally {
    await model.release();
  }
}

/**
 * Runs a model on every scene of `dataDir` that has ground truth.
 *
 * @param modelDir a version folder (`models/default/2`) or a model folder (latest version)
 * @param dataDir a dataset folder, or several separated by commas (same labels.txt)
 * @param options.log progress lines
 * @throws GeoError failed_precondition when no scene has segment.npy
 */
export async function evaluateModel(
  modelDir: string,
  dataDir: string,
  options: { log?: (line: string) => void } = {},
): Promise<EvaluationResult> {
  const student: LabelledPoints[] = [], teacher: LabelledPoints[] = [];
  const t0 = performance.now();
  let points = 0;
  const { info } = await runLabelledScenes(modelDir, dataDir, (run) => {
    const { scene: s, result: r, embeddings, index: i, total } = run;
    student.push({ pred: r.labels, gt: s.segment });
    if (s.teacher && s.teacherDim === run.model.dims.dim) {
      const t = cosineArgmax(s.teacher, s.teacherDim, embeddings);
      const valid = s.valid;
      teacher.push({ pred: t.map((l, j) => (valid && !valid[j] ? -1 : l)), gt: s.segment });
    }
    points += s.count;
    const sec = (performance.now() - t0) / 1000;
    options.log?.(
      `scene ${i + 1}/${total} ${s.name}: ${s.count} points, ${r.voxels} voxels, ` +
        `${Math.round(points / sec)} pts/s ETA ${
          formatDuration((sec / (i + 1)) * (total - i - 1))
        }`,
    );
  });
  return {
    student: metricsOver(student, info.labels),
    teacher: teacher.length > 0 ? metricsOver(teacher, info.labels) : undefined,
    scenes: student.length,
    points,
  };
}
