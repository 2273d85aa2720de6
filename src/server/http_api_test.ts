import assert from "node:assert/strict";
import { ERROR_KINDS, GeoError } from "../kernels/errors.ts";
import { encodeDraco } from "../io/draco.ts";
import { decodeCloudInput } from "../features/cloud_input.ts";
import type { ModelInfo, SegmentInput, SegmentOutput, SegmentService } from "../infer/api.ts";
import { classColor } from "../render/palette.ts";
import { httpApi, parseLabelList } from "./http_api.ts";
import { Logger } from "./log.ts";
import { ServerMetrics } from "./metrics.ts";
import { makeListModelsHandler, makeSegmentHandler } from "./segment_handler.ts";
import type { SegmentLimits } from "./segment_request.ts";
import { httpStatusOf } from "./status.ts";
import { SegmentLane } from "../runtime/admission.ts";

/**
 * TEST DOUBLE of SegmentService: records its inputs, decodes the cloud and
 * labels point i with i mod L (score i / N); `fail` makes it throw, `gate`
 * makes it wait.
 */
class RecordingService implements SegmentService {
  inputs: SegmentInput[] = [];
  isReady = true;
  fail: unknown = undefined;
  gate: Promise<void> | undefined;
  readonly models: ModelInfo[] = [{
    name: "stub",
    versions: [1, 3],
    isDefault: true,
    featureDim: 4,
    textEncoder: "none",
    backbone: "none",
    trainingSummary: "",
    defaultLabels: ["a", "b"],
  }];

  async segment(input: SegmentInput): Promise<SegmentOutput> {
    this.inputs.push(input);
    if (this.fail !== undefined) throw this.fail;
    await this.gate;
    const cloud = await decodeCloudInput(input.cloud, "request", input.limits.maxPoints);
    const n = cloud.count, l = input.labels.length;
    const labels = Int16Array.from({ length: n }, (_, i) => i % l);
    const scores = Float32Array.from({ length: n }, (_, i) => i / n);
    return {
      labels,
      scores,
      positions: cloud.coord,
      summary: [{ label: input.labels[0], points: n, meanScore: 0.5 }],
      model: "stub",
      version: 3,
      timing: { queue: 0, decode: 1, features: 2, adapter: 3, text: 4, total: 0 },
    };
  }
  listModels(): ModelInfo[] {
    return this.models;
  }
  ready(): boolean {
    return this.isReady;
  }
}

const COORD = Float32Array.from([0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3.5, -1, 0.25, 2]);
const COLOR = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 200, 100, 50]);

const PLY_TEXT = [
  "ply",
  "format ascii 1.0",
  "element vertex 5",
  "property float x",
  "property float y",
  "property float z",
  "property uchar red",
  "property uchar green",
  "property uchar blue",
  "end_header",
  ...Array.from(
    { length: 5 },
    (_, i) => [...COORD.subarray(3 * i, 3 * i + 3), ...COLOR.subarray(3 * i, 3 * i + 3)].join(" "),
  ),
  "",
].join("\n");

const PCD_TEXT = [
  "VERSION .7",
  "FIELDS x y z",
  "SIZE 4 4 4",
  "TYPE F F F",
  "COUNT 1 1 1",
  "WIDTH 5",
  "HEIGHT 1",
  "POINTS 5",
  "DATA ascii",
  ...Array.from({ length: 5 }, (_, i) => [...COORD.subarray(3 * i, 3 * i + 3)].join(" ")),
  "",
].join("\n");

interface SetupOptions extends Partial<SegmentLimits> {
  maxBodyBytes?: number;
  queue?: SegmentLane;
  token?: string;
  logger?: Logger;
}

