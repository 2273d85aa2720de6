import assert from "node:assert/strict";
import { GeoError } from "../kernels/errors.ts";
import {
  DESCRIPTOR_DIM,
  DESCRIPTOR_VERSION,
  geometricDescriptor,
} from "../kernels/geometric_descriptor.ts";
import { Rng } from "../kernels/random.ts";
import { createBackbone, descriptorBackbone } from "./backbone.ts";
import { analyzeScene } from "./scene_geometry.ts";

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
