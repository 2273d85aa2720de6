/**
 * The sequence folder: scans of a moving sensor, each in its own frame with the
 * sensor-to-map pose the sender reported (odometry) and, for synthetic data,
 * the true one.
 *
 * ```
 * DIR/labels.txt          class names, one a line (as a dataset folder)
 * DIR/sequence.json       {"format": "geoguide-sequence", "version": 1, "room": {…} | null,
 *                          "scans": [{"name": "000000", "timestamp": 0, "pose": [16] | null,
 *                                     "pose_true": [16] | null}, …]}
 * DIR/<name>/coord.npy    float32 N×3, metres, sensor frame
 * DIR/<name>/color.npy    uint8 N×3 (optional)
 * DIR/<name>/segment.npy  int16 N, class id, −1 = ignore (optional)
 * DIR/<name>/instance.npy int32 N, object id, −1 = none (optional)
 * ```
 *
 * Poses are 4×4 row-major (translation in elements 3, 7, 11; last row 0 0 0 1)
 * taking sensor-frame points to the map frame; `null` or absent = not known.
 * Timestamps are seconds, non-decreasing. A folder is written aside
 * (`DIR.partial-<uuid>`) and renamed into place whole, so a reader never sees
 * half a sequence and a crash leaves the previous one.
 *
 * @module
 */

import { randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GeoError, invalid } from "../kernels/errors.ts";
import type { PointCloud } from "../kernels/point_cloud.ts";
import { pointVector, readLabels, readOptionalNpy } from "./dataset.ts";
import { cloudFromNpy, encodeNpy } from "./npy.ts";

/** The `format` value of sequence.json. */
export const SEQUENCE_FORMAT = "geoguide-sequence";

/** One scan to write: N points in the sensor frame and its poses. */
export interface SequenceScanData {
  /** Folder name (default: the scan's index, six digits). */
  name?: string;
  /** Seconds (any origin), non-decreasing along the sequence. */
  timestamp: number;
  /** Reported sensor-to-map pose, Float64Array 16 row-major (metres), or null when unknown. */
  pose: Float64Array | null;
  /** True sensor-to-map pose, Float64Array 16 row-major, when known (synthetic data). */
  poseTrue?: Float64Array | null;
  /** Float32Array N×3, metres, sensor frame (x right, y down, z forward for a camera). */
  coord: Float32Array;
  /** Uint8Array N×3 RGB. */
  color?: Uint8Array;
  /** Int16Array N class ids (index into the labels), −1 = ignore. */
  segment?: Int16Array;
  /** Int32Array N object ids, the same object keeping its id in every scan, −1 = none. */
  instance?: Int32Array;
}

/** A whole sequence to write. */
export interface SequenceData {
  /** Class names (labels.txt), L ≥ 1. */
  labels: string[];
  /** Free-form JSON description of the place scanned (sequence.json "room"; default null). */
  room?: unknown;
  /** The scans in time order. */
  scans: Iterable<SequenceScanData>;
}

/** A scan's entry in sequence.json. */
export interface SequenceScanInfo {
  /** Folder name. */
  name: string;
  /** Seconds. */
  timestamp: number;
  /** Reported sensor-to-map pose, Float64Array 16 row-major, or null. */
  pose: Float64Array | null;
  /** True sensor-to-map pose, Float64Array 16 row-major, or null. */
  poseTrue: Float64Array | null;
}

/** A sequence folder opened for reading; scans' points are read on demand. */
export interface SequenceFolder {
  /** The folder. */
  dir: string;
  /** Class names (index = class id). */
  labels: string[];
  /** sequence.json's "room" (null when absent). */
  room: unknown;
  /** The scans in file order. */
  scans: SequenceScanInfo[];
  /**
   * Reads scan i: the cloud (sensor frame, metres; colour when stored) and the
   * per-point class (Int16Array N) and object ids (Int32Array N) when stored.
   */
  load(i: number): Promise<{ cloud: PointCloud; segment?: Int16Array; instance?: Int32Array }>;
}

const NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/**
 * Checks a pose: 16 finite numbers, last row 0 0 0 1, orthonormal rotation (1e-3).
 * Returns it as a Float64Array, or null for null / undefined.
 */
function checkPose(value: unknown, where: string): Float64Array | null {
  if (value === null || value === undefined) return null;
  if (
    !(Array.isArray(value) || value instanceof Float64Array) || value.length !== 16 ||
    !Array.from(value as ArrayLike<unknown>).every((v) => typeof v === "number" && isFinite(v))
  ) {
    throw invalid(`${where} must be 16 finite numbers (4×4 row-major) or null`);
  }
  const m = Float64Array.from(value as ArrayLike<number>);
  if (Math.abs(m[12]) + Math.abs(m[13]) + Math.abs(m[14]) + Math.abs(m[15] - 1) > 1e-6) {
    throw invalid(
      `${where}: the last row must be 0 0 0 1, got ${
        Array.from(m.subarray(12)).join(" ")
      } (row-major: translation in elements 3, 7, 11)`,
    );
  }
  for (let a = 0; a < 3; a++) {
    for (let b = 0; b < 3; b++) {
      const dot = m[a] * m[b] + m[4 + a] * m[4 + b] + m[8 + a] * m[8 + b];
      if (Math.abs(dot - (a === b ? 1 : 0)) > 1e-3) {
        throw invalid(`${where}: the rotation part is not orthonormal`);
      }
    }
  }
  return m;
}

function poseJson(p: Float64Array | null | undefined): number[] | null {
  return p ? Array.from(p) : null;
}

/**
 * Writes a sequence folder scan by scan: into `DIR.partial-<uuid>` beside the target,
 * renamed to `dir` (replacing a previous folder) by {@link SequenceWriter.finish}.
 */
export class SequenceWriter {
  readonly #dir: string;
  readonly #tmp: string;
  readonly #scans: SequenceScanInfo[] = [];
  readonly #names = new Set<string>();

  private constructor(dir: string, tmp: string) {
    this.#dir = dir;
    this.#tmp = tmp;
  }

  /**
   * Starts a sequence folder (creates the parent folder and the partial folder with labels.txt).
   *
   * @param dir the final folder
   * @param labels class names, one line each, L ≥ 1
   */
  static async create(dir: string, labels: string[]): Promise<SequenceWriter> {
    if (labels.length === 0) throw invalid("A sequence needs at least one class name");
    if (labels.some((l) => l.trim() === "" || /[\r\n]/.test(l))) {
      throw invalid("Class names must be non-empty single lines");
    }
    const tmp = `${dir.replace(/[\\/]+$/, "")}.partial-${randomUUID()}`;
    await mkdir(tmp, { recursive: true });
    await writeFile(join(tmp, "labels.txt"), labels.join("\n") + "\n");
    return new SequenceWriter(dir, tmp);
  }

  /** Scans added so far. */
  get count(): number {
    return this.#scans.length;
  }