/** The API over the real Segment / ListModels handlers around a RecordingService. */
function setup(options: SetupOptions = {}) {
  const service = new RecordingService();
  const queue = options.queue ?? new SegmentLane({ concurrency: 4, maxQueued: 4 });
  const deps = {
    service,
    queue,
    limits: {
      maxPoints: options.maxPoints ?? 1000,
      maxLabels: options.maxLabels ?? 64,
      maxLabelBytes: options.maxLabelBytes ?? 64,
      maxPromptBytes: options.maxPromptBytes ?? 64,
    },
    token: options.token ?? "",
    metrics: new ServerMetrics(),
  };
  const handle = httpApi({
    segment: makeSegmentHandler(deps),
    listModels: makeListModelsHandler(deps),
    token: deps.token,
    maxBodyBytes: options.maxBodyBytes ?? 1 << 20,
    busy: () => queue.full,
    ready: () => service.isReady,
    logger: options.logger,
  });
  return { service, handle };
}

async function answer(
  handle: (r: Request) => Promise<Response | undefined>,
  req: Request,
): Promise<Response> {
  const res = await handle(req);
  assert.ok(res, `${req.method} ${req.url} was not handled`);
  return res;
}

function post(
  query: string,
  body: Uint8Array | string,
  headers: Record<string, string> = {},
): Request {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body.slice();
  return new Request(`http://viewer.test/api/segment?${query}`, {
    method: "POST",
    body: bytes,
    headers,
  });
}

function unbase64<T>(text: string, ctor: { new (b: ArrayBuffer): T }): T {
  return new ctor(Uint8Array.from(atob(text), (c) => c.charCodeAt(0)).buffer);
}

Deno.test("parseLabelList trims, drops blanks and refuses an empty list", () => {
  assert.deepEqual(parseLabelList(" wall , ,floor ,"), ["wall", "floor"]);
  assert.deepEqual(parseLabelList("coffee table"), ["coffee table"]);
  for (const text of [null, "", " , ,"]) {
    assert.throws(() => parseLabelList(text), (e: GeoError) => e.kind === "invalid_argument");
  }
});

Deno.test("/api/models lists the service's models", async () => {
  const { handle } = setup();
  const body = await (await answer(handle, new Request("http://viewer.test/api/models"))).json();
  assert.equal(body.ready, true);
  assert.equal(body.defaultModel, "stub");
  assert.deepEqual(body.models, [{
    name: "stub",
    versions: [1, 3],
    isDefault: true,
    defaultLabels: ["a", "b"],
  }]);
});

Deno.test("/api/segment passes the file through undecoded and answers base64 arrays", async () => {
  const { service, handle } = setup();
  const drc = await encodeDraco({ count: 5, coord: COORD, color: COLOR }, {
    quantizationBits: 0,
    speed: 10,
  });
  const res = await answer(
    handle,
    post("labels=%20wall%20,floor,,chair&minScore=0.25&version=3&model=stub", drc, {
      "x-file-name": "a.drc",
    }),
  );
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  const input = service.inputs[0];
  assert.equal(input.cloud.kind, "file");
  assert.deepEqual(input.cloud.kind === "file" && input.cloud.bytes, drc);
  assert.deepEqual(input.labels, ["wall", "floor", "chair"]);
  assert.equal(input.model, "stub");
  assert.equal(input.version, 3);
  assert.equal(input.minScore, 0.25);
  assert.ok(input.returnPositions && input.returnScores);
  const decoded = await decodeCloudInput(input.cloud, "check", 100);
  assert.equal(body.pointCount, 5);
  assert.deepEqual(unbase64(body.labels, Int16Array), Int16Array.from([0, 1, 2, 0, 1]));
  assert.deepEqual(unbase64(body.positions, Float32Array), decoded.coord);
  assert.deepEqual(unbase64(body.scores, Float32Array), Float32Array.from([0, 0.2, 0.4, 0.6, 0.8]));
  assert.deepEqual(body.summary, [{ label: "wall", points: 5, meanScore: 0.5 }]);
  assert.deepEqual(body.colors, { labels: [0, 1, 2].map(classColor), unknown: classColor(-1) });
  assert.equal(body.model, "stub");
  assert.equal(body.version, 3);
  assert.equal(body.timing.features, 2);
  assert.ok(body.timing.total >= 0 && body.timing.queue < 50);
});

