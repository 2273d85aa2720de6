/**
 * The dataset folder (train / eval input): `DIR/labels.txt` (class names, one
 * a line), optional `DIR/label_embeddings.npy` (float32 L×C), and one folder
 * per scene with NumPy files: coord (float32 N×3, required), color (uint8 N×3),
 * normal (float32 N×3), teacher (float16/float32 N×C), valid (uint8/bool N),
 * superpoint (int32 N), instance (int32 N, −1 = none), segment (int16 N,
 * −1 = ignore). Every optional file may be absent.
 *
 * @module
 */

import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GeoError, invalid } from "../kernels/errors.ts";
import { cloudFromNpy, decodeNpy, encodeNpy, type NpyArray } from "./npy.ts";

/** One scene's arrays (N points). */
export interface SceneArrays {
  /** Float32Array N×3, metres, z up. */
  coord: Float32Array;
  /** Uint8Array N×3. */
  color?: Uint8Array;
  /** Float32Array N×3. */
  normal?: Float32Array;
  /** Float32Array N×C teacher features (projected 2D features). */
  teacher?: Float32Array;
  /** Teacher dimension C (required with `teacher`). */
  teacherDim?: number;
  /** Uint8Array N, 1 = teacher row observed (read: default teacher row non-zero). */
  valid?: Uint8Array;
  /** Int32Array N superpoint ids. */
  superpoint?: Int32Array;
  /** Int32Array N instance ids, −1 = none. */
  instance?: Int32Array;
  /** Int16Array N class ids, −1 = ignore. */
  segment?: Int16Array;
}

/** A dataset folder's header. */
export interface DatasetInfo {
  /** Class names (index = class id). */
  labels: string[];
  /** Float32Array L×C from label_embeddings.npy, when present. */
  embeddings?: Float32Array;
  /** C of `embeddings`. */
  embeddingDim?: number;
  /** Scene folder names (those holding coord.npy), sorted. */
  scenes: string[];
}

/**
 * Writes `labels.txt` and, when given, `label_embeddings.npy` (creates `dir`).
 *
 * @param dir dataset folder
 * @param labels class names
 * @param embeddings Float32Array L×C class embeddings (optional)
 */
export async function writeDatasetHeader(
  dir: string,
  labels: string[],
  embeddings?: Float32Array,
): Promise<void> {
  if (labels.length === 0) throw invalid("A dataset needs at least one class name");
  if (labels.some((l) => l.trim() === "" || l.includes("\n"))) {
    throw invalid("Class names must be non-empty single lines");
  }
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "labels.txt"), labels.join("\n") + "\n");
  if (embeddings) {
    if (embeddings.length % labels.length !== 0) {
      throw invalid(
        `Label embeddings have ${embeddings.length} values, not a multiple of ${labels.length} labels`,
      );
    }
    const dim = embeddings.length / labels.length;
    await writeFile(
      join(dir, "label_embeddings.npy"),
      encodeNpy(embeddings, [labels.length, dim]),
    );
  }
}

/**
 * Writes one scene folder `dir/name/` with the arrays present.
 *
 * @param dir dataset folder
 * @param scene scene folder name and arrays (N points)
 * @param options teacherDtype "float16" (default) or "float32"
 */
export async function writeScene(
  dir: string,
  scene: SceneArrays & { name: string },
  options: { teacherDtype?: "float16" | "float32" } = {},
): Promise<void> {
  const name = scene.name;
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith(".")) {
    throw invalid(`Bad scene folder name "${name}"`);
  }
  const n = scene.coord.length / 3;
  const check = (what: string, len: number, per: number) => {
    if (len !== n * per) {
      throw invalid(
        `Scene ${name}: ${what} has ${len} values, expected ${n * per} for ${n} points`,
      );
    }
  };
  const folder = join(dir, name);
  await mkdir(folder, { recursive: true });
  const files: [string, Uint8Array][] = [["coord.npy", encodeNpy(scene.coord, [n, 3])]];
  const add = (file: string, data: SceneArraysData | undefined, per: number) => {
    if (!data) return;
    check(file, data.length, per);
    files.push([file, encodeNpy(data, per === 1 ? [n] : [n, per])]);
  };
  add("color.npy", scene.color, 3);
  add("normal.npy", scene.normal, 3);
  if (scene.teacher) {
    const c = scene.teacherDim ?? 0;
    if (!(c > 0)) throw invalid(`Scene ${name}: teacherDim is required with teacher features`);
    check("teacher.npy", scene.teacher.length, c);
    const dtype = (options.teacherDtype ?? "float16") === "float16"
      ? { dtype: "float16" as const }
      : {};
    files.push(["teacher.npy", encodeNpy(scene.teacher, [n, c], dtype)]);
  }
  add("valid.npy", scene.valid, 1);
  add("superpoint.npy", scene.superpoint, 1);
  add("instance.npy", scene.instance, 1);
  add("segment.npy", scene.segment, 1);
  for (const [file, bytes] of files) await writeFile(join(folder, file), bytes);
}

