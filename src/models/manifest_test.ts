import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { GeoError } from "../kernels/errors.ts";
import { Rng } from "../kernels/random.ts";
import { describeModel } from "../onnx/onnx_proto.ts";
import { INFERENCE_IO, initAdapterWeights } from "../features/adapter_graph.ts";
import { createTinyModel } from "../../tests/fixtures/tiny_model.ts";
import {
  TINY_MULTI_DIM,
  TINY_MULTI_INPUTS,
  tinyMultiInputBackbone,
} from "../../tests/fixtures/tiny_multi_backbone.ts";
import { analyzeScene } from "../features/scene_geometry.ts";
import { loadModel, publishBundle } from "./bundle.ts";
import { manifestJson, parseManifest } from "./manifest_codec.ts";
import { loadVersion } from "./registry.ts";

const SHIPPED = fileURLToPath(new URL("../../models", import.meta.url));

function geoKind(kind: string, re: RegExp) {
  return (e: unknown) => e instanceof GeoError && e.kind === kind && re.test(e.message);
}

Deno.test("the shipped manifests parse unchanged, with the defaults of older manifests", async () => {
  for (const v of [1, 2, 3, 4]) {
    const text = await readFile(join(SHIPPED, "default", String(v), "manifest.json"), "utf8");
    const m = parseManifest(JSON.parse(text), { source: `default v${v}` });
    assert.equal(m.version, v);
    assert.equal(m.backbone.kind, "descriptor");
    assert.equal(m.backbone.version, `geodesc-${v}`);
    assert.equal(m.backbone.dim, m.dims.geometric);
    assert.deepEqual(m.adapter, { file: "adapter.onnx", weights: "adapter.bin", io: INFERENCE_IO });
    assert.deepEqual(m.text_encoder, { name: "glove-sg-100d@1", dim: 100 });
    assert.equal(m.prompt_template, "{}");
    assert.equal(m.voxel_size, 0.02);
    assert.equal(m.training?.loss_curve?.length, 200);
    // The writer's text parses back to the same manifest.
    assert.deepEqual(parseManifest(JSON.parse(manifestJson(m)), { source: "x" }), m);
    // And the registry loads it (sha256 of every file verified).
    const loaded = await loadVersion(SHIPPED, "default", v);
    assert.deepEqual(loaded.manifest, m);
  }
});

