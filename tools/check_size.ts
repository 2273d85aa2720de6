/**
 * Fails when a hand-written source file grows past the line budget.
 *
 * `deno task check:size` — scans src/, tests/, bench/ and tools/ for .ts files
 * (generated code in src/gen/ is exempt) and exits 1 listing every file over
 * `MAX_LINES`.
 *
 * @module
 */

import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";

/** Line budget per file. */
export const MAX_LINES = 400;

async function* walk(dir: string): AsyncGenerator<string> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (p.endsWith(join("src", "gen"))) continue;
      yield* walk(p);
    } else if (e.name.endsWith(".ts")) yield p;
  }
}

/** Returns `[path, lines]` for every file over the budget under `roots`. */
export async function oversized(roots: string[]): Promise<[string, number][]> {
  const out: [string, number][] = [];
  for (const root of roots) {
    for await (const f of walk(root)) {
      const n = (await readFile(f, "utf8")).split("\n").length;
      if (n > MAX_LINES) out.push([f, n]);
    }
  }
  return out;
}

if (import.meta.main) {
  const big = await oversized(["src", "tests", "bench", "tools"]);
  for (const [f, n] of big) console.error(`${f}: ${n} lines (budget ${MAX_LINES})`);
  process.exitCode = big.length ? 1 : 0;
}
