/**
 * Bundles the command line (server included) for Node 20:
 * `deno task bundle:node [OUT_DIR]` (default `dist/node/`), then
 * `node dist/node/cli.mjs serve …`.
 *
 * It writes into OUT_DIR:
 * - `geoguide.mjs`: `src/cli.ts` and everything it imports, one ES module;
 * - `service_worker.mjs`: the worker threads' entry (`src/runtime/service_worker.ts`),
 *   which the bundled `segment_workers.ts` / `train_worker.ts` start from beside
 *   themselves (they look for `service_worker.mjs` when they are not `.ts` sources);
 * - `cli.mjs`: the launcher, `main(process.argv.slice(2))` of `geoguide.mjs`;
 * - `viewer/`: the web viewer's static files (found beside the bundled `viewer.ts`).
 *
 * The npm packages (`dependencies` of package.json: onnxruntime-node and its native
 * `.node` files, draco3d's wasm, gRPC, hono, …) stay imports that Node resolves from
 * the checkout's node_modules. OUT_DIR must be two folders below the checkout root
 * (like `dist/node/`): the modules find `proto/`, `models/text/` and `.cache/` at
 * `../../` from themselves, as they do in `src/<folder>/`.
 *
 * @module
 */

import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** This checkout's root folder. */
const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Default output folder. */
export const DEFAULT_OUT_DIR = join(ROOT, "dist", "node");

/** What {@link bundleNode} wrote. */
export interface NodeBundle {
  /** The output folder. */
  dir: string;
  /** The launcher: `node <cli> <command> [args]`. */
  cli: string;
  /** The bundled worker entry. */
  worker: string;
}

/**
 * The npm packages a bundle for Node leaves as imports (`--external`): every runtime
 * dependency of package.json and its subpaths.
 */
export async function nodeExternals(): Promise<string[]> {
  const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8"));
  return Object.keys(pkg.dependencies ?? {}).flatMap((name) => [name, `${name}/*`]);
}

async function bundle(entry: string, out: string, external: string[]): Promise<void> {
  const result = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform",
      "node",
      ...external.flatMap((e) => ["--external", e]),
      "-o",
      out,
      join(ROOT, entry),
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (result.code !== 0) {
    throw new Error(`deno bundle ${entry} failed:\n${new TextDecoder().decode(result.stderr)}`);
  }
}

const LAUNCHER = `// Written by tools/bundle_node.ts: node cli.mjs <command> [args]
import process from "node:process";
import { main } from "./geoguide.mjs";

process.exitCode = await main(process.argv.slice(2));
`;

/** Bundles the command line and the worker entry for Node into `outDir` (replaced). */
export async function bundleNode(outDir: string = DEFAULT_OUT_DIR): Promise<NodeBundle> {
  const dir = resolve(outDir);
  const depth = relative(ROOT, dir).split(/[\\/]/).filter((p) => p && p !== ".");
  if (depth.length !== 2 || depth[0] === "..") {
    throw new Error(`the output folder must be two folders below ${ROOT} (found ${dir})`);
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(dirname(dir), { recursive: true });
  const external = await nodeExternals();
  const worker = join(dir, "service_worker.mjs");
  await Promise.all([
    bundle("src/cli.ts", join(dir, "geoguide.mjs"), external),
    bundle("src/runtime/service_worker.ts", worker, external),
  ]);
  await cp(join(ROOT, "src", "server", "viewer"), join(dir, "viewer"), { recursive: true });
  const cli = join(dir, "cli.mjs");
  await writeFile(cli, LAUNCHER);
  return { dir, cli, worker };
}

if (import.meta.main) {
  const built = await bundleNode(Deno.args[0] ?? DEFAULT_OUT_DIR);
  console.log(`node ${relative(process.cwd(), built.cli)} serve …  (bundle in ${built.dir})`);
}
