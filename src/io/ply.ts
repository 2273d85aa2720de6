/**
 * PLY (Stanford polygon file) ↔ `PointCloud`: ascii, binary_little_endian
 * and binary_big_endian. Only the `vertex` element is read (x y z, colour,
 * normals); other properties and elements (faces, with their list
 * properties) are skipped.
 *
 * @module
 */

import { invalid, quote } from "../kernels/errors.ts";
import { type PointCloud, validateCloud } from "../kernels/point_cloud.ts";
import { checkPoints, type DecodeOptions, pointLimit } from "./limits.ts";
import { channelToU8, parseNumberToken, readScalar, type ScalarType } from "./scalar.ts";

const PLY_TYPES: Record<string, ScalarType> = {
  char: { kind: "i", size: 1 },
  int8: { kind: "i", size: 1 },
  uchar: { kind: "u", size: 1 },
  uint8: { kind: "u", size: 1 },
  short: { kind: "i", size: 2 },
  int16: { kind: "i", size: 2 },
  ushort: { kind: "u", size: 2 },
  uint16: { kind: "u", size: 2 },
  int: { kind: "i", size: 4 },
  int32: { kind: "i", size: 4 },
  uint: { kind: "u", size: 4 },
  uint32: { kind: "u", size: 4 },
  float: { kind: "f", size: 4 },
  float32: { kind: "f", size: 4 },
  double: { kind: "f", size: 8 },
  float64: { kind: "f", size: 8 },
};

interface PlyProperty {
  name: string;
  type: ScalarType;
  /** Type of the list length, for list properties. */
  countType?: ScalarType;
}

interface PlyElement {
  name: string;
  count: number;
  props: PlyProperty[];
}

/** Which vertex property feeds which output slot: coord 0..2, colour 3..5, normal 6..8. */
const SLOTS: Record<string, number> = {
  x: 0,
  y: 1,
  z: 2,
  red: 3,
  r: 3,
  diffuse_red: 3,
  green: 4,
  g: 4,
  diffuse_green: 4,
  blue: 5,
  b: 5,
  diffuse_blue: 5,
  nx: 6,
  normal_x: 6,
  ny: 7,
  normal_y: 7,
  nz: 8,
  normal_z: 8,
};

const MAX_HEADER = 1 << 20;

const END_HEADER = [..."end_header"].map((c) => c.charCodeAt(0));

/** Byte offset just past the end_header line; scans only the header's bytes. */
function findHeaderEnd(bytes: Uint8Array, source: string): number {
  const limit = Math.min(bytes.length, MAX_HEADER);
  for (let i = bytes.indexOf(0x65); i >= 0 && i < limit; i = bytes.indexOf(0x65, i + 1)) {
    if (!END_HEADER.every((c, k) => bytes[i + k] === c)) continue;
    let j = i + END_HEADER.length;
    while (bytes[j] === 0x20 || bytes[j] === 0x09) j++;
    if (bytes[j] === 0x0d) j++;
    if (bytes[j] === 0x0a) return j + 1;
  }
  throw invalid(`${source}: PLY header has no end_header line (truncated or not a PLY file)`);
}

function parseHeader(text: string, source: string) {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  if (lines[0] !== "ply") throw invalid(`${source}: not a PLY file (first line is not "ply")`);
  let format = "";
  const elements: PlyElement[] = [];
  for (const line of lines.slice(1)) {
    const w = line.split(/\s+/);
    if (w[0] === "format") {
      format = w[1];
      if (!["ascii", "binary_little_endian", "binary_big_endian"].includes(format)) {
        throw invalid(`${source}: unknown PLY format ${quote(format)}`);
      }
    } else if (w[0] === "element") {
      const count = Number(w[2]);
      if (w.length < 3 || !Number.isSafeInteger(count) || count < 0) {
        throw invalid(`${source}: bad PLY element line ${quote(line)}`);
      }
      elements.push({ name: w[1], count, props: [] });
    } else if (w[0] === "property") {
      const el = elements.at(-1);
      if (!el) throw invalid(`${source}: PLY property before any element: ${quote(line)}`);
      const isList = w[1] === "list";
      const type = PLY_TYPES[isList ? w[3] : w[1]];
      const countType = isList ? PLY_TYPES[w[2]] : undefined;
      const name = isList ? w[4] : w[2];
      if (!type || (isList && (!countType || countType.kind === "f")) || !name) {
        throw invalid(`${source}: bad PLY property line ${quote(line)}`);
      }
      el.props.push({ name, type, ...(countType ? { countType } : {}) });
    } else if (!["comment", "obj_info", "end_header"].includes(w[0])) {
      throw invalid(`${source}: unknown PLY header line ${quote(line)}`);
    }
  }
  if (!format) throw invalid(`${source}: PLY header has no format line`);
  return { format, elements };
}

