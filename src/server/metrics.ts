/**
 * A small Prometheus registry (counters, gauges, histograms with labels) and
 * the text exposition format 0.0.4, plus the server's metric set, named in
 * the style of large inference servers (`geoguide_request_duration_seconds`, …).
 *
 * @module
 */

import process from "node:process";

type Labels = Record<string, string>;

function labelKey(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  return keys.map((k) => `${k}="${escapeLabel(labels[k])}"`).join(",");
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function fmt(v: number): string {
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return Number.isNaN(v) ? "NaN" : String(v);
}

interface Metric {
  render(): string[];
}

/** A monotonically increasing counter per label set. */
export class Counter implements Metric {
  readonly #values = new Map<string, number>();
  /** @param name metric name (ends in `_total`) @param help one line */
  constructor(readonly name: string, readonly help: string) {}
  /** Adds `by` (default 1, must be ≥ 0) to the series `labels`. */
  inc(labels: Labels = {}, by = 1): void {
    const k = labelKey(labels);
    this.#values.set(k, (this.#values.get(k) ?? 0) + by);
  }
  /** Current value of the series `labels` (0 when never touched). */
  get(labels: Labels = {}): number {
    return this.#values.get(labelKey(labels)) ?? 0;
  }
  /** Exposition lines. */
  render(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [k, v] of this.#values) out.push(`${this.name}${k ? `{${k}}` : ""} ${fmt(v)}`);
    return out;
  }
}

/** A value that goes up and down, per label set. */
export class Gauge implements Metric {
  readonly #values = new Map<string, number>();
  /** @param name metric name @param help one line */
  constructor(readonly name: string, readonly help: string) {}
  /** Sets the series `labels` to `value`. */
  set(labels: Labels, value: number): void {
    this.#values.set(labelKey(labels), value);
  }
  /** Removes every series. */
  reset(): void {
    this.#values.clear();
  }
  /** Current value of the series `labels` (0 when never set). */
  get(labels: Labels = {}): number {
    return this.#values.get(labelKey(labels)) ?? 0;
  }
  /** Exposition lines. */
  render(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const [k, v] of this.#values) out.push(`${this.name}${k ? `{${k}}` : ""} ${fmt(v)}`);
    return out;
  }
}

/** A cumulative histogram with fixed upper bounds, per label set. */
export class Histogram implements Metric {
  readonly #series = new Map<string, { counts: number[]; sum: number; count: number }>();
  /** @param name metric name (base, without `_bucket`) @param help one line @param bounds ascending upper bounds */
  constructor(readonly name: string, readonly help: string, readonly bounds: readonly number[]) {}
  /** Records one observation `value` in the series `labels`. */
  observe(labels: Labels, value: number): void {
    const k = labelKey(labels);
    let s = this.#series.get(k);
    if (!s) {
      s = { counts: new Array(this.bounds.length).fill(0), sum: 0, count: 0 };
      this.#series.set(k, s);
    }
    for (let i = 0; i < this.bounds.length; i++) if (value <= this.bounds[i]) s.counts[i]++;
    s.sum += value;
    s.count++;
  }
  /** Number of observations in the series `labels`. */
  count(labels: Labels = {}): number {
    return this.#series.get(labelKey(labels))?.count ?? 0;
  }
  /** Exposition lines: cumulative `_bucket{le}`, `_sum`, `_count`. */
  render(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, s] of this.#series) {
      const pre = k ? `${k},` : "";
      this.bounds.forEach((b, i) =>
        out.push(`${this.name}_bucket{${pre}le="${fmt(b)}"} ${s.counts[i]}`)
      );
      out.push(`${this.name}_bucket{${pre}le="+Inf"} ${s.count}`);
      out.push(`${this.name}_sum${k ? `{${k}}` : ""} ${fmt(s.sum)}`);
      out.push(`${this.name}_count${k ? `{${k}}` : ""} ${s.count}`);
    }
    return out;
  }
}

