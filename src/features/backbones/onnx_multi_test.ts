import assert from "node:assert/strict";
import * as G from "../../kernels/graph/mod.ts";
import { GeoError } from "../../kernels/errors.ts";
import { Rng } from "../../kernels/random.ts";
import { encodeModel } from "../../onnx/onnx_proto.ts";
import {
  TINY_MULTI_DIM,
  TINY_MULTI_GRID,
  TINY_MULTI_INPUTS,
  TINY_MULTI_K,
  tinyMultiInputBackbone,
} from "../../../tests/fixtures/tiny_multi_backbone.ts";
import { descriptorBackbone } from "./backbone.ts";
import type { BackboneInput } from "./inputs.ts";
import { multiInputSessionOptions, onnxBackbone, onnxBackboneInput } from "./onnx.ts";
import { analyzeScene } from "../scene_geometry.ts";

type Spec = Parameters<typeof onnxBackbone>[0];
const spec = (o: Record<string, unknown>) => ({ kind: "onnx", ...o }) as Spec;

function seededCloud(n: number, seed: number) {
  const rng = new Rng(seed);
  const coord = Float32Array.from({ length: 3 * n }, () => rng.uniform(-0.4, 0.9));
  const color = Uint8Array.from({ length: 3 * n }, () => rng.int(256));
  return analyzeScene({ count: n, coord, color });
}

/** Brute force: mean points row over the k nearest (itself included), mean descriptor per cell. */
async function reference(geometry: ReturnType<typeof analyzeScene>): Promise<Float64Array> {
  const n = geometry.cloud.count, c = geometry.cloud.coord;
  const pts = onnxBackboneInput(geometry);
  const desc = await descriptorBackbone("geodesc-1").features(geometry);
  const dd = desc.length / n;
  const out = new Float64Array(n * TINY_MULTI_DIM);
  const d2 = (i: number, j: number) =>
    (c[3 * i] - c[3 * j]) ** 2 + (c[3 * i + 1] - c[3 * j + 1]) ** 2 +
    (c[3 * i + 2] - c[3 * j + 2]) ** 2;
  for (let i = 0; i < n; i++) {
    const near = [...Array(n).keys()].sort((a, b) => d2(i, a) - d2(i, b)).slice(0, TINY_MULTI_K);
    assert.equal(near[0], i);
    for (const j of near) {
      for (let q = 0; q < 9; q++) out[i * TINY_MULTI_DIM + q] += pts[j * 9 + q] / TINY_MULTI_K;
    }
  }
  const key = (i: number) =>
    [0, 1, 2].map((a) => Math.floor(c[3 * i + a] / TINY_MULTI_GRID)).join(",");
  const members = new Map<string, number[]>();
  for (let i = 0; i < n; i++) members.set(key(i), [...(members.get(key(i)) ?? []), i]);
  for (let i = 0; i < n; i++) {
    const m = members.get(key(i))!;
    for (let q = 0; q < dd; q++) {
      const mean = m.reduce((s, j) => s + desc[j * dd + q], 0) / m.length;
      out[i * TINY_MULTI_DIM + 9 + q] = mean;
    }
  }
  return out;
}

Deno.test("multi-input ONNX backbone: kNN mean of points + grid mean of the descriptor, against brute force", async () => {
  const geometry = seededCloud(150, 21);
  const bb = onnxBackbone(
    spec({ dim: TINY_MULTI_DIM, bytes: tinyMultiInputBackbone(), inputs: TINY_MULTI_INPUTS }),
  );
  try {
    const got = await bb.features(geometry);
    const want = await reference(geometry);
    assert.equal(got.length, want.length);
    for (let i = 0; i < got.length; i++) {
      assert.ok(Math.abs(got[i] - want[i]) < 1e-4 * (1 + Math.abs(want[i])), `value ${i}`);
    }
    // Deterministic session: a second run is bit-identical.
    assert.deepEqual(await bb.features(geometry), got);
    // Built from bytes, it carries what a model version needs.
    assert.equal(bb.bundle?.entry.dim, TINY_MULTI_DIM);
    assert.deepEqual(bb.bundle?.entry.inputs, TINY_MULTI_INPUTS);
    assert.equal(bb.bundle?.entry.version, "onnx");
  } finally {
    await bb.release();
  }
});

