/**
 * The only adapter of @grpc/grpc-js, @grpc/proto-loader, @grpc/reflection
 * and grpc-health-check: loads `proto/geoguide/v1/`, serves Segmentation,
 * Training, `grpc.health.v1.Health` and server reflection on one port, and
 * offers a typed client (CLI `segment --server`, tests). Its contract (names, options,
 * handle, client error) is in `grpc_api.ts`.
 *
 * Messages are plain objects (see `wire.ts`): snake_case fields, int64 as
 * JavaScript numbers (exact up to 2^53, ample for model versions and seeds),
 * enums as names, oneofs with a discriminator field. The geoguide.v1 services
 * (de)serialise them with the code generated into `src/gen/` (`wireCodec`);
 * proto-loader, run with the same options, supplies their method tables and
 * the descriptors that server reflection serves.
 *
 * TLS (`tls` option) is served under Deno and Node alike; the server does
 * not ask for client certificates, so it is given no CA roots (see
 * `serverCredentials`).
 *
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import {
  HealthImplementation,
  protoPath as healthProtoPath,
  service as healthService,
} from "grpc-health-check";
import { Buffer } from "node:buffer";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { GeoError } from "../kernels/errors.ts";
import { MessageQueue } from "./message_queue.ts";
import {
  type CallOptions,
  type ClientStream,
  type GeoguideClientOptions,
  type GrpcHandlers,
  type GrpcServerHandle,
  type GrpcServerOptions,
  RpcError,
  SERVICE_NAMES,
} from "./grpc_api.ts";
import {
  type BidiHandler,
  type RpcContext,
  type UnaryHandler,
  wrapBidi,
  wrapUnary,
} from "./rpc_context.ts";
import {
  type ListModelsResponseMsg,
  type QueryMapRequestMsg,
  type QueryMapResponseMsg,
  type SegmentRequestMsg,
  type SegmentResponseMsg,
  type StreamRequestMsg,
  type StreamResponseMsg,
  type TrainEventMsg,
  type TrainRequestMsg,
  WIRE_OBJECT_OPTIONS,
  wireCodec,
} from "./wire.ts";

// grpc-js prints its own errors (e.g. a failed bind) on stderr; every one of them also reaches
// us as an error we report in one line. GRPC_VERBOSITY=ERROR|INFO|DEBUG turns its log back on.
if (!process.env.GRPC_VERBOSITY) grpc.setLogVerbosity(grpc.logVerbosity.NONE);

const LOADER_OPTIONS: protoLoader.Options = { keepCase: true, ...WIRE_OBJECT_OPTIONS };

/** Folder holding `geoguide/v1/*.proto` in this checkout. */
export function defaultProtoDir(): string {
  return fileURLToPath(new URL("../../proto/", import.meta.url));
}

function loadGeoguide(protoDir = defaultProtoDir()): protoLoader.PackageDefinition {
  return protoLoader.loadSync(
    ["geoguide/v1/segmentation.proto", "geoguide/v1/training.proto"],
    { ...LOADER_OPTIONS, includeDirs: [protoDir] },
  );
}

/**
 * The geoguide.v1 service `name` of `pkgDef`, its methods (de)serialising with the
 * generated code instead of proto-loader's reflection (same bytes, same objects).
 */
function geoguideService(
  pkgDef: protoLoader.PackageDefinition,
  name: string,
): grpc.ServiceDefinition {
  const service = pkgDef[name] as protoLoader.ServiceDefinition;
  const pkg = name.slice(0, name.lastIndexOf("."));
  const codec = (t: protoLoader.MessageTypeDefinition<object, object>) =>
    wireCodec(`${pkg}.${(t.type as { name: string }).name}`);
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [key, method] of Object.entries(service)) {
    const req = codec(method.requestType), res = codec(method.responseType);
    out[key] = {
      ...method,
      requestSerialize: (v: unknown) => toBuffer(req.serialize(v)),
      requestDeserialize: req.deserialize,
      responseSerialize: (v: unknown) => toBuffer(res.serialize(v)),
      responseDeserialize: res.deserialize,
    };
  }
  return out;
}

