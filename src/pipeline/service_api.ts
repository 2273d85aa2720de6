/**
 * The interface between the transport (`src/server/`) and the inference and
 * training pipelines: plain TypeScript types with typed arrays, no protobuf
 * objects. The transport validates requests, queues them, measures queue
 * time and maps `GeoError`s to status codes; an implementation decodes the
 * cloud (see `decodeCloudInput`), runs the model and fills in the rest.
 *
 * @module
 */

/** A cloud as it arrived on the wire; decoding it (off the main thread) is the pipeline's job. */
export type CloudInput =
  | {
    /** Draco point cloud or mesh bytes. */
    readonly kind: "draco";
    readonly bytes: Uint8Array;
  }
  | {
    /** Raw arrays: xyz float32 LE N×3, rgb uint8 N×3 (optional), normal float32 LE N×3 (optional). */
    readonly kind: "raw";
    readonly xyz: Uint8Array;
    readonly rgb?: Uint8Array;
    readonly normal?: Uint8Array;
  }
  | {
    /** A point-cloud file (PLY, PCD, NPY or Draco); format from `name`'s extension, else magic bytes. */
    readonly kind: "file";
    readonly bytes: Uint8Array;
    /** File name, only its extension is used. */
    readonly name: string;
  };

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
  /** Points whose best score (cosine) is below this get label −1. */
  readonly minScore: number;
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
}

/** What `ListModels` reports about one model. */
export interface ModelInfo {
  /** Model name (registry folder). */
  readonly name: string;
  /** Published versions, ascending. */
  readonly versions: readonly number[];
  /** Whether an empty request model means this one. */
  readonly isDefault: boolean;
  /** Feature / text embedding dimension of the latest version. */
  readonly featureDim: number;
  /** Text encoder name of the latest version. */
  readonly textEncoder: string;
  /** Backbone kind of the latest version. */
  readonly backbone: string;
  /** Training summary of the latest version, a JSON object text ("" when none). */
  readonly trainingSummary: string;
  /** Default labels of the latest version. */
  readonly defaultLabels: readonly string[];
}

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
}

/** Element type of a dense tensor sent as bytes. */
export type TensorDtype = "float32" | "float16";

/** One camera view for teacher fusion. */
export interface ViewFrameInput {
  /** Depth, Float32Array height×width, metres (0 = none). */
  readonly depth: Float32Array;
  /** Depth image width in pixels. */
  readonly width: number;
  /** Depth image height in pixels. */
  readonly height: number;
  /** fx, fy, cx, cy in pixels. */
  readonly intrinsics: readonly number[];
  /** Camera-to-world 4×4, row-major, 16 values. */
  readonly pose: readonly number[];
  /** Feature map bytes, featureHeight×featureWidth×featureDim of `featuresDtype`, LE. */
  readonly features: Uint8Array;
  /** Element type of `features`. */
  readonly featuresDtype: TensorDtype;
  /** Channels of the feature map. */
  readonly featureDim: number;
  /** Feature map width. */
  readonly featureWidth: number;
  /** Feature map height. */
  readonly featureHeight: number;
}

/** One training scene as sent by the client. */
export interface TrainSceneInput {
  /** Scene name, for logs. */
  readonly name: string;
  /** The cloud, still encoded. */
  readonly cloud: CloudInput;
  /** Teacher features N×dim, raw LE bytes of `teacherDtype`; undefined when frames are sent instead. */
  readonly teacher?: Uint8Array;
  /** Element type of `teacher`. */
  readonly teacherDtype: TensorDtype;
  /** Teacher feature dimension (0 when no teacher). */
  readonly dim: number;
  /** Uint8Array N, 1 = teacher row valid, when sent. */
  readonly valid?: Uint8Array;
  /** Int32Array N superpoint ids, when sent. */
  readonly superpoints?: Int32Array;
  /** Int32Array N instance ids (−1 = none), when sent. */
  readonly instances?: Int32Array;
  /** Int16Array N ground-truth class (−1 = ignore), when sent. */
  readonly gtLabels?: Int16Array;
  /** Class names that `gtLabels` index. */
  readonly gtLabelNames: readonly string[];
  /** Camera views to fuse into teacher features. */
  readonly frames: readonly ViewFrameInput[];
}

/** Training settings; undefined numbers take the trainer's defaults. */
export interface TrainConfigInput {
  /** Model name to publish under. */
  readonly site: string;
  /** Model to fine-tune from; "" = from scratch. */
  readonly baseModel: string;
  /** Version of `baseModel`; 0 = latest. */
  readonly baseVersion: number;
  /** Optimiser steps. */
  readonly steps?: number;
  /** Learning rate. */
  readonly learningRate?: number;
  /** Loss weights λsp, λmask, λsim. */
  readonly lambdaSp?: number;
  /** See `lambdaSp`. */
  readonly lambdaMask?: number;
  /** See `lambdaSp`. */
  readonly lambdaSim?: number;
  /** Fraction of masked points in the mask objective. */
  readonly maskRatio?: number;
  /** Random seed. */
  readonly seed: number;
  /** Whether to weight by teacher reliability (undefined = default). */
  readonly useReliability?: boolean;
  /** Objective. */
  readonly objective: "geoguide" | "naive";
  /** Whether to publish a new registry version at the end. */
  readonly publish: boolean;
  /**
   * Client-chosen idempotency key ("" or absent = none): recorded in the published
   * manifest; a run whose key was already published for `site` is replayed, not retrained.
   */
  readonly requestId?: string;
}

/** A training event streamed back to the client. */
export type TrainEventOutput =
  | {
    readonly type: "progress";
    readonly step: number;
    readonly totalSteps: number;
    readonly lossSp: number;
    readonly lossMask: number;
    readonly lossSim: number;
    readonly lossTotal: number;
    readonly pointsPerSecond: number;
    readonly elapsedS: number;
  }
  | {
    readonly type: "validation";
    readonly step: number;
    /** Mean IoU in [0, 1]. */
    readonly miou: number;
    /** Mean accuracy in [0, 1]. */
    readonly macc: number;
    readonly perClass: readonly { label: string; iou: number; acc: number }[];
  };

/** The result of a finished training run. */
export interface TrainResult {
  /** Model name published under (or that would have been). */
  readonly model: string;
  /** Published version, 0 when not published. */
  readonly version: number;
  /** JSON-serialisable summary: steps, seconds, final losses, metrics. */
  readonly summary: Record<string, unknown>;
}

/** The training side, as the transport sees it. */
export interface TrainService {
  /**
   * Trains on the scenes, calling `onEvent` for progress and validation;
   * stops and publishes nothing when `signal` aborts.
   */
  train(
    request: { config: TrainConfigInput; scenes: readonly TrainSceneInput[] },
    signal: AbortSignal,
    onEvent: (event: TrainEventOutput) => void,
  ): Promise<TrainResult>;
  /**
   * The result of the published version of `site` whose manifest records `requestId`
   * (summary with `replay: true`), or null when none; absent = no replay lookup.
   */
  replay?(site: string, requestId: string): Promise<TrainResult | null>;
}

/** The services the transport serves. */
export interface Services {
  /** Inference. */
  readonly segment: SegmentService;
  /** Training; when absent, Train answers UNAVAILABLE. */
  readonly train?: TrainService;
}
