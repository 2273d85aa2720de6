/**
 * One entry point from bytes or a file to a validated `PointCloud`, picking
 * the decoder by file extension and falling back to the magic bytes.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { GeoError, invalid } from "../kernels/errors.ts";
import { type PointCloud, validateCloud } from "../kernels/point_cloud.ts";
import { decodeDraco } from "./draco.ts";
import { checkPoints, type DecodeOptions, pointLimit } from "./limits.ts";
import { cloudFromNpy, decodeNpy, type NpyArray } from "./npy.ts";
import { decodePcd } from "./pcd.ts";
import { decodePly } from "./ply.ts";

/** Point-cloud file formats understood by {@link decodeCloud}. */
export type CloudFormat = "draco" | "ply" | "pcd" | "npy";

const EXTENSIONS: Record<string, CloudFormat> = {
  drc: "draco",
  draco: "draco",
  ply: "ply",
  pcd: "pcd",
  npy: "npy",
};

function startsWith(bytes: Uint8Array, prefix: string): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix.charCodeAt(i)) return false;
  return true;
}

/**
 * The format of a file: by its name's extension when known, else by its
 * first bytes ("DRACO", "ply", "# .PCD"/"VERSION", "\x93NUMPY").
 *
 * @param bytes the file contents
 * @param name the file name or path (only its extension is used)
 * @throws GeoError("invalid_argument") when neither identifies a format
 */
export function detectFormat(bytes: Uint8Array, name: string): CloudFormat {
  const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase();
  if (ext && EXTENSIONS[ext]) return EXTENSIONS[ext];
  if (startsWith(bytes, "DRACO")) return "draco";
  if (startsWith(bytes, "ply")) return "ply";
  if (startsWith(bytes, "# .PCD") || startsWith(bytes, "VERSION")) return "pcd";
  if (startsWith(bytes, "\x93NUMPY")) return "npy";
  throw invalid(`${name}: unknown point-cloud format (expected .drc, .ply, .pcd or .npy)`);
}

/**
 * Decodes a point-cloud file of any supported format. Every decoder bounds
 * the counts its header declares by the bytes present and by `maxPoints`
 * before it loops or allocates, so a hostile file costs at most a small
 * constant times a valid file of its size.
 *
 * @param bytes the file contents
 * @param name the file name (for the format and error messages)
 * @param options `maxPoints`: most points accepted (default `DEFAULT_MAX_POINTS` of limits.ts)
 * @returns a validated cloud (N > 0, N ≤ maxPoints, finite coordinates, N×3 arrays)
 * @throws GeoError("invalid_argument") on unknown, malformed, truncated or
 *   empty input; GeoError("resource_exhausted") when the file declares more
 *   than maxPoints points
 */
export async function decodeCloud(
  bytes: Uint8Array,
  name: string,
  options?: DecodeOptions,
): Promise<PointCloud> {
  const maxPoints = pointLimit(options);
  const opts = { maxPoints };
  let cloud: PointCloud;
  switch (detectFormat(bytes, name)) {
    case "draco":
      cloud = await decodeDraco(bytes, name, opts);
      break;
    case "ply":
      cloud = decodePly(bytes, name, opts);
      break;
    case "pcd":
      cloud = decodePcd(bytes, name, opts);
      break;
    case "npy":
      cloud = cloudFromNpy(decodeNpy(bytes, name, opts), {}, name);
      break;
  }
  checkPoints(cloud.count, maxPoints, name, "the decoded cloud");
  return validateCloud(cloud, name);
}

async function readOptional(path: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(path);
  } catch {
    return undefined;
  }
}

/**
 * Reads and decodes a point-cloud file. For a Pointcept scene's `coord.npy`,
 * `color.npy` and `normal.npy` beside it are attached when present.
 *
 * @param path file path
 * @param options `maxPoints`: most points accepted (see {@link decodeCloud})
 * @returns the validated cloud and, for .npy input, the coord array's dtype and shape
 * @throws GeoError("not_found") when the file cannot be read, "invalid_argument" when it cannot
 *   be decoded, "resource_exhausted" over maxPoints
 */
export async function readCloudFile(
  path: string,
  options?: DecodeOptions,
): Promise<PointCloud & { npy?: Pick<NpyArray, "dtype" | "shape"> }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const why = (e as { code?: string }).code ?? String(e);
    throw new GeoError("not_found", `${path}: cannot read the file (${why})`, { cause: e });
  }
  if (detectFormat(bytes, path) !== "npy") return await decodeCloud(bytes, path, options);
  const coord = decodeNpy(bytes, path, options);
  const extras: { color?: NpyArray; normal?: NpyArray } = {};
  if (basename(path) === "coord.npy") {
    for (const key of ["color", "normal"] as const) {
      const b = await readOptional(join(dirname(path), `${key}.npy`));
      if (b) extras[key] = decodeNpy(b, join(dirname(path), `${key}.npy`), options);
    }
  }
  return { ...cloudFromNpy(coord, extras, path), npy: { dtype: coord.dtype, shape: coord.shape } };
}