Deno.test("/api/segment sends .ply and .pcd undecoded: the pipeline decodes them", async () => {
  for (const [name, text] of [["room.ply", PLY_TEXT], ["room.pcd", PCD_TEXT]] as const) {
    const { service, handle } = setup();
    const res = await answer(handle, post(`labels=a,b&name=${name}`, text));
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    const cloud = service.inputs[0].cloud;
    assert.equal(cloud.kind, "file", name);
    assert.equal(cloud.kind === "file" && cloud.name, name);
    assert.deepEqual(unbase64(body.positions, Float32Array), COORD, name);
  }
});

Deno.test("/api/segment leaves minScore unset when absent or empty; an explicit value is kept", async () => {
  const cases: [string, number | undefined][] = [
    ["", undefined],
    ["&minScore=", undefined],
    ["&minScore=%20", undefined],
    ["&minScore=0", 0],
    ["&minScore=-1", -1],
    ["&minScore=0.7", 0.7],
  ];
  for (const [query, want] of cases) {
    const { service, handle } = setup();
    const res = await answer(handle, post(`labels=a,b&name=room.ply${query}`, PLY_TEXT));
    assert.equal(res.status, 200, query);
    const input = service.inputs[0];
    assert.equal(input.minScore, want, query);
    assert.equal("minScore" in input, want !== undefined, query);
  }
});

Deno.test("/api/segment maps every error kind through status.ts, never leaking details", async () => {
  for (const kind of ERROR_KINDS) {
    const { service, handle } = setup();
    service.fail = new GeoError(kind, `Failure of kind ${kind}`);
    const res = await answer(handle, post("labels=a&name=x.ply", PLY_TEXT));
    assert.equal(res.status, httpStatusOf(kind), kind);
    assert.deepEqual(await res.json(), { error: `Failure of kind ${kind}` });
  }
  const logs: string[] = [];
  const service = new RecordingService();
  service.fail = new TypeError("boom in /srv/secret/path.ts");
  const { service: s2, handle } = setup({ logger: new Logger((l) => logs.push(l)) });
  s2.fail = service.fail;
  const res = await answer(handle, post("labels=a&name=x.ply", PLY_TEXT));
  assert.equal(res.status, 500);
  assert.deepEqual(await res.json(), { error: "Internal error" });
  assert.equal(logs.length, 1);
  assert.match(logs[0], /secret/);
});

