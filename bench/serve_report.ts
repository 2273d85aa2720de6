/**
 * The markdown report of `bench/serve.ts`: latency / throughput rows with the server's
 * timing breakdown, the gRPC-overhead comparison, the RSS series and the targets.
 *
 * @module
 */

import { fmt, mean, meanTiming, type PathResult, percentile } from "./serve_load.ts";

/** Target: p50 latency of a ~100K-point request on CPU, ms. */
export const TARGET_P50_100K_MS = 500;
/** Target: gRPC overhead over the in-process pipeline, percent. */
export const TARGET_GRPC_OVERHEAD_PCT = 10;
/** Target: RSS growth between the early and the final checkpoint, percent. */
export const TARGET_RSS_GROWTH_PCT = 5;

/** One measured configuration. */
export interface LatencyRow {
  /** Points per request. */
  points: number;
  /** "gRPC" or "in-process". */
  path: string;
  /** Concurrent clients. */
  clients: number;
  /** Samples and failures. */
  result: PathResult;
  /** Wall time of the configuration, s (shared by paths run alternately). */
  wallS: number;
  /** Server VmRSS after the configuration, MiB (NaN for in-process rows). */
  rssMiB: number;
}

/** The gRPC vs in-process comparison at one size (1 client, alternating). */
export interface OverheadRow {
  /** Points per request. */
  points: number;
  /** In-process samples. */
  inProcess: PathResult;
  /** gRPC samples. */
  grpc: PathResult;
}

/** One RSS checkpoint. */
export interface RssPoint {
  /** Requests completed when read. */
  requests: number;
  /** Server VmRSS, MiB. */
  rssMiB: number;
}

/** Everything the report shows. */
export interface Report {
  /** Lines of context (machine, load, model, inputs). */
  context: string[];
  /** Latency rows. */
  rows: LatencyRow[];
  /** gRPC overhead rows. */
  overhead: OverheadRow[];
  /** Points per request of the RSS series. */
  rssPoints: number;
  /** RSS checkpoints, first = idle after start. */
  rss: RssPoint[];
}

const pass = (ok: boolean | null) => (ok === null ? "not measured" : ok ? "PASS" : "FAIL");

function latencyTable(rows: readonly LatencyRow[]): string[] {
  const out = [
    "| points | path | clients | ok | err | p50 ms | p99 ms | req/s | Mpts/s | queue | decode | " +
    "features | adapter | text | server total | outside server ms | server RSS MiB |",
    "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    const ms = r.result.samples.map((s) => s.ms);
    const t = meanTiming(r.result.samples);
    const rps = r.result.samples.length / r.wallS;
    out.push(
      `| ${r.points} | ${r.path} | ${r.clients} | ${ms.length} | ${r.result.errors} | ` +
        `${fmt(percentile(ms, 50))} | ${fmt(percentile(ms, 99))} | ${fmt(rps, 2)} | ` +
        `${fmt((rps * r.points) / 1e6, 2)} | ${fmt(t.queue)} | ${fmt(t.decode)} | ` +
        `${fmt(t.features)} | ${fmt(t.adapter)} | ${fmt(t.text, 1)} | ${fmt(t.total)} | ` +
        `${fmt(mean(r.result.samples.map((s) => s.ms - s.timing.total)))} | ${fmt(r.rssMiB)} |`,
    );
  }
  return out;
}

/** Overhead of gRPC over in-process at the median, percent. */
export function overheadPct(o: OverheadRow): number {
  const g = percentile(o.grpc.samples.map((s) => s.ms), 50);
  const i = percentile(o.inProcess.samples.map((s) => s.ms), 50);
  return (g / i - 1) * 100;
}

function overheadTable(rows: readonly OverheadRow[]): string[] {
  const out = [
    "| points | pairs | in-process p50 ms | gRPC p50 ms | overhead (p50) | in-process mean ms | " +
    "gRPC mean ms | transport ms (client − server total, mean) | target |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
  ];
  for (const o of rows) {
    const g = o.grpc.samples.map((s) => s.ms), i = o.inProcess.samples.map((s) => s.ms);
    const transport = mean(o.grpc.samples.map((s) => s.ms - s.timing.total));
    const pct = overheadPct(o);
    out.push(
      `| ${o.points} | ${Math.min(g.length, i.length)} | ${fmt(percentile(i, 50))} | ` +
        `${fmt(percentile(g, 50))} | ${fmt(pct, 1)} % | ${fmt(mean(i))} | ${fmt(mean(g))} | ` +
        `${fmt(transport, 1)} | < ${TARGET_GRPC_OVERHEAD_PCT} %: ` +
        `${pass(Number.isFinite(pct) ? pct < TARGET_GRPC_OVERHEAD_PCT : null)} |`,
    );
  }
  return out;
}

