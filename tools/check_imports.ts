/**
 * Checks the house rules for imports in src/.
 *
 * `deno task check:imports` — reads every .ts/.js file under src/ (generated
 * code in src/gen/ is exempt as an importer), finds each `import`,
 * `export … from`, `import("…")`, `new URL("…", import.meta.url)` and
 * `import.meta.resolve("…")` specifier (see `import_scan.ts`), and exits 1
 * listing every violation of:
 *
 * - **kernels**: src/kernels imports only src/kernels. No `node:` builtin is
 *   needed there; its `_test.ts` files may use `node:assert` only.
 * - **adapter**: each third-party package (bare or `npm:`/`jsr:` specifier;
 *   `node:` builtins exempt) is imported by exactly one file of src/, its
 *   adapter. tests/, bench/ and tools/ may import packages freely.
 * - **cycle**: no import cycle among src files (type-only and dynamic imports
 *   and worker URLs count).
 * - **test-code**: nothing in src/ imports bench/ or tests/ (a `_test.ts`
 *   file in src/ may import tests/, e.g. tests/fixtures/, never bench/).
 * - **layer**: a folder imports only the folders `LAYERS` allows it
 *   (type-only imports count too). `_test.ts` files are leaves nothing
 *   imports, so they may import any src folder.
 *
 * @module
 */

