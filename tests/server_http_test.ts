import assert from "node:assert/strict";
import { randomCoords, startRig, xyzBytes } from "./server_fixtures.ts";

Deno.test("HTTP: healthz, readyz follows the default model, metrics, request ids, viewer hook", async () => {
  const rig = await startRig({
    httpFallback: (req) =>
      new URL(req.url).pathname === "/"
        ? new Response("<html>viewer</html>")
        : new Response("nf", { status: 404 }),
  });
  const base = `http://127.0.0.1:${rig.server.httpPort}`;
  try {
    rig.segmenter.isReady = false;
    rig.server.refreshReadiness();
    let r = await fetch(`${base}/healthz`);
    assert.equal(r.status, 200);
    assert.equal(await r.text(), "ok\n");
    r = await fetch(`${base}/readyz`);
    assert.equal(r.status, 503);
    await r.body?.cancel();
    rig.segmenter.isReady = true;
    r = await fetch(`${base}/readyz`, { headers: { "x-request-id": "req-42" } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("x-request-id"), "req-42");
    await r.body?.cancel();
    r = await fetch(`${base}/`);
    assert.equal(await r.text(), "<html>viewer</html>");

    const req = { cloud: { raw: { xyz: xyzBytes(randomCoords(300, 9)) } }, labels: ["a", "b"] };
    await rig.client.segment(req);
    await rig.client.segment(req);
    await rig.client.segment({ ...req, labels: [] }).catch(() => {});
    rig.server.refreshReadiness();
    r = await fetch(`${base}/metrics`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type")!, /text\/plain; version=0\.0\.4/);
    const text = await r.text();
    assert.match(text, /geoguide_requests_total\{code="OK",method="Segment"\} 2\n/);
    assert.match(text, /geoguide_requests_total\{code="INVALID_ARGUMENT",method="Segment"\} 1\n/);
    assert.match(text, /geoguide_request_duration_seconds_count\{method="Segment"\} 3\n/);
    assert.match(text, /geoguide_request_queue_duration_seconds_count\{method="Segment"\} 2\n/);
    assert.match(
      text,
      /geoguide_request_compute_duration_seconds_bucket\{method="Segment",le="\+Inf"\} 2\n/,
    );
    assert.match(text, /geoguide_points_processed_total 600\n/);
    assert.match(text, /geoguide_model_loaded\{model="bands",version="2"\} 1\n/);
    assert.match(text, /geoguide_ready 1\n/);

    const lines = rig.logs.map((l) => JSON.parse(l));
    const http = lines.filter((l) => l.msg === "http");
    assert.ok(
      http.some((l) => l.request_id === "req-42" && l.path === "/readyz" && l.status === 200),
    );
    assert.ok(http.every((l) => typeof l.ms === "number" && typeof l.ts === "string"));
    const rpc = lines.filter((l) => l.msg === "rpc" && l.method === "Segment");
    assert.equal(rpc.length, 3, "one log line per request");
  } finally {
    await rig.close();
  }
  const after = await fetch(`${base}/healthz`).then(() => "answered", () => "closed");
  assert.equal(after, "closed");
});