/** Latency buckets in seconds, 1 ms … 60 s. */
export const LATENCY_BUCKETS_S: readonly number[] = [
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
  60,
];

/** The server's metrics. */
export class ServerMetrics {
  /** `geoguide_requests_total{method,code}`: finished RPCs by gRPC code name. */
  readonly requests = new Counter(
    "geoguide_requests_total",
    "Finished RPCs by method and gRPC status code",
  );
  /** `geoguide_request_duration_seconds{method}`: whole RPC latency. */
  readonly duration = new Histogram(
    "geoguide_request_duration_seconds",
    "RPC latency from arrival to response, seconds",
    LATENCY_BUCKETS_S,
  );
  /** `geoguide_request_queue_duration_seconds{method}`: time waiting for a work slot. */
  readonly queueDuration = new Histogram(
    "geoguide_request_queue_duration_seconds",
    "Time requests waited in the work queue, seconds",
    LATENCY_BUCKETS_S,
  );
  /** `geoguide_request_compute_duration_seconds{method}`: time running once dequeued. */
  readonly computeDuration = new Histogram(
    "geoguide_request_compute_duration_seconds",
    "Time requests ran after leaving the work queue, seconds",
    LATENCY_BUCKETS_S,
  );
  /** `geoguide_points_processed_total`: points segmented successfully. */
  readonly points = new Counter("geoguide_points_processed_total", "Points segmented successfully");
  /** `geoguide_training_steps_total`: optimiser steps reported by training runs. */
  readonly trainingSteps = new Counter("geoguide_training_steps_total", "Training optimiser steps");
  /** `geoguide_queue_depth`: requests waiting now. */
  readonly queueDepth = new Gauge("geoguide_queue_depth", "Requests waiting in the work queue");
  /** `geoguide_inflight_requests`: requests running now. */
  readonly inflight = new Gauge("geoguide_inflight_requests", "Requests running now");
  /** `geoguide_model_loaded{model,version}`: 1 per model version available, `geoguide_models_loaded` the count. */
  readonly modelLoaded = new Gauge("geoguide_model_loaded", "1 for every model version available");
  /** `geoguide_ready`: 1 when the default model is loaded. */
  readonly ready = new Gauge(
    "geoguide_ready",
    "1 when the default model is loaded and requests are served",
  );

  /** `process_resident_memory_bytes`: resident set size, read at each render. */
  readonly residentMemory = new Gauge("process_resident_memory_bytes", "Resident memory, bytes");
  /**
   * `geoguide_js_memory_bytes{kind}`: the JavaScript engine's memory, read at each render:
   * kind "heap_used", "heap_total" (heap reserved) and "external" (buffers held by JS objects).
   */
  readonly jsMemory = new Gauge(
    "geoguide_js_memory_bytes",
    "JavaScript engine memory by kind (heap_used, heap_total, external), bytes",
  );

  /** Reads the process memory into `residentMemory` and `jsMemory`. */
  sampleMemory(): void {
    const m = process.memoryUsage();
    this.residentMemory.set({}, m.rss);
    this.jsMemory.set({ kind: "heap_used" }, m.heapUsed);
    this.jsMemory.set({ kind: "heap_total" }, m.heapTotal);
    this.jsMemory.set({ kind: "external" }, m.external);
  }

  /** The full exposition text (ends with a newline); samples the memory gauges first. */
  render(): string {
    this.sampleMemory();
    const all: Metric[] = [
      this.requests,
      this.duration,
      this.queueDuration,
      this.computeDuration,
      this.points,
      this.trainingSteps,
      this.queueDepth,
      this.inflight,
      this.modelLoaded,
      this.ready,
      this.residentMemory,
      this.jsMemory,
    ];
    return all.flatMap((m) => m.render()).join("\n") + "\n";
  }
}

/** Content type of the exposition text. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
