/**
 * PCD (Point Cloud Library) → `PointCloud`: DATA ascii, binary and
 * binary_compressed (LZF). Reads x y z, packed rgb/rgba (float bits or
 * uint32, 0x00RRGGBB) and normal_x/y/z; other fields are skipped.
 *
 * @module
 */

import { invalid, quote } from "../kernels/errors.ts";
import { type PointCloud, validateCloud } from "../kernels/point_cloud.ts";
import { checkPoints, type DecodeOptions, pointLimit } from "./limits.ts";
import { parseNumberToken, readScalar, type ScalarType } from "./scalar.ts";

interface PcdField {
  name: string;
  type: ScalarType;
  count: number;
  /** Byte offset of the field inside one point (binary) or first value index (ascii). */
  offset: number;
}

const SLOT: Record<string, number> = {
  x: 0,
  y: 1,
  z: 2,
  normal_x: 3,
  normal_y: 4,
  normal_z: 5,
};

const MAX_HEADER = 1 << 16;

function parseHeader(bytes: Uint8Array, source: string) {
  const text = new TextDecoder("latin1").decode(
    bytes.subarray(0, Math.min(bytes.length, MAX_HEADER)),
  );
  const kv = new Map<string, string[]>();
  let pos = 0;
  let dataStart = -1;
  while (pos < text.length) {
    let nl = text.indexOf("\n", pos);
    if (nl < 0) nl = text.length;
    const line = text.slice(pos, nl).trim();
    pos = nl + 1;
    if (line === "" || line.startsWith("#")) continue;
    const w = line.split(/\s+/);
    kv.set(w[0].toUpperCase(), w.slice(1));
    if (w[0].toUpperCase() === "DATA") {
      dataStart = Math.min(pos, bytes.length);
      break;
    }
  }
  if (dataStart < 0) {
    throw invalid(`${source}: PCD header has no DATA line (truncated or not a PCD file)`);
  }
  const names = kv.get("FIELDS");
  if (!names || names.length === 0) throw invalid(`${source}: PCD header has no FIELDS line`);
  const nf = names.length;
  const sizes = kv.get("SIZE") ?? [];
  const types = kv.get("TYPE") ?? [];
  const counts = kv.get("COUNT") ?? names.map(() => "1");
  if (sizes.length !== nf || types.length !== nf || counts.length !== nf) {
    throw invalid(`${source}: PCD SIZE/TYPE/COUNT do not match the ${nf} FIELDS`);
  }
  const fields: PcdField[] = [];
  let offset = 0;
  for (let i = 0; i < nf; i++) {
    const size = Number(sizes[i]);
    const kind = ({ F: "f", I: "i", U: "u" } as const)[types[i].toUpperCase() as "F" | "I" | "U"];
    const count = Number(counts[i]);
    const ok = kind && [1, 2, 4, 8].includes(size) && !(kind === "f" && size < 4) &&
      Number.isSafeInteger(count) && count >= 1 && count <= 4096;
    if (!ok) {
      throw invalid(
        `${source}: bad PCD field ${quote(names[i])} (SIZE ${quote(sizes[i])} TYPE ${
          quote(types[i])
        } COUNT ${quote(counts[i])})`,
      );
    }
    fields.push({ name: names[i], type: { kind, size: size as 1 | 2 | 4 | 8 }, count, offset });
    offset += size * count;
  }
  const count = (key: string, fallback?: string) => {
    const text = kv.get(key)?.[0] ?? fallback;
    const v = /^\d{1,16}$/.test(text ?? "") ? Number(text) : NaN;
    if (!Number.isSafeInteger(v)) {
      throw invalid(`${source}: bad PCD ${key} value ${quote(text ?? "")}`);
    }
    return v;
  };
  const width = kv.has("WIDTH") || !kv.has("POINTS") ? count("WIDTH") : undefined;
  const height = count("HEIGHT", "1");
  const points = kv.has("POINTS") ? count("POINTS") : width! * height;
  if (!Number.isSafeInteger(points)) throw invalid(`${source}: bad PCD WIDTH×HEIGHT`);
  if (width !== undefined && width * height !== points) {
    throw invalid(
      `${source}: PCD WIDTH×HEIGHT (${width}×${height}) differs from POINTS (${points})`,
    );
  }
  const data = (kv.get("DATA")?.[0] ?? "").toLowerCase();
  return { fields, points, pointStep: offset, data, dataStart };
}

