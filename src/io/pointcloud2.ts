/**
 * ROS `sensor_msgs/PointCloud2` bodies → `PointCloud`.
 *
 * x, y, z come from float32 or float64 fields; colour from an `rgb` or `rgba` field
 * (float32 or uint32 whose bits are 0x00RRGGBB, alpha in the top byte ignored, as PCL
 * writes it) or from separate `r`, `g`, `b` uint8 fields; every other field (intensity,
 * ring, time, ...) is ignored. Points are read row by row (row r at byte r·row_step,
 * point c at c·point_step within it), so an organised cloud keeps its row-major order.
 * Points whose x, y or z is not finite (as float32) are left out of the cloud; their
 * places are kept in `DecodedCloud.kept`.
 *
 * @module
 */

import { GeoError, invalid, quote } from "../kernels/errors.ts";
import type { PointCloud } from "../kernels/point_cloud.ts";

/** `sensor_msgs/PointField` datatypes. */
export const POINT_FIELD_TYPES = {
  INT8: 1,
  UINT8: 2,
  INT16: 3,
  UINT16: 4,
  INT32: 5,
  UINT32: 6,
  FLOAT32: 7,
  FLOAT64: 8,
} as const;

/** Bytes of one element of each datatype (index = datatype; 0 = unknown). */
const TYPE_BYTES = [0, 1, 1, 2, 2, 4, 4, 4, 8];
/** Name of each datatype (index = datatype; 0 = unknown). */
const TYPE_NAMES = ["?", ...Object.keys(POINT_FIELD_TYPES)];

/** One `sensor_msgs/PointField`. */
export interface PointField2 {
  /** Field name ("x", "rgb", "intensity", ...). */
  readonly name: string;
  /** Byte offset of the field within a point. */
  readonly offset: number;
  /** Datatype 1..8 (see {@link POINT_FIELD_TYPES}). */
  readonly datatype: number;
  /** Elements in the field (0 is read as 1); only the first is used. */
  readonly count: number;
}

/** A `sensor_msgs/PointCloud2` body (header left out), camelCase. */
export interface PointCloud2Input {
  /** Rows (1 for an unorganised cloud). */
  readonly height: number;
  /** Points per row. */
  readonly width: number;
  /** The fields of one point. */
  readonly fields: readonly PointField2[];
  /** Whether multi-byte values are big-endian. */
  readonly isBigendian: boolean;
  /** Bytes per point. */
  readonly pointStep: number;
  /** Bytes per row (≥ width × pointStep). */
  readonly rowStep: number;
  /** The points, height × rowStep bytes (or more; the rest is ignored). */
  readonly data: Uint8Array;
  /** Whether the publisher says no point is invalid (not trusted: every point is checked). */
  readonly isDense?: boolean;
}

/** A decoded cloud that may have lost points with non-finite coordinates. */
export interface DecodedCloud {
  /**
   * The points with finite x, y, z, in their original order. `count` is 0 (empty arrays)
   * only when every point was dropped, and then `kept` is present and empty.
   */
  readonly cloud: PointCloud;
  /** Points in the input (height × width for a PointCloud2). */
  readonly total: number;
  /**
   * Int32Array `cloud.count`: the index among the `total` input points of each point of
   * `cloud`, ascending. Present only when some points were dropped.
   */
  readonly kept?: Int32Array;
}

/** Where and how each used field is read, from {@link checkPointCloud2}. */
export interface PointCloud2Layout {
  /** Points, height × width. */
  readonly total: number;
  /** x, y, z: byte offset within a point and datatype (FLOAT32 or FLOAT64). */
  readonly xyz: readonly { offset: number; datatype: number }[];
  /** Packed colour (`rgb`/`rgba`, 4 bytes) or r, g, b (uint8) offsets; absent = no colour. */
  readonly color?: { packed: number } | { r: number; g: number; b: number };
}

const found = (fields: readonly PointField2[], name: string) => fields.find((f) => f.name === name);

/** Throws unless `f` is one element of an allowed datatype fitting in a point. */
function checkField(
  f: PointField2,
  allowed: readonly number[],
  pointStep: number,
  source: string,
): void {
  const what = `${source}: ros.fields "${f.name}"`;
  if (!allowed.includes(f.datatype)) {
    throw invalid(
      `${what} has datatype ${f.datatype} (${TYPE_NAMES[f.datatype] ?? "unknown"}); expected ${
        allowed.map((t) => TYPE_NAMES[t]).join(" or ")
      }`,
    );
  }
  if (!Number.isInteger(f.offset) || f.offset < 0) {
    throw invalid(`${what} has offset ${f.offset}, not a byte offset`);
  }
  if (f.offset + TYPE_BYTES[f.datatype] > pointStep) {
    throw invalid(
      `${what} (offset ${f.offset}, ${
        TYPE_BYTES[f.datatype]
      } bytes) does not fit in point_step ${pointStep}`,
    );
  }
}

const count = (v: number, name: string, source: string): number => {
  if (!Number.isInteger(v) || v < 0) throw invalid(`${source}: ros.${name} is ${v}, not a count`);
  return v;
};

/**
 * Checks a PointCloud2 without reading its points (cost: its fields) and returns where
 * the used fields lie. Throws resource_exhausted when height × width exceeds `maxPoints`
 * (checked before anything else but the sizes), invalid_argument for zero points, a
 * point_step of 0, a missing x, y or z field or one not float32/float64, a used field
 * not fitting in point_step, row_step < width × point_step or data shorter than
 * height × row_step. Messages name `source` and the field.
 */
