/**
 * Command-line flag parsing shared by the CLI commands and benchmarks.
 *
 * @module
 */

import process from "node:process";
import { GeoError } from "../kernels/errors.ts";

/** Parses `--flag value`, `--flag=value` and the boolean flags in `booleans`. */
export function parseFlags(args: string[], booleans: ReadonlySet<string>): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("--")) throw new GeoError("invalid_argument", `Unexpected argument '${a}'`);
    const eq = a.indexOf("=");
    if (eq > 0) m.set(a.slice(0, eq), a.slice(eq + 1));
    else if (booleans.has(a)) m.set(a, "1");
    else if (i + 1 < args.length) m.set(a, args[++i]);
    else throw new GeoError("invalid_argument", `Flag ${a} needs a value`);
  }
  return m;
}

/** A numeric flag (undefined when absent). */
export function numberFlag(m: Map<string, string>, flag: string): number | undefined {
  const v = m.get(flag);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === "" || Number.isNaN(n)) {
    throw new GeoError("invalid_argument", `${flag} must be a number, got '${v}'`);
  }
  return n;
}

/** A numeric flag that must lie in [0, 1] (undefined when absent). */
export function shareFlag(m: Map<string, string>, flag: string): number | undefined {
  const q = numberFlag(m, flag);
  if (q !== undefined && !(q >= 0 && q <= 1)) {
    throw new GeoError("invalid_argument", `${flag} must be in [0, 1], got ${q}`);
  }
  return q;
}

/** Throws invalid_argument naming the first flag of `m` that is not in `known`. */
export function checkKnownFlags(m: Map<string, string>, known: ReadonlySet<string>): void {
  const unknown = [...m.keys()].find((k) => !known.has(k));
  if (unknown !== undefined) throw new GeoError("invalid_argument", `Unknown flag ${unknown}`);
}

/**
 * Runs a long command that Ctrl-C cancels: `work` gets an AbortSignal fired by SIGINT; an
 * error is printed as one line `<name>: message`.
 *
 * @returns work's exit code, or 130 when cancelled, 2 for invalid_argument, 1 otherwise
 */
export async function runCancellable(
  name: string,
  work: (signal: AbortSignal) => Promise<number>,
): Promise<number> {
  const abort = new AbortController();
  const onInt = () => abort.abort();
  process.on("SIGINT", onInt);
  try {
    return await work(abort.signal);
  } catch (e) {
    const err = GeoError.from(e);
    console.error(`${name}: ${err.message}`);
    return err.kind === "cancelled" || abort.signal.aborted
      ? 130
      : err.kind === "invalid_argument"
      ? 2
      : 1;
  } finally {
    process.off("SIGINT", onInt);
  }
}
