/**
 * Labels prepared scenes with adapter weights through the served inference graph
 * (`buildAdapterInferenceGraph`, one onnxruntime session for all scenes), and scores them.
 *
 * @module
 */

import { encodeModel } from "../onnx/onnx_proto.ts";
import { createSession } from "../onnx/session.ts";
import {
  type AdapterDims,
  type AdapterWeights,
  buildAdapterInferenceGraph,
  INFERENCE_IO,
} from "../features/adapter_graph.ts";
import type { SegmentationMetrics } from "../kernels/segmentation_metrics.ts";
import { metricsOver, pointLabels } from "./metrics.ts";
import type { TrainScene } from "./scene.ts";

/** Labels voxels: geometric V×Dg → Int32Array V of class indices. */
export type VoxelClassifier = (geometric: Float32Array) => Promise<Int32Array>;

/**
 * A classifier running the served graph of `weights` against fixed class embeddings.
 *
 * @param dims adapter sizes
 * @param weights adapter weights (copied into the graph)
 * @param embeddings Float32Array L×C class embeddings
 * @returns the classifier and a function releasing its session
 */
export async function adapterClassifier(
  dims: AdapterDims,
  weights: AdapterWeights,
  embeddings: Float32Array,
): Promise<{ classify: VoxelClassifier; release: () => Promise<void> }> {
  const graph = buildAdapterInferenceGraph({ ...dims, weights });
  const session = await createSession(encodeModel(graph), { provider: "cpu" });
  const labels = { data: embeddings, dims: [embeddings.length / dims.dim, dims.dim] };
  return {
    classify: async (geometric) => {
      const n = geometric.length / dims.dg;
      if (n === 0) return new Int32Array(0);
      const out = await session.run({
        [INFERENCE_IO.geometric]: { data: geometric, dims: [n, dims.dg] },
        [INFERENCE_IO.labels]: labels,
      }, [INFERENCE_IO.label]);
      return Int32Array.from(out[INFERENCE_IO.label].data as ArrayLike<number | bigint>, Number);
    },
    release: () => session.release(),
  };
}

/** Student and teacher scores of scenes with ground truth. */
export interface SceneScores {
  /** the model's scores (per point, voxel labels mapped back) */
  student: SegmentationMetrics;
  /** the teacher's scores on the same points (undefined when no scene has a teacher) */
  teacher?: SegmentationMetrics;
}

/**
 * Scores the scenes holding ground truth; undefined when none has any.
 *
 * @param scenes prepared scenes (those without `segment` are skipped)
 * @param classify the voxel classifier
 * @param classNames the K class names the ground truth indexes
 */
export async function scoreScenes(
  scenes: readonly TrainScene[],
  classify: VoxelClassifier,
  classNames: string[],
): Promise<SceneScores | undefined> {
  const withGt = scenes.filter((s) => s.segment);
  if (withGt.length === 0) return undefined;
  const student = [];
  for (const s of withGt) {
    student.push({ pred: pointLabels(await classify(s.geometric), s.voxelOf), gt: s.segment! });
  }
  const taught = withGt.filter((s) => s.teacherLabel);
  return {
    student: metricsOver(student, classNames),
    teacher: taught.length > 0
      ? metricsOver(taught.map((s) => ({ pred: s.teacherLabel!, gt: s.segment! })), classNames)
      : undefined,
  };
}