Deno.test("multi-input ONNX backbone: the model must have exactly the declared inputs", async () => {
  const geometry = seededCloud(40, 3);
  const bytes = tinyMultiInputBackbone();
  const failed = (re: RegExp) => (e: unknown) =>
    e instanceof GeoError && e.kind === "failed_precondition" && re.test(e.message);
  const cases: [BackboneInput[], RegExp][] = [
    [
      [...TINY_MULTI_INPUTS, { name: "extra", role: "points" }],
      /declares input 'extra', which the model does not have \(model inputs: points, desc/,
    ],
    [TINY_MULTI_INPUTS.slice(0, 4), /model has input 'cells', which its inputs do not declare/],
  ];
  for (const [inputs, re] of cases) {
    const bb = onnxBackbone(spec({ dim: TINY_MULTI_DIM, bytes, inputs }));
    await assert.rejects(bb.features(geometry), failed(re));
    await bb.release();
  }
  const wrongOut = onnxBackbone(
    spec({ dim: TINY_MULTI_DIM, bytes, inputs: TINY_MULTI_INPUTS, output: "nope" }),
  );
  await assert.rejects(wrongOut.features(geometry), failed(/no output 'nope'/));
  await wrongOut.release();
  const wrongDim = onnxBackbone(spec({ dim: 5, bytes, inputs: TINY_MULTI_INPUTS }));
  await assert.rejects(wrongDim.features(geometry), failed(/expected float32 \[40, 5\]/));
  await wrongDim.release();
});

Deno.test("multi-input ONNX backbone: malformed declarations fail at construction", () => {
  const bytes = tinyMultiInputBackbone();
  const make = (o: Record<string, unknown>) => () =>
    onnxBackbone(spec({ dim: TINY_MULTI_DIM, bytes, ...o }));
  const failed = (re: RegExp) => (e: unknown) =>
    e instanceof GeoError && e.kind === "failed_precondition" && re.test(e.message);
  assert.throws(make({ inputs: [] }), failed(/empty list of inputs/));
  assert.throws(
    make({ inputs: [TINY_MULTI_INPUTS[0], TINY_MULTI_INPUTS[0]] }),
    failed(/input 'points' twice/),
  );
  assert.throws(
    make({ inputs: TINY_MULTI_INPUTS, input: "points" }),
    failed(/both a single input and a list/),
  );
  assert.throws(
    make({ inputs: [{ name: "d", role: "descriptor", version: "geodesc-9" }] }),
    failed(/geodesc-9/),
  );
});

Deno.test("multiInputSessionOptions: deterministic unless the options say otherwise", () => {
  assert.deepEqual(multiInputSessionOptions(), { threads: undefined, deterministic: true });
  assert.deepEqual(multiInputSessionOptions({ threads: 4, provider: "cpu" }), {
    threads: undefined,
    provider: "cpu",
    deterministic: true,
  });
  const explicit = { threads: 4, deterministic: false };
  assert.equal(multiInputSessionOptions(explicit), explicit);
});

Deno.test("multi-input ONNX backbone: a points-only declaration equals the single-input path", async () => {
  const g = new G.Graph({ float: "float32", name: "points_only" });
  const x = g.input("xyz_rgb_n", ["N", 9]);
  g.output("f", G.mul(x, 2));
  const bytes = encodeModel(g);
  const geometry = seededCloud(30, 8);
  const single = onnxBackbone(spec({ dim: 9, bytes }));
  const multi = onnxBackbone(
    spec({ dim: 9, bytes, inputs: [{ name: "xyz_rgb_n", role: "points" }] }),
  );
  try {
    assert.deepEqual(await multi.features(geometry), await single.features(geometry));
    assert.equal(single.bundle?.entry.inputs, undefined);
  } finally {
    await single.release();
    await multi.release();
  }
});
