/**
 * The viewer page of the HTTP port: static files only (`GET /`,
 * `/viewer.js`, `/viewer.css`, three.js under `/vendor/`). The page calls
 * the JSON API of `http_api.ts` (`/api/models`, `/api/segment`), which goes
 * through the same admission as gRPC.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Options of {@link viewerHandler}. */
export interface ViewerOptions {
  /** Folder of the `three` package (default: found from this module like Node does). */
  readonly threeDir?: string;
}

const VIEWER_DIR = fileURLToPath(new URL("./viewer/", import.meta.url));

const TYPES = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
} as const;

/** Static files: URL path → [file relative to its root, root, content type]. */
const STATIC: Record<string, [string, "viewer" | "three", keyof typeof TYPES]> = {
  "/": ["index.html", "viewer", "html"],
  "/index.html": ["index.html", "viewer", "html"],
  "/viewer.js": ["viewer.js", "viewer", "js"],
  "/viewer.css": ["viewer.css", "viewer", "css"],
  "/vendor/three.module.js": ["build/three.module.js", "three", "js"],
  "/vendor/three.core.js": ["build/three.core.js", "three", "js"],
  "/vendor/OrbitControls.js": ["examples/jsm/controls/OrbitControls.js", "three", "js"],
};

/** Folder of the installed `three` package, resolved the way Node resolves `require("three")`. */
function findThreeDir(): string {
  const main = createRequire(import.meta.url).resolve("three");
  return dirname(dirname(main));
}

/**
 * The viewer's request handler. Answers the paths listed in the module doc
 * and returns `undefined` for every other path, so it can sit in front of
 * (or behind) other handlers.
 *
 * @param options three.js location
 * @returns a web-standard handler: Request → Response, or undefined when the path is not the viewer's
 */
export function viewerHandler(
  options: ViewerOptions = {},
): (req: Request) => Promise<Response | undefined> {
  const cache = new Map<string, Uint8Array<ArrayBuffer>>();
  let threeDir = options.threeDir;
  const load = async (path: string): Promise<Uint8Array<ArrayBuffer> | undefined> => {
    const [file, root] = STATIC[path];
    const key = `${root}:${file}`;
    let bytes = cache.get(key);
    if (!bytes) {
      const base = root === "viewer" ? VIEWER_DIR : (threeDir ??= findThreeDir());
      try {
        bytes = new Uint8Array(await readFile(join(base, file)));
      } catch {
        return undefined;
      }
      cache.set(key, bytes);
    }
    return bytes;
  };
  return async (req) => {
    const path = new URL(req.url).pathname;
    if (!Object.hasOwn(STATIC, path)) return undefined;
    if (req.method !== "GET" && req.method !== "HEAD") {
      return new Response("Use GET for this path\n", { status: 405, headers: { allow: "GET" } });
    }
    const body = await load(path);
    if (!body) {
      return new Response("This viewer file is missing from the installation\n", { status: 404 });
    }
    const headers = { "content-type": TYPES[STATIC[path][2]], "cache-control": "no-cache" };
    return new Response(req.method === "HEAD" ? null : body, { headers });
  };
}
