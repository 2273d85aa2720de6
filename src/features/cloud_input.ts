/**
 * Wire clouds (`CloudInput`: Draco bytes, raw arrays, a cloud file or a ROS PointCloud2) →
 * `PointCloud`.
 *
 * @module
 */

import { GeoError, invalid } from "../kernels/errors.ts";
import { type PointCloud, validateCloud } from "../kernels/point_cloud.ts";
import { decodeDraco } from "../io/draco.ts";
import { decodeCloud } from "../io/read_cloud.ts";
import { bytesToFloat32 } from "../io/typed_bytes.ts";
import {
  checkPointCloud2,
  type DecodedCloud,
  decodePointCloud2,
  type PointCloud2Input,
} from "../io/pointcloud2.ts";

export type { DecodedCloud, PointCloud2Input };

/** A cloud as it arrived on the wire; decoding it (off the main thread) is the pipeline's job. */
export type CloudInput =
  | {
    /** Draco point cloud or mesh bytes. */
    readonly kind: "draco";
    readonly bytes: Uint8Array;
  }
  | {
    /** Raw arrays: xyz float32 LE N×3, rgb uint8 N×3 (optional), normal float32 LE N×3 (optional). */
    readonly kind: "raw";
    readonly xyz: Uint8Array;
    readonly rgb?: Uint8Array;
    readonly normal?: Uint8Array;
  }
  | {
    /** A point-cloud file (PLY, PCD, NPY or Draco); format from `name`'s extension, else magic bytes. */
    readonly kind: "file";
    readonly bytes: Uint8Array;
    /** File name, only its extension is used. */
    readonly name: string;
  }
  | {
    /**
     * A ROS sensor_msgs/PointCloud2 body: points with a non-finite x, y or z are left out
     * of the decoded cloud and their places kept (see `io/pointcloud2.ts`).
     */
    readonly kind: "ros";
    readonly message: PointCloud2Input;
  };

/** A PointCloud2 body as the wire names it (snake_case; unset fields absent or null). */
export interface RosCloudFields {
  readonly height?: number | null;
  readonly width?: number | null;
  readonly fields?:
    | readonly {
      name?: string | null;
      offset?: number | null;
      datatype?: number | null;
      count?: number | null;
    }[]
    | null;
  readonly is_bigendian?: boolean | null;
  readonly point_step?: number | null;
  readonly row_step?: number | null;
  readonly data?: Uint8Array | null;
  readonly is_dense?: boolean | null;
}

/**
 * The `ros` CloudInput of a wire PointCloud2 (unset numbers read as 0, unset data as
 * empty), checked without reading a point (cost: its fields): sizes, fields and the
 * point limit, as `checkPointCloud2` words them (resource_exhausted over `maxPoints`,
 * invalid_argument otherwise).
 */
export function rosCloudInput(r: RosCloudFields, source: string, maxPoints: number): CloudInput {
  const message: PointCloud2Input = {
    height: r.height ?? 0,
    width: r.width ?? 0,
    fields: (r.fields ?? []).map((f) => ({
      name: f.name ?? "",
      offset: f.offset ?? 0,
      datatype: f.datatype ?? 0,
      count: f.count ?? 0,
    })),
    isBigendian: Boolean(r.is_bigendian),
    pointStep: r.point_step ?? 0,
    rowStep: r.row_step ?? 0,
    data: r.data ?? new Uint8Array(0),
    isDense: Boolean(r.is_dense),
  };
  checkPointCloud2(message, source, maxPoints);
  return { kind: "ros", message };
}

/** Raw point arrays as bytes: xyz float32 LE N×3, rgb uint8 N×3, normal float32 LE N×3. */
export interface RawPointBytes {
  /** float32 LE N×3, metres. */
  readonly xyz: Uint8Array;
  /** uint8 N×3; absent or empty = no colour. */
  readonly rgb?: Uint8Array;
  /** float32 LE N×3; absent or empty = no normals. */
  readonly normal?: Uint8Array;
}

/**
 * Number of points in raw xyz bytes: `xyz.byteLength / 12`. Throws
 * invalid_argument naming `source` when the length is not a multiple of 12.
 */
