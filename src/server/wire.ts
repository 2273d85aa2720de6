/**
 * The geoguide.v1 messages on the wire, from the code that `deno task gen`
 * generates into `src/gen/` with protobufjs-cli. The adapter of protobufjs:
 * the only file importing it (for types) besides the generated code, and the
 * only importer of `src/gen/`.
 *
 * Messages are plain objects in the shape @grpc/proto-loader gives with
 * `keepCase: true` and {@link WIRE_OBJECT_OPTIONS}: snake_case fields, int64
 * as JavaScript numbers (exact below 2^53), enums as their names, bytes as
 * Uint8Array (a Buffer), unset messages null, and a virtual field naming the
 * set member of each oneof (`data`, `msg`, `event`). {@link wireCodec}
 * (de)serialises them with the generated static code, byte for byte as
 * proto-loader does.
 *
 * The types below derive from the generated declarations; only what those
 * cannot say is added here: enum names, oneof discriminators, and which fields
 * of a request the server always reads (a decoded message has every field).
 * Request types leave fields optional, as clients write them; response types
 * have every field, as the server builds them.
 *
 * @module
 */

import type { IConversionOptions, Long } from "protobufjs";
import { geoguide } from "../gen/geoguide.js";

import v1 = geoguide.v1;

/** toObject options matching proto-loader's `longs: Number, enums: String, defaults: true, oneofs: true`. */
export const WIRE_OBJECT_OPTIONS = {
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
} as const satisfies IConversionOptions;

/** A generated field type as a request: int64 as number, messages loose or null. */
type LooseField<T> = T extends Uint8Array | string | boolean ? T
  : T extends number | Long ? number
  : T extends readonly (infer E)[] ? LooseElem<E>[]
  : Loose<T> | null;
type LooseElem<T> = T extends object ? (T extends Uint8Array ? T : Loose<T>) : LooseField<T>;

/** A generated field type as a response: int64 as number, messages full or null. */
type FullField<T> = T extends Uint8Array | string | boolean ? T
  : T extends number | Long ? number
  : T extends readonly (infer E)[] ? FullElem<E>[]
  : Full<T> | null;
type FullElem<T> = T extends object ? (T extends Uint8Array ? T : Full<T>) : FullField<T>;

/** Every field optional (a request as clients write it). */
type Loose<I> = { [K in keyof I]?: LooseField<NonNullable<I[K]>> };
/** Every field present (a response as the server builds it). */
type Full<I> = { [K in keyof I]-?: FullField<NonNullable<I[K]>> };
/** `T` with the fields `K` required. */
type Need<T, K extends keyof T> = Omit<T, K> & Required<Pick<T, K>>;
/** `T` with the fields of `O` (fields of `T`) retyped. */
type With<T, O extends { [K in keyof O]?: K extends keyof T ? unknown : never }> =
  & Omit<T, keyof O>
  & O;
/** The discriminator of oneof `K` of the generated class `C`. */
type Oneof<C, K extends keyof C> = NonNullable<C[K]>;

/** geoguide.v1.TensorType, by name. */
export type TensorTypeName = keyof typeof v1.TensorType;
/** geoguide.v1.Objective, by name. */
export type ObjectiveName = keyof typeof v1.Objective;

/** geoguide.v1.RawPoints */
export type RawPointsMsg = Need<Loose<v1.IRawPoints>, "xyz">;
/** geoguide.v1.CloudFile */
export type CloudFileMsg = Need<Loose<v1.ICloudFile>, "data">;
/** geoguide.v1.RosPointCloud2 (a sensor_msgs/PointCloud2 body; every field optional). */
export type RosPointCloud2Msg = Loose<v1.IRosPointCloud2>;
/** geoguide.v1.PointCloud */
export type PointCloudMsg =
  & With<Loose<v1.IPointCloud>, {
    raw?: RawPointsMsg | null;
    file?: CloudFileMsg | null;
    ros?: RosPointCloud2Msg | null;
  }>
  & { data?: Oneof<v1.PointCloud, "data"> };
/** geoguide.v1.LabelEmbedding */
export type LabelEmbeddingMsg = Need<Loose<v1.ILabelEmbedding>, "label" | "vector">;
/** geoguide.v1.SegmentRequest */
export type SegmentRequestMsg = With<Loose<v1.ISegmentRequest>, {
  cloud?: PointCloudMsg | null;
  label_embeddings?: LabelEmbeddingMsg[];
}>;
/** geoguide.v1.LabelCount */
export type LabelCountMsg = Full<v1.ILabelCount>;
/** geoguide.v1.Timing (milliseconds) */
export type TimingMsg = Full<v1.ITiming>;
/** geoguide.v1.SceneObject */
export type SceneObjectMsg = Full<v1.ISceneObject>;
/** geoguide.v1.SegmentResponse */
export type SegmentResponseMsg = Full<v1.ISegmentResponse>;
/** geoguide.v1.ModelInfo */
export type ModelInfoMsg = Full<v1.IModelInfo>;
/** geoguide.v1.ListModelsResponse */
export type ListModelsResponseMsg = Full<v1.IListModelsResponse>;

