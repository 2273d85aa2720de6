/**
 * Training checkpoints: parameters, optimiser moments, the step reached and the history so
 * far, in one file written aside and renamed (never partial). A checkpoint resumes only
 * the run it came from: its fingerprint (config + scenes + initial weights) must match.
 *
 * Layout: `GGCK1\n`, one JSON header line, space padding to a multiple of 8 bytes, the
 * float32 parameters in header order, padding to 8, then the float64 moments m and v of
 * each group in the same order.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "../io/atomic_write.ts";
import { GeoError } from "../kernels/errors.ts";
import type { AdamWState } from "../kernels/adamw.ts";

/** What a checkpoint holds. */
export interface Checkpoint {
  /** sha256 hex of what determines the run (see `runFingerprint`) */
  fingerprint: string;
  /** steps completed */
  step: number;
  /** parameter groups by name, float32 */
  params: Record<string, Float32Array>;
  /** optimiser state; moments in the order of `params`' keys */
  optimizer: AdamWState;
  /** JSON-serialisable history (loss curve, validations) */
  history: Record<string, unknown>;
}

const MAGIC = "GGCK1\n";
const pad8 = (n: number) => (8 - (n % 8)) % 8;

/** Serialises a checkpoint. */
export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  const names = Object.keys(c.params);
  const header = new TextEncoder().encode(
    MAGIC +
      JSON.stringify({
        fingerprint: c.fingerprint,
        step: c.step,
        t: c.optimizer.t,
        params: names.map((n) => [n, c.params[n].length]),
        history: c.history,
      }) + "\n",
  );
  const h = header.length + pad8(header.length);
  const nParams = names.reduce((s, n) => s + c.params[n].length, 0);
  const p = 4 * nParams + pad8(4 * nParams);
  const out = new Uint8Array(h + p + 16 * nParams);
  out.fill(32, 0, h);
  out.set(header);
  let o = h;
  for (const n of names) {
    out.set(new Uint8Array(c.params[n].buffer, c.params[n].byteOffset, c.params[n].byteLength), o);
    o += c.params[n].byteLength;
  }
  o = h + p;
  for (const group of [...c.optimizer.m, ...c.optimizer.v]) {
    out.set(new Uint8Array(group.buffer, group.byteOffset, group.byteLength), o);
    o += group.byteLength;
  }
  return out;
}

/**
 * Parses a checkpoint.
 *
 * @throws GeoError failed_precondition naming `source` when the file is damaged
 */
export function decodeCheckpoint(bytes: Uint8Array, source: string): Checkpoint {
  const bad = (what: string) => new GeoError("failed_precondition", `${source}: ${what}`);
  const nl = bytes.indexOf(10, MAGIC.length);
  const text = new TextDecoder().decode(bytes.subarray(0, nl + 1));
  if (!text.startsWith(MAGIC) || nl < 0) throw bad("not a training checkpoint");
  let head: {
    fingerprint: string;
    step: number;
    t: number;
    params: [string, number][];
    history: Record<string, unknown>;
  };
  try {
    head = JSON.parse(text.slice(MAGIC.length));
  } catch {
    throw bad("the checkpoint header is not JSON");
  }
  const h = nl + 1 + pad8(nl + 1);
  const nParams = head.params.reduce((s, [, len]) => s + len, 0);
  const p = 4 * nParams + pad8(4 * nParams);
  if (bytes.length !== h + p + 16 * nParams) throw bad("the checkpoint is truncated");
  const buf = new Uint8Array(bytes.subarray(h)).buffer;
  const params: Record<string, Float32Array> = {};
  let o = 0;
  for (const [name, len] of head.params) {
    params[name] = new Float32Array(buf, o, len);
    o += 4 * len;
  }
  o = p;
  const moments = (): Float64Array[] =>
    head.params.map(([, len]) => {
      const a = new Float64Array(buf, o, len);
      o += 8 * len;
      return a;
    });
  const m = moments(), v = moments();
  return {
    fingerprint: head.fingerprint,
    step: head.step,
    params,
    optimizer: { t: head.t, m, v },
    history: head.history,
  };
}

/** Writes a checkpoint atomically (temporary sibling, then rename). */
export async function writeCheckpoint(path: string, c: Checkpoint): Promise<void> {
  await writeFileAtomic(path, encodeCheckpoint(c));
}

/** Reads a checkpoint; null when the file does not exist. */
export async function readCheckpoint(path: string): Promise<Checkpoint | null> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return null;
    throw e;
  }
  return decodeCheckpoint(bytes, path);
}
