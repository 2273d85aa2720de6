/**
 * Draco point clouds and meshes ↔ `PointCloud`, the only adapter of the
 * `draco3d` wasm package (loaded by draco_wasm.ts).
 *
 * Two position layouts are read: one 3-component POSITION attribute
 * (draco_encoder, Open3D, glTF tools) and three single-component attributes,
 * one per `sensor_msgs/PointField`, as ROS 2 point_cloud_transport writes them
 * (POSITION or GENERIC; x/y/z found by the attribute metadata entry `name`,
 * else by order among the single-component POSITION attributes). The wasm
 * decoder module is created once and reused; every Draco object made here is
 * destroyed, and a module that trapped on corrupt input, or whose heap a big
 * request grew past MAX_IDLE_HEAP_BYTES, is dropped and rebuilt on the next
 * call. Before any byte reaches wasm the header is parsed here
 * (draco_header.ts) and its counts bounded by the input size and maxPoints
 * (draco_bounds.ts).
 *
 * @module
 */

import { GeoError, invalid } from "../kernels/errors.ts";
import { type PointCloud, validateCloud } from "../kernels/point_cloud.ts";
import { checkDracoBounds } from "./draco_bounds.ts";
import { encoderHeapBytes } from "./draco_encode.ts";
import { readDracoHeader } from "./draco_header.ts";
import { dracoDecoderModule, type DracoWasm, dropDracoDecoder } from "./draco_wasm.ts";
import { checkPoints, type DecodeOptions, pointLimit } from "./limits.ts";

export { encodeDraco, type EncodeDracoOptions } from "./draco_encode.ts";

type Wasm = DracoWasm;
const getDecoder = dracoDecoderModule;

/** One attribute as found in the decoded geometry. */
interface AttrInfo {
  id: number;
  type: number;
  comps: number;
  dataType: number;
  name: string;
  ptr: Wasm;
}

const SPLIT_NAMES = {
  coord: [["x"], ["y"], ["z"]],
  normal: [["nx", "normal_x"], ["ny", "normal_y"], ["nz", "normal_z"]],
  color: [["r", "red"], ["g", "green"], ["b", "blue"]],
};

/** Copies all points of one attribute out of the wasm heap as float32 or uint8. */
function readAttr(
  m: Wasm,
  ctx: { decoder: Wasm; geom: Wasm; n: number },
  a: AttrInfo,
  asBytes = false,
): Float32Array | Uint8Array {
  const len = ctx.n * a.comps;
  const bytes = asBytes ? len : len * 4;
  if (bytes > 0x7fffffff) throw invalid(`Attribute ${a.id} is too large (${len} values)`);
  const ptr = m._malloc(bytes);
  if (!ptr) throw new GeoError("resource_exhausted", `Cannot allocate ${bytes} bytes for decoding`);
  try {
    const ok = ctx.decoder.GetAttributeDataArrayForAllPoints(
      ctx.geom,
      a.ptr,
      asBytes ? m.DT_UINT8 : m.DT_FLOAT32,
      bytes,
      ptr,
    );
    if (!ok) throw invalid(`Attribute ${a.id} (${a.name || "unnamed"}) could not be read`);
    return asBytes ? m.HEAPU8.slice(ptr, ptr + len) : m.HEAPF32.slice(ptr >> 2, (ptr >> 2) + len);
  } finally {
    m._free(ptr);
  }
}

/** Picks the three single-component attributes for x/y/z (or nx/ny/nz, r/g/b). */
function pickSplit(attrs: AttrInfo[], names: string[][], type: number): AttrInfo[] | null {
  const singles = attrs.filter((a) => a.comps === 1);
  const byName = names.map((alts) => singles.find((a) => alts.includes(a.name)));
  if (byName.every((a) => a)) return byName as AttrInfo[];
  const typed = singles.filter((a) => a.type === type && !a.name);
  return typed.length >= 3 ? typed.slice(0, 3) : null;
}

/** Interleaves three N-long float columns into N×3. */
function interleave(cols: Float32Array[], n: number): Float32Array {
  const out = new Float32Array(n * 3);
  for (let k = 0; k < 3; k++) {
    const c = cols[k];
    for (let i = 0; i < n; i++) out[i * 3 + k] = c[i];
  }
  return out;
}