/** geoguide.v1.StreamOpen */
export type StreamOpenMsg = With<Loose<v1.IStreamOpen>, { label_embeddings?: LabelEmbeddingMsg[] }>;
/** geoguide.v1.StreamScan */
export type StreamScanMsg = With<Loose<v1.IStreamScan>, { cloud?: PointCloudMsg | null }>;
/** geoguide.v1.StreamLabels */
export type StreamLabelsMsg = With<Loose<v1.IStreamLabels>, {
  label_embeddings?: LabelEmbeddingMsg[];
}>;
/** geoguide.v1.MapQuery */
export type MapQueryMsg = With<Loose<v1.IMapQuery>, { label_embeddings?: LabelEmbeddingMsg[] }>;
/** geoguide.v1.StreamRequest */
export type StreamRequestMsg =
  & With<Loose<v1.IStreamRequest>, {
    open?: StreamOpenMsg | null;
    scan?: StreamScanMsg | null;
    labels?: StreamLabelsMsg | null;
    query?: MapQueryMsg | null;
  }>
  & { msg?: Oneof<v1.StreamRequest, "msg"> };
/** geoguide.v1.ScanResult */
export type ScanResultMsg = Full<v1.IScanResult>;
/** geoguide.v1.StreamResponse: one of its members is set. */
export type StreamResponseMsg = Partial<Full<v1.IStreamResponse>> & {
  msg?: Oneof<v1.StreamResponse, "msg">;
};
/** geoguide.v1.QueryMapRequest */
export type QueryMapRequestMsg = With<Loose<v1.IQueryMapRequest>, { query?: MapQueryMsg | null }>;
/** geoguide.v1.QueryMapResponse */
export type QueryMapResponseMsg = Full<v1.IQueryMapResponse>;

/** geoguide.v1.TrainConfig */
export type TrainConfigMsg = With<Loose<v1.ITrainConfig>, {
  use_reliability?: boolean | null;
  objective?: ObjectiveName;
}>;
/** geoguide.v1.ViewFrame */
export type ViewFrameMsg = With<Loose<v1.IViewFrame>, { features_dtype?: TensorTypeName }>;
/** geoguide.v1.TrainScene */
export type TrainSceneMsg = With<Loose<v1.ITrainScene>, {
  cloud?: PointCloudMsg | null;
  teacher_dtype?: TensorTypeName;
  frames?: ViewFrameMsg[];
}>;
/** geoguide.v1.TrainRequest */
export type TrainRequestMsg =
  & With<Loose<v1.ITrainRequest>, {
    config?: TrainConfigMsg | null;
    scene?: TrainSceneMsg | null;
  }>
  & { msg?: Oneof<v1.TrainRequest, "msg"> };
/** geoguide.v1.TrainEvent: one of its members is set. */
export type TrainEventMsg = Partial<Full<v1.ITrainEvent>> & {
  event?: Oneof<v1.TrainEvent, "event">;
};

/** Serialises and deserialises one message type (what grpc-js asks of a method). */
export interface WireCodec {
  /** Plain object → bytes; throws on values the message cannot hold. */
  serialize(value: unknown): Uint8Array;
  /** Bytes → plain object; throws on malformed bytes. */
  deserialize(bytes: Uint8Array): unknown;
}

/** The static members pbjs generates for each message class. */
interface GeneratedMessage {
  encode(message: unknown): { finish(): Uint8Array };
  decode(bytes: Uint8Array): unknown;
  fromObject(object: Record<string, unknown>): unknown;
  toObject(message: unknown, options: typeof WIRE_OBJECT_OPTIONS): Record<string, unknown>;
}

/**
 * The codec of the generated message `fullName` (e.g. "geoguide.v1.SegmentRequest"),
 * doing what proto-loader's serialize/deserialize do: `encode(fromObject(value))`
 * and `toObject(decode(bytes), WIRE_OBJECT_OPTIONS)`. Throws when src/gen/ has no
 * such message (run `deno task gen`).
 */
export function wireCodec(fullName: string): WireCodec {
  let node: unknown = { geoguide };
  for (const part of fullName.split(".")) {
    node = node && typeof node === "object" && Object.hasOwn(node, part)
      ? (node as Record<string, unknown>)[part]
      : undefined;
  }
  const cls = node as GeneratedMessage | undefined;
  if (typeof cls?.decode !== "function" || typeof cls.fromObject !== "function") {
    throw new Error(`src/gen/ has no message ${fullName}: run \`deno task gen\``);
  }
  return {
    serialize(value) {
      if (Array.isArray(value)) {
        throw new Error(
          `Failed to serialize message: expected object with ${
            fullName.split(".").pop()
          } structure, got array instead`,
        );
      }
      return cls.encode(cls.fromObject(value as Record<string, unknown>)).finish();
    },
    deserialize: (bytes) => cls.toObject(cls.decode(bytes), WIRE_OBJECT_OPTIONS),
  };
}