type SceneArraysData = Float32Array | Uint8Array | Int16Array | Int32Array;

function isMissing(e: unknown): boolean {
  return (e as { code?: string })?.code === "ENOENT";
}

/** The array of an .npy file, or undefined when the file does not exist. */
export async function readOptionalNpy(path: string): Promise<NpyArray | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    if (isMissing(e)) return undefined;
    throw e;
  }
  return decodeNpy(bytes, path);
}

/**
 * The class names of `dir/labels.txt` (one a line, blank lines skipped); dataset and
 * scan-sequence folders share the file.
 *
 * @throws GeoError not_found without the file; invalid_argument when it names no class
 */
export async function readLabels(dir: string): Promise<string[]> {
  const path = join(dir, "labels.txt");
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if (isMissing(e)) throw new GeoError("not_found", `${path} does not exist`);
    throw e;
  }
  const labels = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "");
  if (labels.length === 0) throw invalid(`${path} lists no class names`);
  return labels;
}

/**
 * Reads a dataset folder's header and lists its scenes.
 *
 * @throws GeoError not_found without labels.txt; invalid_argument on a bad embeddings file
 */
export async function readDataset(dir: string): Promise<DatasetInfo> {
  const labels = await readLabels(dir);
  const info: DatasetInfo = { labels, scenes: [] };
  const emb = await readOptionalNpy(join(dir, "label_embeddings.npy"));
  if (emb) {
    if (emb.shape.length !== 2 || emb.shape[0] !== labels.length) {
      throw invalid(
        `${join(dir, "label_embeddings.npy")}: shape (${
          emb.shape.join(", ")
        }) does not match ${labels.length} labels`,
      );
    }
    info.embeddings = Float32Array.from(emb.data);
    info.embeddingDim = emb.shape[1];
  }
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    try {
      await stat(join(dir, e.name, "coord.npy"));
      info.scenes.push(e.name);
    } catch {
      // Not a scene folder.
    }
  }
  info.scenes.sort();
  return info;
}

/** Several dataset folders read as one: one class list, every folder's scenes. */
export interface DatasetUnion extends DatasetInfo {
  /**
   * The folders in the order given, each with its own header; `scenes` of the union names
   * every scene once: its folder name alone for one folder, `<dir>/<name>` for several.
   */
  folders: { dir: string; info: DatasetInfo }[];
}

/**
 * Reads several dataset folders as one dataset (e.g. rooms of two synthetic worlds, or
 * scans of several buildings). Every folder must list the same class names in the same
 * order, and either all or none may have `label_embeddings.npy`, with equal rows.
 *
 * @param dirs one or more dataset folders
 * @throws GeoError invalid_argument when no folder is given, one is given twice, or the
 *   headers differ; not_found as {@link readDataset}
 */
export async function readDatasets(dirs: string[]): Promise<DatasetUnion> {
  if (dirs.length === 0) throw invalid("No dataset folder given");
  const folders: DatasetUnion["folders"] = [];
  for (const dir of dirs) {
    if (folders.some((f) => f.dir === dir)) throw invalid(`Dataset folder ${dir} is listed twice`);
    folders.push({ dir, info: await readDataset(dir) });
  }
  const first = folders[0];
  for (const { dir, info } of folders.slice(1)) {
    if (info.labels.join("\n") !== first.info.labels.join("\n")) {
      throw invalid(
        `${join(dir, "labels.txt")} lists other classes than ${join(first.dir, "labels.txt")}`,
      );
    }
    const a = first.info.embeddings, b = info.embeddings;
    if ((a === undefined) !== (b === undefined) || (a && b && !sameValues(a, b))) {
      throw invalid(
        `${dir} and ${first.dir} have different class embeddings (label_embeddings.npy)`,
      );
    }
  }
  const scenes = folders.flatMap(({ dir, info }) =>
    folders.length === 1 ? info.scenes : info.scenes.map((name) => join(dir, name))
  );
  return { ...first.info, scenes, folders };
}