Deno.test("/api/segment refuses bad requests before calling the service", async () => {
  const cases: [string, Uint8Array | string, number, RegExp, SetupOptions?][] = [
    ["name=x.ply", PLY_TEXT, 400, /labels is empty/],
    ["labels=a&version=-1&name=x.ply", PLY_TEXT, 400, /version/],
    ["labels=a&minScore=abc&name=x.ply", PLY_TEXT, 400, /minScore/],
    ["labels=a&model=nope&name=x.ply", PLY_TEXT, 404, /nope/],
    ["labels=a&model=stub&version=2&name=x.ply", PLY_TEXT, 404, /version 2/],
    ["labels=a&name=x.ply", "", 400, /empty/],
    ["labels=a&name=x.ply", PLY_TEXT, 429, /limit of 64 bytes/, { maxBodyBytes: 64 }],
    ["labels=a,b,c&name=x.ply", PLY_TEXT, 429, /3 entries.*limit of 2/, { maxLabels: 2 }],
    [`labels=${"w".repeat(5000)}&name=x.ply`, PLY_TEXT, 400, /5000 bytes long.*limit of 64/],
    ["labels=a&name=x.ply", PLY_TEXT, 401, /authorization/, { token: "s3cret" }],
  ];
  for (const [query, body, status, message, options] of cases) {
    const { service, handle } = setup(options);
    const res = await answer(handle, post(query, body));
    assert.equal(res.status, status, query);
    assert.match((await res.json()).error, message, query);
    assert.equal(service.inputs.length, 0, query);
  }
  const { service, handle } = setup();
  service.isReady = false;
  const res = await answer(handle, post("labels=a&name=x.ply", PLY_TEXT));
  assert.equal(res.status, 503);
  assert.match((await res.json()).error, /not loaded/);
  // Bad files reach the pipeline, which rejects them as invalid without echoing them.
  for (
    const [name, text, pattern] of [
      ["x.drc", "DRACO\x02\x02garbage", /x\.drc|Draco/],
      ["x.ply", "ply\nformat ascii 1.0\nelement vertex 9\n", /x\.ply/],
      ["x.txt", "hello", /x\.txt.*format/],
      ["y.ply", PLY_TEXT, /5 points.*limit of 3/],
    ] as const
  ) {
    const { handle } = setup({ maxPoints: 3 });
    const bad = await answer(handle, post(`labels=a&name=${name}`, text));
    assert.ok(bad.status === 400 || bad.status === 429, name);
    assert.match((await bad.json()).error, pattern, name);
  }
});

Deno.test("/api/segment waits in the shared work queue and reports queue time", async () => {
  const queue = new SegmentLane({ concurrency: 1, maxQueued: 1 });
  const { service, handle } = setup({ queue });
  let open!: () => void;
  service.gate = new Promise((r) => (open = r));
  const first = handle(post("labels=a&name=x.ply", PLY_TEXT));
  const second = handle(post("labels=a&name=x.ply", PLY_TEXT));
  await new Promise((r) => setTimeout(r, 30));
  const third = await answer(handle, post("labels=a&name=x.ply", PLY_TEXT));
  assert.equal(third.status, 429);
  assert.match((await third.json()).error, /busy/);
  open();
  const [a, b] = await Promise.all([first, second]);
  assert.equal(a!.status, 200);
  assert.equal(b!.status, 200);
  const queued = (await b!.json()).timing.queue;
  assert.ok(queued >= 20, `second request waited ${queued} ms`);
  assert.equal((await a!.json()).timing.queue < queued, true);
});

Deno.test("/api/* needs the Segment token; a streamed body is cut at the limit", async () => {
  const { service, handle } = setup({ token: "s3cret", maxBodyBytes: 1000 });
  const noToken = await answer(handle, new Request("http://viewer.test/api/models"));
  assert.equal(noToken.status, 401);
  assert.equal(noToken.headers.get("www-authenticate"), "Bearer");
  await noToken.body?.cancel();
  const wrong = await answer(
    handle,
    post("labels=a&name=x.ply", PLY_TEXT, { authorization: "Bearer nope" }),
  );
  assert.equal(wrong.status, 403);
  await wrong.body?.cancel();
  const ok = await answer(
    handle,
    post("labels=a&name=x.ply", PLY_TEXT, { authorization: "Bearer s3cret" }),
  );
  assert.equal(ok.status, 200);
  await ok.body?.cancel();
  // A chunked body without content-length: reading stops at the limit, the rest is never pulled.
  let pulled = 0;
  const endless = new ReadableStream<Uint8Array>({
    pull(c) {
      pulled++;
      c.enqueue(new Uint8Array(256));
    },
  });
  const big = await answer(
    handle,
    new Request("http://viewer.test/api/segment?labels=a&name=x.ply", {
      method: "POST",
      body: endless,
      headers: { authorization: "Bearer s3cret" },
    }),
  );
  assert.equal(big.status, 429);
  assert.match((await big.json()).error, /limit of 1000 bytes/);
  assert.ok(pulled <= 8, `pulled ${pulled} chunks`);
  assert.equal(service.inputs.length, 1);
});
