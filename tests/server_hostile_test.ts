/**
 * Hostile clients against a running server, over gRPC and HTTP alike: each
 * case is followed by a good Segment request and health checks that must
 * still answer within a short deadline (a frozen server fails them).
 */

import assert from "node:assert/strict";
import { encodeDraco } from "../src/io/draco.ts";
import { GeoError } from "../src/kernels/errors.ts";
import { encodePly } from "../src/io/ply.ts";
import { GRPC_CODES as C } from "../src/server/status.ts";
import { randomCoords, rejectsWith, startRig, type TestRig, xyzBytes } from "./server_fixtures.ts";

const SEGMENT_TOKEN = "seg-token";
const TRAIN_TOKEN = "train-token";

/** A good Segment call and both health checks, each within `ms`. */
async function stillHealthy(rig: TestRig, token = SEGMENT_TOKEN, ms = 5000): Promise<void> {
  const res = await rig.client.segment(
    { cloud: { raw: { xyz: xyzBytes(randomCoords(50, 3)) } }, labels: ["a", "b"] },
    { timeoutMs: ms, metadata: token ? { authorization: `Bearer ${token}` } : {} },
  );
  assert.equal(res.point_count, 50);
  assert.equal(await rig.client.health("", { timeoutMs: ms }), "SERVING");
  const r = await fetch(`http://127.0.0.1:${rig.server.httpPort}/healthz`, {
    signal: AbortSignal.timeout(ms),
  });
  assert.equal(r.status, 200);
  await r.body?.cancel();
}

/** POST /api/segment with `body` as FILE; returns status and parsed body. */
async function httpSegment(
  rig: TestRig,
  name: string,
  body: Uint8Array,
  headers: Record<string, string> = { authorization: `Bearer ${SEGMENT_TOKEN}` },
  labels = "a,b",
): Promise<{ status: number; error?: string }> {
  const r = await fetch(
    `http://127.0.0.1:${rig.server.httpPort}/api/segment?labels=${labels}&name=${name}`,
    { method: "POST", body: body.slice(), headers, signal: AbortSignal.timeout(20_000) },
  );
  const json = await r.json();
  return { status: r.status, error: json.error };
}

const auth = (t: string) => ({ metadata: { authorization: `Bearer ${t}` }, timeoutMs: 20_000 });

function trainRequests(site: string) {
  const teacher = new Float32Array(20 * 4).fill(0.5);
  return [
    { config: { site, publish: true, steps: 2 } },
    {
      scene: {
        name: "s",
        cloud: { raw: { xyz: xyzBytes(randomCoords(20, 1)) } },
        teacher: new Uint8Array(teacher.buffer),
        dim: 4,
      },
    },
  ];
}

Deno.test("class 1: Train is closed without a train token; a Segment token does not open it", async () => {
  for (const segmentToken of ["", SEGMENT_TOKEN]) {
    const rig = await startRig({ segmentToken, trainToken: "", allowOpenTraining: false });
    try {
      await rejectsWith(
        rig.client.train(trainRequests("default"), () => {}, auth(segmentToken || "x")),
        C.PERMISSION_DENIED,
        /Training is closed.*--train-token/,
      );
      assert.equal(rig.trainer.published, 0);
      await stillHealthy(rig, segmentToken);
    } finally {
      await rig.close();
    }
  }
  const rig = await startRig({
    segmentToken: SEGMENT_TOKEN,
    trainToken: TRAIN_TOKEN,
    allowOpenTraining: false,
  });
  try {
    await rejectsWith(
      rig.client.train(trainRequests("default"), () => {}, auth(SEGMENT_TOKEN)),
      C.PERMISSION_DENIED,
      /not valid for Training/,
    );
    await rig.client.train(trainRequests("default"), () => {}, auth(TRAIN_TOKEN));
    assert.equal(rig.trainer.published, 1);
    await stillHealthy(rig);
  } finally {
    await rig.close();
  }
  const open = await startRig({ allowOpenTraining: true });
  try {
    await open.client.train(trainRequests("dev"), () => {}, { timeoutMs: 20_000 });
    assert.equal(open.trainer.published, 1);
  } finally {
    await open.close();
  }
});