/** Every scene of a union with the folder that holds it, folders in the order given. */
export function unionScenes(union: DatasetUnion): { dir: string; name: string }[] {
  return union.folders.flatMap(({ dir, info }) => info.scenes.map((name) => ({ dir, name })));
}

/** One scene with ground truth, as {@link labelledScenes} yields it. */
export interface LabelledScene {
  /** the scene's arrays; `segment`: Int16Array N, class id per point (−1 = unlabelled) */
  scene: SceneArrays & { name: string; count: number; segment: Int16Array };
  /** position among all scenes of the union (0-based, scenes without ground truth count too) */
  index: number;
  /** how many scenes the union has */
  total: number;
}

/**
 * Reads every scene of a union that has ground truth (segment.npy), in folder order; the
 * others are skipped. One scene is held at a time.
 */
export async function* labelledScenes(union: DatasetUnion): AsyncGenerator<LabelledScene> {
  const all = unionScenes(union);
  for (const [index, { dir, name }] of all.entries()) {
    const s = await readScene(dir, name, { numClasses: union.labels.length });
    if (!s.segment) continue;
    yield { scene: s as LabelledScene["scene"], index, total: all.length };
  }
}

function sameValues(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * `a` when it is a vector of `n` values (or absent), else an invalid_argument naming `what`.
 */
export function pointVector(
  a: NpyArray | undefined,
  n: number,
  what: string,
): NpyArray | undefined {
  if (!a) return undefined;
  if (a.shape.length !== 1 || a.shape[0] !== n) {
    throw invalid(`${what}: expected shape (${n},) for ${n} points, got (${a.shape.join(", ")})`);
  }
  return a;
}

/**
 * Reads one scene folder. Without valid.npy, valid = teacher row non-zero.
 *
 * @param dir dataset folder
 * @param name scene folder name
 * @param options numClasses to check segment ids against
 */
export async function readScene(
  dir: string,
  name: string,
  options: { numClasses?: number } = {},
): Promise<SceneArrays & { name: string; count: number }> {
  const folder = join(dir, name), p = (f: string) => join(folder, f);
  const coordA = await readOptionalNpy(p("coord.npy"));
  if (!coordA) throw new GeoError("not_found", `${p("coord.npy")} does not exist`);
  const [colorA, normalA] = [
    await readOptionalNpy(p("color.npy")),
    await readOptionalNpy(p("normal.npy")),
  ];
  const cloud = cloudFromNpy(coordA, { color: colorA, normal: normalA }, p("coord.npy"));
  const n = cloud.count;
  const out: SceneArrays & { name: string; count: number } = { name, count: n, coord: cloud.coord };
  if (cloud.color) out.color = cloud.color;
  if (cloud.normal) out.normal = cloud.normal;
  const teacher = await readOptionalNpy(p("teacher.npy"));
  if (teacher) {
    if (teacher.shape.length !== 2 || teacher.shape[0] !== n) {
      throw invalid(
        `${p("teacher.npy")}: expected shape (${n}, C), got (${teacher.shape.join(", ")})`,
      );
    }
    out.teacher = teacher.data instanceof Float32Array
      ? teacher.data
      : Float32Array.from(teacher.data);
    out.teacherDim = teacher.shape[1];
  }
  const valid = pointVector(await readOptionalNpy(p("valid.npy")), n, p("valid.npy"));
  if (valid) out.valid = Uint8Array.from(valid.data, (v) => (v ? 1 : 0));
  else if (out.teacher) {
    const c = out.teacherDim!, t = out.teacher;
    out.valid = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < c; k++) {
        if (t[i * c + k] !== 0) {
          out.valid[i] = 1;
          break;
        }
      }
    }
  }
  const sp = pointVector(await readOptionalNpy(p("superpoint.npy")), n, p("superpoint.npy"));
  if (sp) out.superpoint = Int32Array.from(sp.data);
  const inst = pointVector(await readOptionalNpy(p("instance.npy")), n, p("instance.npy"));
  if (inst) out.instance = Int32Array.from(inst.data);
  const seg = pointVector(await readOptionalNpy(p("segment.npy")), n, p("segment.npy"));
  if (seg) {
    const L = options.numClasses ?? Infinity;
    for (let i = 0; i < n; i++) {
      const s = seg.data[i];
      if (!Number.isInteger(s) || s < -1 || s >= L) {
        throw invalid(`${p("segment.npy")}: point ${i} has class ${s}, outside [-1, ${L})`);
      }
    }
    out.segment = Int16Array.from(seg.data);
  }
  return out;
}
