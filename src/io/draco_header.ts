/**
 * Reading a Draco bitstream's header without the wasm decoder, to bound the
 * points, vertices and faces the decoder would allocate before handing it
 * any bytes.
 *
 * Layout (every bitstream version the draco3d 1.5 decoder accepts: 1.x, and
 * 2.0–2.3 point clouds / 2.0–2.2 meshes): "DRACO", u8 major, u8 minor,
 * u8 geometry (0 point cloud, 1 mesh), u8 method, u16 LE flags; geometry
 * metadata from 1.3 when flags bit 15 is set; then per method:
 * - point cloud, sequential (0) or kd-tree (1): int32 LE point count, u8
 *   number of attribute decoders, each with its attribute count (u32 before
 *   2.0, varint after) and per attribute u8 type, u8 data type, u8
 *   components, u8 normalized, unique id (u16 before 1.3, varint after);
 *   sequential decoders then one u8 decoder type per attribute.
 * - mesh, sequential (0): faces and points (u32 before 2.2, varint after).
 * - mesh, edgebreaker (1): u8 traversal, [new vertices before 2.2], encoded
 *   vertices, faces, u8 attribute data count, symbols, split symbols
 *   (u32 before 2.0, varint after).
 * Varints are LEB128 of at most 5 bytes, taken modulo 2^32 as Draco does.
 *
 * @module
 */

import { invalid } from "../kernels/errors.ts";

/** What a Draco header declares, read without decoding. */
export interface DracoHeader {
  /** Bitstream version [major, minor]. */
  readonly version: readonly [number, number];
  /** Geometry type. */
  readonly geometry: "point_cloud" | "mesh";
  /** Encoding method. */
  readonly method: "sequential" | "kd_tree" | "edgebreaker";
  /**
   * Points the header declares: the point count of a point cloud or
   * sequential mesh, the encoded vertex count of an edgebreaker mesh.
   */
  readonly points: number;
  /**
   * Upper bound on the points the decoder can create: `points`, or for an
   * edgebreaker mesh with attribute seams 3 × faces (one point per corner).
   */
  readonly pointBound: number;
  /** Faces (0 for a point cloud). */
  readonly faces: number;
  /**
   * Decoded values per point summed over all attributes (components), for
   * point clouds; undefined for meshes, whose attribute descriptors follow
   * the connectivity and are not read here.
   */
  readonly valuesPerPoint?: number;
}

/** Bytes of Draco's DataType ids 1..11 (int8 … float64, bool). */
const DT_SIZE = [0, 1, 1, 2, 2, 4, 4, 8, 8, 4, 8, 1];

/** A cursor over the bytes that throws invalid_argument naming the field it could not read. */
class Reader {
  off = 0;
  constructor(readonly b: Uint8Array, readonly source: string) {}
  need(k: number, field: string): void {
    if (this.off + k > this.b.length) {
      throw invalid(`${this.source}: Draco header is truncated (${field})`);
    }
  }
  u8(field: string): number {
    this.need(1, field);
    return this.b[this.off++];
  }
  u16(field: string): number {
    this.need(2, field);
    const v = this.b[this.off] | (this.b[this.off + 1] << 8);
    this.off += 2;
    return v;
  }
  u32(field: string): number {
    this.need(4, field);
    const b = this.b, o = this.off;
    this.off += 4;
    return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
  }
  /** Unsigned LEB128, at most 5 bytes, modulo 2^32 (Draco's uint32 varint). */
  varint(field: string): number {
    let v = 0;
    for (let i = 0; i < 5; i++) {
      const byte = this.u8(field);
      v += (byte & 0x7f) * 2 ** (7 * i);
      if (!(byte & 0x80)) return v % 2 ** 32;
    }
    throw invalid(`${this.source}: bad Draco varint in ${field}`);
  }
  /** A count field: u32 in bitstreams older than `since`, varint from it on. */
  count(version: number, since: number, field: string): number {
    return version < since ? this.u32(field) : this.varint(field);
  }
  skip(k: number, field: string): void {
    this.need(k, field);
    this.off += k;
  }
}

const V = (major: number, minor: number) => major * 256 + minor;

/** Skips one metadata block (entries, then named sub-blocks, depth first). */
function skipMetadata(r: Reader): void {
  // Draco limits nesting to 1000 levels; an explicit stack keeps JS recursion out of it.
  const depth: number[] = [0];
  while (depth.length > 0) {
    const level = depth.pop()!;
    if (level > 1000) throw invalid(`${r.source}: Draco metadata is nested too deeply`);
    if (level > 0) r.skip(r.u8("metadata name"), "metadata name");
    const entries = r.varint("metadata entries");
    for (let i = 0; i < entries; i++) {
      r.skip(r.u8("metadata entry name"), "metadata entry name");
      const size = r.varint("metadata entry size");
      if (size === 0) throw invalid(`${r.source}: bad Draco metadata entry size`);
      r.skip(size, "metadata entry value");
    }
    const subs = r.varint("metadata sub-blocks");
    if (subs > r.b.length - r.off) throw invalid(`${r.source}: bad Draco metadata sub-block count`);
    for (let i = 0; i < subs; i++) depth.push(level + 1);
  }
}