/** Hostile files of class 2 and 4 (hand-made; the fuzz test and `bench hostile` draw many more). */
async function hostileFiles(): Promise<[string, Uint8Array][]> {
  const enc = new TextEncoder();
  const zeroProp = enc.encode(
    "ply\nformat ascii 1.0\nelement junk 9007199254740991\nelement vertex 1\n" +
      "property float x\nproperty float y\nproperty float z\nend_header\n0 0 0\n",
  );
  const n = 40;
  const coord = randomCoords(n, 5);
  const binaryList = encodePly({ count: n, coord }, { format: "binary_little_endian" });
  const listHeader = enc.encode(
    "ply\nformat binary_little_endian 1.0\nelement vertex 1\nproperty float x\n" +
      "property float y\nproperty float z\nelement face 2147483647\n" +
      "property list uchar int vertex_indices\nend_header\n",
  );
  const withList = new Uint8Array(listHeader.length + 12 + 4);
  withList.set(listHeader);
  const drc = await encodeDraco({ count: n, coord }, { speed: 10, quantizationBits: 0 });
  const bigDraco = drc.slice();
  // Sequential 2.x point cloud, no metadata: the point count is the int32 after the 11-byte header.
  new DataView(bigDraco.buffer).setInt32(11, 33_554_456, true);
  const pcd = enc.encode(
    "VERSION .7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nCOUNT 1 1 1\nWIDTH 4000000000\n" +
      "HEIGHT 1\nPOINTS 4000000000\nDATA ascii\n0 0 0\n",
  );
  const npyHeader = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000, 3), }";
  const npy = new Uint8Array(10 + npyHeader.length + 1 + 12);
  npy.set([0x93, ...enc.encode("NUMPY"), 1, 0, npyHeader.length + 1, 0]);
  npy.set(enc.encode(npyHeader + "\n"), 10);
  return [
    ["zero_prop.ply", zeroProp],
    ["list.ply", withList],
    ["truncated.ply", binaryList.slice(0, binaryList.length - 7)],
    ["count.drc", bigDraco],
    ["truncated.drc", drc.slice(0, drc.length >> 1)],
    ["huge.pcd", pcd],
    ["huge.npy", npy],
  ];
}

Deno.test("classes 2 and 4: small files claiming huge clouds fail fast over gRPC and HTTP", async () => {
  const rig = await startRig({ segmentToken: SEGMENT_TOKEN, maxPoints: 100_000 });
  try {
    for (const [name, bytes] of await hostileFiles()) {
      const refused = /^(400|429)$/;
      const viaHttp = await httpSegment(rig, name, bytes);
      assert.match(String(viaHttp.status), refused, `${name}: ${viaHttp.error}`);
      assert.ok((viaHttp.error ?? "").length < 300, name);
      const cloud = name.endsWith(".drc") ? { draco: bytes } : { file: { data: bytes, name } };
      try {
        await rig.client.segment({ cloud, labels: ["a"] }, auth(SEGMENT_TOKEN));
        assert.fail(`${name} was accepted over gRPC`);
      } catch (e) {
        const code = (e as { code?: number }).code;
        assert.ok(code === C.INVALID_ARGUMENT || code === C.RESOURCE_EXHAUSTED, `${name}: ${e}`);
      }
      await stillHealthy(rig);
    }
  } finally {
    await rig.close();
  }
});

