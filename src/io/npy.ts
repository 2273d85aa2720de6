/**
 * NumPy `.npy` arrays (format versions 1.0–3.0, C order) ↔ typed arrays, and
 * Pointcept-style scenes (coord.npy, color.npy, normal.npy) → `PointCloud`.
 *
 * @module
 */

import { invalid, quote } from "../kernels/errors.ts";
import { checkPoints, type DecodeOptions, pointLimit } from "./limits.ts";
import { type PointCloud, validateCloud } from "../kernels/point_cloud.ts";

/** Element types read from `.npy` files. */
export type NpyDtype =
  | "float16"
  | "float32"
  | "float64"
  | "uint8"
  | "bool"
  | "int16"
  | "int32"
  | "int64";

/**
 * A decoded array in C (row-major) order. float16 arrives as Float32Array,
 * int64 as Int32Array (values checked to fit), bool as Uint8Array of 0/1.
 */
export interface NpyArray {
  /** Element type stored in the file. */
  dtype: NpyDtype;
  /** Dimensions, outermost first; [] for a scalar. */
  shape: number[];
  /** The values, product(shape) long. */
  data: Float32Array | Float64Array | Uint8Array | Int16Array | Int32Array;
}

const DTYPES: Record<string, { dtype: NpyDtype; size: number }> = {
  f2: { dtype: "float16", size: 2 },
  f4: { dtype: "float32", size: 4 },
  f8: { dtype: "float64", size: 8 },
  u1: { dtype: "uint8", size: 1 },
  b1: { dtype: "bool", size: 1 },
  i2: { dtype: "int16", size: 2 },
  i4: { dtype: "int32", size: 4 },
  i8: { dtype: "int64", size: 8 },
};

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

/** IEEE half → number. */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** number → IEEE half, round to nearest even, overflow to ±Infinity. */
function floatToHalf(v: number): number {
  if (Number.isNaN(v)) return 0x7e00;
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a >= 65520) return sign | 0x7c00;
  if (a < 2 ** -14) return sign | roundEven(a * 2 ** 24); // subnormal (may round up to 0x400)
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  const m = roundEven((a / 2 ** e - 1) * 1024);
  return sign | (((e + 15) << 10) + m); // m = 1024 carries into the exponent
}

function roundEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Longest `.npy` header dictionary read, in bytes: numpy's own default
 * `max_header_size` (10,000). Keeps the header regexes linear-time in practice.
 */
export const MAX_NPY_HEADER = 10_000;

/**
 * Decodes a `.npy` file. The shape is checked against the bytes present
 * (product × dtype size) and its first dimension (one row per point)
 * against `maxPoints` before anything is allocated.
 *
 * @param bytes the file bytes
 * @param source what to call the input in error messages
 * @param options `maxPoints`: most rows (first dimension) accepted (default
 *   `DEFAULT_MAX_POINTS` of limits.ts)
 * @throws GeoError("invalid_argument") on a bad header, unsupported dtype,
 *   Fortran order, truncated data, or int64 values outside int32;
 *   GeoError("resource_exhausted") when the first dimension exceeds maxPoints
 */
