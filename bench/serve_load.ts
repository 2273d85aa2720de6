/**
 * Load generation and statistics of `bench/serve.ts`: C concurrent clients issuing a
 * bounded number of requests within a time budget, over one or more request paths
 * run alternately (so that paths compared with each other see the same machine load).
 *
 * @module
 */

import type { TimingMs } from "../src/infer/api.ts";

/** One way of sending a request; resolves to the server's timing breakdown (ms). */
export type RequestPath = (client: number) => Promise<TimingMs>;

/** One completed request. */
export interface Sample {
  /** Latency seen by the caller, ms. */
  ms: number;
  /** The server's timing breakdown, ms. */
  timing: TimingMs;
}

/** Samples of one path. */
export interface PathResult {
  /** Completed requests. */
  samples: Sample[];
  /** Failed requests. */
  errors: number;
  /** Message of the first failure. */
  firstError?: string;
}

/** Options of {@link runLoad}. */
export interface LoadOptions {
  /** Concurrent clients C ≥ 1. */
  clients: number;
  /** Iterations in all (each runs every path once); no new ones start beyond it. */
  iterations: number;
  /** No new iteration starts after this many seconds. */
  maxSeconds: number;
  /** Name in progress lines. */
  label: string;
  /** Progress sink. */
  log: (line: string) => void;
  /** Progress line interval, ms (default 5000). */
  progressMs?: number;
}

/**
 * Runs `paths` under load: each client repeatedly takes the next iteration and runs
 * every path once, the order rotating per iteration.
 *
 * @returns per-path samples and the wall time, seconds
 */
export async function runLoad(
  paths: readonly RequestPath[],
  options: LoadOptions,
): Promise<{ results: PathResult[]; wallS: number }> {
  const results: PathResult[] = paths.map(() => ({ samples: [], errors: 0 }));
  const t0 = performance.now();
  const stopAt = t0 + options.maxSeconds * 1000;
  let issued = 0, done = 0, lastLog = t0;
  const every = options.progressMs ?? 5000;
  const worker = async (client: number) => {
    while (issued < options.iterations && performance.now() < stopAt) {
      const it = issued++;
      for (let k = 0; k < paths.length; k++) {
        const p = (it + k) % paths.length;
        const ts = performance.now();
        try {
          const timing = await paths[p](client);
          results[p].samples.push({ ms: performance.now() - ts, timing });
        } catch (e) {
          results[p].errors++;
          results[p].firstError ??= String((e as Error)?.message ?? e);
        }
      }
      done++;
      const now = performance.now();
      if (now - lastLog >= every) {
        lastLog = now;
        const rate = done / ((now - t0) / 1000);
        const left = Math.min(
          (options.iterations - done) / rate,
          Math.max(0, (stopAt - now) / 1000),
        );
        options.log(
          `${options.label}: ${done}/${options.iterations} iterations, ${rate.toFixed(2)} it/s, ` +
            `ETA ${left.toFixed(0)} s`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: options.clients }, (_, c) => worker(c)));
  return { results, wallS: (performance.now() - t0) / 1000 };
}

/** Nearest-rank percentile `p` (0..100) of `xs`; NaN when empty. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** Mean of `xs`; NaN when empty. */
export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

/** Field-wise mean of the samples' timing breakdowns, ms. */
export function meanTiming(samples: readonly Sample[]): TimingMs {
  const keys = ["queue", "decode", "features", "adapter", "text", "total"] as const;
  const out = { queue: 0, decode: 0, features: 0, adapter: 0, text: 0, total: 0 };
  for (const k of keys) out[k] = mean(samples.map((s) => s.timing[k]));
  return out;
}

/** Formats a number with `digits` decimals, "–" for NaN. */
export function fmt(x: number, digits = 0): string {
  return Number.isFinite(x) ? x.toFixed(digits) : "–";
}