/**
 * RSS growth between the second checkpoint (after warm-up) and the last, MiB and percent,
 * and over the second half of the series, MiB.
 */
export function rssGrowth(rss: readonly RssPoint[]): { mib: number; pct: number; half: number } {
  if (rss.length < 3) return { mib: NaN, pct: NaN, half: NaN };
  const a = rss[1].rssMiB, b = rss[rss.length - 1].rssMiB;
  const total = rss[rss.length - 1].requests;
  const mid = rss.find((p) => p.requests >= total / 2) ?? rss[1];
  return { mib: b - a, pct: ((b - a) / a) * 100, half: b - mid.rssMiB };
}

/** Renders the report as markdown. */
export function renderReport(r: Report): string {
  const lines = ["## Serve benchmark", "", ...r.context.map((c) => `- ${c}`), ""];
  lines.push("### Latency and throughput", "", ...latencyTable(r.rows), "");
  lines.push(
    "Timing columns: the server's breakdown (ms, mean over the requests; queue = waiting " +
      "for the work slot, total = whole handler). Outside server = mean of client latency − " +
      "server total: transport, (de)serialisation, and any wait before the handler starts " +
      "(a request still being received while another one computes is not counted as queue " +
      "time). p99 is the nearest-rank percentile: with fewer than 100 requests it is the " +
      "maximum.",
    "",
  );
  if (r.overhead.length) {
    lines.push("### gRPC overhead (1 client, gRPC and in-process requests alternating)", "");
    lines.push(...overheadTable(r.overhead), "");
  }
  const g = rssGrowth(r.rss);
  if (r.rss.length) {
    lines.push(`### Server RSS over ${r.rss.at(-1)!.requests} requests of ${r.rssPoints} points`);
    lines.push("", "| after requests | VmRSS MiB | change MiB |", "|---:|---:|---:|");
    r.rss.forEach((p, k) => {
      const d = k ? p.rssMiB - r.rss[k - 1].rssMiB : NaN;
      lines.push(`| ${p.requests} | ${fmt(p.rssMiB, 1)} | ${fmt(d, 1)} |`);
    });
    lines.push("");
  }
  const p100 = r.rows.find((x) => x.points === 100_000 && x.path === "gRPC" && x.clients === 1);
  const p50 = p100 ? percentile(p100.result.samples.map((s) => s.ms), 50) : NaN;
  const worst = r.overhead.length ? Math.max(...r.overhead.map(overheadPct)) : NaN;
  const ok = (x: number, f: (x: number) => boolean) => (Number.isFinite(x) ? f(x) : null);
  const failed = r.rows.reduce((n, x) => n + x.result.errors, 0);
  lines.push("### Targets", "", "| target | measured | status |", "|---|---:|---|");
  lines.push(
    `| 100K points p50 < ${TARGET_P50_100K_MS} ms on CPU (gRPC, 1 client) | ${fmt(p50)} ms | ` +
      `${pass(ok(p50, (x) => x < TARGET_P50_100K_MS))} |`,
    `| gRPC overhead < ${TARGET_GRPC_OVERHEAD_PCT} % (worst size, p50) | ${fmt(worst, 1)} % | ` +
      `${pass(ok(worst, (x) => x < TARGET_GRPC_OVERHEAD_PCT))} |`,
    `| RSS stable (growth from request ${r.rss[1]?.requests ?? "–"} to ` +
      `${r.rss.at(-1)?.requests ?? "–"} < ${TARGET_RSS_GROWTH_PCT} %) | ` +
      `${fmt(g.mib, 1)} MiB (${fmt(g.pct, 1)} %); second half ${fmt(g.half, 1)} MiB | ` +
      `${pass(ok(g.pct, (x) => x < TARGET_RSS_GROWTH_PCT))} |`,
    `| no failed requests | ${failed} | ${pass(failed === 0)} |`,
  );
  return lines.join("\n");
}