/** Per-vertex sink: fills coord/colour/normal arrays from property values. */
class VertexSink {
  readonly coord: Float32Array;
  readonly color?: Uint8Array;
  readonly normal?: Float32Array;
  readonly slots: number[];
  constructor(readonly el: PlyElement, source: string) {
    this.slots = el.props.map((p) => (p.countType ? -1 : SLOTS[p.name.toLowerCase()] ?? -1));
    const has = (s: number) => this.slots.includes(s);
    if (!has(0) || !has(1) || !has(2)) {
      throw invalid(`${source}: PLY vertex element lacks an x, y or z property`);
    }
    const n = el.count;
    this.coord = new Float32Array(n * 3);
    if (has(3) && has(4) && has(5)) this.color = new Uint8Array(n * 3);
    if (has(6) && has(7) && has(8)) this.normal = new Float32Array(n * 3);
  }
  put(i: number, p: number, v: number): void {
    const s = this.slots[p];
    if (s < 0) return;
    if (s < 3) this.coord[i * 3 + s] = v;
    else if (s < 6) {
      if (this.color) this.color[i * 3 + s - 3] = channelToU8(v, this.el.props[p].type);
    } else if (this.normal) this.normal[i * 3 + s - 6] = v;
  }
}

function decodeBinary(
  bytes: Uint8Array,
  start: number,
  hdr: { elements: PlyElement[]; le: boolean },
  source: string,
): VertexSink {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = start;
  const need = (k: number, what: string) => {
    if (off + k > bytes.length) {
      throw invalid(`${source}: PLY data is truncated (${what} runs past the end of the file)`);
    }
  };
  for (const el of hdr.elements) {
    const fixed = el.props.every((p) => !p.countType);
    // Smallest possible row (lists empty); checkCounts bounded count × stride by the bytes.
    const stride = el.props.reduce((a, p) => a + (p.countType ?? p.type).size, 0);
    need(el.count * stride, `${el.count} ${el.name} elements`);
    const sink = el.name === "vertex" ? new VertexSink(el, source) : null;
    if (fixed && !sink) {
      off += el.count * stride;
      continue;
    }
    const types = el.props.map((p) => ({ ...p.type, le: hdr.le }));
    for (let i = 0; i < el.count; i++) {
      for (let p = 0; p < el.props.length; p++) {
        const prop = el.props[p];
        if (prop.countType) {
          need(prop.countType.size, `${el.name} ${i}`);
          const len = readScalar(view, off, { ...prop.countType, le: hdr.le });
          off += prop.countType.size;
          if (!(len >= 0)) throw invalid(`${source}: negative list length in ${el.name} ${i}`);
          need(len * prop.type.size, `${el.name} ${i}`);
          off += len * prop.type.size;
        } else {
          need(prop.type.size, `${el.name} ${i}`);
          if (sink) sink.put(i, p, readScalar(view, off, types[p]));
          off += prop.type.size;
        }
      }
    }
    if (sink) return sink;
  }
  throw invalid(`${source}: PLY file has no vertex element`);
}

function decodeAscii(
  bytes: Uint8Array,
  start: number,
  elements: PlyElement[],
  source: string,
): VertexSink {
  const body = new TextDecoder("latin1").decode(bytes.subarray(start));
  const re = /\S+/g;
  const next = (what: string): number => {
    const m = re.exec(body);
    if (!m) throw invalid(`${source}: PLY data is truncated (${what} is missing)`);
    const v = parseNumberToken(m[0]);
    if (v === undefined) throw invalid(`${source}: bad number "${m[0].slice(0, 20)}" in ${what}`);
    return v;
  };
  for (const el of elements) {
    const sink = el.name === "vertex" ? new VertexSink(el, source) : null;
    for (let i = 0; i < el.count; i++) {
      for (let p = 0; p < el.props.length; p++) {
        const prop = el.props[p];
        const what = `${el.name} ${i} property ${prop.name}`;
        if (prop.countType) {
          const len = next(what);
          if (!Number.isInteger(len) || len < 0) {
            throw invalid(`${source}: bad list length in ${what}`);
          }
          for (let k = 0; k < len; k++) next(what);
        } else {
          const v = next(what);
          if (sink) sink.put(i, p, v);
        }
      }
    }
    if (sink) return sink;
  }
  throw invalid(`${source}: PLY file has no vertex element`);
}

/**
 * Refuses element counts the body cannot hold, before any loop or
 * allocation: in ascii every row takes at least one byte (a newline, even
 * with no properties) and every value at least two (digit and separator);
 * in binary a row takes at least its fixed sizes (lists empty), and a row of
 * zero bytes (no properties) is allowed at most once per body byte, as in
 * ascii. Sums over all elements, so the cost of reading is linear in the
 * file size whatever the header declares.
 */
function checkCounts(elements: PlyElement[], ascii: boolean, body: number, source: string) {
  let need = 0;
  for (const el of elements) {
    const row = ascii
      ? Math.max(1, 2 * el.props.length)
      : el.props.reduce((a, p) => a + (p.countType ?? p.type).size, 0);
    // One byte allowed per binary row of no bytes: a zero-size row of huge count is refused.
    need += el.count * Math.max(row, 1);
    // ascii: the last value may lack its trailing separator.
    if (need > body + (ascii ? 1 : 0)) {
      throw invalid(
        `${source}: PLY data is truncated (element ${
          quote(el.name)
        } declares ${el.count} rows, the ${body}-byte body cannot hold them)`,
      );
    }
  }
}

