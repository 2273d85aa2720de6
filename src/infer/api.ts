/**
 * What the transport and runtime hand to inference and get back: one
 * segmentation request as plain TypeScript types with typed arrays (no
 * protobuf objects), its result, and the `SegmentService` interface. The
 * transport validates and queues; an implementation decodes the cloud
 * (`features/cloud_input.ts`), runs the model and fills in the rest.
 *
 * @module
 */

import type { CloudInput } from "../features/cloud_input.ts";
import type { ModelDescription } from "../models/catalog.ts";

/** A client-supplied text embedding for one label. */
export interface LabelEmbeddingInput {
  /** The label it stands for. */
  readonly label: string;
  /** The embedding, Float32Array of the model's feature dimension. */
  readonly vector: Float32Array;
}

/** Limits the transport asks the pipeline to enforce while decoding. */
export interface SegmentLimits {
  /** Most points one request may hold (RESOURCE_EXHAUSTED beyond it). */
  readonly maxPoints: number;
}

/** One segmentation request. */
export interface SegmentInput {
  /** The point cloud, still encoded. */
  readonly cloud: CloudInput;
  /** Free-text labels, at least one; output labels index into this list. */
  readonly labels: readonly string[];
  /** Model name; "" = the default model. */
  readonly model: string;
  /** Model version; 0 = the latest. */
  readonly version: number;
  /**
   * Points whose best score (cosine) is below this get label −1; undefined = the model
   * version's calibrated threshold (`manifest.calibration.min_score`), else 0.
   */
  readonly minScore?: number;
  /** Whether to return the best score of every point. */
  readonly returnScores: boolean;
  /** Whether to return the decoded positions. */
  readonly returnPositions: boolean;
  /** Client-supplied embeddings, used instead of the text encoder when non-empty. */
  readonly labelEmbeddings: readonly LabelEmbeddingInput[];
  /** Prompt around each label, e.g. "a {} in a scene"; "" = the model's default. */
  readonly promptTemplate: string;
  /** Limits to enforce while decoding. */
  readonly limits: SegmentLimits;
  /**
   * The cloud's up direction (opposite gravity, unit or any non-zero length, in its
   * own frame): the cloud is turned so that it becomes +z before features. Absent:
   * estimated, and used only when confident and over 10° from +z (`gravity.ts`).
   */
  readonly up?: readonly [number, number, number];
  /** Whether to return the objects found (instance proposals labelled by their points). */
  readonly returnObjects?: boolean;
}

/** One object of a cloud or a stream's map (an instance proposal with a label). */
export interface SceneObjectOutput {
  /** Id: stable over the scans of one stream; 1..K by score in a Segment result. */
  readonly id: number;
  /** Index into the labels asked for. */
  readonly label: number;
  /** Mean best score (cosine) of its points for `label`. */
  readonly score: number;
  /** Points (clouds, scans) or map voxels (map queries). */
  readonly pointCount: number;
  /** Mean position, metres, [x, y, z]. */
  readonly centroid: readonly [number, number, number];
  /** Axis-aligned box, metres: [minX, minY, minZ, maxX, maxY, maxZ]. */
  readonly box: readonly number[];
  /** Yaw-aligned box: [cx, cy, cz, sizeX, sizeY, sizeZ, yaw radians about +z]. */
  readonly yawBox: readonly number[];
  /** Uint32Array of its point indices in decoded order (absent for map objects). */
  readonly pointIndices?: Uint32Array;
}

/** Points per label in one result. */
export interface LabelCountOutput {
  /** The label text (or "unknown" for −1). */
  readonly label: string;
  /** Number of points that got it. */
  readonly points: number;
  /** Mean best score of those points. */
  readonly meanScore: number;
}

/** How the cloud was gravity-aligned (`infer/gravity.ts`). */
export interface GravityOutput {
  /** The unit up direction used or estimated, in the cloud's frame. */
  readonly up: readonly [number, number, number];
  /** "given", "estimated" (turned by the estimate) or "kept" (left as it is). */
  readonly source: "given" | "estimated" | "kept";
  /** Confidence of the estimate in [0, 1] (1 when given). */
  readonly confidence: number;
}

/** Milliseconds spent in each stage. */
export interface TimingMs {
  /** Waiting in the work queue (filled in by the transport). */
  queue: number;
  /** Decoding the cloud. */
  decode: number;
  /** Backbone features. */
  features: number;
  /** Adapter / projection head. */
  adapter: number;
  /** Text embeddings. */
  text: number;
  /** Whole request, as seen by the transport. */
  total: number;
}