/** Float colour channels to 0..255: values in [0, 1] are scaled, larger ones clamped. */
function floatToU8(src: Float32Array, n: number, stride: number): Uint8Array {
  let max = 0;
  for (let i = 0; i < src.length; i++) if (src[i] > max) max = src[i];
  const scale = max <= 1 ? 255 : max <= 255 ? 1 : 255 / 65535;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) {
      const v = src[i * stride + k] * scale;
      out[i * 3 + k] = v > 255 ? 255 : v > 0 ? Math.round(v) : 0;
    }
  }
  return out;
}

function readColor(
  m: Wasm,
  ctx: { decoder: Wasm; geom: Wasm; n: number },
  attrs: AttrInfo[],
  split: boolean,
) {
  const n = ctx.n;
  const whole = attrs.find((a) => a.type === m.COLOR && a.comps >= 3);
  if (whole) {
    const isByte = whole.dataType === m.DT_UINT8 || whole.dataType === m.DT_INT8;
    if (!isByte) return floatToU8(readAttr(m, ctx, whole) as Float32Array, n, whole.comps);
    const raw = readAttr(m, ctx, whole, true) as Uint8Array;
    const out = new Uint8Array(n * 3);
    // A 4-byte "rgb"/"rgba" PointField is PCL's packed colour: little-endian bytes B, G, R, A.
    const packed = whole.comps === 4 &&
      (whole.name === "rgb" || whole.name === "rgba" || (split && !whole.name));
    for (let i = 0; i < n; i++) {
      const s = i * whole.comps;
      out[i * 3] = raw[s + (packed ? 2 : 0)];
      out[i * 3 + 1] = raw[s + 1];
      out[i * 3 + 2] = raw[s + (packed ? 0 : 2)];
    }
    return out;
  }
  const channels = pickSplit(attrs, SPLIT_NAMES.color, m.COLOR);
  if (!channels) return undefined;
  const cols = channels.map((a) => readAttr(m, ctx, a) as Float32Array);
  return floatToU8(interleave(cols, n), n, 3);
}

function decodeGeometry(m: Wasm, decoder: Wasm, geom: Wasm, source: string): PointCloud {
  const n: number = geom.num_points();
  if (!(n > 0)) throw invalid(`${source}: the Draco geometry has zero points`);
  const query = new m.MetadataQuerier();
  const attrs: AttrInfo[] = [];
  try {
    const count: number = geom.num_attributes();
    for (let id = 0; id < count; id++) {
      const ptr = decoder.GetAttribute(geom, id);
      if (!ptr || m.getPointer(ptr) === 0) continue;
      let name = "";
      const md = decoder.GetAttributeMetadata(geom, id);
      if (md && m.getPointer(md) !== 0 && query.HasEntry(md, "name")) {
        name = String(query.GetStringEntry(md, "name")).toLowerCase();
      }
      attrs.push({
        id,
        type: ptr.attribute_type(),
        comps: ptr.num_components(),
        dataType: ptr.data_type(),
        name,
        ptr,
      });
    }
  } finally {
    m.destroy(query);
  }
  const ctx = { decoder, geom, n };
  let coord: Float32Array;
  const whole = attrs.find((a) => a.type === m.POSITION && a.comps >= 3);
  const split = whole ? null : pickSplit(attrs, SPLIT_NAMES.coord, m.POSITION);
  if (whole) {
    const raw = readAttr(m, ctx, whole) as Float32Array;
    coord = whole.comps === 3
      ? raw
      : interleave([0, 1, 2].map((k) => pick(raw, k, whole.comps)), n);
  } else if (split) {
    coord = interleave(split.map((a) => readAttr(m, ctx, a) as Float32Array), n);
  } else {
    throw invalid(`${source}: the Draco geometry has no position attribute (x, y, z)`);
  }
  let normal: Float32Array | undefined;
  const wholeN = attrs.find((a) => a.type === m.NORMAL && a.comps === 3);
  if (wholeN) normal = readAttr(m, ctx, wholeN) as Float32Array;
  else {
    const splitN = pickSplit(attrs, SPLIT_NAMES.normal, m.NORMAL);
    if (splitN) normal = interleave(splitN.map((a) => readAttr(m, ctx, a) as Float32Array), n);
  }
  const color = readColor(m, ctx, attrs, split !== null);
  return validateCloud({
    count: n,
    coord,
    ...(color ? { color } : {}),
    ...(normal ? { normal } : {}),
  }, source);
}

