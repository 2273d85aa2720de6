/**
 * The contract of the gRPC adapter (`grpc.ts`) without its packages: service names, the
 * handlers and options `startGrpcServer` takes, the handle it returns, and the client's
 * options and error.
 *
 * @module
 */

import { GeoError } from "../kernels/errors.ts";
import type { BidiHandler, UnaryHandler } from "./rpc_context.ts";
import { kindOfGrpcCode } from "./status.ts";
import type {
  ListModelsResponseMsg,
  QueryMapRequestMsg,
  QueryMapResponseMsg,
  SegmentRequestMsg,
  SegmentResponseMsg,
  StreamRequestMsg,
  StreamResponseMsg,
  TrainEventMsg,
  TrainRequestMsg,
} from "./wire.ts";

/** Fully qualified service names, as health checks and reflection know them. */
export const SERVICE_NAMES = {
  segmentation: "geoguide.v1.Segmentation",
  training: "geoguide.v1.Training",
} as const;

/** The handlers of geoguide.v1 served by `startGrpcServer`. */
export interface GrpcHandlers {
  /** Segmentation.Segment */
  readonly segment: UnaryHandler<SegmentRequestMsg, SegmentResponseMsg>;
  /** Segmentation.ListModels */
  readonly listModels: UnaryHandler<Record<string, never>, ListModelsResponseMsg>;
  /** Segmentation.SegmentStream */
  readonly segmentStream: BidiHandler<StreamRequestMsg, StreamResponseMsg>;
  /** Segmentation.QueryMap */
  readonly queryMap: UnaryHandler<QueryMapRequestMsg, QueryMapResponseMsg>;
  /** Training.Train */
  readonly train: BidiHandler<TrainRequestMsg, TrainEventMsg>;
}

/** Transport options of the gRPC server. */
export interface GrpcServerOptions {
  /** Bind address, e.g. "0.0.0.0" or "127.0.0.1". */
  readonly host: string;
  /** Port; 0 = any free port. */
  readonly port: number;
  /** Largest message received or sent, bytes. */
  readonly maxMessageBytes: number;
  /** Server keepalive ping interval, ms (0 = gRPC default). */
  readonly keepaliveTimeMs?: number;
  /** Keepalive ping ack timeout, ms (0 = gRPC default). */
  readonly keepaliveTimeoutMs?: number;
  /** Close connections older than this so load balancers can rebalance, ms (0 = never). */
  readonly maxConnectionAgeMs?: number;
  /** Grace for calls on an aged connection, ms (0 = gRPC default). */
  readonly maxConnectionAgeGraceMs?: number;
  /** Most concurrent HTTP/2 streams (calls) per connection (0 = gRPC default, unlimited). */
  readonly maxConcurrentStreams?: number;
  /** PEM certificate chain and private key files; absent = plaintext. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  /** Folder with `geoguide/v1/*.proto` (default: this checkout's `proto/`). */
  readonly protoDir?: string;
}

/** A running gRPC server. */
export interface GrpcServerHandle {
  /** The bound port. */
  readonly port: number;
  /** Sets health: Segmentation and "" follow `segmentation`, Training follows `training`. */
  setServing(status: { segmentation: boolean; training: boolean }): void;
  /**
   * Stops accepting calls, waits up to `graceMs` for calls in flight, then
   * closes what is left.
   */
  shutdown(graceMs: number): Promise<void>;
}

/** A failed call as a client sees it: a GeoError with the gRPC code and details. */
export class RpcError extends GeoError {
  /** gRPC status code number. */
  readonly code: number;
  /** @param code gRPC status code @param details the server's message */
  constructor(code: number, details: string) {
    super(kindOfGrpcCode(code), details);
    this.name = "RpcError";
    this.code = code;
  }
}

/** Client options. */
export interface GeoguideClientOptions {
  /** Use TLS; `caFile` = PEM roots to trust (default: system roots); `serverName` = name to verify. */
  readonly tls?: { readonly caFile?: string; readonly serverName?: string };
  /** Bearer token sent as `authorization` metadata. */
  readonly token?: string;
  /** Largest message sent or received, bytes (default 256 MiB). */
  readonly maxMessageBytes?: number;
  /** Folder with `geoguide/v1/*.proto` (default: this checkout's `proto/`). */
  readonly protoDir?: string;
}

/** Per-call client options. */
export interface ClientStream<Req, Res> {
  /** Writes one message; resolves once the channel took it (back-pressure). */
  send(message: Req): Promise<void>;
  /** Half-closes: no more messages. */
  end(): void;
  /** Cancels the call. */
  cancel(): void;
  /** The server's messages in order; throws the final error status as an RpcError. */
  readonly responses: AsyncIterable<Res>;
}

/** Options of one client call. */
export interface CallOptions {
  /** Deadline relative to now, ms. */
  readonly timeoutMs?: number;
  /** Extra metadata, e.g. `{ "x-request-id": "…" }`. */
  readonly metadata?: Record<string, string>;
  /** Cancels the call when aborted. */
  readonly signal?: AbortSignal;
}
