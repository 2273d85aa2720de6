/**
 * The HTTP side (the only adapter of hono and @hono/node-server):
 * `GET /healthz` (alive), `GET /readyz` (200 once the default model is
 * loaded, 503 before and during shutdown), `GET /metrics` (Prometheus text),
 * all three open to probes and scrapers; `/api/…` goes to the JSON API
 * (`http_api.ts`, behind the Segment token); every other path goes to the
 * optional `fallback` handler (the viewer page at `/` plugs in there);
 * without one it answers 404. One JSON log line per
 * request with a request id (`x-request-id`, echoed back).
 *
 * Runs on `Deno.serve` under Deno and on @hono/node-server under Node.
 *
 * @module
 */

import { Hono } from "hono";
import { serve as nodeServe } from "@hono/node-server";
import { GeoError } from "../kernels/errors.ts";
import { type Logger, newRequestId } from "./log.ts";
import { METRICS_CONTENT_TYPE } from "./metrics.ts";

/** What the HTTP server reports. */
export interface HttpDeps {
  /** True once the default model is loaded (and not shutting down). */
  ready(): boolean;
  /** Prometheus exposition text. */
  metrics(): string;
  /** Request logs. */
  readonly logger: Logger;
  /** The JSON API (`/api/…`, see http_api.ts): answers its paths, undefined for others. */
  readonly api?: (request: Request) => Promise<Response | undefined>;
  /** Handles every other path (e.g. the viewer at `/`). */
  readonly fallback?: (request: Request) => Response | Promise<Response>;
}

/** A running HTTP server. */
export interface HttpServerHandle {
  /** The bound port. */
  readonly port: number;
  /** Stops listening and closes connections. */
  close(): Promise<void>;
}

/** The Hono app (exposed for in-process tests: `app.request("/readyz")`). */
export function createHttpApp(deps: HttpDeps): Hono {
  const app = new Hono();
  app.use("*", async (c, next) => {
    const t0 = performance.now();
    const id = c.req.header("x-request-id") || newRequestId();
    await next();
    c.header("x-request-id", id);
    deps.logger.log("info", "http", {
      request_id: id,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round((performance.now() - t0) * 100) / 100,
    });
  });
  app.get("/healthz", (c) => c.text("ok\n"));
  app.get("/readyz", (c) => (deps.ready() ? c.text("ready\n") : c.text("not ready\n", 503)));
  app.get("/metrics", (c) => c.body(deps.metrics(), 200, { "content-type": METRICS_CONTENT_TYPE }));
  app.all("*", async (c) => {
    const answered = await deps.api?.(c.req.raw);
    if (answered) return answered;
    return deps.fallback ? deps.fallback(c.req.raw) : c.text("not found\n", 404);
  });
  return app;
}

type DenoServe = (
  opts: {
    port: number;
    hostname: string;
    onListen?: (a: { port: number }) => void;
    signal?: AbortSignal;
  },
  handler: (r: Request) => Response | Promise<Response>,
) => { finished: Promise<void>; addr: { port: number }; shutdown(): Promise<void> };

/** Starts the HTTP server on `host:port` (port 0 = any free port). */
export async function startHttpServer(
  options: { host: string; port: number },
  deps: HttpDeps,
): Promise<HttpServerHandle> {
  const app = createHttpApp(deps);
  const g = globalThis as { Deno?: { serve: DenoServe } };
  if (g.Deno) {
    let server: ReturnType<DenoServe>;
    try {
      server = g.Deno.serve(
        { port: options.port, hostname: options.host, onListen: () => {} },
        app.fetch,
      );
    } catch (e) {
      throw new GeoError("unavailable", `Cannot listen on HTTP ${options.host}:${options.port}`, {
        cause: e,
      });
    }
    return { port: server.addr.port, close: () => server.shutdown() };
  }
  return await new Promise<HttpServerHandle>((resolve, reject) => {
    const server = nodeServe(
      { fetch: app.fetch, port: options.port, hostname: options.host },
      (info) =>
        resolve({
          port: info.port,
          close: () => new Promise<void>((r) => server.close(() => r())),
        }),
    );
    server.on(
      "error",
      (e) =>
        reject(
          new GeoError("unavailable", `Cannot listen on HTTP ${options.host}:${options.port}`, {
            cause: e,
          }),
        ),
    );
  });
}