function pick(raw: Float32Array, k: number, stride: number): Float32Array {
  const out = new Float32Array(raw.length / stride);
  for (let i = 0; i < out.length; i++) out[i] = raw[i * stride + k];
  return out;
}

/**
 * Decodes a Draco point cloud (or mesh: its points, faces ignored) keeping
 * the decoded point order.
 *
 * The header is read first (no wasm) and its counts bounded by
 * {@link checkDracoBounds}; a header that cannot be bounded is refused
 * rather than handed to the decoder.
 *
 * @param bytes the `.drc` bytes
 * @param source what to call the input in error messages (file name, "request")
 * @param options `maxPoints`: most points accepted (default: `DEFAULT_MAX_POINTS` of limits.ts)
 * @returns a validated cloud: coord Float32Array N×3 (file units, metres by
 *   convention), color Uint8Array N×3 when a COLOR attribute exists, normal
 *   Float32Array N×3 when NORMAL exists
 * @throws GeoError("invalid_argument") on truncated, corrupt, implausible or
 *   empty input; GeoError("resource_exhausted") over maxPoints
 */
export async function decodeDraco(
  bytes: Uint8Array,
  source: string,
  options?: DecodeOptions,
): Promise<PointCloud> {
  const maxPoints = pointLimit(options);
  const header = readDracoHeader(bytes, source);
  checkDracoBounds(header, bytes.length, maxPoints, source);
  const m = await getDecoder();
  let decoder: Wasm = null, buffer: Wasm = null, geom: Wasm = null;
  let trapped = false;
  try {
    decoder = new m.Decoder();
    buffer = new m.DecoderBuffer();
    buffer.Init(new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length), bytes.length);
    let status: Wasm;
    if (header.geometry === "mesh") {
      geom = new m.Mesh();
      status = decoder.DecodeBufferToMesh(buffer, geom);
    } else {
      geom = new m.PointCloud();
      status = decoder.DecodeBufferToPointCloud(buffer, geom);
    }
    if (!status.ok()) {
      throw invalid(`${source}: Draco decoding failed (${status.error_msg() || "corrupt data"})`);
    }
    const n: number = geom.num_points();
    checkPoints(n, maxPoints, source, "the decoded Draco geometry");
    if (n > header.pointBound) {
      throw invalid(
        `${source}: corrupt Draco data (${n} points decoded, header bounds ${header.pointBound})`,
      );
    }
    return decodeGeometry(m, decoder, geom, source);
  } catch (e) {
    if (e instanceof GeoError) throw e;
    // The wasm instance trapped (abort, out-of-bounds): its state cannot be trusted any more.
    trapped = true;
    dropDracoDecoder();
    throw new GeoError("invalid_argument", `${source}: corrupt Draco data (the decoder aborted)`, {
      cause: e,
    });
  } finally {
    if (!trapped) {
      for (const o of [geom, buffer, decoder]) if (o) m.destroy(o);
      // wasm memory never shrinks: drop a module one big request grew, so it does not stay pinned.
      if (m.HEAPU8.length > MAX_IDLE_HEAP_BYTES) dropDracoDecoder();
    }
  }
}

/**
 * Decoder wasm heap size (bytes) above which the module is dropped after a
 * decode and re-created on the next call: 512 MiB. A 1M-point cloud with
 * position, colour and normals decodes in well under 200 MiB.
 */
export const MAX_IDLE_HEAP_BYTES = 512 * 1024 * 1024;

/**
 * Sizes in bytes of the decoder's and encoder's wasm heaps (creating the
 * modules if needed): a heap that keeps growing over repeated calls means
 * leaked Draco objects.
 */
export async function dracoHeapBytes(): Promise<{ decoder: number; encoder: number }> {
  const [d, e] = await Promise.all([getDecoder(), encoderHeapBytes()]);
  return { decoder: d.HEAPU8.length, encoder: e };
}