import { readdir, readFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { posix } from "node:path";
import process from "node:process";
import { type Ref, scanRefs } from "./import_scan.ts";

/**
 * Allowed folder → folder imports (a folder may always import itself). The
 * intended arrows are
 * `server → runtime → {infer, train} → models → features → {kernels, io, onnx, text, render}`,
 * each layer allowed to reach everything below it. Notes on the table:
 *
 * - `cli` is src/cli.ts (any file directly in src/); it and `commands` may
 *   import anything.
 * - In the bottom row, io and onnx use kernels, text uses kernels, io and onnx.
 * - `render` (PNG encoding, fonts, palette, plots) imports nothing in src/;
 *   server, train, synth and commands use it, so it sits in the bottom row.
 * - `synth` (synthetic scenes and teacher labels) builds on kernels, io,
 *   features and render, and only commands (and tests) use it: a leaf just
 *   under commands.
 * - `train → infer` is allowed: evaluation and the feature cache run the
 *   inference path (infer never imports train).
 * - `pretrain` (self-supervised pre-training of the learned backbone) builds on
 *   train (checkpoints, progress, the onnxruntime graph backend) and below; only
 *   commands (and tests) use it.
 * - `gen` (generated protobuf code) is a leaf for the transport.
 */
export const LAYERS: Readonly<Record<string, readonly string[]>> = (() => {
  const base = ["kernels", "io", "onnx", "text", "render"];
  const features = ["features", ...base];
  const models = ["models", ...features];
  const infer = ["infer", ...models];
  const train = ["train", ...infer];
  const runtime = ["runtime", ...train];
  const server = ["server", "gen", ...runtime];
  const all = [...server, "synth", "pretrain", "commands", "cli"];
  return {
    kernels: [],
    io: ["kernels"],
    onnx: ["kernels"],
    text: ["kernels", "io", "onnx"],
    render: [],
    features,
    models,
    infer,
    train,
    pretrain: ["pretrain", ...train],
    runtime,
    server,
    synth: ["kernels", "io", "features", "render"],
    gen: [],
    commands: all,
    cli: all,
  };
})();

/** Which rule a violation breaks. */
export type Rule = "kernels" | "adapter" | "cycle" | "test-code" | "layer";

/** One broken rule, with a message naming the files involved. */
export interface Violation {
  rule: Rule;
  message: string;
}

/** What `checkSources` found. */
export interface Report {
  violations: Violation[];
  /** Third-party package → the one src file importing it (only packages with one). */
  adapters: Map<string, string>;
  /** `file:line` of each `import(…)` whose argument is computed, so not checked. */
  unanalysed: string[];
}

const BUILTINS = new Set(builtinModules);

/** The package a bare specifier names, `null` for builtins and paths. */
export function packageOf(spec: string): string | null {
  if (spec.startsWith("node:")) return null;
  if (/^(\.{0,2}\/|file:|data:|blob:)/.test(spec)) return null;
  if (/^https?:/.test(spec)) return spec.replace(/^(https?:\/\/[^/]+\/[^/]+).*$/, "$1");
  let prefix = "";
  let rest = spec;
  if (rest.startsWith("npm:")) rest = rest.slice(4).replace(/^\//, "");
  else if (rest.startsWith("jsr:")) {
    prefix = "jsr:";
    rest = rest.slice(4).replace(/^\//, "");
  }
  const parts = rest.split("/");
  const name = rest.startsWith("@") ? `${parts[0]}/${parts[1] ?? ""}` : parts[0];
  const bare = name.replace(/(.)@.*$/, "$1");
  if (!prefix && !spec.startsWith("npm:") && BUILTINS.has(bare)) return null;
  return prefix + bare;
}

/** The layer of a repo-relative path under src/ (`cli` for files directly in src/). */
export function layerOf(path: string): string {
  const parts = path.split("/");
  return parts.length > 2 ? parts[1] : "cli";
}

const isTest = (path: string) => /_test\.[jt]s$/.test(path);

function resolve(from: string, spec: string): string {
  const clean = spec.replace(/[?#].*$/, "");
  return posix.normalize(posix.join(posix.dirname(from), clean));
}

/** Strongly connected components with more than one file (or a self-import). */
export function cycles(edges: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    on.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || edges.get(v)?.has(v)) out.push(comp.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v);
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}

/** One shortest loop through `start` inside `comp`, as `a → b → a`. */
function loopThrough(start: string, comp: string[], edges: Map<string, Set<string>>): string {
  const inside = new Set(comp);
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of edges.get(v) ?? []) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u = v; u !== start; u = prev.get(u)!) path.splice(1, 0, u);
        return [...path, start].join(" → ");
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return start;
}

/**
 * Checks `files` (repo-relative posix path → source text). Paths under src/gen/
 * are treated as known targets but their own imports are not checked.
 */
export function checkSources(
  files: Map<string, string>,
  layers: Readonly<Record<string, readonly string[]>> = LAYERS,
): Report {
  const violations: Violation[] = [];
  const unanalysed: string[] = [];
  const users = new Map<string, Set<string>>();
  const edges = new Map<string, Set<string>>();
  const refsOf = new Map<string, Ref[]>();
  for (const [file, text] of files) {
    if (!file.startsWith("src/") || file.startsWith("src/gen/")) continue;
    refsOf.set(file, scanRefs(text));
    edges.set(file, new Set());
  }
  for (const [file, refs] of refsOf) {
    const from = layerOf(file);
    const at = (r: Ref) => `${file}:${r.line}`;
    for (const r of refs) {
      if (r.specifier === null) {
        unanalysed.push(at(r));
        continue;
      }
      const spec = r.specifier;
      const pkg = packageOf(spec);
      const relative = /^\.{1,2}\//.test(spec);
      if (from === "kernels") {
        const testAssert = isTest(file) && /^node:assert(\/strict)?$/.test(spec);
        const target = relative ? resolve(file, spec) : "";
        if (!testAssert && !(relative && target.startsWith("src/kernels/"))) {
          violations.push({
            rule: "kernels",
            message: `${at(r)} imports "${spec}" from outside src/kernels`,
          });
        }
      }
      if (pkg !== null) {
        if (!users.has(pkg)) users.set(pkg, new Set());
        users.get(pkg)!.add(file);
        continue;
      }
      if (!relative) continue;
      const target = resolve(file, spec);
      if (/^bench\//.test(target) || (/^tests\//.test(target) && !isTest(file))) {
        violations.push({ rule: "test-code", message: `${at(r)} imports ${target}` });
        continue;
      }
      if (!target.startsWith("src/")) continue;
      if (edges.has(target)) edges.get(file)!.add(target);
      const to = layerOf(target);
      const exempt = from === "kernels" || isTest(file);
      if (to !== from && !exempt && !layers[from]?.includes(to)) {
        violations.push({
          rule: "layer",
          message: `${at(r)} (${from}) imports ${target} (${to})`,
        });
      }
    }
  }
  const adapters = new Map<string, string>();
  for (const [pkg, who] of [...users].sort(([a], [b]) => a.localeCompare(b))) {
    if (who.size === 1) adapters.set(pkg, [...who][0]);
    else {
      violations.push({
        rule: "adapter",
        message: `package "${pkg}" is imported by ${who.size} files: ${[...who].sort().join(", ")}`,
      });
    }
  }
  for (const comp of cycles(edges)) {
    violations.push({
      rule: "cycle",
      message: `${comp.length} file${comp.length > 1 ? "s" : ""}: ${comp.join(", ")}\n    e.g. ${
        loopThrough(comp[0], comp, edges)
      }`,
    });
  }
  return { violations, adapters, unanalysed };
}

async function* walk(dir: string): AsyncGenerator<string> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = posix.join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (/\.(ts|tsx|js|mjs|mts)$/.test(e.name) && !e.name.endsWith(".d.ts")) yield p;
  }
}

/** Reads every source file under `root` (a repo-relative folder, normally "src"). */
export async function readTree(root = "src"): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for await (const f of walk(root)) files.set(f, await readFile(f, "utf8"));
  return files;
}

if (import.meta.main) {
  const report = checkSources(await readTree("src"));
  console.log("adapters (package → its one importer in src/):");
  for (const [pkg, file] of report.adapters) console.log(`  ${pkg} → ${file}`);
  if (report.unanalysed.length) {
    console.log(`computed import() not checked: ${report.unanalysed.join(", ")}`);
  }
  for (const v of report.violations) console.error(`[${v.rule}] ${v.message}`);
  console.log(
    report.violations.length
      ? `${report.violations.length} import rule violation(s)`
      : "import rules: ok",
  );
  process.exitCode = report.violations.length ? 1 : 0;
}
