import assert from "node:assert/strict";
import { GeoError } from "../kernels/errors.ts";
import { Graph } from "../kernels/graph/graph.ts";
import { add } from "../kernels/graph/ops/arith.ts";
import { gather } from "../kernels/graph/ops/gather.ts";
import { segmentSum } from "../kernels/graph/composite.ts";
import { Rng } from "../kernels/random.ts";
import { encodeModel } from "./onnx_proto.ts";
import { createSession, cudaAvailable, toInt64 } from "./session.ts";

function model(): Uint8Array {
  const g = new Graph({ float: "float32" });
  const x = g.input("x", ["N", 2]);
  const i = g.input("i", ["K"], "int64");
  g.output("y", gather(add(x, 1), i));
  return encodeModel(g);
}

Deno.test("createSession: runs with dynamic dims and int64 feeds; auto picks an available provider", async () => {
  const s = await createSession(model(), { threads: 1 });
  assert.equal(s.provider, cudaAvailable() ? "cuda" : "cpu");
  assert.deepEqual([...s.inputNames], ["x", "i"]);
  for (const n of [3, 5]) {
    const x = Float32Array.from({ length: n * 2 }, (_, k) => k);
    const out = await s.run({
      x: { data: x, dims: [n, 2] },
      i: { data: toInt64([n - 1, 0]), dims: [2] },
    });
    assert.deepEqual([...out.y.dims], [2, 2]);
    assert.deepEqual(Array.from(out.y.data as Float32Array), [2 * n - 1, 2 * n, 1, 2]);
  }
  await s.release();
});

Deno.test("createSession: bad bytes and bad feeds become GeoError invalid_argument", async () => {
  await assert.rejects(
    () => createSession(Uint8Array.of(1, 2, 3), { provider: "cpu" }),
    (e: unknown) =>
      e instanceof GeoError && e.kind === "invalid_argument" &&
      /could not be loaded/.test(e.message),
  );
  const s = await createSession(model(), { provider: "cpu" });
  await assert.rejects(
    () =>
      s.run({ x: { data: new Float32Array(3), dims: [3] }, i: { data: toInt64([0]), dims: [1] } }),
    (e: unknown) =>
      e instanceof GeoError && e.kind === "invalid_argument" && /failed to run/.test(e.message),
  );
  await s.release();
});

Deno.test("createSession: the profile option writes a per-node trace on release", async () => {
  const dir = await Deno.makeTempDir();
  const s = await createSession(model(), { provider: "cpu", profile: `${dir}/p` });
  await s.run({
    x: { data: new Float32Array(4), dims: [2, 2] },
    i: { data: toInt64([1]), dims: [1] },
  });
  await s.release();
  const files = [...Deno.readDirSync(dir)].map((e) => e.name);
  assert.equal(files.length, 1);
  const trace = JSON.parse(Deno.readTextFileSync(`${dir}/${files[0]}`));
  assert.ok(trace.some((e: { name: string }) => e.name.includes("Gather")));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("createSession: a deterministic session sums ScatterND-add segments exactly, every run", async () => {
  // Many rows into few segments: onnxruntime's multi-threaded CPU ScatterND-add loses
  // updates here (onnxruntime issue 18048); the deterministic session must not.
  const n = 40_000, d = 32, k = 50;
  const g = new Graph({ float: "float32" });
  const x = g.input("x", ["N", d]);
  const ids = g.input("ids", ["N"], "int64");
  g.output("s", segmentSum(x, ids, k));
  const rng = new Rng(3);
  const xs = Float32Array.from({ length: n * d }, () => rng.next());
  const seg = Int32Array.from({ length: n }, () => rng.int(k));
  const want = new Float64Array(k * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) want[seg[i] * d + j] += xs[i * d + j];
  const s = await createSession(encodeModel(g), { provider: "cpu", deterministic: true });
  try {
    const feeds = { x: { data: xs, dims: [n, d] }, ids: { data: toInt64(seg), dims: [n] } };
    const first = (await s.run(feeds)).s.data as Float32Array;
    want.forEach((w, i) => assert.ok(Math.abs(first[i] - w) <= 1e-4 * w, `segment sum ${i}`));
    for (let r = 0; r < 5; r++) assert.deepEqual((await s.run(feeds)).s.data, first);
  } finally {
    await s.release();
  }
  await assert.rejects(
    () => createSession(encodeModel(g), { deterministic: true, threads: 4 }),
    (e: unknown) => e instanceof GeoError && e.kind === "invalid_argument",
  );
});
