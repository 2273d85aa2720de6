/**
 * The protobuf messages of `proto/geoguide/v1/` as plain objects, the shape
 * @grpc/proto-loader gives them with `keepCase: true, longs: Number,
 * enums: String, defaults: true, oneofs: true`: snake_case fields, int64 as
 * JavaScript numbers (exact below 2^53), enums as their names, bytes as
 * Uint8Array (Buffer), unset messages null, and a virtual field naming the
 * set member of each oneof (`data`, `msg`, `event`).
 *
 * Outgoing messages may omit fields (they take proto defaults).
 *
 * @module
 */

/** geoguide.v1.RawPoints */
export interface RawPointsMsg {
  xyz: Uint8Array;
  rgb?: Uint8Array;
  normal?: Uint8Array;
}

/** geoguide.v1.CloudFile */
export interface CloudFileMsg {
  data: Uint8Array;
  name?: string;
}

/** geoguide.v1.PointCloud */
export interface PointCloudMsg {
  draco?: Uint8Array;
  raw?: RawPointsMsg | null;
  file?: CloudFileMsg | null;
  data?: "draco" | "raw" | "file";
}

/** geoguide.v1.LabelEmbedding */
export interface LabelEmbeddingMsg {
  label: string;
  vector: Uint8Array;
}

/** geoguide.v1.LabelCount */
export interface LabelCountMsg {
  label: string;
  points: number;
  mean_score: number;
}

/** geoguide.v1.SegmentRequest */
export interface SegmentRequestMsg {
  cloud?: PointCloudMsg | null;
  labels?: string[];
  model?: string;
  model_version?: number;
  min_score?: number;
  return_scores?: boolean;
  return_positions?: boolean;
  label_embeddings?: LabelEmbeddingMsg[];
  prompt_template?: string;
}

/** geoguide.v1.Timing (milliseconds) */
export interface TimingMsg {
  queue: number;
  decode: number;
  features: number;
  adapter: number;
  text: number;
  total: number;
}

/** geoguide.v1.SegmentResponse */
export interface SegmentResponseMsg {
  labels: Uint8Array;
  point_count: number;
  scores: Uint8Array;
  positions: Uint8Array;
  summary: LabelCountMsg[];
  model: string;
  model_version: number;
  timing: TimingMsg | null;
}

/** geoguide.v1.ModelInfo */
export interface ModelInfoMsg {
  name: string;
  versions: number[];
  is_default: boolean;
  feature_dim: number;
  text_encoder: string;
  backbone: string;
  training_summary: string;
  latest_version: number;
  default_labels: string[];
}

/** geoguide.v1.ListModelsResponse */
export interface ListModelsResponseMsg {
  models: ModelInfoMsg[];
  default_model: string;
}

/** geoguide.v1.TensorType */
export type TensorTypeMsg = "FLOAT32" | "FLOAT16";

/** geoguide.v1.TrainConfig */
export interface TrainConfigMsg {
  site?: string;
  base_model?: string;
  base_version?: number;
  steps?: number;
  learning_rate?: number;
  lambda_sp?: number;
  lambda_mask?: number;
  lambda_sim?: number;
  mask_ratio?: number;
  seed?: number;
  use_reliability?: boolean | null;
  objective?: "GEOGUIDE" | "NAIVE";
  publish?: boolean;
  request_id?: string;
}

/** geoguide.v1.ViewFrame */
export interface ViewFrameMsg {
  depth?: Uint8Array;
  width?: number;
  height?: number;
  intrinsics?: number[];
  pose?: number[];
  features?: Uint8Array;
  features_dtype?: TensorTypeMsg;
  feature_dim?: number;
  feature_width?: number;
  feature_height?: number;
}

/** geoguide.v1.TrainScene */
export interface TrainSceneMsg {
  name?: string;
  cloud?: PointCloudMsg | null;
  teacher?: Uint8Array;
  teacher_dtype?: TensorTypeMsg;
  dim?: number;
  valid?: Uint8Array;
  superpoints?: Uint8Array;
  instances?: Uint8Array;
  gt_labels?: Uint8Array;
  gt_label_names?: string[];
  frames?: ViewFrameMsg[];
}

/** geoguide.v1.TrainRequest */
export interface TrainRequestMsg {
  config?: TrainConfigMsg | null;
  scene?: TrainSceneMsg | null;
  msg?: "config" | "scene";
}

/** geoguide.v1.TrainEvent */
export interface TrainEventMsg {
  progress?: {
    step: number;
    total_steps: number;
    loss_sp: number;
    loss_mask: number;
    loss_sim: number;
    loss_total: number;
    points_per_second: number;
    elapsed_s: number;
  } | null;
  validation?: {
    step: number;
    miou: number;
    macc: number;
    per_class: { label: string; iou: number; acc: number }[];
  } | null;
  done?: { model: string; version: number; summary: string } | null;
  event?: "progress" | "validation" | "done";
}
