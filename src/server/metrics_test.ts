import assert from "node:assert/strict";
import { Counter, Histogram, ServerMetrics } from "./metrics.ts";

Deno.test("histogram buckets are cumulative and +Inf equals the count", () => {
  const h = new Histogram("x_seconds", "help", [0.1, 1]);
  for (const v of [0.05, 0.1, 0.5, 2, 3]) h.observe({ method: "Segment" }, v);
  const text = h.render().join("\n");
  assert.match(text, /x_seconds_bucket\{method="Segment",le="0.1"\} 2/);
  assert.match(text, /x_seconds_bucket\{method="Segment",le="1"\} 3/);
  assert.match(text, /x_seconds_bucket\{method="Segment",le="\+Inf"\} 5/);
  assert.match(text, /x_seconds_count\{method="Segment"\} 5/);
  assert.match(text, /x_seconds_sum\{method="Segment"\} 5.65/);
});

Deno.test("counters sum per label set and escape label values", () => {
  const c = new Counter("y_total", "help");
  c.inc({ code: "OK", method: "Segment" });
  c.inc({ method: "Segment", code: "OK" }, 2);
  c.inc({ method: 'a"b\nc', code: "OK" });
  assert.equal(c.get({ code: "OK", method: "Segment" }), 3);
  const text = c.render().join("\n");
  assert.match(text, /# TYPE y_total counter/);
  assert.match(text, /y_total\{code="OK",method="Segment"\} 3/);
  assert.ok(text.includes('method="a\\"b\\nc"'));
});

Deno.test("the server metric set renders every family with HELP and TYPE", () => {
  const m = new ServerMetrics();
  m.requests.inc({ method: "Segment", code: "OK" });
  const text = m.render();
  for (
    const name of [
      "geoguide_requests_total",
      "geoguide_request_duration_seconds",
      "geoguide_request_queue_duration_seconds",
      "geoguide_request_compute_duration_seconds",
      "geoguide_points_processed_total",
      "geoguide_training_steps_total",
      "geoguide_model_loaded",
    ]
  ) {
    assert.match(text, new RegExp(`# TYPE ${name} `));
  }
  assert.ok(text.endsWith("\n"));
  const value = (series: string) =>
    Number(new RegExp(`^${series} (\\S+)$`, "m").exec(text)?.[1] ?? NaN);
  assert.ok(value("process_resident_memory_bytes") > 1e6);
  const used = value('geoguide_js_memory_bytes{kind="heap_used"}');
  assert.ok(used > 0 && used <= value('geoguide_js_memory_bytes{kind="heap_total"}'));
});
