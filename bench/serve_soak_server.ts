/**
 * The server under test of `bench/serve_soak.ts`: the serve benchmark's subprocess
 * (`serve_server.ts`) with HTTP on, its memory read from `/metrics`
 * (`process_resident_memory_bytes`, `geoguide_js_memory_bytes{kind}`).
 *
 * @module
 */

import {
  type ServerProcess,
  type ServerProcessOptions,
  startServerProcess,
} from "./serve_server.ts";

/** Options of {@link startSoakServer}: those of `startServerProcess` (HTTP is always on). */
export type SoakServerOptions = Omit<ServerProcessOptions, "http">;

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

/** A running server subprocess, with its memory read from `/metrics`. */
export interface SoakServer extends ServerProcess {
  /** Scrapes `/metrics`; NaN for a value the server does not report. */
  memory(): Promise<ServerMemory>;
}

const MIB = 1024 * 1024;

/** The value of one series (`name{labels}` as exposed) in Prometheus text, NaN when absent. */
export function metricValue(text: string, series: string): number {
  for (const line of text.split("\n")) {
    if (line.startsWith(series + " ")) return Number(line.slice(series.length + 1));
  }
  return NaN;
}

/** Starts the server with HTTP on and resolves once it listens and is SERVING. */
export async function startSoakServer(o: SoakServerOptions): Promise<SoakServer> {
  const server = await startServerProcess({ ...o, http: true });
  return {
    ...server,
    async memory() {
      const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
      const js = (kind: string) => metricValue(text, `geoguide_js_memory_bytes{kind="${kind}"}`);
      return {
        rss: metricValue(text, "process_resident_memory_bytes") / MIB,
        heapUsed: js("heap_used") / MIB,
        heapTotal: js("heap_total") / MIB,
        external: js("external") / MIB,
      };
    },
  };
}
