/**
 * The model registry on disk: `<root>/<name>/<version>/manifest.json` plus
 * the files it lists, versions numbered 1, 2, …
 *
 * A version is published atomically and never changed afterwards: its files and manifest
 * are written into a temporary sibling folder (`.tmp-…`) and fsynced; the publisher then
 * claims the next free number N by creating the empty folder `N` (`mkdir` fails when N is
 * taken, atomically, also between processes and hosts sharing the volume) and renames the
 * temporary folder onto its own empty claim. Nobody renames onto a folder it did not
 * create, so two publishers can never replace each other's version (a rename onto an
 * existing empty folder succeeds on POSIX; onto a non-empty one it fails). Listing ignores
 * folders without manifest.json (claims in flight, temporary folders). A crash leaves a
 * temporary folder or an empty claim: `cleanStaleTemps` (run by `publishVersion`, for
 * folders older than an hour) and `cleanRegistryTemps` (all models, at server start) remove
 * them. Loading checks the manifest fields (`manifest.ts`) and the sha256 of every file.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import {
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  rmdir,
  stat,
  writeFile,
} from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { GeoError } from "../kernels/errors.ts";
import { checkName, entriesOf, isMissing } from "./folders.ts";
import { cleanStaleTemps, tempFolderName } from "./registry_temps.ts";
import {
  MANIFEST_FILE,
  type ManifestDraft,
  manifestSource,
  MODEL_NAME_RE,
  type ModelManifest,
} from "./manifest.ts";
import { completeManifest, manifestJson, parseManifest } from "./manifest_codec.ts";
import { resolveModel } from "./resolve.ts";

/** The manifest types, re-exported for the importers of this module. */
export type { ManifestDraft, ModelManifest } from "./manifest.ts";
/** Default-model resolution, re-exported for the importers of this module. */
export { resolveDefaultModel } from "./resolve.ts";

/** A loaded and verified version. */
export interface LoadedVersion {
  /** Its manifest. */
  readonly manifest: ModelManifest;
  /** Absolute or root-relative folder of the version. */
  readonly dir: string;
  /** Path of one of its files (`rel` as listed in `manifest.files`). */
  file(rel: string): string;
}

/** A model and its published versions (ascending). */
export interface RegistryModel {
  /** Model name. */
  readonly name: string;
  /** Version numbers, ascending. */
  readonly versions: number[];
}

/** Published versions of `name`, ascending (numeric folders holding manifest.json); [] when none. */
export async function listVersions(root: string, name: string): Promise<number[]> {
  checkName(name);
  const entries = await entriesOf(join(root, name));
  const out: number[] = [];
  for (const e of entries) {
    if (!/^[1-9][0-9]*$/.test(e)) continue;
    try {
      await stat(join(root, name, e, "manifest.json"));
      out.push(Number(e));
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
  }
  return out.sort((a, b) => a - b);
}

/** Every model with at least one version, by name. */
export async function listModels(root: string): Promise<RegistryModel[]> {
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch (e) {
    if (isMissing(e)) return [];
    throw e;
  }
  const out: RegistryModel[] = [];
  for (const name of entries.sort()) {
    if (!MODEL_NAME_RE.test(name)) continue;
    if (!(await stat(join(root, name))).isDirectory()) continue;
    const versions = await listVersions(root, name);
    if (versions.length > 0) out.push({ name, versions });
  }
  return out;
}

/** sha256 (hex) of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Uint8Array);
  return hash.digest("hex");
}

/** Every file under `dir`, relative, "/"-separated, sorted. */
async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await visit(p);
      else out.push(relative(dir, p).split(sep).join("/"));
    }
  };
  await visit(dir);
  return out.sort();
}

/**
 * Loads version `version` (0 = latest) of `name`: resolves it (`resolveModel`), reads and
 * parses the manifest (name and version must match the folders) and checks the sha256 of
 * every listed file and that no unlisted file is present. Messages name the model, the
 * version and the file, never a path (the cause keeps it).
 *
 * @throws GeoError not_found for a missing model/version, failed_precondition for a bad one
 */
