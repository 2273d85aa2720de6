/**
 * Names of the registry's temporary publish folders, which say who writes them:
 * `.tmp-<uuid>-<pid>-<host as hex>`. A server starting up removes the folders of
 * writers that are gone (same host, process no longer alive, or its own pid from a
 * previous life of the container) without touching a publish in progress in another
 * process or on another host that shares the registry volume.
 *
 * @module
 */

import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import process from "node:process";

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
