/**
 * Per-call context of server handlers: metadata, an AbortSignal that fires
 * on client cancellation, deadline or forced shutdown, and a pull-style
 * reader for client streams. Works on the call objects of @grpc/grpc-js
 * through the small structural types below (no import of the package).
 *
 * @module
 */

import { GeoError } from "../kernels/errors.ts";
import { toClientStatus } from "./status.ts";
import { MessageQueue } from "./message_queue.ts";

/** A unary handler; a thrown error becomes the call's status via `toClientStatus`. */
export type UnaryHandler<Req, Res> = (request: Req, ctx: RpcContext) => Promise<Res>;

/**
 * A bidirectional-stream handler: reads `input` until half-close, writes with `write`
 * (its promise resolves once the message is accepted by the transport's buffer: awaiting
 * it gives back-pressure from a slow reader).
 */
export type BidiHandler<Req, Res> = (
  input: AsyncIterable<Req>,
  ctx: RpcContext,
  write: (message: Res) => Promise<void>,
) => Promise<void>;

/** A unary server call, as @grpc/grpc-js hands it over. */
export interface UnaryCallLike<Req> extends CallLike {
  readonly request: Req;
}

/** A bidirectional server call, as @grpc/grpc-js hands it over. */
export interface DuplexCallLike<Req, Res> extends Omit<CallLike, "on"> {
  on(event: "data", cb: (m: Req) => void): unknown;
  on(event: "end" | "cancelled", cb: () => void): unknown;
  /** Returns false when the outgoing buffer is full ("drain" follows). */
  write(message: Res): unknown;
  once?(event: "drain", cb: () => void): unknown;
  pause?(): unknown;
  resume?(): unknown;
  end(): unknown;
  emit(event: "error", status: { code: number; details: string }): unknown;
}

/** Per-call facts a handler may use. */
export interface RpcContext {
  /** First value of a request metadata key (lower case), if any. */
  metadata(key: string): string | undefined;
  /** Aborts on client cancellation, deadline (TimeoutError) or server shutdown. */
  readonly signal: AbortSignal;
  /** Client deadline, ms since the epoch; Infinity when none. */
  readonly deadline: number;
  /** Peer address, for logs. */
  readonly peer: string;
}

/** The parts of a server call this module uses. */
export interface CallLike {
  metadata: { get(key: string): unknown[] };
  getDeadline(): Date | number;
  getPeer(): string;
  on(event: "cancelled", cb: () => void): unknown;
  /** True once the client cancelled. */
  readonly cancelled?: boolean;
  /**
   * The underlying call of @grpc/grpc-js: when the client cancels before the
   * request is fully read, only this one is marked and no event follows.
   */
  readonly call?: { readonly cancelled?: boolean };
}

/**
 * Builds the context of one call; `done` clears its timer and listeners.
 * `shutdownSignal` aborting (forced shutdown) aborts the call with unavailable.
 */
export function makeContext(
  call: CallLike,
  shutdownSignal: AbortSignal,
): { ctx: RpcContext; done: () => void } {
  const ac = new AbortController();
  const d = call.getDeadline();
  const deadline = d instanceof Date ? d.getTime() : Number(d);
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (Number.isFinite(deadline)) {
    timer = setTimeout(
      () => ac.abort(new DOMException("The client deadline was exceeded", "TimeoutError")),
      Math.max(0, deadline - Date.now()),
    );
  }
  const onCancel = () => {
    if (!ac.signal.aborted) {
      ac.abort(new DOMException("The client cancelled the call", "AbortError"));
    }
  };
  call.on("cancelled", onCancel);
  if (call.cancelled || call.call?.cancelled) onCancel();
  const onShutdown = () => {
    if (!ac.signal.aborted) {
      ac.abort(new GeoError("unavailable", "The server is shutting down"));
    }
  };
  shutdownSignal.addEventListener("abort", onShutdown, { once: true });
  const ctx: RpcContext = {
    metadata: (key) => {
      const v = call.metadata.get(key)[0];
      return v === undefined ? undefined : String(v);
    },
    signal: ac.signal,
    deadline,
    peer: call.getPeer(),
  };
  const done = () => {
    if (timer !== undefined) clearTimeout(timer);
    shutdownSignal.removeEventListener("abort", onShutdown);
  };
  return { ctx, done };
}

/** The parts of a server stream `readStream` uses. */
export interface StreamLike<T> {
  on(event: "data", cb: (m: T) => void): unknown;
  on(event: "end" | "cancelled", cb: () => void): unknown;
  /** Stops "data" events (HTTP/2 flow control then holds the client back). */
  pause?(): unknown;
  /** Restarts "data" events. */
  resume?(): unknown;
}

/** Messages `readStream` buffers before it pauses the call. */
export const READ_HIGH_WATER_MARK = 4;

/**
 * Reads a server-side duplex stream as an async iterable without destroying it on early
 * exit. At most about `highWaterMark` messages wait unread: past it the call is paused
 * (the client's writes then block on flow control) until the handler catches up.
 */
export function readStream<T>(
  call: StreamLike<T>,
  highWaterMark = READ_HIGH_WATER_MARK,
): AsyncIterable<T> {
  const queue = new MessageQueue<T>();
  let paused = false;
  call.on("data", (m: T) => {
    queue.push(m);
    if (queue.length >= highWaterMark && call.pause && !paused) {
      paused = true;
      call.pause();
    }
  });
  call.on("end", () => queue.end());
  call.on(
    "cancelled",
    () => queue.fail(new DOMException("The client cancelled the call", "AbortError")),
  );
  return {
    async *[Symbol.asyncIterator]() {
      for (let m = await queue.next(); m !== null; m = await queue.next()) {
        if (paused && queue.length < highWaterMark) {
          paused = false;
          call.resume?.();
        }
        yield m;
      }
    },
  };
}

function toServiceError(reason: unknown): { code: number; details: string } {
  const s = toClientStatus(reason);
  return { code: s.grpcCode, details: s.message };
}

/** Adapts a `UnaryHandler` to the call/callback form of @grpc/grpc-js. */
export function wrapUnary<Req, Res>(
  handler: UnaryHandler<Req, Res>,
  shutdown: AbortSignal,
): (
  call: UnaryCallLike<Req>,
  callback: (err: { code: number; details: string } | null, res?: Res) => void,
) => void {
  return (call, callback) => {
    const { ctx, done } = makeContext(call, shutdown);
    handler(call.request, ctx).then(
      (res) => callback(null, res),
      (err) => callback(toServiceError(err)),
    ).finally(done);
  };
}

/** Adapts a `BidiHandler` to the duplex-stream form of @grpc/grpc-js. */
export function wrapBidi<Req, Res>(
  handler: BidiHandler<Req, Res>,
  shutdown: AbortSignal,
): (call: DuplexCallLike<Req, Res>) => void {
  return (call) => {
    const { ctx, done } = makeContext(call, shutdown);
    const write = (m: Res): Promise<void> => {
      if (ctx.signal.aborted || call.write(m) !== false || !call.once) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const stop = () => resolve();
        ctx.signal.addEventListener("abort", stop, { once: true });
        call.once!("drain", () => {
          ctx.signal.removeEventListener("abort", stop);
          resolve();
        });
      });
    };
    handler(readStream(call), ctx, write).then(
      () => call.end(),
      (err) => call.emit("error", toServiceError(err)),
    ).finally(done);
  };
}
