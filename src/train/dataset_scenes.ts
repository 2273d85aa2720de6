/**
 * A dataset folder (`io/dataset.ts`) turned into prepared scenes, and its class
 * embeddings: `label_embeddings.npy` when present (unless those are GloVe's own rows, the
 * model then expects client embeddings at inference), else the GloVe text encoder on
 * `labels.txt`.
 *
 * @module
 */

import { invalid } from "../kernels/errors.ts";
import { GLOVE_SG_100D_ID } from "../text/glove_convert.ts";
import type { Backbone } from "../features/backbones/backbone.ts";
import { type DatasetInfo, type DatasetUnion, readScene } from "../io/dataset.ts";
import { sharedGloveEncoder } from "../infer/label_embeddings.ts";
import { CLIENT_EMBEDDINGS_ENCODER } from "../models/bundle.ts";
import { formatDuration } from "./progress.ts";
import { prepareScene, type TrainScene } from "./scene.ts";

/** Class embeddings of a dataset and where they came from. */
export interface ClassEmbeddings {
  /** Float32Array L×C, row i = class i of labels.txt */
  embeddings: Float32Array;
  /** C */
  dim: number;
  /** text encoder name for the manifest: GloVe's id, or "client-embeddings" for a file */
  encoder: string;
}

/** Largest difference between file rows and GloVe rows that still counts as GloVe's. */
const SAME_EMBEDDING_TOLERANCE = 1e-4;

/**
 * The class embeddings of a dataset: the file first, else GloVe on the class names. A file
 * holding exactly GloVe's rows for labels.txt (as the synthetic datasets write it) keeps
 * the GloVe encoder name, so the trained model can embed free-text labels itself.
 */
export async function datasetEmbeddings(
  info: Pick<DatasetInfo, "labels" | "embeddings" | "embeddingDim">,
): Promise<ClassEmbeddings> {
  if (info.embeddings && info.embeddingDim) {
    const file = { embeddings: info.embeddings, dim: info.embeddingDim };
    const glove = info.embeddingDim === 100 ? await gloveRows(info.labels) : undefined;
    const same = glove !== undefined &&
      glove.every((x, i) => Math.abs(x - file.embeddings[i]) <= SAME_EMBEDDING_TOLERANCE);
    return { ...file, encoder: same ? GLOVE_SG_100D_ID : CLIENT_EMBEDDINGS_ENCODER };
  }
  const glove = await sharedGloveEncoder();
  return { embeddings: await glove.encode(info.labels), dim: glove.dim, encoder: GLOVE_SG_100D_ID };
}

/** GloVe rows of the labels, or undefined when GloVe cannot embed them. */
async function gloveRows(labels: string[]): Promise<Float32Array | undefined> {
  try {
    return await (await sharedGloveEncoder()).encode(labels);
  } catch {
    return undefined;
  }
}

/** Options of {@link loadDatasetScenes}. */
export interface LoadScenesOptions {
  /** the frozen backbone */
  backbone: Backbone;
  /** voxel side, metres */
  voxelSize: number;
  /** class embeddings (teacher labels, width check) */
  classes: ClassEmbeddings;
  /** every scene must have teacher.npy (training) */
  requireTeacher?: boolean;
  /** feature cache folder (default `.cache/features`; null = none) */
  cacheDir?: string | null;
  /** progress lines */
  log?: (line: string) => void;
  /** stops between scenes */
  signal?: AbortSignal;
}

/**
 * Reads and prepares every scene of a dataset folder.
 *
 * @throws GeoError invalid_argument naming the scene and file when something does not fit
 */
export async function loadDatasetScenes(
  dir: string,
  info: DatasetInfo,
  options: LoadScenesOptions,
): Promise<TrainScene[]> {
  if (info.scenes.length === 0) throw invalid(`${dir} holds no scene folder with coord.npy`);
  const out: TrainScene[] = [];
  const t0 = performance.now();
  let cached = 0;
  for (const [i, name] of info.scenes.entries()) {
    options.signal?.throwIfAborted();
    const s = await readScene(dir, name, { numClasses: info.labels.length });
    if (options.requireTeacher && !s.teacher) {
      throw invalid(`Scene ${name}: ${dir}/${name}/teacher.npy is missing (needed for training)`);
    }
    const scene = await prepareScene({
      name,
      cloud: { count: s.count, coord: s.coord, color: s.color, normal: s.normal },
      teacher: s.teacher,
      teacherDim: s.teacherDim,
      valid: s.valid,
      superpoint: s.superpoint,
      instance: s.instance,
      segment: s.segment,
    }, {
      backbone: options.backbone,
      voxelSize: options.voxelSize,
      cacheDir: options.cacheDir,
      embeddings: options.classes.embeddings,
      dim: options.classes.dim,
    });
    if (scene.cached) cached++;
    out.push(scene);
    const sec = (performance.now() - t0) / 1000;
    const eta = (sec / (i + 1)) * (info.scenes.length - i - 1);
    options.log?.(
      `scene ${i + 1}/${info.scenes.length} ${name}: ${s.count} points, ${scene.count} voxels` +
        `${scene.cached ? " (cached features)" : ""} ${((i + 1) / sec).toFixed(2)} scenes/s ` +
        `ETA ${formatDuration(eta)}`,
    );
  }
  options.log?.(`${out.length} scenes ready (${cached} from the feature cache)`);
  return out;
}

/**
 * Reads and prepares every scene of every folder of a dataset union (`io/dataset.ts`
 * `readDatasets`), folders in the order given.
 */
export async function loadUnionScenes(
  union: DatasetUnion,
  options: LoadScenesOptions,
): Promise<TrainScene[]> {
  const out: TrainScene[] = [];
  for (const { dir, info } of union.folders) {
    if (union.folders.length > 1) options.log?.(`dataset ${dir}: ${info.scenes.length} scenes`);
    out.push(...await loadDatasetScenes(dir, info, options));
  }
  return out;
}