export function decodeNpy(bytes: Uint8Array, source: string, options?: DecodeOptions): NpyArray {
  const maxPoints = pointLimit(options);
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw invalid(`${source}: not a .npy file (missing \\x93NUMPY magic)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  if (major < 1 || major > 3) throw invalid(`${source}: unsupported .npy version ${major}`);
  const wide = major >= 2;
  if (wide && bytes.length < 12) throw invalid(`${source}: .npy header is truncated`);
  const hlen = wide ? view.getUint32(8, true) : view.getUint16(8, true);
  const start = (wide ? 12 : 10) + hlen;
  if (start > bytes.length) throw invalid(`${source}: .npy header is truncated`);
  if (hlen > MAX_NPY_HEADER) {
    throw invalid(`${source}: .npy header is ${hlen} bytes, over ${MAX_NPY_HEADER}`);
  }
  const header = new TextDecoder("latin1").decode(bytes.subarray(wide ? 12 : 10, start));
  const descr = /'descr'\s*:\s*'([<>|=])([a-z]\d+)'/.exec(header);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shapeM = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shapeM) throw invalid(`${source}: malformed .npy header`);
  const kind = DTYPES[descr[2]];
  if (!kind) throw invalid(`${source}: unsupported .npy dtype ${quote(descr[1] + descr[2])}`);
  if (fortran[1] === "True") {
    throw invalid(`${source}: Fortran-order .npy arrays are not supported (save with C order)`);
  }
  const dims = shapeM[1].split(",").map((s) => s.trim()).filter((s) => s !== "");
  const shape = dims.map((d) => (/^\d{1,16}L?$/.test(d) ? parseInt(d) : NaN));
  if (shape.some((d) => !Number.isSafeInteger(d))) {
    throw invalid(`${source}: bad .npy shape ${quote(`(${shapeM[1]})`)}`);
  }
  const count = shape.reduce((a, d) => a * d, 1);
  const le = descr[1] !== ">";
  if (count * kind.size > bytes.length - start) {
    throw invalid(
      `${source}: .npy data is truncated (shape ${quote(`(${shape.join(", ")})`)} needs ${
        count * kind.size
      } bytes, have ${bytes.length - start})`,
    );
  }
  if (shape.length > 0) checkPoints(shape[0], maxPoints, source, ".npy shape[0]");
  return {
    dtype: kind.dtype,
    shape,
    data: readData(view, { start, count, le, dtype: kind.dtype }, source),
  };
}

function readData(
  view: DataView,
  at: { start: number; count: number; le: boolean; dtype: NpyDtype },
  source: string,
): NpyArray["data"] {
  const { start, count, le } = at;
  switch (at.dtype) {
    case "uint8":
      return new Uint8Array(view.buffer, view.byteOffset + start, count).slice();
    case "bool": {
      const out = new Uint8Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getUint8(start + i) ? 1 : 0;
      return out;
    }
    case "float16": {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(start + 2 * i, le));
      return out;
    }
    case "float32": {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(start + 4 * i, le);
      return out;
    }
    case "float64": {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(start + 8 * i, le);
      return out;
    }
    case "int16": {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(start + 2 * i, le);
      return out;
    }
    case "int32": {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(start + 4 * i, le);
      return out;
    }
    case "int64": {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const v = view.getBigInt64(start + 8 * i, le);
        if (v < -2147483648n || v > 2147483647n) {
          throw invalid(`${source}: int64 value ${v} at index ${i} does not fit in int32`);
        }
        out[i] = Number(v);
      }
      return out;
    }
  }
}

/**
 * Encodes a typed array as a `.npy` v1.0 file (little-endian, C order).
 *
 * @param data the values, row-major, product(shape) long
 * @param shape the dimensions
 * @param options.dtype "float16" to store a Float32Array as half floats
 * @returns the file bytes
 */
export function encodeNpy(
  data: Float32Array | Float64Array | Uint8Array | Int16Array | Int32Array,
  shape: number[],
  options: { dtype?: "float16" } = {},
): Uint8Array {
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw invalid(`Bad .npy shape (${shape.join(", ")})`);
  }
  const count = shape.reduce((a, d) => a * d, 1);
  if (count !== data.length) {
    throw invalid(`Shape (${shape.join(", ")}) needs ${count} values, got ${data.length}`);
  }
  const half = options.dtype === "float16";
  if (half && !(data instanceof Float32Array)) throw invalid("float16 output needs a Float32Array");
  const descr = half
    ? "<f2"
    : data instanceof Float32Array
    ? "<f4"
    : data instanceof Float64Array
    ? "<f8"
    : data instanceof Uint8Array
    ? "|u1"
    : data instanceof Int16Array
    ? "<i2"
    : "<i4";
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const pad = 64 - ((10 + dict.length + 1) % 64);
  dict += " ".repeat(pad % 64) + "\n";
  if (dict.length > 65535) throw invalid("The .npy header is too long for format version 1.0");
  const size = half ? 2 : data.BYTES_PER_ELEMENT;
  const out = new Uint8Array(10 + dict.length + count * size);
  out.set(MAGIC);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, dict.length, true);
  for (let i = 0; i < dict.length; i++) out[10 + i] = dict.charCodeAt(i);
  const start = 10 + dict.length;
  if (half) {
    for (let i = 0; i < count; i++) view.setUint16(start + 2 * i, floatToHalf(data[i]), true);
  } else {
    // Typed arrays are little-endian on every platform this runs on.
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), start);
  }
  return out;
}

function rowsOf3(a: NpyArray, what: string, source: string): number {
  if (a.shape.length !== 2 || a.shape[1] !== 3) {
    throw invalid(`${source}: ${what} must have shape (N, 3), got (${a.shape.join(", ")})`);
  }
  return a.shape[0];
}

/**
 * Builds a cloud from Pointcept-style arrays.
 *
 * @param coord (N, 3) array of positions, metres (any numeric dtype, stored as float32)
 * @param extras optional color (N, 3), 0..255 (uint8, or float 0..255), and normal (N, 3)
 * @param source what to call the input in error messages (default "coord.npy")
 * @returns a validated cloud
 */
export function cloudFromNpy(
  coord: NpyArray,
  extras: { color?: NpyArray; normal?: NpyArray } = {},
  source = "coord.npy",
): PointCloud {
  const n = rowsOf3(coord, "coord", source);
  const cloud: { count: number; coord: Float32Array; color?: Uint8Array; normal?: Float32Array } = {
    count: n,
    coord: Float32Array.from(coord.data),
  };
  if (extras.color) {
    if (rowsOf3(extras.color, "color", source) !== n) {
      throw invalid(`${source}: color has ${extras.color.shape[0]} rows for ${n} points`);
    }
    const c = extras.color.data;
    cloud.color = c instanceof Uint8Array
      ? c.slice()
      : Uint8Array.from(c, (v) => (v > 255 ? 255 : v > 0 ? Math.round(v) : 0));
  }
  if (extras.normal) {
    if (rowsOf3(extras.normal, "normal", source) !== n) {
      throw invalid(`${source}: normal has ${extras.normal.shape[0]} rows for ${n} points`);
    }
    cloud.normal = Float32Array.from(extras.normal.data);
  }
  return validateCloud(cloud, source);
}
