/**
 * Encoding point clouds as Draco with the `draco3d` wasm encoder (the
 * decoder side is draco.ts, which re-exports {@link encodeDraco}).
 *
 * @module
 */

import { GeoError, invalid } from "../kernels/errors.ts";
import { type PointCloud, validateCloud } from "../kernels/point_cloud.ts";
import { dracoEncoderModule } from "./draco_wasm.ts";

const getEncoder = dracoEncoderModule;

/** Size in bytes of the encoder's wasm heap (creating the module if needed). */
export async function encoderHeapBytes(): Promise<number> {
  return (await getEncoder()).HEAPU8.length;
}

/** Options of {@link encodeDraco}. */
export interface EncodeDracoOptions {
  /** Position quantization bits, 1..30; 0 keeps float32 positions. Default 14. */
  quantizationBits?: number;
  /**
   * Encoder speed 0..10 (Draco's speed options, default 5). Below 10 Draco may
   * choose kd-tree encoding, which reorders points; 10 writes sequentially and
   * keeps the order.
   */
  speed?: number;
  /**
   * "position" (default): one 3-component POSITION attribute, 3-byte COLOR,
   * 3-component NORMAL. "xyz-split": the ROS 2 point_cloud_transport layout,
   * one single-component POSITION attribute per field named by metadata
   * (x, y, z, then rgb as PCL packed B,G,R,A bytes, normal_x/y/z).
   */
  layout?: "position" | "xyz-split";
  /**
   * With "xyz-split": write the metadata `name` of each attribute (default
   * true). point_cloud_transport itself writes none and relies on order.
   */
  attributeNames?: boolean;
  /** With "position": write colour as RGBA u8×4 (alpha 255), as glTF tools do (default false). */
  alpha?: boolean;
}

function column(src: Float32Array, k: number, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = src[i * 3 + k];
  return out;
}

/**
 * Encodes a cloud as a Draco point cloud.
 *
 * @param cloud coord Float32Array N×3 (metres), optional color Uint8Array N×3
 *   and normal Float32Array N×3
 * @param options quantization, speed and attribute layout
 * @returns the `.drc` bytes
 */
export async function encodeDraco(
  cloud: PointCloud,
  options: EncodeDracoOptions = {},
): Promise<Uint8Array> {
  validateCloud(cloud, "cloud to encode");
  const { quantizationBits = 14, speed = 5, layout = "position", attributeNames = true } = options;
  if (!Number.isInteger(quantizationBits) || quantizationBits < 0 || quantizationBits > 30) {
    throw invalid(`quantizationBits must be an integer in 0..30, got ${quantizationBits}`);
  }
  if (!Number.isInteger(speed) || speed < 0 || speed > 10) {
    throw invalid(`speed must be an integer in 0..10, got ${speed}`);
  }
  const m = await getEncoder();
  const n = cloud.count;
  const builder = new m.PointCloudBuilder();
  const encoder = new m.Encoder();
  const pc = new m.PointCloud();
  const out = new m.DracoInt8Array();
  const mdb = new m.MetadataBuilder();
  try {
    const named = (id: number, name: string) => {
      if (!attributeNames) return;
      const md = new m.Metadata();
      mdb.AddStringEntry(md, "name", name);
      builder.SetMetadataForAttribute(pc, id, md);
      m.destroy(md);
    };
    if (layout === "xyz-split") {
      ["x", "y", "z"].forEach((name, k) => {
        named(builder.AddFloatAttribute(pc, m.POSITION, n, 1, column(cloud.coord, k, n)), name);
      });
      if (cloud.color) {
        const bgra = new Uint8Array(n * 4);
        for (let i = 0; i < n; i++) {
          bgra[i * 4] = cloud.color[i * 3 + 2];
          bgra[i * 4 + 1] = cloud.color[i * 3 + 1];
          bgra[i * 4 + 2] = cloud.color[i * 3];
        }
        named(builder.AddUInt8Attribute(pc, m.COLOR, n, 4, bgra), "rgb");
      }
      if (cloud.normal) {
        const normal = cloud.normal;
        ["normal_x", "normal_y", "normal_z"].forEach((name, k) => {
          named(builder.AddFloatAttribute(pc, m.NORMAL, n, 1, column(normal, k, n)), name);
        });
      }
    } else {
      builder.AddFloatAttribute(pc, m.POSITION, n, 3, cloud.coord);
      if (cloud.color && options.alpha) {
        const rgba = new Uint8Array(n * 4).fill(255);
        for (let i = 0; i < n * 3; i++) rgba[i + Math.floor(i / 3)] = cloud.color[i];
        builder.AddUInt8Attribute(pc, m.COLOR, n, 4, rgba);
      } else if (cloud.color) builder.AddUInt8Attribute(pc, m.COLOR, n, 3, cloud.color);
      if (cloud.normal) builder.AddFloatAttribute(pc, m.NORMAL, n, 3, cloud.normal);
      if (cloud.normal) encoder.SetAttributeQuantization(m.NORMAL, 10);
    }
    if (quantizationBits > 0) encoder.SetAttributeQuantization(m.POSITION, quantizationBits);
    encoder.SetSpeedOptions(speed, speed);
    if (speed === 10) encoder.SetEncodingMethod(m.POINT_CLOUD_SEQUENTIAL_ENCODING);
    const size: number = encoder.EncodePointCloudToDracoBuffer(pc, false, out);
    if (!(size > 0)) throw new GeoError("internal", "Draco encoding failed");
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = out.GetValue(i);
    return bytes;
  } finally {
    for (const o of [mdb, out, pc, encoder, builder]) m.destroy(o);
  }
}

/**
 * Encodes a triangle mesh as Draco (mostly for tests: the decoders read a
 * mesh's vertices as points).
 *
 * @param coord vertex positions, Float32Array V×3
 * @param faces vertex indices, Uint32Array F×3
 * @param options `method` "edgebreaker" (default) or "sequential";
 *   `quantizationBits` for positions, default 12
 * @returns the `.drc` bytes
 */
export async function encodeDracoMesh(
  coord: Float32Array,
  faces: Uint32Array,
  options: { method?: "sequential" | "edgebreaker"; quantizationBits?: number } = {},
): Promise<Uint8Array> {
  const m = await getEncoder();
  const builder = new m.MeshBuilder(), mesh = new m.Mesh(), encoder = new m.Encoder();
  const out = new m.DracoInt8Array();
  try {
    builder.AddFacesToMesh(mesh, faces.length / 3, faces);
    builder.AddFloatAttributeToMesh(mesh, m.POSITION, coord.length / 3, 3, coord);
    encoder.SetAttributeQuantization(m.POSITION, options.quantizationBits ?? 12);
    encoder.SetEncodingMethod(
      options.method === "sequential" ? m.MESH_SEQUENTIAL_ENCODING : m.MESH_EDGEBREAKER_ENCODING,
    );
    const size: number = encoder.EncodeMeshToDracoBuffer(mesh, out);
    if (!(size > 0)) throw new GeoError("internal", "Draco mesh encoding failed");
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = out.GetValue(i);
    return bytes;
  } finally {
    for (const o of [out, encoder, mesh, builder]) m.destroy(o);
  }
}