Deno.test("class 3: the HTTP API needs the Segment token and shares the gRPC queue", async () => {
  const rig = await startRig({
    segmentToken: SEGMENT_TOKEN,
    trainToken: TRAIN_TOKEN,
    concurrency: 1,
    maxQueued: 2,
  });
  const base = `http://127.0.0.1:${rig.server.httpPort}`;
  const ply = encodePly({ count: 30, coord: randomCoords(30, 2) }, {
    format: "binary_little_endian",
  });
  try {
    for (
      const headers of [{}, { authorization: `Bearer ${TRAIN_TOKEN}` }] as Record<string, string>[]
    ) {
      const models = await fetch(`${base}/api/models`, { headers });
      assert.ok(models.status === 401 || models.status === 403, `models: ${models.status}`);
      await models.body?.cancel();
      const seg = await httpSegment(rig, "x.ply", ply, headers);
      assert.ok(seg.status === 401 || seg.status === 403, `segment: ${seg.status}`);
    }
    const models = await fetch(`${base}/api/models`, {
      headers: { authorization: `Bearer ${SEGMENT_TOKEN}` },
    });
    assert.equal(models.status, 200);
    assert.equal((await models.json()).models[0].name, "bands");
    // Eight clients while the only slot is held: two wait, the rest are told 429 at once.
    rig.segmenter.hold = true;
    const calls = Array.from({ length: 8 }, () => httpSegment(rig, "x.ply", ply));
    for (let i = 0; i < 500 && rig.segmenter.holding < 1; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(rig.segmenter.holding, 1);
    await new Promise((r) => setTimeout(r, 100));
    rig.segmenter.hold = false;
    rig.segmenter.release();
    const statuses = (await Promise.all(calls)).map((c) => c.status).sort();
    assert.deepEqual(statuses, [200, 200, 200, 429, 429, 429, 429, 429]);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(
      metrics,
      /geoguide_requests_total\{code="RESOURCE_EXHAUSTED",method="Segment"\} 5/,
    );
    await stillHealthy(rig);
  } finally {
    await rig.close();
  }
});

Deno.test("class 6: huge labels and templates are refused with short errors that echo nothing", async () => {
  const rig = await startRig({ segmentToken: SEGMENT_TOKEN });
  const cloud = { raw: { xyz: xyzBytes(randomCoords(20, 4)) } };
  const huge = "x".repeat(1_000_000);
  try {
    const cases: [Record<string, unknown>, number, RegExp][] = [
      [{ labels: [huge] }, C.INVALID_ARGUMENT, /1000000 bytes long.*--max-label-bytes/],
      [{ labels: Array(5000).fill("a") }, C.RESOURCE_EXHAUSTED, /5000 entries.*--max-labels/],
      [{ labels: ["a"], prompt_template: `{} ${huge}` }, C.INVALID_ARGUMENT, /--max-prompt-bytes/],
      [{ labels: ["a"], prompt_template: "a {} {}" }, C.INVALID_ARGUMENT, /exactly one/],
      [{ labels: ["a"], model: "m".repeat(7000) }, C.INVALID_ARGUMENT, /request.model/],
      [{ labels: ["a"], model: "nope".repeat(20) }, C.NOT_FOUND, /Unknown model/],
    ];
    for (const [fields, code, re] of cases) {
      try {
        await rig.client.segment({ cloud, ...fields }, auth(SEGMENT_TOKEN));
        assert.fail(`accepted: ${re}`);
      } catch (e) {
        const err = e as { code: number; message: string };
        assert.equal(err.code, code, err.message);
        assert.match(err.message, re);
        assert.ok(err.message.length < 300, `${err.message.length} characters`);
        assert.ok(!err.message.includes("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"));
      }
    }
    const viaHttp = await httpSegment(
      rig,
      "x.ply",
      new Uint8Array(10),
      undefined,
      "w".repeat(9000),
    );
    assert.equal(viaHttp.status, 400);
    assert.ok((viaHttp.error ?? "").length < 300);
    await stillHealthy(rig);
  } finally {
    await rig.close();
  }
});

Deno.test("class 7: errors carry no server paths", async () => {
  const rig = await startRig({ segmentToken: SEGMENT_TOKEN });
  try {
    const path = `${Deno.cwd()}/models/default/3/adapter.bin`;
    const original = rig.segmenter.segment.bind(rig.segmenter);
    rig.segmenter.segment = () =>
      Promise.reject(new GeoError("failed_precondition", `${path} has sha256 abc, not def`));
    await rejectsWith(
      rig.client.segment(
        { cloud: { raw: { xyz: xyzBytes(randomCoords(5, 1)) } }, labels: ["a"] },
        auth(SEGMENT_TOKEN),
      ),
      C.FAILED_PRECONDITION,
      /^<server path> has sha256 abc, not def$/,
    );
    const ply = encodePly({ count: 5, coord: randomCoords(5, 1) }, {
      format: "binary_little_endian",
    });
    const viaHttp = await httpSegment(rig, "x.ply", ply);
    assert.equal(viaHttp.status, 412);
    assert.equal(viaHttp.error, "<server path> has sha256 abc, not def");
    // A full disk: RESOURCE_EXHAUSTED / 429 in words a person understands, the cause in the log.
    rig.segmenter.segment = () =>
      Promise.reject(
        Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" }),
      );
    const full = await httpSegment(rig, "x.ply", ply);
    assert.equal(full.status, 429);
    assert.match(full.error ?? "", /disk is full/);
    assert.ok(rig.logs.some((l) => l.includes("resource error") && l.includes("ENOSPC")));
    rig.segmenter.segment = original;
    await stillHealthy(rig);
    assert.ok(rig.logs.some((l) => l.includes("adapter.bin")), "the log keeps the detail");
  } finally {
    await rig.close();
  }
});