const toBuffer = (b: Uint8Array): Buffer =>
  Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);

export type { BidiHandler, RpcContext, UnaryHandler };

function channelOptions(o: GrpcServerOptions): grpc.ServerOptions {
  const opts: Record<string, number> = {
    "grpc.max_receive_message_length": o.maxMessageBytes,
    "grpc.max_send_message_length": o.maxMessageBytes,
  };
  if (o.keepaliveTimeMs) opts["grpc.keepalive_time_ms"] = o.keepaliveTimeMs;
  if (o.keepaliveTimeoutMs) opts["grpc.keepalive_timeout_ms"] = o.keepaliveTimeoutMs;
  if (o.maxConnectionAgeMs) opts["grpc.max_connection_age_ms"] = o.maxConnectionAgeMs;
  if (o.maxConnectionAgeGraceMs) {
    opts["grpc.max_connection_age_grace_ms"] = o.maxConnectionAgeGraceMs;
  }
  if (o.maxConcurrentStreams) opts["grpc.max_concurrent_streams"] = o.maxConcurrentStreams;
  return opts;
}

function serverCredentials(o: GrpcServerOptions): grpc.ServerCredentials {
  if (!o.tls) return grpc.ServerCredentials.createInsecure();
  const read = (path: string, what: string) => {
    try {
      return readFileSync(path);
    } catch (e) {
      throw new GeoError("failed_precondition", `Cannot read the TLS ${what} file ${path}`, {
        cause: e,
      });
    }
  };
  // Empty roots, not null: with null grpc-js loads GRPC_DEFAULT_SSL_ROOTS_FILE_PATH
  // as `ca`, and Deno's node:tls server appends every `ca` certificate to the
  // chain it sends (a system bundle overflows the 64 KiB handshake message).
  // Without client certificates the server needs no roots.
  return grpc.ServerCredentials.createSsl(Buffer.alloc(0), [{
    cert_chain: read(o.tls.certFile, "certificate"),
    private_key: read(o.tls.keyFile, "key"),
  }], false);
}

/**
 * Starts the gRPC server with Segmentation, Training, health (NOT_SERVING
 * until `setServing`) and reflection. Rejects when the port cannot be
 * bound or the TLS files cannot be read.
 */