export function checkPointCloud2(
  msg: PointCloud2Input,
  source: string,
  maxPoints: number,
): PointCloud2Layout {
  const height = count(msg.height, "height", source);
  const width = count(msg.width, "width", source);
  const total = height * width;
  if (total === 0) {
    throw invalid(
      `${source}: the point cloud has zero points (ros.height ${height} × width ${width})`,
    );
  }
  if (total > maxPoints) {
    throw new GeoError(
      "resource_exhausted",
      `${source}: ${total} points is over this server's limit of ${maxPoints} points per request`,
    );
  }
  const pointStep = count(msg.pointStep, "point_step", source);
  if (pointStep === 0) throw invalid(`${source}: ros.point_step is 0`);
  const { FLOAT32, FLOAT64, UINT8, INT32, UINT32 } = POINT_FIELD_TYPES;
  const xyz = ["x", "y", "z"].map((name) => {
    const f = found(msg.fields, name);
    if (!f) {
      const names = msg.fields.slice(0, 8).map((g) => quote(g.name, 20)).join(", ") +
        (msg.fields.length > 8 ? `, … (${msg.fields.length} fields)` : "");
      throw invalid(`${source}: ros.fields has no "${name}" field (fields: ${names || "none"})`);
    }
    checkField(f, [FLOAT32, FLOAT64], pointStep, source);
    return { offset: f.offset, datatype: f.datatype };
  });
  let color: PointCloud2Layout["color"];
  const packed = found(msg.fields, "rgb") ?? found(msg.fields, "rgba");
  const [r, g, b] = ["r", "g", "b"].map((n) => found(msg.fields, n));
  if (packed) {
    checkField(packed, [FLOAT32, UINT32, INT32], pointStep, source);
    color = { packed: packed.offset };
  } else if (r && g && b) {
    for (const f of [r, g, b]) checkField(f, [UINT8], pointStep, source);
    color = { r: r.offset, g: g.offset, b: b.offset };
  }
  const rowStep = count(msg.rowStep, "row_step", source);
  if (rowStep < width * pointStep) {
    throw invalid(
      `${source}: ros.row_step ${rowStep} is less than width × point_step = ${width * pointStep}`,
    );
  }
  if (msg.data.byteLength < height * rowStep) {
    throw invalid(
      `${source}: ros.data has ${msg.data.byteLength} bytes, expected height × row_step = ${
        height * rowStep
      }`,
    );
  }
  return { total, xyz, color };
}

/**
 * Decodes a PointCloud2 (see the module doc): checks it with {@link checkPointCloud2},
 * then reads every point in row-major order, leaving out those whose x, y or z is NaN,
 * infinite or beyond float32's range. Positions come back as float32 metres N×3,
 * colour as uint8 N×3 when the cloud has one.
 *
 * @param msg the message body
 * @param source what to call the input in messages ("request")
 * @param maxPoints most points accepted (resource_exhausted beyond)
 */
export function decodePointCloud2(
  msg: PointCloud2Input,
  source: string,
  maxPoints: number,
): DecodedCloud {
  const layout = checkPointCloud2(msg, source, maxPoints);
  const { total, color } = layout;
  const le = !msg.isBigendian;
  const view = new DataView(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength);
  const [readX, readY, readZ] = layout.xyz.map(({ offset, datatype }) =>
    datatype === POINT_FIELD_TYPES.FLOAT64
      ? (p: number) => view.getFloat64(p + offset, le)
      : (p: number) => view.getFloat32(p + offset, le)
  );
  const coord = new Float32Array(3 * total);
  const rgb = color ? new Uint8Array(3 * total) : undefined;
  /** Copies the colour of the point at byte `p` to row `n` of `rgb`. */
  const readColor = !rgb || !color ? undefined : "packed" in color
    ? (p: number, n: number) => {
      const v = view.getUint32(p + color.packed, le);
      rgb[3 * n] = (v >>> 16) & 255;
      rgb[3 * n + 1] = (v >>> 8) & 255;
      rgb[3 * n + 2] = v & 255;
    }
    : (p: number, n: number) => {
      rgb[3 * n] = msg.data[p + color.r];
      rgb[3 * n + 1] = msg.data[p + color.g];
      rgb[3 * n + 2] = msg.data[p + color.b];
    };
  const kept = new Int32Array(total);
  const { width, pointStep, rowStep } = msg;
  const xyz = new Float32Array(3);
  let n = 0;
  for (let row = 0, i = 0; row < msg.height; row++) {
    for (let col = 0, p = row * rowStep; col < width; col++, i++, p += pointStep) {
      xyz[0] = readX(p);
      xyz[1] = readY(p);
      xyz[2] = readZ(p);
      if (!Number.isFinite(xyz[0]) || !Number.isFinite(xyz[1]) || !Number.isFinite(xyz[2])) {
        continue;
      }
      coord[3 * n] = xyz[0];
      coord[3 * n + 1] = xyz[1];
      coord[3 * n + 2] = xyz[2];
      readColor?.(p, n);
      kept[n++] = i;
    }
  }
  if (n === total) return { cloud: { count: n, coord, ...(rgb ? { color: rgb } : {}) }, total };
  const cloud = {
    count: n,
    coord: coord.slice(0, 3 * n),
    ...(rgb ? { color: rgb.slice(0, 3 * n) } : {}),
  };
  return { cloud, total, kept: kept.slice(0, n) };
}