/** Reads the attribute descriptors of a point cloud; returns the components per point. */
function pointCloudValues(r: Reader, version: number, sequential: boolean): number {
  const decoders = r.u8("attribute decoder count");
  let values = 0;
  for (let d = 0; d < decoders; d++) {
    const n = r.count(version, V(2, 0), "attribute count");
    if (n === 0 || n > 5 * (r.b.length - r.off)) {
      throw invalid(`${r.source}: bad Draco attribute count ${n}`);
    }
    for (let i = 0; i < n; i++) {
      const type = r.u8("attribute type"), dt = r.u8("attribute data type");
      const comps = r.u8("attribute components");
      r.u8("attribute normalized");
      if (type > 8 || !(dt >= 1 && dt < DT_SIZE.length) || comps === 0) {
        throw invalid(`${r.source}: bad Draco attribute descriptor ${i}`);
      }
      if (version < V(1, 3)) r.u16("attribute id");
      else r.varint("attribute id");
      values += comps;
    }
    if (sequential) r.skip(n, "attribute decoder types");
  }
  if (values === 0) throw invalid(`${r.source}: the Draco point cloud has no attributes`);
  return values;
}

/**
 * Parses a Draco header up to its geometry counts (and, for point clouds,
 * the attribute descriptors).
 *
 * @param b the `.drc` bytes
 * @param source what to call the input in error messages
 * @returns the declared counts and a bound on the points the decoder creates
 * @throws GeoError("invalid_argument") for a missing magic, a version or
 *   method the decoder does not accept, a truncated header, or counts Draco
 *   itself would reject (negative points, faces beyond the bytes, symbol
 *   counts inconsistent with faces)
 */
export function readDracoHeader(b: Uint8Array, source: string): DracoHeader {
  const r = new Reader(b, source);
  r.need(5, "magic");
  if (String.fromCharCode(...b.subarray(0, 5)) !== "DRACO") {
    throw invalid(`${source}: not a Draco file (missing "DRACO" header)`);
  }
  r.off = 5;
  const major = r.u8("version"), minor = r.u8("version");
  const type = r.u8("geometry type"), method = r.u8("encoder method");
  const flags = r.u16("flags");
  if (type > 1) throw invalid(`${source}: the Draco header names no known geometry type`);
  const mesh = type === 1;
  if (major < 1 || major > 2 || (major === 2 && minor > (mesh ? 2 : 3))) {
    throw invalid(`${source}: unsupported Draco bitstream version ${major}.${minor}`);
  }
  if (method > 1) throw invalid(`${source}: unknown Draco encoder method ${method}`);
  const version = V(major, minor);
  if (version >= V(1, 3) && (flags & 0x8000)) {
    const atts = r.varint("attribute metadata count");
    for (let i = 0; i < atts; i++) {
      r.varint("attribute metadata id");
      skipMetadata(r);
    }
    skipMetadata(r);
  }
  const base = { version: [major, minor] as const };
  if (!mesh) {
    r.need(4, "point count");
    const points = new DataView(b.buffer, b.byteOffset + r.off, 4).getInt32(0, true);
    r.off += 4;
    if (points < 0) throw invalid(`${source}: Draco point count is negative (${points})`);
    const valuesPerPoint = pointCloudValues(r, version, method === 0);
    const m = method === 0 ? "sequential" : "kd_tree";
    return {
      ...base,
      geometry: "point_cloud",
      method: m,
      points,
      pointBound: points,
      faces: 0,
      valuesPerPoint,
    };
  }
  if (method === 0) {
    const faces = r.count(version, V(2, 2), "face count");
    const points = r.count(version, V(2, 2), "point count");
    if (faces > (b.length - r.off) / 3) {
      throw invalid(`${source}: Draco face count ${faces} does not fit in ${b.length} bytes`);
    }
    return { ...base, geometry: "mesh", method: "sequential", points, pointBound: points, faces };
  }
  const traversal = r.u8("edgebreaker traversal");
  if (traversal > 2) throw invalid(`${source}: unknown Draco edgebreaker traversal ${traversal}`);
  if (version < V(2, 2)) r.count(version, V(2, 0), "new vertex count");
  const vertices = r.count(version, V(2, 0), "vertex count");
  const faces = r.count(version, V(2, 0), "face count");
  const attributeData = r.u8("attribute data count");
  const symbols = r.count(version, V(2, 0), "symbol count");
  const splits = r.count(version, V(2, 0), "split symbol count");
  // The consistency rules the edgebreaker decoder applies before allocating.
  if (
    faces > 0x7fffffff / 3 || vertices > 3 * faces || faces < symbols ||
    faces > symbols + Math.floor(symbols / 3) || splits > symbols
  ) {
    throw invalid(
      `${source}: inconsistent Draco edgebreaker counts (${vertices} vertices, ${faces} faces)`,
    );
  }
  const pointBound = attributeData === 0
    ? vertices + splits
    : Math.max(vertices + splits, 3 * faces);
  return { ...base, geometry: "mesh", method: "edgebreaker", points: vertices, pointBound, faces };
}

/**
 * The point count a Draco header declares (points, or the vertices of a
 * mesh), read without decoding.
 *
 * @param b the `.drc` bytes
 * @returns the declared count, or undefined when the header cannot be read
 */
export function declaredPoints(b: Uint8Array): number | undefined {
  try {
    return readDracoHeader(b, "").points;
  } catch {
    return undefined;
  }
}