/**
 * Decodes a PLY file's vertices as a point cloud.
 *
 * @param bytes the `.ply` bytes
 * @param source what to call the input in error messages
 * @returns a validated cloud: coord Float32Array N×3 (file units), color
 *   Uint8Array N×3 when red/green/blue exist, normal Float32Array N×3 when
 *   nx/ny/nz exist
 * @param options `maxPoints`: most vertices accepted (default `DEFAULT_MAX_POINTS` of limits.ts)
 * @throws GeoError("invalid_argument") on malformed or truncated input, zero vertices, NaN/Inf;
 *   GeoError("resource_exhausted") when the vertex count exceeds maxPoints
 */
export function decodePly(bytes: Uint8Array, source: string, options?: DecodeOptions): PointCloud {
  const maxPoints = pointLimit(options);
  const start = findHeaderEnd(bytes, source);
  const hdr = parseHeader(new TextDecoder("latin1").decode(bytes.subarray(0, start)), source);
  const vertex = hdr.elements.find((e) => e.name === "vertex");
  if (!vertex) throw invalid(`${source}: PLY file has no vertex element`);
  if (vertex.count === 0) throw invalid(`${source}: the point cloud has zero points`);
  checkCounts(hdr.elements, hdr.format === "ascii", bytes.length - start, source);
  checkPoints(vertex.count, maxPoints, source, "element vertex");
  const sink = hdr.format === "ascii"
    ? decodeAscii(bytes, start, hdr.elements, source)
    : decodeBinary(bytes, start, {
      elements: hdr.elements,
      le: hdr.format === "binary_little_endian",
    }, source);
  return validateCloud({
    count: vertex.count,
    coord: sink.coord,
    ...(sink.color ? { color: sink.color } : {}),
    ...(sink.normal ? { normal: sink.normal } : {}),
  }, source);
}

/** Options of {@link encodePly}. */
export interface EncodePlyOptions {
  /** Output encoding (default "binary_little_endian"). */
  format?: "ascii" | "binary_little_endian";
  /** Extra per-vertex float properties, each Float32Array of length N, written after the rest. */
  scalars?: Record<string, Float32Array>;
}

/**
 * Writes a cloud as a PLY file with one `vertex` element: float x y z, then
 * float nx ny nz and uchar red green blue when present, then `scalars`.
 *
 * @param cloud the cloud (coord N×3 metres, optional color and normal)
 * @param options format and extra scalar properties
 * @returns the `.ply` bytes
 */
export function encodePly(cloud: PointCloud, options: EncodePlyOptions = {}): Uint8Array {
  validateCloud(cloud, "cloud to write");
  const n = cloud.count;
  const format = options.format ?? "binary_little_endian";
  const scalars = Object.entries(options.scalars ?? {});
  for (const [name, arr] of scalars) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw invalid(`Bad PLY property name "${name}"`);
    if (arr.length !== n) {
      throw invalid(`Scalar "${name}" has ${arr.length} values for ${n} points`);
    }
  }
  type Col = { name: string; type: "float" | "uchar"; get: (i: number) => number };
  const cols: Col[] = [];
  const f3 = (a: Float32Array, k: number) => (i: number) => a[i * 3 + k];
  ["x", "y", "z"].forEach((name, k) => cols.push({ name, type: "float", get: f3(cloud.coord, k) }));
  const normal = cloud.normal, color = cloud.color;
  if (normal) {
    ["nx", "ny", "nz"].forEach((name, k) => cols.push({ name, type: "float", get: f3(normal, k) }));
  }
  if (color) {
    ["red", "green", "blue"].forEach((name, k) =>
      cols.push({ name, type: "uchar", get: (i) => color[i * 3 + k] })
    );
  }
  for (const [name, arr] of scalars) cols.push({ name, type: "float", get: (i) => arr[i] });
  const header = [
    "ply",
    `format ${format} 1.0`,
    `element vertex ${n}`,
    ...cols.map((c) => `property ${c.type} ${c.name}`),
    "end_header",
    "",
  ].join("\n");
  const head = new TextEncoder().encode(header);
  if (format === "ascii") {
    const rows: string[] = new Array(n);
    for (let i = 0; i < n; i++) rows[i] = cols.map((c) => c.get(i)).join(" ");
    const body = new TextEncoder().encode(rows.join("\n") + "\n");
    const out = new Uint8Array(head.length + body.length);
    out.set(head);
    out.set(body, head.length);
    return out;
  }
  const stride = cols.reduce((a, c) => a + (c.type === "float" ? 4 : 1), 0);
  const out = new Uint8Array(head.length + n * stride);
  out.set(head);
  const view = new DataView(out.buffer);
  let off = head.length;
  for (let i = 0; i < n; i++) {
    for (const c of cols) {
      if (c.type === "float") {
        view.setFloat32(off, c.get(i), true);
        off += 4;
      } else out[off++] = c.get(i);
    }
  }
  return out;
}
