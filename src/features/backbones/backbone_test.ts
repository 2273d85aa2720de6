import { GEODESC_3_MEAN, GEODESC_3_SCALE } from "./geodesc_scaling.ts";
import assert from "node:assert/strict";
import { GeoError } from "../../kernels/errors.ts";
import {
  DESCRIPTOR_DIM,
  DESCRIPTOR_VERSION,
  geometricDescriptor,
} from "../../kernels/geometric_descriptor.ts";
import { Rng } from "../../kernels/random.ts";
import { CONTEXT_DIM, contextDescriptor } from "../../kernels/context_descriptor.ts";
import { DESCRIPTOR_VERSION_DIMS, DESCRIPTOR_VERSIONS, descriptorBackbone } from "./backbone.ts";
import { createBackbone } from "./factory.ts";
import { analyzeScene } from "../scene_geometry.ts";

Deno.test("descriptorBackbone returns the descriptor of the analysed scene", async () => {
  const rng = new Rng(6);
  const n = 800;
  const coord = new Float32Array(3 * n), color = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++) {
    coord.set([rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0, 0.2)], 3 * i);
  }
  for (let i = 0; i < 3 * n; i++) color[i] = rng.int(256);
  const geometry = analyzeScene({ count: n, coord, color });
  const b = descriptorBackbone();
  assert.equal(b.kind, "descriptor");
  assert.equal(b.dim, DESCRIPTOR_DIM);
  assert.equal(b.version, DESCRIPTOR_VERSION);
  const f = await b.features(geometry);
  assert.equal(f.length, n * b.dim);
  // Same as calling the kernel without the precomputed parts.
  const direct = geometricDescriptor({
    coord,
    normal: geometry.normal,
    color,
    neighbors: geometry.neighbors,
    superpoints: geometry.superpoints,
  });
  assert.deepEqual(f, direct);
});

Deno.test("createBackbone checks kind, version and width", () => {
  assert.equal(createBackbone({ kind: "descriptor" }).kind, "descriptor");
  assert.equal(
    createBackbone({ kind: "descriptor", version: DESCRIPTOR_VERSION, dim: DESCRIPTOR_DIM }).dim,
    DESCRIPTOR_DIM,
  );
  const fails = (spec: Parameters<typeof createBackbone>[0], re: RegExp) =>
    assert.throws(
      () => createBackbone(spec),
      (e) => e instanceof GeoError && e.kind === "failed_precondition" && re.test(e.message),
    );
  fails({ kind: "descriptor", version: "old" }, /version 'old'/);
  fails({ kind: "descriptor", dim: 7 }, /7 backbone features/);
  fails({ kind: "onnx" }, /ONNX/);
  fails({ kind: "sparse-unet" }, /Unknown backbone kind 'sparse-unet'/);
});

Deno.test("tiny clouds (1, 2 and 5 points, duplicates) give finite descriptors", async () => {
  const clouds = [
    new Float32Array([0.5, 0.5, 0.5]),
    new Float32Array([0, 0, 0, 0, 0, 0]),
    new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1]),
  ];
  for (const coord of clouds) {
    const n = coord.length / 3;
    const geometry = analyzeScene({ count: n, coord });
    assert.equal(geometry.superpoints.ids.length, n);
    const f = await descriptorBackbone().features(geometry);
    assert.equal(f.length, n * DESCRIPTOR_DIM);
    assert.ok(f.every(Number.isFinite), `${n} points`);
  }
});

Deno.test("descriptor versions: geodesc-2 = the geodesc-1 columns, unchanged, then the context columns", async () => {
  const rng = new Rng(17);
  const n = 900;
  const coord = new Float32Array(3 * n), color = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++) {
    const wall = i % 3 === 0;
    coord.set(
      wall
        ? [0, rng.uniform(0, 2), rng.uniform(0, 2)]
        : [rng.uniform(0, 2), rng.uniform(0, 2), rng.uniform(0, 0.05)],
      3 * i,
    );
  }
  for (let i = 0; i < 3 * n; i++) color[i] = rng.int(256);
  const geometry = analyzeScene({ count: n, coord, color });
  const one = descriptorBackbone("geodesc-1"), two = descriptorBackbone("geodesc-2");
  assert.deepEqual(DESCRIPTOR_VERSIONS, [
    "geodesc-1",
    "geodesc-2",
    "geodesc-3",
    "geodesc-4",
    "geodesc-5",
    "geodesc-6",
  ]);
  assert.equal(one.dim, DESCRIPTOR_DIM);
  assert.equal(two.dim, DESCRIPTOR_DIM + CONTEXT_DIM);
  assert.equal(two.version, "geodesc-2");
  assert.equal(DESCRIPTOR_VERSION_DIMS["geodesc-2"], two.dim);
  const f1 = await one.features(geometry), f2 = await two.features(geometry);
  assert.deepEqual(f1, await descriptorBackbone().features(geometry));
  const context = contextDescriptor({
    coord,
    normal: geometry.normal,
    color,
    neighbors: geometry.neighbors,
    superpoints: geometry.superpoints,
  });
  for (let i = 0; i < n; i++) {
    const row = f2.subarray(i * two.dim, (i + 1) * two.dim);
    assert.deepEqual(row.subarray(0, DESCRIPTOR_DIM), f1.subarray(i * 48, (i + 1) * 48));
    assert.deepEqual(
      row.subarray(DESCRIPTOR_DIM),
      context.subarray(i * CONTEXT_DIM, (i + 1) * CONTEXT_DIM),
    );
  }
  const three = descriptorBackbone("geodesc-3");
  assert.equal(three.dim, two.dim);
  const f3 = await three.features(geometry);
  for (let k = 0; k < f2.length; k++) {
    const j = k % two.dim;
    const want = (f2[k] - GEODESC_3_MEAN[j]) / GEODESC_3_SCALE[j];
    assert.ok(Math.abs(f3[k] - want) <= 1e-5 * Math.max(1, Math.abs(want)), `value ${k}`);
  }
});

Deno.test("createBackbone selects the descriptor version; unknown versions and widths fail", () => {
  assert.equal(createBackbone({ kind: "descriptor" }).version, "geodesc-1");
  const two = createBackbone({ kind: "descriptor", version: "geodesc-2", dim: 71 });
  assert.equal(two.version, "geodesc-2");
  assert.equal(two.dim, 71);
  const fails = (f: () => unknown, re: RegExp) =>
    assert.throws(
      f,
      (e) => e instanceof GeoError && e.kind === "failed_precondition" && re.test(e.message),
    );
  fails(() => createBackbone({ kind: "descriptor", version: "geodesc-2", dim: 48 }), /48 backbone/);
  fails(
    () => createBackbone({ kind: "descriptor", version: "geodesc-9" }),
    /'geodesc-9'.*'geodesc-3'/,
  );
  fails(() => descriptorBackbone("geodesc-0"), /'geodesc-0'/);
});