  /**
   * Writes one scan's folder. Checks the name, the time order, the poses and that every
   * array holds N rows (N ≥ 1).
   *
   * @returns the scan's sequence.json entry
   */
  async add(scan: SequenceScanData): Promise<SequenceScanInfo> {
    const i = this.#scans.length, name = scan.name ?? String(i).padStart(6, "0");
    if (!NAME.test(name) || this.#names.has(name)) {
      throw invalid(`Scan ${i}: bad or repeated name "${name}"`);
    }
    const prev = this.#scans[i - 1]?.timestamp ?? -Infinity;
    if (!Number.isFinite(scan.timestamp) || scan.timestamp < prev) {
      throw invalid(`Scan ${name}: timestamp ${scan.timestamp} is not finite or goes back in time`);
    }
    const n = scan.coord.length / 3;
    if (!(n >= 1) || !Number.isInteger(n)) throw invalid(`Scan ${name}: coord holds no N×3 points`);
    const files: [string, Uint8Array][] = [["coord.npy", encodeNpy(scan.coord, [n, 3])]];
    const add = (
      file: string,
      data: Uint8Array | Int16Array | Int32Array | undefined,
      per: number,
    ) => {
      if (!data) return;
      if (data.length !== n * per) {
        throw invalid(`Scan ${name}: ${file} has ${data.length} values for ${n} points`);
      }
      files.push([file, encodeNpy(data, per === 1 ? [n] : [n, per])]);
    };
    add("color.npy", scan.color, 3);
    add("segment.npy", scan.segment, 1);
    add("instance.npy", scan.instance, 1);
    const info: SequenceScanInfo = {
      name,
      timestamp: scan.timestamp,
      pose: checkPose(scan.pose, `Scan ${name}: pose`),
      poseTrue: checkPose(scan.poseTrue, `Scan ${name}: pose_true`),
    };
    await mkdir(join(this.#tmp, name));
    for (const [file, bytes] of files) await writeFile(join(this.#tmp, name, file), bytes);
    this.#names.add(name);
    this.#scans.push(info);
    return info;
  }

  /**
   * Writes sequence.json (and any extra files, e.g. a picture) and renames the folder
   * into place, replacing a previous folder of that name.
   *
   * @param extra room: JSON description for sequence.json; files: name → bytes beside it
   */
  async finish(extra: { room?: unknown; files?: Record<string, Uint8Array> } = {}): Promise<void> {
    const scans = this.#scans.map((s) =>
      JSON.stringify({
        name: s.name,
        timestamp: s.timestamp,
        pose: poseJson(s.pose),
        pose_true: poseJson(s.poseTrue),
      })
    );
    const head = `{"format": "${SEQUENCE_FORMAT}", "version": 1, "room": ${
      JSON.stringify(extra.room ?? null)
    },\n"scans": [`;
    await writeFile(join(this.#tmp, "sequence.json"), `${head}\n${scans.join(",\n")}\n]}\n`);
    for (const [name, bytes] of Object.entries(extra.files ?? {})) {
      if (!NAME.test(name) || this.#names.has(name)) throw invalid(`Bad extra file name "${name}"`);
      await writeFile(join(this.#tmp, name), bytes);
    }
    const old = `${this.#dir.replace(/[\\/]+$/, "")}.old-${randomUUID()}`;
    let moved = false;
    try {
      await rename(this.#dir, old);
      moved = true;
    } catch (e) {
      if ((e as { code?: string }).code !== "ENOENT") throw e;
    }
    await rename(this.#tmp, this.#dir);
    if (moved) await rm(old, { recursive: true, force: true });
  }

  /** Removes the partial folder (after a failure). */
  async abort(): Promise<void> {
    await rm(this.#tmp, { recursive: true, force: true });
  }
}

/**
 * Writes a whole sequence folder (aside, then renamed into place).
 *
 * @param dir the folder (replaced when it exists)
 * @param sequence labels, room description and scans
 */
export async function writeSequence(dir: string, sequence: SequenceData): Promise<void> {
  const w = await SequenceWriter.create(dir, sequence.labels);
  try {
    for (const scan of sequence.scans) await w.add(scan);
    await w.finish({ room: sequence.room });
  } catch (e) {
    await w.abort();
    throw e;
  }
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") {
      throw new GeoError("not_found", `${path} does not exist`);
    }
    throw e;
  }
}

function scanEntry(s: unknown, i: number, where: string): SequenceScanInfo {
  if (typeof s !== "object" || s === null || Array.isArray(s)) {
    throw invalid(`${where}: scans[${i}] must be an object`);
  }
  const o = s as Record<string, unknown>;
  if (typeof o.name !== "string" || !NAME.test(o.name)) {
    throw invalid(`${where}: scans[${i}].name must be a folder name (letters, digits, . _ -)`);
  }
  if (typeof o.timestamp !== "number" || !isFinite(o.timestamp)) {
    throw invalid(`${where}: scans[${i}].timestamp must be a finite number of seconds`);
  }
  return {
    name: o.name,
    timestamp: o.timestamp,
    pose: checkPose(o.pose, `${where}: scans[${i}].pose`),
    poseTrue: checkPose(o.pose_true, `${where}: scans[${i}].pose_true`),
  };
}

/**
 * Opens a sequence folder: reads labels.txt and sequence.json and checks them
 * (format, version, scan names unique, timestamps finite and non-decreasing, poses 16
 * finite numbers or null, every scan folder present). Points are read by `load`.
 *
 * @throws GeoError not_found without labels.txt or sequence.json; invalid_argument otherwise
 */
export async function readSequence(dir: string): Promise<SequenceFolder> {
  const labels = await readLabels(dir);
  const where = join(dir, "sequence.json");
  let doc: unknown;
  try {
    doc = JSON.parse(await readText(where));
  } catch (e) {
    if (e instanceof GeoError) throw e;
    throw invalid(`${where} is not valid JSON: ${(e as Error).message}`);
  }
  const d = doc as Record<string, unknown>;
  if (typeof doc !== "object" || doc === null || d.format !== SEQUENCE_FORMAT) {
    throw invalid(`${where}: "format" must be "${SEQUENCE_FORMAT}"`);
  }
  if (d.version !== 1) {
    throw invalid(`${where}: unsupported version ${JSON.stringify(d.version)} (1 is read)`);
  }
  if (!Array.isArray(d.scans)) throw invalid(`${where}: "scans" must be an array`);
  const scans = d.scans.map((s, i) => scanEntry(s, i, where));
  const folders = new Set(
    (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name),
  );
  const seen = new Set<string>();
  scans.forEach((s, i) => {
    if (seen.has(s.name)) throw invalid(`${where}: scan name "${s.name}" is repeated`);
    seen.add(s.name);
    if (i > 0 && s.timestamp < scans[i - 1].timestamp) {
      throw invalid(`${where}: scans[${i}].timestamp goes back in time`);
    }
    if (!folders.has(s.name)) throw invalid(`${where}: the folder of scan "${s.name}" is missing`);
  });
  const load = async (i: number) => {
    if (!(Number.isInteger(i) && i >= 0 && i < scans.length)) {
      throw invalid(`Scan index ${i} is outside [0, ${scans.length})`);
    }
    const p = (f: string) => join(dir, scans[i].name, f);
    const coord = await readOptionalNpy(p("coord.npy"));
    if (!coord) throw invalid(`${p("coord.npy")} is missing`);
    const cloud = cloudFromNpy(
      coord,
      { color: await readOptionalNpy(p("color.npy")) },
      p("coord.npy"),
    );
    const n = cloud.count, out: Awaited<ReturnType<SequenceFolder["load"]>> = { cloud };
    const seg = pointVector(await readOptionalNpy(p("segment.npy")), n, p("segment.npy"));
    if (seg) {
      for (let j = 0; j < n; j++) {
        const v = seg.data[j];
        if (!Number.isInteger(v) || v < -1 || v >= labels.length) {
          throw invalid(
            `${p("segment.npy")}: point ${j} has class ${v}, outside [-1, ${labels.length})`,
          );
        }
      }
      out.segment = Int16Array.from(seg.data);
    }
    const inst = pointVector(await readOptionalNpy(p("instance.npy")), n, p("instance.npy"));
    if (inst) {
      for (let j = 0; j < n; j++) {
        const v = inst.data[j];
        if (!Number.isInteger(v) || v < -1 || v > 0x7fffffff) {
          throw invalid(`${p("instance.npy")}: point ${j} has id ${v}, not an integer ≥ −1`);
        }
      }
      out.instance = Int32Array.from(inst.data);
    }
    return out;
  };
  return { dir, labels, room: d.room ?? null, scans, load };
}