export function rawPointCount(xyz: Uint8Array, source: string): number {
  if (xyz.byteLength % 12 !== 0) {
    throw invalid(
      `${source}: raw.xyz has ${xyz.byteLength} bytes, not a multiple of 12 (float32 x, y, z per point)`,
    );
  }
  return xyz.byteLength / 12;
}

/**
 * Checks raw arrays and copies them into a `PointCloud`: xyz length a
 * multiple of 12 and N > 0, rgb exactly 3N bytes, normal exactly 12N bytes,
 * finite coordinates. Throws invalid_argument naming `source` and the field.
 */
export function rawPointsToCloud(raw: RawPointBytes, source: string): PointCloud {
  const n = rawPointCount(raw.xyz, source);
  if (n === 0) throw invalid(`${source}: the point cloud has zero points`);
  let color: Uint8Array | undefined;
  if (raw.rgb && raw.rgb.byteLength > 0) {
    checkPerPoint(raw.rgb, 3, n, `${source}: raw.rgb`);
    color = raw.rgb.slice();
  }
  let normal: Float32Array | undefined;
  if (raw.normal && raw.normal.byteLength > 0) {
    checkPerPoint(raw.normal, 12, n, `${source}: raw.normal`);
    normal = bytesToFloat32(raw.normal, `${source}: raw.normal`);
  }
  const coord = bytesToFloat32(raw.xyz, `${source}: raw.xyz`);
  return validateCloud({ count: n, coord, color, normal }, source);
}

/**
 * Decodes a wire cloud of any kind and enforces `maxPoints` (resource_exhausted beyond
 * it, checked before decoding wherever the input declares its size). A PointCloud2 may
 * lose points with non-finite coordinates: then `kept` lists the input index of every
 * decoded point, and the cloud may even be empty (every point dropped). Other kinds
 * keep every point (`total` = `cloud.count`, no `kept`). Errors name `source`.
 */
export async function decodeCloudInputKeeping(
  input: CloudInput,
  source: string,
  maxPoints: number,
): Promise<DecodedCloud> {
  if (input.kind === "ros") return decodePointCloud2(input.message, source, maxPoints);
  let cloud: PointCloud;
  if (input.kind === "raw") {
    const n = rawPointCount(input.xyz, source);
    checkPointLimit(n, maxPoints, source);
    cloud = rawPointsToCloud(input, source);
  } else if (input.kind === "file") {
    if (input.bytes.byteLength === 0) throw invalid(`${source}: the cloud file is empty`);
    cloud = await decodeCloud(input.bytes, input.name, { maxPoints });
  } else {
    if (input.bytes.byteLength === 0) throw invalid(`${source}: the Draco buffer is empty`);
    cloud = await decodeDraco(input.bytes, source, { maxPoints });
  }
  checkPointLimit(cloud.count, maxPoints, source);
  return { cloud, total: cloud.count };
}

/**
 * Decodes a wire cloud like {@link decodeCloudInputKeeping} for callers that need every
 * point: throws invalid_argument naming `source` when a PointCloud2 has points with a
 * non-finite x, y or z.
 */
export async function decodeCloudInput(
  input: CloudInput,
  source: string,
  maxPoints: number,
): Promise<PointCloud> {
  const { cloud, total, kept } = await decodeCloudInputKeeping(input, source, maxPoints);
  if (kept) {
    throw invalid(
      `${source}: ${total - cloud.count} of ${total} points have a non-finite x, y or z, ` +
        "and this call needs every point finite",
    );
  }
  return cloud;
}

/** Throws resource_exhausted when `n` exceeds `maxPoints`. */
export function checkPointLimit(n: number, maxPoints: number, source: string): void {
  if (n > maxPoints) {
    throw new GeoError(
      "resource_exhausted",
      `${source}: ${n} points is over this server's limit of ${maxPoints} points per request`,
    );
  }
}

/** Throws invalid_argument unless `bytes` holds exactly `per` bytes for each of `n` points. */
function checkPerPoint(bytes: Uint8Array, per: number, n: number, what: string): void {
  if (bytes.byteLength !== per * n) {
    throw invalid(
      `${what} has ${bytes.byteLength} bytes, expected ${
        per * n
      } (${per} per point for ${n} points)`,
    );
  }
}
