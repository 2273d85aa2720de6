import assert from "node:assert/strict";
import {
  leastSquaresSlope,
  parseSoakArgs,
  renderSoakReport,
  secondHalfSlope,
  type SoakSample,
} from "../bench/serve_soak.ts";
import { metricValue } from "../bench/serve_soak_server.ts";

const sample = (requests: number, vmRss: number, heapUsed = 10): SoakSample => ({
  requests,
  wallS: requests / 10,
  vmRss,
  rss: vmRss,
  heapUsed,
  heapTotal: 20,
  external: 1,
  p50Ms: 50,
});

Deno.test("soak flags: defaults, both spellings, bad values and unknown flags refused", () => {
  const d = parseSoakArgs([]);
  assert.equal(d.requests, 5000);
  assert.equal(d.points, 20_000);
  assert.deepEqual(d.v8Flags, []);
  const o = parseSoakArgs(["--requests", "300", "--every=50", "--server-v8-flags=--a=1,--b"]);
  assert.equal(o.requests, 300);
  assert.equal(o.every, 50);
  assert.deepEqual(o.v8Flags, ["--a=1", "--b"]);
  assert.throws(() => parseSoakArgs(["--requests", "0"]), /--requests/);
  assert.throws(() => parseSoakArgs(["--every"]), /needs a value/);
  assert.throws(() => parseSoakArgs(["--bogus", "1"]), /--bogus/);
});

Deno.test("least-squares slope: exact on a line, NaN without spread", () => {
  assert.ok(Math.abs(leastSquaresSlope([0, 1, 2, 3], [1, 3, 5, 7]) - 2) < 1e-12);
  assert.ok(Math.abs(leastSquaresSlope([0, 1, 2], [0, 1, 0])) < 1e-12);
  assert.ok(Number.isNaN(leastSquaresSlope([5, 5], [1, 2])));
});

Deno.test("second-half slope ignores the warm-up rise; the report names milestones and slopes", () => {
  // Steep rise up to 1000 requests, then +2 MiB per 1,000 requests.
  const s = [sample(0, 200), sample(100, 400), sample(1000, 500)];
  for (let r = 2000; r <= 4000; r += 1000) s.push(sample(r, 500 + 2 * (r / 1000 - 1)));
  assert.ok(Math.abs(secondHalfSlope(s, (x) => x.vmRss) - 2) < 1e-9);
  assert.equal(secondHalfSlope(s, (x) => x.heapUsed), 0);
  const text = renderSoakReport(["context"], s);
  assert.match(text, /VmRSS at 100: 400\.0, 1000: 500\.0, 2000: 502\.0/);
  assert.match(text, /\| VmRSS \| 2\.00 \|/);
});

Deno.test("metricValue reads one series of Prometheus text", () => {
  const text = '# TYPE m gauge\nm{kind="a"} 12\nm{kind="ab"} 3\nprocess_x 4e6\n';
  assert.equal(metricValue(text, 'm{kind="a"}'), 12);
  assert.equal(metricValue(text, "process_x"), 4e6);
  assert.ok(Number.isNaN(metricValue(text, "missing")));
});
