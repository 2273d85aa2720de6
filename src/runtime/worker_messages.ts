/**
 * What the main thread and the pipeline workers (`service_worker.ts`) say to each other,
 * and the two helpers every message needs: typed arrays made transferable (moved between
 * threads instead of copied) and `GeoError`s carried as plain data (kind + message).
 *
 * @module
 */

import { ERROR_KINDS, type ErrorKind, GeoError } from "../kernels/errors.ts";
import type { SegmentServiceOptions } from "../infer/segment_service.ts";
import type {
  EmbedInput,
  EmbedOutput,
  ModelInfo,
  ScanInput,
  ScanOutput,
  SegmentInput,
  SegmentOutput,
} from "../infer/api.ts";
import type {
  TrainConfigInput,
  TrainEventOutput,
  TrainResult,
  TrainSceneInput,
} from "../train/api.ts";
import type { TrainServiceOptions } from "../train/service.ts";

/** A `GeoError` as plain data. */
export interface WireError {
  /** The error kind. */
  readonly kind: ErrorKind;
  /** The message clients see. */
  readonly message: string;
  /** The cause's text, for logs only; "" when none. */
  readonly detail: string;
}

/** `workerData` of a Segment worker. */
export interface SegmentWorkerData {
  readonly role: "segment";
  /** Options of `createSegmentService` that survive structured cloning (no functions). */
  readonly options: Omit<
    SegmentServiceOptions,
    "embedder" | "log" | "onChange"
  >;
  /** Whether the test actions (`hold`, `release`, `crash`) are honoured. */
  readonly testHooks: boolean;
}

/** `workerData` of a training worker. */
export interface TrainWorkerData {
  readonly role: "train";
  /** Options of `createTrainService` that survive structured cloning (no functions). */
  readonly options: Omit<TrainServiceOptions, "glove" | "log" | "beforeStep">;
  /** Cells of the shared `SegmentLoad` (Int32Array over a SharedArrayBuffer). */
  readonly load: Int32Array;
  /** Longest wait for Segment before each optimiser step, ms. */
  readonly yieldMs: number;
}

/** Actions of a Segment worker's test hooks. */
export type TestAction = "hold" | "release" | "crash";

/** The jobs a Segment worker runs, by message type: what goes in and what comes back. */
export interface SegmentJobs {
  /** `SegmentService.segment` */
  segment: { input: SegmentInput; output: SegmentOutput };
  /** `SegmentService.scan` (one scan of a stream) */
  scan: { input: ScanInput; output: ScanOutput };
  /** `SegmentService.embedLabels` */
  embed: { input: EmbedInput; output: EmbedOutput };
}

/** A job message to a Segment worker. */
export type JobMessage = {
  [K in keyof SegmentJobs]: {
    readonly type: K;
    readonly id: number;
    readonly input: Packed<SegmentJobs[K]["input"]>;
  };
}[keyof SegmentJobs];

/** Messages to a Segment worker. */
export type ToSegmentWorker =
  | JobMessage
  | { readonly type: "cancel"; readonly id: number; readonly reason: WireError }
  | { readonly type: "refresh"; readonly id: number }
  | { readonly type: "close"; readonly id: number }
  | { readonly type: "test"; readonly action: TestAction };

/** Messages from a Segment worker. */
export type FromSegmentWorker =
  | {
    /** The service state: sent once the registry was read, then after every change. */
    readonly type: "state";
    readonly ready: boolean;
    readonly models: ModelInfo[];
  }
  | { readonly type: "done"; readonly id: number; readonly output?: Packed<unknown> }
  | { readonly type: "failed"; readonly id: number; readonly error: WireError }
  | { readonly type: "held"; readonly id: number }
  | LogMessage;

/** Messages to a training worker. */
export type ToTrainWorker =
  | {
    readonly type: "train";
    readonly request: Packed<{ config: TrainConfigInput; scenes: readonly TrainSceneInput[] }>;
  }
  | { readonly type: "cancel"; readonly reason: WireError };

/** Messages from a training worker. */
export type FromTrainWorker =
  | { readonly type: "event"; readonly event: TrainEventOutput }
  | { readonly type: "done"; readonly result: TrainResult }
  | { readonly type: "failed"; readonly error: WireError }
  | LogMessage;

