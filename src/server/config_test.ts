import assert from "node:assert/strict";
import {
  DEFAULT_GRPC_PORT,
  DEFAULT_HTTP_PORT,
  DEFAULT_TRAINING_YIELD_MS,
  defaultSegmentWorkers,
  resolveServerConfig,
} from "./config.ts";

Deno.test("flags override environment variables, which override defaults", () => {
  const d = resolveServerConfig({}, {});
  assert.equal(d.grpcPort, DEFAULT_GRPC_PORT);
  assert.equal(d.httpPort, DEFAULT_HTTP_PORT);
  assert.equal(d.modelsDir, "models");
  const e = resolveServerConfig({}, { GEOGUIDE_GRPC_PORT: "6000", GEOGUIDE_MODELS: "/m" });
  assert.equal(e.grpcPort, 6000);
  assert.equal(e.modelsDir, "/m");
  const f = resolveServerConfig({ "grpc-port": "7000" }, { GEOGUIDE_GRPC_PORT: "6000" });
  assert.equal(f.grpcPort, 7000);
});

Deno.test("bad numbers and half TLS settings are refused with the setting named", () => {
  assert.throws(() => resolveServerConfig({ "grpc-port": "abc" }, {}), /--grpc-port/);
  assert.throws(
    () => resolveServerConfig({}, { GEOGUIDE_HTTP_PORT: "70000" }),
    /GEOGUIDE_HTTP_PORT/,
  );
  assert.throws(() => resolveServerConfig({ "tls-cert": "c.pem" }, {}), /tls-key/);
});

Deno.test("segment workers and the training yield have flags, variables and defaults", () => {
  const d = resolveServerConfig({}, {});
  assert.equal(d.segmentWorkers, defaultSegmentWorkers());
  assert.ok(d.segmentWorkers >= 1 && d.segmentWorkers <= 2);
  assert.equal(d.trainingYieldMs, DEFAULT_TRAINING_YIELD_MS);
  const e = resolveServerConfig({}, {
    GEOGUIDE_SEGMENT_WORKERS: "0",
    GEOGUIDE_TRAINING_YIELD_MS: "500",
  });
  assert.deepEqual([e.segmentWorkers, e.trainingYieldMs], [0, 500]);
  const f = resolveServerConfig({ "segment-workers": "3" }, { GEOGUIDE_SEGMENT_WORKERS: "0" });
  assert.equal(f.segmentWorkers, 3);
  assert.throws(() => resolveServerConfig({ "segment-workers": "-1" }, {}), /--segment-workers/);
});