/** One segmentation result. */
export interface SegmentOutput {
  /** Label index per point (−1 = unknown), Int16Array N, decoded order. */
  readonly labels: Int16Array;
  /** Best score per point, Float32Array N, when asked. */
  readonly scores?: Float32Array;
  /** Decoded positions, Float32Array N×3, metres, when asked. */
  readonly positions?: Float32Array;
  /** Points per label, one entry per label that occurs. */
  readonly summary: readonly LabelCountOutput[];
  /** Model name actually used. */
  readonly model: string;
  /** Model version actually used (≥ 1). */
  readonly version: number;
  /** Stage timings in milliseconds. */
  readonly timing: TimingMs;
  /** How the cloud was gravity-aligned (absent from services that do not say). */
  readonly gravity?: GravityOutput;
  /** Objects, best score first, when asked. */
  readonly objects?: readonly SceneObjectOutput[];
  /** The min_score applied (the request's or the model's calibrated one). */
  readonly minScore?: number;
}

/** One scan of a stream, for the pipeline (decode → features; the map is fused elsewhere). */
export interface ScanInput {
  /** The scan, still encoded. */
  readonly cloud: CloudInput;
  /** Model name; "" = the default model. */
  readonly model: string;
  /** Model version; 0 = the latest. */
  readonly version: number;
  /** Limits to enforce while decoding. */
  readonly limits: SegmentLimits;
  /**
   * Sensor-to-map pose, Float64Array 16 row-major (map frame z up): points are moved into
   * the map frame before features. Absent: features on the scan as sent, gravity-aligned
   * like Segment.
   */
  readonly pose?: Float64Array;
  /** Whether to compute instance proposals (objects). */
  readonly proposals: boolean;
  /**
   * The map's gravity frame: a rotation (Float64Array 9, row-major) applied after the pose,
   * taking the map's up to +z (absent: the identity).
   */
  readonly frame?: Float64Array;
}

/** Per-voxel features of one scan (`infer/scan_features.ts`). */
export interface ScanOutput {
  /** Model name actually used. */
  readonly model: string;
  /** Model version actually used. */
  readonly version: number;
  /** Points of the scan as decoded, N (points without finite coordinates included). */
  readonly count: number;
  /** Float32Array N×3, metres: map frame when posed, else as decoded (NaN rows kept). */
  readonly positions: Float32Array;
  /** Int32Array N: voxel of each point, −1 for points without finite coordinates. */
  readonly voxelOf: Int32Array;
  /** Float32Array V×3 voxel centroids, metres: the map's gravity frame when posed. */
  readonly voxelCenter: Float32Array;
  /** Float32Array V×C unit semantic features (adapter output / its norm). */
  readonly semantic: Float32Array;
  /** Int32Array V: instance proposal of each voxel (−1 none); empty when not asked. */
  readonly proposal: Int32Array;
  /** Milliseconds: decode, features (voxels + geometry + backbone + proposals), adapter. */
  readonly timing: Pick<TimingMs, "decode" | "features" | "adapter">;
}

/** Labels to embed with a model's text encoder (or to take as sent). */
export interface EmbedInput {
  /** Model name; "" = the default model. */
  readonly model: string;
  /** Model version; 0 = the latest. */
  readonly version: number;
  /** The labels, at least one. */
  readonly labels: readonly string[];
  /** Client-supplied embeddings, used instead of the text encoder when non-empty. */
  readonly labelEmbeddings: readonly LabelEmbeddingInput[];
  /** Prompt around each label; "" = the model's default. */
  readonly promptTemplate: string;
}

/** Label embeddings of a model. */
export interface EmbedOutput {
  /** Model name actually used. */
  readonly model: string;
  /** Model version actually used. */
  readonly version: number;
  /** Float32Array L×C unit rows. */
  readonly embeddings: Float32Array;
  /** The model version's calibrated min_score (absent: none). */
  readonly calibratedMinScore?: number;
}

/** What `ListModels` reports about one model (described by the model catalog). */
export type ModelInfo = ModelDescription;

/** The inference side, as the transport sees it. */
export interface SegmentService {
  /**
   * Segments one cloud. Throws `GeoError` (invalid_argument, not_found,
   * resource_exhausted, unavailable, …); must stop early when `signal` aborts.
   */
  segment(input: SegmentInput, signal: AbortSignal): Promise<SegmentOutput>;
  /** The models available, for `ListModels` and model-name checks. */
  listModels(): ModelInfo[];
  /** True once the default model is loaded and requests can be served. */
  ready(): boolean;
  /** Per-voxel features of one scan (SegmentStream); absent in services that cannot. */
  scan?(input: ScanInput, signal: AbortSignal): Promise<ScanOutput>;
  /** Unit label embeddings of a model (SegmentStream); absent in services that cannot. */
  embedLabels?(input: EmbedInput, signal: AbortSignal): Promise<EmbedOutput>;
}