/** Output arrays and the field → slot mapping for one cloud. */
function makeSink(fields: PcdField[], n: number, source: string) {
  const slot = (name: string) => fields.find((f) => f.name === name && f.count === 1);
  const xyz = ["x", "y", "z"].map(slot);
  if (xyz.some((f) => !f)) throw invalid(`${source}: PCD file lacks an x, y or z field`);
  const rgb = fields.find((f) => (f.name === "rgb" || f.name === "rgba") && f.type.size === 4);
  const hasNormal = ["normal_x", "normal_y", "normal_z"].every((nm) => slot(nm));
  return {
    coord: new Float32Array(n * 3),
    color: rgb ? new Uint8Array(n * 3) : undefined,
    normal: hasNormal ? new Float32Array(n * 3) : undefined,
    rgb,
  };
}

type Sink = ReturnType<typeof makeSink>;

function putPacked(sink: Sink, i: number, packed: number): void {
  if (!sink.color) return;
  sink.color[i * 3] = (packed >>> 16) & 255;
  sink.color[i * 3 + 1] = (packed >>> 8) & 255;
  sink.color[i * 3 + 2] = packed & 255;
}

function putValue(sink: Sink, i: number, name: string, v: number): void {
  const s = SLOT[name];
  if (s === undefined) return;
  if (s < 3) sink.coord[i * 3 + s] = v;
  else if (sink.normal) sink.normal[i * 3 + s - 3] = v;
}

/** Reads AoS (binary) or SoA (decompressed binary_compressed) point records. */
function readRecords(
  data: Uint8Array,
  hdr: { fields: PcdField[]; points: number; pointStep: number },
  sink: Sink,
  soa: boolean,
): void {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const n = hdr.points;
  for (const f of hdr.fields) {
    const wanted = SLOT[f.name] !== undefined && f.count === 1;
    const isRgb = f === sink.rgb;
    if (!wanted && !isRgb) continue;
    const t = { ...f.type, le: true };
    for (let i = 0; i < n; i++) {
      const off = soa ? f.offset * n + i * f.type.size * f.count : i * hdr.pointStep + f.offset;
      if (isRgb) putPacked(sink, i, view.getUint32(off, true));
      else putValue(sink, i, f.name, readScalar(view, off, t));
    }
  }
}

/** LZF decompression (liblzf format, as PCL's binary_compressed uses) into exactly `outLen` bytes. */
export function lzfDecompress(src: Uint8Array, outLen: number, source: string): Uint8Array {
  const out = new Uint8Array(outLen);
  let ip = 0, op = 0;
  const bad = () => invalid(`${source}: corrupt LZF data in binary_compressed PCD`);
  while (ip < src.length) {
    const ctrl = src[ip++];
    if (ctrl < 32) {
      const len = ctrl + 1;
      if (ip + len > src.length || op + len > outLen) throw bad();
      out.set(src.subarray(ip, ip + len), op);
      ip += len;
      op += len;
    } else {
      let len = ctrl >> 5;
      if (len === 7) {
        if (ip >= src.length) throw bad();
        len += src[ip++];
      }
      if (ip >= src.length) throw bad();
      const ref = op - ((ctrl & 31) << 8) - src[ip++] - 1;
      len += 2;
      if (ref < 0 || op + len > outLen) throw bad();
      for (let k = 0; k < len; k++) out[op++] = out[ref + k];
    }
  }
  if (op !== outLen) throw bad();
  return out;
}

/**
 * Refuses a POINTS count the body cannot hold, before any allocation:
 * binary needs POINTS × point size bytes, ascii at least two bytes per value
 * (digit and separator), binary_compressed at least 1/100 of the
 * uncompressed size (LZF expands at most about 90×).
 */
function checkBodySize(
  hdr: { fields: PcdField[]; points: number; pointStep: number; data: string },
  body: Uint8Array,
  source: string,
): void {
  const n = hdr.points;
  const perPoint = hdr.fields.reduce((a, f) => a + f.count, 0);
  const need = hdr.data === "binary"
    ? n * hdr.pointStep
    : hdr.data === "ascii"
    ? n * perPoint * 2 - 1
    : hdr.data === "binary_compressed"
    ? (n * hdr.pointStep - 64) / 100 + 8
    : 0;
  if (need > body.length) {
    throw invalid(
      `${source}: PCD data is truncated (POINTS ${n} needs ${
        Math.ceil(need)
      } bytes, have ${body.length})`,
    );
  }
}

