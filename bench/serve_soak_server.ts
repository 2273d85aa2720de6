/**
 * The server under test of `bench/serve_soak.ts`: `src/cli.ts serve` as a subprocess on
 * 127.0.0.1 with both ports ephemeral (gRPC for the load, HTTP for `/readyz` and
 * `/metrics`), its ports read from the "listening" log line, and its memory read from
 * `/metrics` (`process_resident_memory_bytes`, `geoguide_js_memory_bytes{kind}`).
 *
 * @module
 */

import { fileURLToPath } from "node:url";

/** Options of {@link startSoakServer}. */
export interface SoakServerOptions {
  /** Registry folder. */
  modelsDir: string;
  /** Default model name. */
  defaultModel: string;
  /** Most points per request. */
  maxPoints: number;
  /** V8 flags of the server process, e.g. ["--max-old-space-size=512"]. */
  v8Flags: string[];
  /** How long to wait for the ports and readiness, ms. */
  readyTimeoutMs: number;
  /** Progress sink. */
  log: (line: string) => void;
}

/** Memory of the server as its `/metrics` reports it, MiB. */
export interface ServerMemory {
  /** Resident set size. */
  rss: number;
  /** JavaScript heap in use. */
  heapUsed: number;
  /** JavaScript heap reserved. */
  heapTotal: number;
  /** Memory outside the heap held by JavaScript objects (buffers). */
  external: number;
}

/** A running server subprocess. */
export interface SoakServer {
  /** Process id (for /proc/<pid>/status). */
  readonly pid: number;
  /** "127.0.0.1:port" of the gRPC server. */
  readonly address: string;
  /** Scrapes `/metrics`; NaN for a value the server does not report. */
  memory(): Promise<ServerMemory>;
  /** Calls logged with a status other than OK so far. */
  failedCalls(): number;
  /** SIGTERM, then SIGKILL after 10 s; resolves when the process has exited. */
  stop(): Promise<void>;
}

const CLI = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
const MIB = 1024 * 1024;

/** The value of one series (`name{labels}` as exposed) in Prometheus text, NaN when absent. */
export function metricValue(text: string, series: string): number {
  for (const line of text.split("\n")) {
    if (line.startsWith(series + " ")) return Number(line.slice(series.length + 1));
  }
  return NaN;
}

/** Starts the server and resolves once it listens and `/readyz` answers 200. */
export async function startSoakServer(o: SoakServerOptions): Promise<SoakServer> {
  const flags = o.v8Flags.length ? [`--v8-flags=${o.v8Flags.join(",")}`] : [];
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      ...["run", "-A", ...flags, CLI, "serve", "--host=127.0.0.1", "--grpc-port=0"],
      ...["--http-port=0", `--models=${o.modelsDir}`, `--default-model=${o.defaultModel}`],
      `--max-points=${o.maxPoints}`,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let failed = 0;
  const tail: string[] = [];
  let ports: ((p: { grpc: number; http: number }) => void) | undefined;
  const listening = new Promise<{ grpc: number; http: number }>((r) => (ports = r));
  const lines = child.stderr.pipeThrough(new TextDecoderStream()).values();
  const drained = (async () => {
    let rest = "";
    for await (const chunk of lines) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop()!;
      for (const line of parts) {
        let rec: Record<string, unknown> = { msg: line };
        try {
          rec = JSON.parse(line);
        } catch { /* not a log record */ }
        if (rec.msg === "listening") {
          ports?.({ grpc: Number(rec.grpc_port), http: Number(rec.http_port) });
        } else if (rec.msg === "rpc" && rec.code !== "OK") failed++;
        if (rec.msg === "rpc") continue;
        tail.push(line.slice(0, 300));
        if (tail.length > 5) tail.shift();
      }
    }
  })();
  const status = child.status;
  const kill = (signal: Deno.Signal) => {
    try {
      child.kill(signal);
    } catch { /* already gone */ }
  };
  const give = (why: string) => {
    kill("SIGKILL");
    return new Error(`The server did not start: ${why}; last lines: ${tail.join(" | ")}`);
  };
  const deadline = Date.now() + o.readyTimeoutMs;
  const p = await Promise.race([listening, status.then(() => null)]);
  if (!p) throw new Error(`The server exited at start; last lines: ${tail.join(" | ")}`);
  const http = `http://127.0.0.1:${p.http}`;
  o.log(`server pid ${child.pid}: gRPC ${p.grpc}, HTTP ${p.http}; waiting for /readyz`);
  for (;;) {
    const res = await fetch(`${http}/readyz`).catch(() => null);
    await res?.body?.cancel();
    if (res?.status === 200) break;
    if (Date.now() > deadline) throw give(`not ready after ${o.readyTimeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    pid: child.pid,
    address: `127.0.0.1:${p.grpc}`,
    async memory() {
      const text = await (await fetch(`${http}/metrics`)).text();
      const js = (kind: string) => metricValue(text, `geoguide_js_memory_bytes{kind="${kind}"}`);
      return {
        rss: metricValue(text, "process_resident_memory_bytes") / MIB,
        heapUsed: js("heap_used") / MIB,
        heapTotal: js("heap_total") / MIB,
        external: js("external") / MIB,
      };
    },
    failedCalls: () => failed,
    async stop() {
      kill("SIGTERM");
      const killer = setTimeout(() => kill("SIGKILL"), 10_000);
      await status;
      clearTimeout(killer);
      await drained;
    },
  };
}
