import assert from "node:assert/strict";
import { ERROR_KINDS, GeoError } from "../kernels/errors.ts";
import { encodeDraco } from "../io/draco.ts";
import { decodeCloudInput } from "../pipeline/cloud_input.ts";
import type {
  ModelInfo,
  SegmentInput,
  SegmentOutput,
  SegmentService,
} from "../pipeline/service_api.ts";
import { classColor } from "../render/palette.ts";
import { Logger } from "./log.ts";
import { httpStatusOf } from "./status.ts";
import { parseLabelList, viewerHandler, type ViewerOptions } from "./viewer.ts";
import { WorkQueue } from "./work_queue.ts";

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

function setup(options: ViewerOptions = {}) {
  const service = new RecordingService();
  return { service, handle: viewerHandler(service, options) };
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
  assert.throws(
    () => parseLabelList(Array(5000).fill("x").join(",")),
    (e: GeoError) => e.kind === "resource_exhausted",
  );
});

Deno.test("viewer serves its page, script, style and three.js; other paths are not its own", async () => {
  const { handle } = setup();
  const page = await answer(handle, new Request("http://viewer.test/"));
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type")!, /^text\/html/);
  const html = await page.text();
  assert.match(html, /type="importmap"/);
  assert.match(html, /<input id="file" type="file"/);
  const script = await answer(handle, new Request("http://viewer.test/viewer.js"));
  assert.match(script.headers.get("content-type")!, /^text\/javascript/);
  const js = await script.text();
  const css = await answer(handle, new Request("http://viewer.test/viewer.css"));
  assert.match(css.headers.get("content-type")!, /^text\/css/);
  await css.body?.cancel();
  // Every module the page loads must be served: follow the relative imports.
  const three =
    await (await answer(handle, new Request("http://viewer.test/vendor/three.module.js"))).text();
  const imports = [
    ...js.matchAll(/from "\.\/(vendor\/[^"]+)"/g),
    ...three.matchAll(/from '\.\/([^']+)'/g),
  ]
    .map((m) => m[1].startsWith("vendor/") ? `/${m[1]}` : `/vendor/${m[1]}`);
  assert.ok(
    imports.includes("/vendor/OrbitControls.js") && imports.includes("/vendor/three.core.js"),
  );
  for (const path of imports) {
    const res = await answer(handle, new Request(`http://viewer.test${path}`));
    assert.equal(res.status, 200, path);
    assert.ok((await res.text()).length > 1000, path);
  }
  const head = await answer(handle, new Request("http://viewer.test/", { method: "HEAD" }));
  assert.equal(head.status, 200);
  assert.equal(await head.text(), "");
  assert.equal(await handle(new Request("http://viewer.test/healthz")), undefined);
  assert.equal(await handle(new Request("http://viewer.test/vendor/three.cjs")), undefined);
  const wrong = await answer(
    handle,
    new Request("http://viewer.test/", { method: "POST", body: "x" }),
  );
  assert.equal(wrong.status, 405);
  assert.match((await wrong.json()).error, /GET/);
  const getSegment = await answer(handle, new Request("http://viewer.test/api/segment"));
  assert.equal(getSegment.status, 405);
  await getSegment.body?.cancel();
});

Deno.test("viewer /api/models lists the service's models", async () => {
  const { handle } = setup();
  const body = await (await answer(handle, new Request("http://viewer.test/api/models"))).json();
  assert.equal(body.ready, true);
  assert.deepEqual(body.models, [{
    name: "stub",
    versions: [1, 3],
    isDefault: true,
    defaultLabels: ["a", "b"],
  }]);
});

Deno.test("viewer /api/segment passes Draco through and answers base64 arrays", async () => {
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
  assert.equal(input.cloud.kind, "draco");
  assert.deepEqual(input.cloud.kind === "draco" && input.cloud.bytes, drc);
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
  assert.ok(body.timing.total >= 0 && body.timing.queue === 0);
});

Deno.test("viewer /api/segment decodes .ply and .pcd here and sends raw arrays", async () => {
  for (
    const [name, text, color] of [["room.ply", PLY_TEXT, COLOR], [
      "room.pcd",
      PCD_TEXT,
      undefined,
    ]] as const
  ) {
    const { service, handle } = setup();
    const res = await answer(handle, post(`labels=a,b&name=${name}`, text));
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    const cloud = service.inputs[0].cloud;
    assert.equal(cloud.kind, "raw", name);
    if (cloud.kind !== "raw") continue;
    assert.deepEqual(new Float32Array(cloud.xyz.slice().buffer), COORD, name);
    assert.deepEqual(cloud.rgb, color, name);
    assert.deepEqual(unbase64(body.positions, Float32Array), COORD, name);
    assert.ok(body.timing.decode >= 1, name); // the service's 1 ms plus ours
  }
});

Deno.test("viewer /api/segment maps every error kind through status.ts, never leaking details", async () => {
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
  const handle = viewerHandler(service, { logger: new Logger((l) => logs.push(l)) });
  const res = await answer(handle, post("labels=a&name=x.ply", PLY_TEXT));
  assert.equal(res.status, 500);
  assert.deepEqual(await res.json(), { error: "Internal error" });
  assert.equal(logs.length, 1);
  assert.match(logs[0], /secret/);
});

Deno.test("viewer /api/segment refuses bad requests before calling the service", async () => {
  const cases: [string, Uint8Array | string, number, RegExp, ViewerOptions?][] = [
    ["name=x.ply", PLY_TEXT, 400, /labels is empty/],
    ["labels=a&version=-1&name=x.ply", PLY_TEXT, 400, /version/],
    ["labels=a&minScore=abc&name=x.ply", PLY_TEXT, 400, /minScore/],
    ["labels=a&model=nope&name=x.ply", PLY_TEXT, 404, /nope/],
    ["labels=a&model=stub&version=2&name=x.ply", PLY_TEXT, 404, /version 2/],
    ["labels=a&name=x.ply", "ply\nformat ascii 1.0\nelement vertex 9\n", 400, /x\.ply/],
    ["labels=a&name=x.txt", "hello", 400, /x\.txt.*format/],
    ["labels=a&name=x.ply", "", 400, /empty/],
    ["labels=a&name=x.ply", PLY_TEXT, 429, /5 points.*limit of 3/, { maxPoints: 3 }],
    ["labels=a&name=x.ply", PLY_TEXT, 429, /over the limit of 64/, { maxUploadBytes: 64 }],
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
  // Bad Draco bytes reach the service, which rejects them as invalid.
  const bad = await answer(setup().handle, post("labels=a&name=x.drc", "DRACO\x02\x02garbage"));
  assert.equal(bad.status, 400);
  await bad.body?.cancel();
});

Deno.test("viewer /api/segment waits in the shared work queue and reports queue time", async () => {
  const queue = new WorkQueue({ concurrency: 1, maxQueued: 1 });
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
