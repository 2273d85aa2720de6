/**
 * Unfinished publishes: the registry's temporary publish folders, whose names say who
 * writes them, and their clean-up. Names:
 * `.tmp-<uuid>-<pid>-<host as hex>`. A server starting up removes the folders of
 * writers that are gone (same host, process no longer alive, or its own pid from a
 * previous life of the container) without touching a publish in progress in another
 * process or on another host that shares the registry volume.
 *
 * @module
 */

import { randomUUID } from "node:crypto";
import { readdir, rm, rmdir, stat } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { checkName, entriesOf, isMissing } from "./folders.ts";
import { MODEL_NAME_RE } from "./manifest.ts";

/** Prefix of every temporary publish folder. */
export const TMP_PREFIX = ".tmp-";

const hex = (s: string) =>
  Array.from(new TextEncoder().encode(s), (b) => b.toString(16).padStart(2, "0")).join("");

/** A fresh temporary folder name owned by this process. */
export function tempFolderName(): string {
  return `${TMP_PREFIX}${randomUUID()}-${process.pid}-${hex(hostname())}`;
}

/** Writer of a temporary folder name: pid and host hex, or null for names without one. */
export function tempOwner(name: string): { pid: number; host: string } | null {
  const m = /^\.tmp-[0-9a-f-]{36}-(\d+)-([0-9a-f]+)$/.exec(name);
  return m ? { pid: Number(m[1]), host: m[2] } : null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
}

/**
 * True when the folder's writer is certainly gone: it ran on this host and its process no
 * longer exists, or it has this process's pid but the folder is older than this process (a
 * crashed earlier run of the same container).
 *
 * @param name folder name
 * @param mtimeMs the folder's modification time, ms since the epoch
 */
export function tempWriterGone(name: string, mtimeMs: number): boolean {
  const owner = tempOwner(name);
  if (!owner || owner.host !== hex(hostname())) return false;
  if (owner.pid === process.pid) return mtimeMs < performance.timeOrigin;
  return !alive(owner.pid);
}

/** Temporary folders older than this are removed by `publishVersion`, ms. */
export const STALE_TEMP_MS = 3_600_000;

/**
 * Removes a version folder that is still empty an hour after its creation: the claim of a
 * publisher that died between claiming the number and renaming its folder onto it (a live
 * one renames within milliseconds). True when removed.
 */
async function removeStaleClaim(path: string): Promise<boolean> {
  try {
    const st = await stat(path);
    if (!st.isDirectory() || Date.now() - st.mtimeMs < STALE_TEMP_MS) return false;
    await rmdir(path); // fails unless empty: a published version is never touched
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes the temporary folders of `name` whose writer is gone (see `registry_temps.ts`) or
 * at least `maxAgeMs` old (0 = all); their names.
 */
async function removeTemps(root: string, name: string, maxAgeMs: number): Promise<string[]> {
  const entries = await entriesOf(join(root, name));
  const removed: string[] = [];
  for (const e of entries) {
    if (/^[1-9][0-9]*$/.test(e)) {
      if (await removeStaleClaim(join(root, name, e))) removed.push(e);
      continue;
    }
    if (!e.startsWith(TMP_PREFIX)) continue;
    const p = join(root, name, e);
    try {
      const mtime = maxAgeMs <= 0 ? 0 : (await stat(p)).mtimeMs;
      const stale = maxAgeMs <= 0 || tempWriterGone(e, mtime) || Date.now() - mtime >= maxAgeMs;
      if (stale) {
        await rm(p, { recursive: true, force: true });
        removed.push(e);
      }
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
  }
  return removed;
}

/** Removes temporary folders of `name` older than `maxAgeMs`; returns how many. */
export async function cleanStaleTemps(
  root: string,
  name: string,
  maxAgeMs = STALE_TEMP_MS,
): Promise<number> {
  checkName(name);
  return (await removeTemps(root, name, maxAgeMs)).length;
}

/**
 * Removes the temporary folders of every model folder of the registry at `root` (what a
 * publisher killed mid-publish, e.g. `kill -9`, leaves behind) that are at least
 * `maxAgeMs` old or whose writer is gone (this host, process dead); returns the removed
 * folders as `<model>/.tmp-…`, relative to `root`. Meant for server start, before Train is
 * served: servers sharing a registry volume pass `STALE_TEMP_MS`, which never touches a
 * publish in progress elsewhere; the default age of 0 removes every temporary folder.
 *
 * @param root registry root (missing = nothing to clean)
 * @param maxAgeMs least age of a removed folder, ms (default 0: all)
 */
export async function cleanRegistryTemps(root: string, maxAgeMs = 0): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (e) {
    if (isMissing(e)) return [];
    throw e;
  }
  const removed: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!e.isDirectory() || !MODEL_NAME_RE.test(e.name)) continue;
    for (const t of await removeTemps(root, e.name, maxAgeMs)) removed.push(`${e.name}/${t}`);
  }
  return removed;
}
