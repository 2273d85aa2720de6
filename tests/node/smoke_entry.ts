/**
 * Node 20 smoke test: the same modules the Deno suite tests, bundled into one
 * JS file by `deno bundle` and run with `node --test` (see
 * tests/node_smoke_test.ts). Native and wasm packages stay external imports.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { decodeCloud } from "../../src/io/read_cloud.ts";
import { analyzeScene } from "../../src/pipeline/scene_geometry.ts";
import { descriptorBackbone } from "../../src/pipeline/backbone.ts";
import { probeObjective } from "../../src/pipeline/objective/probe.ts";

const SHARED = process.env.GEOGUIDE_SHARED ?? "";

test("Draco and PLY decode to the same points under Node", async () => {
  const name = `${SHARED}/data/open3d/derived/fragment_qp14_cl0.drc`;
  const drc = await decodeCloud(new Uint8Array(await readFile(name)), name);
  const plyName = `${SHARED}/data/open3d/derived/fragment_from_pcd.ply`;
  const ply = await decodeCloud(new Uint8Array(await readFile(plyName)), plyName);
  assert.equal(drc.count, 113662);
  assert.equal(ply.count, drc.count);
  let worst = 0;
  for (let i = 0; i < drc.coord.length; i++) {
    worst = Math.max(worst, Math.abs(drc.coord[i] - ply.coord[i]));
  }
  assert.ok(worst < 1e-3, `sequential Draco keeps order within quantization (${worst})`);
});

test("geometry chain and descriptor backbone run under Node", async () => {
  const name = `${SHARED}/data/open3d/derived/frag_115_qp14_cl7.drc`;
  const cloud = await decodeCloud(new Uint8Array(await readFile(name)), name);
  const geometry = analyzeScene(cloud);
  assert.equal(geometry.normal.length, cloud.count * 3);
  assert.ok(geometry.superpoints.count > 1 && geometry.superpoints.count < cloud.count);
  const backbone = descriptorBackbone();
  const features = await backbone.features(geometry);
  assert.equal(features.length, cloud.count * backbone.dim);
  assert.ok(features.every(Number.isFinite));
});

test("the objective probe runs in onnxruntime under Node and matches the worked case", async () => {
  const dir = `${SHARED}/docs/objective_cases`;
  const input = JSON.parse(await readFile(`${dir}/case_tiny.json`, "utf8"));
  const expected = JSON.parse(await readFile(`${dir}/expected_tiny.json`, "utf8"));
  const got = await probeObjective(input, { backend: "onnxruntime" });
  for (const k of ["sp", "mask", "sim", "total"] as const) {
    const ref = expected.loss[k];
    assert.ok(Math.abs(got.loss[k] - ref) <= 1e-4 * Math.max(Math.abs(ref), 1e-6), k);
  }
});