Deno.test("parseManifest: errors name the field and the label, never a path", async () => {
  const text = await readFile(join(SHIPPED, "default", "3", "manifest.json"), "utf8");
  const good = JSON.parse(text);
  const src = { source: 'model "default" version 3' };
  // deno-lint-ignore no-explicit-any
  const cases: [(m: Record<string, any>) => void, RegExp][] = [
    [
      (m) => (m.backbone.kind = "pointnet"),
      /field 'backbone\.kind' must be "descriptor" or "onnx"/,
    ],
    [
      (m) => (m.backbone = { kind: "onnx", dim: 71 }),
      /'backbone\.file' names 'backbone\.onnx', which is not in 'files'/,
    ],
    [(m) => (m.backbone.dim = 48), /'backbone\.dim' is 48 but dims\.geometric is 71/],
    [(m) => (m.text_encoder.dim = 512), /'text_encoder\.dim' is 512 but dims\.feature is 100/],
    [
      (m) => (m.text_encoder = { name: "clip-onnx" }),
      /'text_encoder\.file' names 'text_encoder\.onnx'/,
    ],
    [(m) => (m.adapter = { io: { score: 3 } }), /'adapter\.io\.score' must be a non-empty string/],
    [(m) => (m.adapter = { file: "graph.onnx" }), /'adapter\.file' names 'graph\.onnx'/],
    [(m) => delete m.dims.hidden, /'dims\.hidden' must be an integer/],
    [(m) => (m.prompt_template = "a photo"), /'prompt_template' must contain exactly one/],
    [(m) => (m.voxel_size = -1), /'voxel_size' must be a positive number/],
    [(m) => (m.training = { config: {} }), /'training' must be null or/],
    [
      (m) => (m.files = { "../x": "0".repeat(64) }),
      /files\['\.\.\/x'\] is not a plain relative path/,
    ],
  ];
  for (const [spoil, re] of cases) {
    const m = structuredClone(good);
    spoil(m);
    assert.throws(() => parseManifest(m, src), geoKind("failed_precondition", re), String(re));
    assert.throws(() => parseManifest(m, src), (e: Error) => e.message.startsWith(src.source));
    assert.throws(
      () => parseManifest(m, { ...src, kind: "invalid_argument" }),
      geoKind("invalid_argument", re),
    );
  }
  // A stored manifest that does not parse: the message names the model, not the folder.
  const root = await Deno.makeTempDir();
  try {
    const tiny = await createTinyModel({ root, name: "m" });
    const path = join(root, "m", "1", "manifest.json");
    const m = JSON.parse(await Deno.readTextFile(path));
    m.backbone.kind = "pointnet";
    await Deno.writeTextFile(path, JSON.stringify(m));
    await assert.rejects(loadVersion(root, "m", tiny.version), (e: Error) => {
      assert.ok(e instanceof GeoError && e.kind === "failed_precondition");
      assert.match(e.message, /^model "m" version 1: field 'backbone\.kind'/);
      assert.ok(!e.message.includes(root), e.message);
      return true;
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("the adapter's tensor names come from the manifest", async () => {
  const root = await Deno.makeTempDir();
  try {
    const dims = { dg: 48, hidden: 4, dim: 8 };
    const io = { geometric: "g", labels: "e", label: "best", score: "cos" };
    const m = await publishBundle(root, "renamed", {
      dims,
      weights: initAdapterWeights(dims, new Rng(3)),
      manifest: { textEncoder: "client-embeddings", adapterIo: io },
    });
    assert.deepEqual(m.adapter.io, io);
    const graph = describeModel(await Deno.readFile(join(root, "renamed", "1", "adapter.onnx")));
    assert.deepEqual(graph.inputs.map((i) => i.name), ["g", "e"]);
    assert.deepEqual(graph.outputs.map((o) => o.name), ["best", "cos"]);
    const model = await loadModel(root, "renamed"); // warms up through the declared names
    try {
      const { label } = await model.classify(
        new Float32Array(2 * 48).fill(1),
        new Float32Array(8).fill(1),
      );
      assert.deepEqual([...label], [0, 0]);
    } finally {
      await model.release();
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("bundled ONNX backbone and text encoder have their tensor names declared", async () => {
  const onnx = await createTinyModel({ backbone: "onnx" });
  const clip = await createTinyModel({ textEncoder: "clip-onnx", dim: 8, hidden: 4 });
  try {
    assert.deepEqual(onnx.manifest.backbone, {
      kind: "onnx",
      file: "backbone.onnx",
      version: "tiny-1",
      dim: 12,
      input: "points",
      output: "features",
    });
    assert.deepEqual(clip.manifest.text_encoder, {
      name: "clip-onnx",
      dim: 8,
      file: "text_encoder.onnx",
      input: "input_ids",
      output: "text_embeds",
    });
    const text = await Deno.readTextFile(join(clip.root, clip.name, "1", "manifest.json"));
    assert.match(text, /"output": "text_embeds"/);
  } finally {
    await Deno.remove(onnx.root, { recursive: true });
    await Deno.remove(clip.root, { recursive: true });
  }
});

Deno.test("a multi-input ONNX backbone: inputs declared, written back, served; malformed ones named", async () => {
  const root = await Deno.makeTempDir();
  try {
    const dims = { dg: TINY_MULTI_DIM, hidden: 4, dim: 8 };
    const m = await publishBundle(root, "multi", {
      dims,
      weights: initAdapterWeights(dims, new Rng(3)),
      backbone: tinyMultiInputBackbone(),
      manifest: {
        textEncoder: "client-embeddings",
        backbone: { kind: "onnx", version: "tiny-multi", inputs: TINY_MULTI_INPUTS },
      },
    });
    assert.deepEqual(m.backbone, {
      kind: "onnx",
      file: "backbone.onnx",
      version: "tiny-multi",
      dim: TINY_MULTI_DIM,
      inputs: TINY_MULTI_INPUTS,
      output: "features",
    });
    const text = await Deno.readTextFile(join(root, "multi", "1", "manifest.json"));
    assert.match(text, /"role": "grid_count",\n\s+"size": 0.5/);
    assert.deepEqual(parseManifest(JSON.parse(text), { source: "x" }), m);
    const model = await loadModel(root, "multi"); // the warm-up runs the backbone
    try {
      const n = 50;
      const coord = Float32Array.from({ length: 3 * n }, (_, i) => ((i * 0.618) % 1) * 2);
      const f = await model.backbone.features(analyzeScene({ count: n, coord }));
      assert.equal(f.length, n * TINY_MULTI_DIM);
    } finally {
      await model.release();
    }
    // Malformed declarations are refused with the field named.
    const src = { source: 'model "multi" version 1' };
    // deno-lint-ignore no-explicit-any
    const cases: [(b: Record<string, any>) => void, RegExp][] = [
      [(b) => (b.inputs = {}), /field 'backbone\.inputs' must be a non-empty list/],
      [(b) => (b.inputs = []), /field 'backbone\.inputs' must be a non-empty list/],
      [(b) => (b.inputs[1].role = "colour"), /field backbone\.inputs\[1\]\.role must be one of/],
      [(b) => (b.inputs[2].k = 40), /field backbone\.inputs\[2\]\.k must be an integer in 1\.\.16/],
      [(b) => delete b.inputs[3].size, /field backbone\.inputs\[3\]\.size must be a positive/],
      [(b) => (b.inputs[4].name = "points"), /'backbone\.inputs' declares 'points' twice/],
      [(b) => (b.input = "points"), /'backbone\.input' cannot be combined with 'backbone\.inputs'/],
    ];
    for (const [spoil, re] of cases) {
      const bad = JSON.parse(text);
      spoil(bad.backbone);
      assert.throws(() => parseManifest(bad, src), geoKind("failed_precondition", re), String(re));
      assert.throws(() => parseManifest(bad, src), (e: Error) => e.message.startsWith(src.source));
    }
    // Without inputs the entry parses as before.
    const old = JSON.parse(text);
    delete old.backbone.inputs;
    assert.equal(parseManifest(old, src).backbone.kind, "onnx");
    assert.ok(!("inputs" in parseManifest(old, src).backbone));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
