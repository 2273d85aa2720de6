/**
 * onnxruntime-node adapter: creates inference sessions and runs them on plain typed
 * arrays. The only importer of `onnxruntime-node`.
 *
 * `provider: "auto"` tries the CUDA execution provider when its library is installed
 * (GPU images, where onnxruntime-node was installed with its CUDA binaries) and falls
 * back to the CPU provider; `session.provider` says which one runs.
 *
 * @module
 */

import { existsSync } from "node:fs";
import process from "node:process";
import * as ort from "onnxruntime-node";
import { GeoError } from "../kernels/errors.ts";

/**
 * True when onnxruntime-node's CUDA provider library is installed beside its binding
 * (GPU images install it with ONNXRUNTIME_NODE_INSTALL=cuda12; CPU images lack it).
 */
export function cudaAvailable(): boolean {
  try {
    const dist = new URL(import.meta.resolve("onnxruntime-node"));
    const arch = process.arch === "arm64" ? "arm64" : "x64";
    const bin = new URL(`../bin/napi-v6/${process.platform}/${arch}/`, dist);
    return existsSync(new URL("libonnxruntime_providers_cuda.so", bin));
  } catch {
    return false;
  }
}

/** Typed arrays a tensor can be fed from / read into. */
export type TensorArray =
  | Float32Array
  | Float64Array
  | BigInt64Array
  | Int32Array
  | Uint8Array;

/** Element type names, as onnxruntime spells them. */
export type TensorType = "float32" | "float64" | "int64" | "int32" | "bool" | "uint8";

/** A tensor handed to or returned by a session. */
export interface TensorData {
  /** row-major values */
  data: TensorArray;
  /** dims */
  dims: readonly number[];
  /** element type; by default taken from the array (Uint8Array → bool) */
  type?: TensorType;
}

/** Options of `createSession`. */
export interface SessionOptions {
  /** intra-op threads (default: onnxruntime's choice); 1 when `deterministic` */
  threads?: number;
  /**
   * bit-identical results run after run: one intra-op thread, one inter-op thread,
   * sequential execution. Needed by graphs with ScatterND reduction "add" (segment sums,
   * the gradient of Gather): onnxruntime's CPU kernel splits the updates over the
   * intra-op threads without synchronising them, so with repeated indices a
   * multi-threaded session loses updates at random (onnxruntime issues 18048, 23396):
   * wrong and irreproducible sums. Such graphs must run deterministic.
   */
  deterministic?: boolean;
  /** execution provider (default "auto": CUDA when available, else CPU) */
  provider?: "auto" | "cpu" | "cuda";
  /**
   * file prefix for an onnxruntime per-node profile (Chrome trace JSON, written when the
   * session is released); for performance work only
   */
  profile?: string;
}

/** A loaded model. */
export interface Session {
  /** the model's input names */
  readonly inputNames: readonly string[];
  /** the model's output names */
  readonly outputNames: readonly string[];
  /** the execution provider in use */
  readonly provider: "cpu" | "cuda";
  /**
   * Runs the model.
   * @param feeds one tensor per model input, by name
   * @param outputNames outputs to fetch (default: all)
   */
  run(
    feeds: Record<string, TensorData>,
    outputNames?: readonly string[],
  ): Promise<Record<string, TensorData>>;
  /** Frees the native session. */
  release(): Promise<void>;
}

/**
 * Loads a model from ONNX bytes or a file path.
 * @throws GeoError invalid_argument when the model does not load, unavailable when CUDA
 *   was asked for and is missing
 */
export async function createSession(
  model: Uint8Array | string,
  options: SessionOptions = {},
): Promise<Session> {
  const want = options.provider ?? "auto";
  if (options.deterministic && options.threads !== undefined && options.threads !== 1) {
    throw new GeoError(
      "invalid_argument",
      `A deterministic session runs on one thread, not ${options.threads}`,
    );
  }
  const threads = options.deterministic ? 1 : options.threads;
  const base: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: "all",
    ...(threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
    ...(options.deterministic ? { executionMode: "sequential" as const } : {}),
    ...(options.profile ? { enableProfiling: true, profileFilePrefix: options.profile } : {}),
  };
  const open = (ep: "cpu" | "cuda") => {
    const o = { ...base, executionProviders: [ep] };
    return typeof model === "string"
      ? ort.InferenceSession.create(model, o)
      : ort.InferenceSession.create(model, o);
  };
  let provider: "cpu" | "cuda" = want === "cuda" ? "cuda" : "cpu";
  let session: ort.InferenceSession;
  try {
    if (want === "auto" && cudaAvailable()) {
      try {
        session = await open("cuda");
        provider = "cuda";
      } catch {
        session = await open("cpu");
      }
    } else session = await open(provider);
  } catch (e) {
    const kind = want === "cuda" ? "unavailable" : "invalid_argument";
    throw new GeoError(kind, `The ONNX model could not be loaded (${provider}): ${message(e)}`, {
      cause: e,
    });
  }
  return wrap(session, provider, options.profile !== undefined);
}

function wrap(
  session: ort.InferenceSession,
  provider: "cpu" | "cuda",
  profiling: boolean,
): Session {
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    provider,
    async run(feeds, outputNames) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(feeds)) {
        ortFeeds[name] = new ort.Tensor(t.type ?? typeOf(t.data), t.data, [...t.dims]);
      }
      let res: ort.InferenceSession.ReturnType;
      try {
        res = outputNames
          ? await session.run(ortFeeds, [...outputNames])
          : await session.run(ortFeeds);
      } catch (e) {
        throw new GeoError("invalid_argument", `The ONNX model failed to run: ${message(e)}`, {
          cause: e,
        });
      }
      const out: Record<string, TensorData> = {};
      for (const [name, t] of Object.entries(res)) {
        out[name] = { data: t.data as TensorArray, dims: [...t.dims], type: t.type as TensorType };
      }
      return out;
    },
    release: () => {
      if (profiling) session.endProfiling();
      return session.release();
    },
  };
}

function typeOf(a: TensorArray): TensorType {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return "float64";
  if (a instanceof BigInt64Array) return "int64";
  if (a instanceof Int32Array) return "int32";
  return "bool";
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** int64 copy of integer data (for int64 model inputs such as segment ids). */
export function toInt64(data: ArrayLike<number>): BigInt64Array {
  const out = new BigInt64Array(data.length);
  // Safe 32-bit integers are written as two little-endian words, without BigInt per value.
  let small = true;
  for (let i = 0; i < data.length && small; i++) {
    const v = data[i];
    small = v === (v | 0);
  }
  if (small && littleEndian) {
    const words = new Int32Array(out.buffer, out.byteOffset, 2 * data.length);
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      words[2 * i] = v;
      words[2 * i + 1] = v < 0 ? -1 : 0;
    }
    return out;
  }
  for (let i = 0; i < data.length; i++) out[i] = BigInt(data[i]);
  return out;
}

const littleEndian = new Uint8Array(Int32Array.of(1).buffer)[0] === 1;