export async function startGrpcServer(
  options: GrpcServerOptions,
  handlers: GrpcHandlers,
): Promise<GrpcServerHandle> {
  const pkgDef = loadGeoguide(options.protoDir);
  const server = new grpc.Server(channelOptions(options));
  const shutdownAc = new AbortController();
  server.addService(geoguideService(pkgDef, SERVICE_NAMES.segmentation), {
    Segment: wrapUnary(handlers.segment, shutdownAc.signal),
    ListModels: wrapUnary(handlers.listModels, shutdownAc.signal),
    SegmentStream: wrapBidi(handlers.segmentStream, shutdownAc.signal),
    QueryMap: wrapUnary(handlers.queryMap, shutdownAc.signal),
  });
  server.addService(geoguideService(pkgDef, SERVICE_NAMES.training), {
    Train: wrapBidi(handlers.train, shutdownAc.signal),
  });
  const health = new HealthImplementation({
    "": "NOT_SERVING",
    [SERVICE_NAMES.segmentation]: "NOT_SERVING",
    [SERVICE_NAMES.training]: "NOT_SERVING",
  });
  health.addToServer(server);
  const healthDef = protoLoader.loadSync(healthProtoPath, LOADER_OPTIONS);
  new ReflectionService({ ...pkgDef, ...healthDef }).addToServer(server);
  const creds = serverCredentials(options);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${options.host}:${options.port}`, creds, (err, p) => {
      if (err) {
        reject(
          new GeoError(
            "unavailable",
            `Cannot listen on ${options.host}:${options.port}: ${err.message}`,
          ),
        );
      } else resolve(p);
    });
  });
  const setAll = (status: "SERVING" | "NOT_SERVING") => {
    for (const name of ["", SERVICE_NAMES.segmentation, SERVICE_NAMES.training]) {
      health.setStatus(name, status);
    }
  };
  let stopping = false;
  return {
    port,
    setServing(status) {
      if (stopping) return;
      const word = (b: boolean) => (b ? "SERVING" : "NOT_SERVING");
      health.setStatus("", word(status.segmentation));
      health.setStatus(SERVICE_NAMES.segmentation, word(status.segmentation));
      health.setStatus(SERVICE_NAMES.training, word(status.training));
    },
    async shutdown(graceMs) {
      stopping = true;
      setAll("NOT_SERVING");
      const graceful = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      let timer: ReturnType<typeof setTimeout> | undefined;
      const expired = new Promise<"expired">((
        r,
      ) => (timer = setTimeout(() => r("expired"), graceMs)));
      const first = await Promise.race([graceful, expired]);
      clearTimeout(timer);
      if (first === "expired") {
        shutdownAc.abort();
        server.forceShutdown();
      }
    },
  };
}

// deno-lint-ignore no-explicit-any
type Dyn = any;

/** Typed client of geoguide.v1, grpc.health.v1 and server reflection. */
export class GeoguideClient {
  readonly #segmentation: Dyn;
  readonly #training: Dyn;
  readonly #health: Dyn;
  readonly #reflection: Dyn;
  readonly #token?: string;

  /** @param address "host:port" @param options TLS, token, limits */
  constructor(address: string, options: GeoguideClientOptions = {}) {
    const pkgDef = loadGeoguide(options.protoDir);
    const client = (name: string) =>
      grpc.makeGenericClientConstructor(geoguideService(pkgDef, name), name.split(".").pop()!);
    const creds = options.tls
      ? grpc.credentials.createSsl(options.tls.caFile ? readFileSync(options.tls.caFile) : null)
      : grpc.credentials.createInsecure();
    const max = options.maxMessageBytes ?? 256 * 1024 * 1024;
    const chan: Record<string, string | number> = {
      "grpc.max_receive_message_length": max,
      "grpc.max_send_message_length": max,
    };
    if (options.tls?.serverName) chan["grpc.ssl_target_name_override"] = options.tls.serverName;
    this.#segmentation = new (client(SERVICE_NAMES.segmentation))(address, creds, chan);
    this.#training = new (client(SERVICE_NAMES.training))(address, creds, chan);
    const Health = grpc.makeGenericClientConstructor(healthService as Dyn, "Health");
    this.#health = new Health(address, creds, chan);
    const reflectionProto = join(
      dirname(createRequire(import.meta.url).resolve("@grpc/reflection")),
      "../proto/grpc/reflection/v1/reflection.proto",
    );
    const refl = grpc.loadPackageDefinition(
      protoLoader.loadSync(reflectionProto, LOADER_OPTIONS),
    ) as Dyn;
    this.#reflection = new refl.grpc.reflection.v1.ServerReflection(address, creds, chan);
    this.#token = options.token;
  }

  #meta(opts: CallOptions): grpc.Metadata {
    const md = new grpc.Metadata();
    if (this.#token) md.set("authorization", `Bearer ${this.#token}`);
    for (const [k, v] of Object.entries(opts.metadata ?? {})) md.set(k, v);
    return md;
  }

  #unary<Res>(client: Dyn, method: string, req: unknown, opts: CallOptions): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      const deadline = opts.timeoutMs !== undefined ? Date.now() + opts.timeoutMs : Infinity;
      const call = client[method](req, this.#meta(opts), { deadline }, (err: Dyn, res: Res) => {
        if (err) reject(new RpcError(err.code ?? 2, err.details ?? String(err.message)));
        else resolve(res);
      });
      opts.signal?.addEventListener("abort", () => call.cancel(), { once: true });
    });
  }

  /** Segmentation.Segment */
  segment(request: SegmentRequestMsg, opts: CallOptions = {}): Promise<SegmentResponseMsg> {
    return this.#unary(this.#segmentation, "Segment", request, opts);
  }

  /** Segmentation.ListModels */
  listModels(opts: CallOptions = {}): Promise<ListModelsResponseMsg> {
    return this.#unary(this.#segmentation, "ListModels", {}, opts);
  }

  /** Segmentation.QueryMap */
  queryMap(request: QueryMapRequestMsg, opts: CallOptions = {}): Promise<QueryMapResponseMsg> {
    return this.#unary(this.#segmentation, "QueryMap", request, opts);
  }

  /**
   * Segmentation.SegmentStream: `send` writes one message (resolving once the channel
   * took it: back-pressure), `end` half-closes, `responses` yields the answers in order
   * and throws the call's error status as an RpcError.
   */
  segmentStream(opts: CallOptions = {}): ClientStream<StreamRequestMsg, StreamResponseMsg> {
    const deadline = opts.timeoutMs !== undefined ? Date.now() + opts.timeoutMs : Infinity;
    const call = this.#segmentation.SegmentStream(this.#meta(opts), { deadline });
    opts.signal?.addEventListener("abort", () => call.cancel(), { once: true });
    const queue = new MessageQueue<StreamResponseMsg>();
    call.on("data", (m: StreamResponseMsg) => queue.push(m));
    call.on("error", (err: Dyn) => {
      queue.fail(new RpcError(err.code ?? 2, err.details ?? String(err.message)));
    });
    call.on("end", () => queue.end());
    return {
      send: (m) =>
        new Promise<void>((resolve) => call.write(m) ? resolve() : call.once("drain", resolve)),
      end: () => call.end(),
      cancel: () => call.cancel(),
      responses: queue,
    };
  }

  /**
   * Training.Train: sends `requests` (config first, then scenes), half-closes,
   * calls `onEvent` for each event; resolves at the end of the stream.
   */
  train(
    requests: readonly TrainRequestMsg[],
    onEvent: (event: TrainEventMsg) => void,
    opts: CallOptions = {},
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const deadline = opts.timeoutMs !== undefined ? Date.now() + opts.timeoutMs : Infinity;
      const call = this.#training.Train(this.#meta(opts), { deadline });
      call.on("data", onEvent);
      call.on(
        "error",
        (err: Dyn) => reject(new RpcError(err.code ?? 2, err.details ?? String(err.message))),
      );
      call.on("end", () => resolve());
      opts.signal?.addEventListener("abort", () => call.cancel(), { once: true });
      for (const r of requests) call.write(r);
      call.end();
    });
  }

  /** grpc.health.v1.Health/Check: "SERVING", "NOT_SERVING", … ("" = overall). */
  async health(service = "", opts: CallOptions = {}): Promise<string> {
    const res = await this.#unary<{ status: string }>(this.#health, "check", { service }, opts);
    return res.status;
  }

  /** Service names listed by server reflection (grpc.reflection.v1). */
  listServices(): Promise<string[]> {
    return new Promise<string[]>((resolve, reject) => {
      const call = this.#reflection.ServerReflectionInfo();
      call.on("data", (res: Dyn) => {
        resolve((res.list_services_response?.service ?? []).map((s: Dyn) => s.name));
        call.end();
      });
      call.on("error", (err: Dyn) => reject(new RpcError(err.code ?? 2, err.details ?? "")));
      call.write({ list_services: "" });
    });
  }

  /** Closes the channels. */
  close(): void {
    for (const c of [this.#segmentation, this.#training, this.#health, this.#reflection]) c.close();
  }
}