/** A log record forwarded to the main thread's logger. */
export interface LogMessage {
  readonly type: "log";
  readonly level: "info" | "warn" | "error";
  readonly message: string;
  readonly fields: Record<string, string | number>;
}

/** Any thrown value as a {@link WireError} (see `GeoError.from`). */
export function errorToWire(e: unknown): WireError {
  const g = GeoError.from(e);
  const cause = g.cause as { message?: string } | undefined;
  return { kind: g.kind, message: g.message, detail: cause ? String(cause.message ?? cause) : "" };
}

/** The `GeoError` a {@link WireError} stands for (kind and message kept, detail as cause). */
export function errorFromWire(w: WireError): GeoError {
  const kind = ERROR_KINDS.includes(w.kind) ? w.kind : "internal";
  return new GeoError(kind, w.message, w.detail ? { cause: new Error(w.detail) } : undefined);
}

/**
 * Plain data of type `T` packed by {@link forTransfer} for `postMessage`; unpacked by
 * {@link fromTransfer} on the other side.
 */
export type Packed<T> = { readonly packed: T };

/** Key marking a packed typed array: `{ [TYPED]: constructor name, buffer }`. */
const TYPED = "$typedArray";

type TypedCtor = new (b: ArrayBuffer) => ArrayBufferView;
const TYPED_CTORS: Record<string, TypedCtor> = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
};

/** The standard typed-array constructor name of `v` (a Node Buffer is a Uint8Array). */
const typedName = (v: ArrayBufferView): string =>
  Object.keys(TYPED_CTORS).find((name) => v instanceof TYPED_CTORS[name]) ?? "Uint8Array";

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype;

/**
 * Packs `value` for `postMessage`: its plain objects and arrays are copied, and every
 * typed array becomes its whole, unshared `ArrayBuffer` (plus the constructor's name),
 * listed for transfer. Typed arrays are never posted as views: some runtimes walk a
 * received view element by element (Deno 2's `node:worker_threads` spends about 200 ns
 * per element of a Uint8Array), while a bare `ArrayBuffer` moves in constant time.
 * With `move`, a typed array that spans its whole buffer is moved as it is (the sender's
 * array is detached: only for arrays nobody else holds); any other one is copied once
 * into a fresh buffer (a view into a bigger buffer, such as a field of a decoded
 * protobuf message, cannot be moved).
 *
 * @param value plain data (objects, arrays, typed arrays, primitives)
 * @param move whether whole-buffer typed arrays are moved rather than copied
 */
export function forTransfer<T>(
  value: T,
  move: boolean,
): { value: Packed<T>; transfer: ArrayBuffer[] } {
  const transfer = new Set<ArrayBuffer>();
  const walk = (v: unknown): unknown => {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const t = v as unknown as Uint8Array;
      const whole = t.buffer instanceof ArrayBuffer && t.byteOffset === 0 &&
        t.byteLength === t.buffer.byteLength;
      // A copy of exactly the view's bytes (Buffer#slice would not copy).
      const buffer = move && whole && !transfer.has(t.buffer as ArrayBuffer)
        ? t.buffer as ArrayBuffer
        : new Uint8Array(t.buffer, t.byteOffset, t.byteLength).slice().buffer;
      transfer.add(buffer);
      return { [TYPED]: typedName(v), buffer };
    }
    if (Array.isArray(v)) return v.map(walk);
    if (isPlainObject(v)) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return { value: walk(value) as Packed<T>, transfer: [...transfer] };
}

/** The data a {@link forTransfer} packing stands for, typed arrays rebuilt (no copy). */
export function fromTransfer<T>(packed: Packed<T>): T {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (!isPlainObject(v)) return v;
    const name = v[TYPED];
    if (typeof name === "string" && v.buffer instanceof ArrayBuffer) {
      const ctor = TYPED_CTORS[name];
      if (!ctor) throw new GeoError("internal", `Cannot unpack a ${name} from a worker message`);
      return new ctor(v.buffer);
    }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
  };
  return walk(packed) as T;
}
