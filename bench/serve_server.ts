/**
 * The server under test of `bench/serve.ts`: `deno run -A src/cli.ts serve` as a
 * subprocess on 127.0.0.1 (any free gRPC port, no HTTP), its port read from the
 * "listening" log line, readiness from the gRPC health check, and its resident memory
 * from /proc.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { GeoguideClient } from "../src/server/grpc.ts";

/** Options of {@link startServerProcess}. */
export interface ServerProcessOptions {
  /** Registry folder. */
  modelsDir: string;
  /** Default model name. */
  defaultModel: string;
  /** Most points per request. */
  maxPoints: number;
  /** How long to wait for the port and readiness, ms. */
  readyTimeoutMs: number;
  /** Progress sink. */
  log: (line: string) => void;
  /** More `serve` flags (e.g. `--segment-workers=0`). */
  extraArgs?: string[];
  /** Also serve HTTP (/metrics, /readyz) on an ephemeral port (default false). */
  http?: boolean;
  /** V8 flags of the server process, e.g. ["--max-old-space-size=512"]. */
  v8Flags?: string[];
}

/** A running server subprocess. */
export interface ServerProcess {
  /** Process id (for /proc/<pid>/status). */
  readonly pid: number;
  /** "127.0.0.1:port" of the gRPC server. */
  readonly address: string;
  /** "http://127.0.0.1:port" of the HTTP server ("" without `http`). */
  readonly httpUrl: string;
  /** Calls logged with a status other than OK so far. */
  failedCalls(): number;
  /** The last warning / error log lines (at most 5). */
  lastErrors(): string[];
  /** SIGTERM, then SIGKILL after 10 s; resolves when the process has exited. */
  stop(): Promise<void>;
}

/** Memory of a process from /proc/<pid>/status: VmRSS and VmHWM (peak), MiB; NaN off Linux. */
export function processMemoryMiB(pid: number): { rss: number; peak: number } {
  try {
    const text = Deno.readTextFileSync(`/proc/${pid}/status`);
    const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(text)?.[1] ?? NaN);
    return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
  } catch {
    return { rss: NaN, peak: NaN };
  }
}

const CLI = fileURLToPath(new URL("../src/cli.ts", import.meta.url));

/**
 * Starts the server subprocess and resolves once it listens and its health check says
 * SERVING (the default model and its text encoder are loaded).
 */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      ...(options.v8Flags?.length ? [`--v8-flags=${options.v8Flags.join(",")}`] : []),
      CLI,
      "serve",
      "--host=127.0.0.1",
      "--grpc-port=0",
      `--http-port=${options.http ? 0 : -1}`,
      `--models=${options.modelsDir}`,
      `--default-model=${options.defaultModel}`,
      `--max-points=${options.maxPoints}`,
      "--shutdown-grace-ms=5000",
      ...(options.extraArgs ?? []),
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let failed = 0;
  const errors: string[] = [];
  let httpPort = -1;
  let onPort: (port: number) => void = () => {};
  const portSeen = new Promise<number>((resolve) => (onPort = resolve));
  const drained = (async () => {
    let buf = "";
    const dec = new TextDecoder();
    for await (const chunk of child.stderr) {
      buf += dec.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let rec: Record<string, unknown> | null = null;
        try {
          rec = JSON.parse(line);
        } catch { /* not a log record */ }
        if (rec?.msg === "listening") {
          httpPort = Number(rec.http_port ?? -1);
          onPort(Number(rec.grpc_port));
        }
        if (rec?.msg === "rpc" && rec.code !== "OK") failed++;
        if (!rec || rec.level === "warn" || rec.level === "error") {
          errors.push(line.slice(0, 300));
          if (errors.length > 5) errors.shift();
        }
      }
    }
  })();
  const status = child.status;
  const fail = async (why: string): Promise<never> => {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await status;
    await drained;
    throw new Error(`The server did not start: ${why}; last lines: ${errors.join(" | ")}`);
  };
  const deadline = Date.now() + options.readyTimeoutMs;
  const exited = status.then(() => -1);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<number>((
    r,
  ) => (timer = setTimeout(() => r(-2), options.readyTimeoutMs)));
  const port = await Promise.race([portSeen, exited, timeout]);
  clearTimeout(timer);
  if (port < 0) await fail(port === -1 ? "it exited" : "no 'listening' line in time");
  const address = `127.0.0.1:${port}`;
  options.log(`server pid ${child.pid} listening on ${address}; waiting for SERVING`);
  const client = new GeoguideClient(address);
  try {
    for (;;) {
      const h = await client.health("", { timeoutMs: 2000 }).catch(() => "UNREACHABLE");
      if (h === "SERVING") break;
      if (Date.now() > deadline) await fail(`health is ${h} after ${options.readyTimeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    client.close();
  }
  return {
    pid: child.pid,
    address,
    httpUrl: options.http ? `http://127.0.0.1:${httpPort}` : "",
    failedCalls: () => failed,
    lastErrors: () => [...errors],
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      const killer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* already gone */ }
      }, 10_000);
      await status;
      clearTimeout(killer);
      await drained;
    },
  };
}
