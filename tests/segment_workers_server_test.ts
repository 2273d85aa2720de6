/**
 * The Segment worker pool behind the real gRPC server: while one Segment is computed in
 * a worker, the main thread keeps receiving calls, so a second call is queued by the
 * transport and its queue time is measured; and `serve` plugs the workers in.
 */
import assert from "node:assert/strict";
import { buildServicesFromRegistry } from "../src/commands/serve.ts";
import { CLIENT_EMBEDDINGS_ENCODER } from "../src/models/bundle.ts";
import { startSegmentWorkers } from "../src/runtime/segment_workers.ts";
import { resolveServerConfig } from "../src/server/config.ts";
import { GeoguideClient } from "../src/server/grpc.ts";
import { Logger } from "../src/server/log.ts";
import { startServer } from "../src/server/server.ts";
import { createTinyModel } from "./fixtures/tiny_model.ts";
import { randomCoords, xyzBytes } from "./server_fixtures.ts";

const until = async (check: () => boolean) => {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
};

const labels = ["a", "b"];
const request = {
  cloud: { raw: { xyz: xyzBytes(randomCoords(2000, 3)) } },
  labels,
  label_embeddings: labels.map((label, k) => ({
    label,
    vector: new Uint8Array(new Float32Array(100).map((_, i) => Math.cos(i * (k + 1))).buffer),
  })),
};

Deno.test("segment workers: a call arriving while one computes is received, queued and timed", async () => {
  const tiny = await createTinyModel({ name: "default" });
  const held: number[] = [];
  const pool = await startSegmentWorkers({
    workers: 1,
    service: { modelsDir: tiny.root, preloadText: false },
    testHooks: { onHeld: (id) => held.push(id) },
  });
  await until(() => pool.ready());
  const server = await startServer({
    host: "127.0.0.1",
    grpcPort: 0,
    httpPort: -1,
    concurrency: 1,
    shutdownGraceMs: 2000,
    readinessPollMs: 50,
    logger: new Logger(() => {}),
  }, { segment: pool });
  const client = new GeoguideClient(`127.0.0.1:${server.grpcPort}`);
  try {
    pool.test("hold"); // the first request stays in its worker until released
    const first = client.segment(request);
    await until(() => held.length === 1);
    const second = client.segment(request);
    await until(() => server.metrics.queueDepth.get() === 1);
    assert.equal(server.metrics.inflight.get(), 1);
    assert.equal(pool.load.inFlight, 1, "the second call waits in the transport queue");
    pool.test("release");
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.point_count, 2000);
    assert.deepEqual(b.labels, a.labels);
    assert.ok(b.timing!.queue > 0, `queue time of the second call: ${b.timing!.queue}`);
    assert.equal(server.metrics.queueDuration.count({ method: "Segment" }), 2);
  } finally {
    client.close();
    await server.shutdown();
    await pool.close();
  }
});

Deno.test("serve: Segment runs in workers when segmentWorkers > 0, on the main thread at 0", async () => {
  const tiny = await createTinyModel({ name: "default", textEncoder: CLIENT_EMBEDDINGS_ENCODER });
  const config = (workers: string) =>
    resolveServerConfig({ models: tiny.root, "segment-workers": workers, concurrency: "4" }, {});
  const quiet = new Logger(() => {});
  const inWorkers = await buildServicesFromRegistry(config("2"), quiet);
  try {
    assert.equal(inWorkers.segmentWorkers, 2);
    assert.deepEqual(inWorkers.services.segment.listModels().map((m) => m.name), ["default"]);
    assert.ok(inWorkers.services.train, "training is offered");
    await inWorkers.reload();
  } finally {
    await inWorkers.close();
  }
  const inProcess = await buildServicesFromRegistry(config("0"), quiet);
  await inProcess.close();
  assert.equal(inProcess.segmentWorkers, 0);
});