/**
 * Decodes a PCD file as a point cloud.
 *
 * @param bytes the `.pcd` bytes
 * @param source what to call the input in error messages
 * @returns a validated cloud: coord Float32Array N×3 (metres in PCL
 *   convention), color Uint8Array N×3 from rgb/rgba, normal Float32Array N×3
 *   from normal_x/y/z
 * @param options `maxPoints`: most points accepted (default `DEFAULT_MAX_POINTS` of limits.ts)
 * @throws GeoError("invalid_argument") on malformed or truncated input, zero points, NaN/Inf;
 *   GeoError("resource_exhausted") when POINTS exceeds maxPoints
 */
export function decodePcd(bytes: Uint8Array, source: string, options?: DecodeOptions): PointCloud {
  const maxPoints = pointLimit(options);
  const hdr = parseHeader(bytes, source);
  const n = hdr.points;
  if (n === 0) throw invalid(`${source}: the point cloud has zero points`);
  const body = bytes.subarray(hdr.dataStart);
  checkBodySize(hdr, body, source);
  checkPoints(n, maxPoints, source, "POINTS");
  const truncated = (what: string) => invalid(`${source}: PCD data is truncated (${what})`);
  let sink: Sink;
  if (hdr.data === "binary") {
    if (n * hdr.pointStep > body.length) {
      throw truncated(
        `${n} points of ${hdr.pointStep} bytes need ${n * hdr.pointStep}, have ${body.length}`,
      );
    }
    sink = makeSink(hdr.fields, n, source);
    readRecords(body, hdr, sink, false);
  } else if (hdr.data === "binary_compressed") {
    if (body.length < 8) throw truncated("no compressed size header");
    const view = new DataView(body.buffer, body.byteOffset, 8);
    const csize = view.getUint32(0, true), usize = view.getUint32(4, true);
    if (8 + csize > body.length) throw truncated(`compressed block of ${csize} bytes`);
    if (usize !== n * hdr.pointStep) {
      throw invalid(`${source}: PCD compressed size ${usize} does not match ${n} points`);
    }
    // LZF expands at most ~100×: refuse sizes no valid stream could produce before allocating.
    if (usize > csize * 100 + 64) throw invalid(`${source}: corrupt binary_compressed PCD sizes`);
    const raw = lzfDecompress(body.subarray(8, 8 + csize), usize, source);
    sink = makeSink(hdr.fields, n, source);
    readRecords(raw, hdr, sink, true);
  } else if (hdr.data === "ascii") {
    sink = decodeAscii(body, hdr, source);
  } else {
    throw invalid(`${source}: unknown PCD DATA kind ${quote(hdr.data)}`);
  }
  return validateCloud({
    count: n,
    coord: sink.coord,
    ...(sink.color ? { color: sink.color } : {}),
    ...(sink.normal ? { normal: sink.normal } : {}),
  }, source);
}

function decodeAscii(
  body: Uint8Array,
  hdr: { fields: PcdField[]; points: number },
  source: string,
): Sink {
  const n = hdr.points;
  const perPoint = hdr.fields.reduce((a, f) => a + f.count, 0);
  if (n * perPoint * 2 - 1 > body.length) {
    throw invalid(`${source}: PCD data is truncated (header declares ${n} points)`);
  }
  const sink = makeSink(hdr.fields, n, source);
  const text = new TextDecoder("latin1").decode(body);
  const re = /\S+/g;
  for (let i = 0; i < n; i++) {
    for (const f of hdr.fields) {
      for (let c = 0; c < f.count; c++) {
        const m = re.exec(text);
        if (!m) {
          throw invalid(`${source}: PCD data is truncated (point ${i} field ${f.name} is missing)`);
        }
        if (c > 0) continue;
        const v = parseNumberToken(m[0]);
        if (v === undefined) {
          throw invalid(`${source}: bad number "${m[0].slice(0, 20)}" in point ${i}`);
        }
        if (f === sink.rgb) putPacked(sink, i, asciiPacked(m[0], v, f.type));
        else if (f.count === 1) putValue(sink, i, f.name, v);
      }
    }
  }
  return sink;
}

/** An ascii rgb token: PCL writes the packed uint32 as an integer; others print the float. */
function asciiPacked(tok: string, v: number, t: ScalarType): number {
  if (t.kind !== "f" || (/^\d+$/.test(tok) && v >= 1 && v < 2 ** 32)) return v >>> 0;
  const f = new Float32Array([v]);
  return new Uint32Array(f.buffer)[0];
}