export async function loadVersion(root: string, name: string, version = 0): Promise<LoadedVersion> {
  const versions = await listVersions(root, name);
  const catalog = versions.length > 0 ? [{ name, versions }] : await listModels(root);
  const v = resolveModel(catalog, name, version).version;
  const dir = join(root, name, String(v));
  const where = manifestSource(name, v);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(join(dir, MANIFEST_FILE), "utf8"));
  } catch (e) {
    throw new GeoError("failed_precondition", `${where}: ${MANIFEST_FILE} is not readable JSON`, {
      cause: e,
    });
  }
  const manifest = parseManifest(parsed, { source: where });
  if (manifest.name !== name || manifest.version !== v) {
    throw new GeoError(
      "failed_precondition",
      `${where}: the manifest says ${manifest.name} version ${manifest.version}`,
    );
  }
  const present = (await walk(dir)).filter((f) => f !== MANIFEST_FILE);
  for (const f of present) {
    if (!(f in manifest.files)) {
      throw new GeoError("failed_precondition", `${where}: file ${f} is not in the manifest`);
    }
  }
  for (const [rel, sha] of Object.entries(manifest.files)) {
    if (!present.includes(rel)) {
      throw new GeoError("failed_precondition", `${where}: file ${rel} is missing`);
    }
    const actual = await sha256File(join(dir, rel));
    if (actual !== sha) {
      throw new GeoError(
        "failed_precondition",
        `${where}: file ${rel} has sha256 ${actual.slice(0, 12)}…, the manifest says ${
          sha.slice(0, 12)
        }… (corrupt or modified)`,
      );
    }
  }
  return { manifest, dir, file: (rel: string) => join(dir, rel) };
}

async function fsyncPath(path: string): Promise<void> {
  let h;
  try {
    h = await open(path, "r");
    await h.sync();
  } catch {
    // Directories cannot be fsynced on every platform; the rename still orders the data.
  } finally {
    await h?.close();
  }
}

/**
 * Publishes a new version of `name`: `writeFiles(dir)` writes the files into a temporary
 * folder, their sha256 go into the manifest (`completeManifest`), everything is fsynced,
 * the next free version number is claimed (`mkdir`, exclusive) and the folder renamed onto
 * the claim (see the module doc). Safe for concurrent publishers in threads, processes or
 * hosts sharing the registry volume: each gets a distinct, complete version. If
 * `writeFiles` throws, the temporary folder is removed and nothing is published. Returns
 * the manifest as written.
 *
 * @throws GeoError invalid_argument for a bad name or draft (naming the field)
 */
export async function publishVersion(
  root: string,
  name: string,
  writeFiles: (dir: string) => Promise<void>,
  manifest: ManifestDraft,
): Promise<ModelManifest> {
  checkName(name);
  const modelDir = join(root, name);
  await mkdir(modelDir, { recursive: true });
  await cleanStaleTemps(root, name);
  const tmp = join(modelDir, tempFolderName());
  await mkdir(tmp);
  let claim: string | undefined;
  try {
    await writeFiles(tmp);
    const rels = await walk(tmp);
    if (rels.includes(MANIFEST_FILE)) {
      throw new GeoError(
        "invalid_argument",
        "writeFiles must not write manifest.json; pass the manifest instead",
      );
    }
    const files: Record<string, string> = {};
    for (const rel of rels) {
      files[rel] = await sha256File(join(tmp, rel));
      await fsyncPath(join(tmp, rel));
    }
    const created = manifest.created ?? new Date().toISOString();
    // Checks the draft before a number is claimed; the version is filled in below.
    completeManifest(manifest, { name, version: 1, created, files });
    let version = ((await listVersions(root, name)).at(-1) ?? 0) + 1;
    for (let attempt = 0; attempt < 1000; attempt++, version++) {
      const target = join(modelDir, String(version));
      try {
        await mkdir(target); // the claim: fails when the number is taken
      } catch (e) {
        if ((e as { code?: string }).code === "EEXIST") continue;
        throw e;
      }
      claim = target;
      const full = completeManifest(manifest, { name, version, created, files });
      const mpath = join(tmp, MANIFEST_FILE);
      await writeFile(mpath, manifestJson(full));
      await fsyncPath(mpath);
      await fsyncPath(tmp);
      try {
        await rename(tmp, target); // onto our own empty claim: atomic replace
      } catch (e) {
        const code = (e as { code?: string }).code;
        // Only a foreign writer ignoring the claim protocol fills our claim: take the next.
        if (code === "EEXIST" || code === "ENOTEMPTY") {
          claim = undefined;
          continue;
        }
        throw e;
      }
      claim = undefined;
      await fsyncPath(modelDir);
      return full;
    }
    throw new GeoError("internal", `Could not find a free version number for ${name}`);
  } catch (e) {
    if (claim) await rmdir(claim).catch(() => {});
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Polls the registry every `intervalMs` and calls `onChange` with the model
 * list whenever a model or version appears or disappears (the hot-reload
 * hook). The first poll reports the initial state. Errors go to `onError`.
 */
export function watchRegistry(
  root: string,
  onChange: (models: RegistryModel[]) => void,
  options: { intervalMs?: number; onError?: (e: unknown) => void } = {},
): { stop(): void } {
  let last = "";
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = async () => {
    try {
      const models = await listModels(root);
      const key = JSON.stringify(models);
      if (!stopped && key !== last) {
        last = key;
        onChange(models);
      }
    } catch (e) {
      options.onError?.(e);
    }
    if (!stopped) timer = setTimeout(tick, options.intervalMs ?? 5000);
  };
  tick();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
