import assert from "node:assert/strict";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GeoError } from "../../kernels/errors.ts";
import {
  TINY_MULTI_DIM,
  TINY_MULTI_INPUTS,
  tinyMultiInputBackbone,
} from "../../../tests/fixtures/tiny_multi_backbone.ts";
import {
  BACKBONE_FOLDER_FILES,
  backboneFromFolder,
  contentHash12,
  contentVersion,
  readBackboneFolder,
  writeBackboneFolder,
} from "./folder.ts";
import { loadBackbone } from "./load.ts";

const geo = (kind: string, re: RegExp) => (e: unknown) =>
  e instanceof GeoError && e.kind === kind && re.test(e.message);

const json = {
  kind: "onnx" as const,
  version: "tiny-1",
  dim: TINY_MULTI_DIM,
  inputs: TINY_MULTI_INPUTS,
  output: "features",
  pretraining: { steps: 3, views: [1, 2], note: null },
};

Deno.test("backbone folder: written whole, read back with pretraining kept, replaced whole", async () => {
  const root = await Deno.makeTempDir({ prefix: "geoguide-bbfolder-" });
  try {
    const dir = join(root, "nested", "bb");
    const onnx = tinyMultiInputBackbone();
    await writeBackboneFolder(dir, { json, onnx });
    assert.deepEqual((await readdir(dir)).sort(), ["backbone.json", "backbone.onnx"]);
    const back = await readBackboneFolder(dir);
    assert.deepEqual(back.json, json);
    assert.deepEqual(back.onnx, onnx);
    // Replacing leaves the new content and no temporary or old siblings.
    await writeBackboneFolder(dir, { json: { ...json, version: "tiny-2" }, onnx });
    assert.equal((await readBackboneFolder(dir)).json.version, "tiny-2");
    assert.deepEqual(await readdir(join(root, "nested")), ["bb"]);
    // Invalid content is refused before anything is written.
    await assert.rejects(
      writeBackboneFolder(join(root, "bad"), { json: { ...json, dim: 0 }, onnx }),
      geo("invalid_argument", /backbone\.json: dim must be an integer ≥ 1/),
    );
    assert.deepEqual((await readdir(root)).sort(), ["nested"]);
  } finally {
    await rm(root, { recursive: true });
  }
});

Deno.test("backbone folder: missing files are not_found, bad JSON invalid_argument, both naming the file", async () => {
  const root = await Deno.makeTempDir({ prefix: "geoguide-bbfolder-" });
  try {
    const dir = join(root, "bb");
    await assert.rejects(readBackboneFolder(dir), geo("not_found", /bb\/backbone\.json$/));
    await mkdir(dir);
    const jsonPath = join(dir, BACKBONE_FOLDER_FILES.json);
    await writeFile(jsonPath, JSON.stringify(json));
    await assert.rejects(readBackboneFolder(dir), geo("not_found", /bb\/backbone\.onnx$/));
    await writeFile(join(dir, BACKBONE_FOLDER_FILES.onnx), tinyMultiInputBackbone());
    await writeFile(jsonPath, "{ not json");
    await assert.rejects(readBackboneFolder(dir), geo("invalid_argument", /is not valid JSON$/));
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...json, kind: "descriptor" }, /kind must be "onnx"/],
      [{ ...json, version: "" }, /version must be a non-empty string/],
      [{ ...json, inputs: [] }, /inputs must be a non-empty list/],
      [{ ...json, inputs: undefined }, /inputs must be a non-empty list/],
      [
        { ...json, inputs: [{ name: "n", role: "knn", k: 0 }] },
        /inputs\[0\]\.k must be an integer in 1\.\.16/,
      ],
      [{ ...json, inputs: [json.inputs[0], json.inputs[0]] }, /input 'points' is declared twice/],
      [{ ...json, output: 3 }, /output must be a non-empty string/],
    ];
    for (const [bad, re] of cases) {
      await writeFile(jsonPath, JSON.stringify(bad));
      await assert.rejects(readBackboneFolder(dir), geo("invalid_argument", re), String(re));
      await assert.rejects(loadBackbone(dir), geo("invalid_argument", re));
    }
    // Never a stack: the message is one line.
    const e = await readBackboneFolder(dir).catch((x) => x);
    assert.ok(!String(e.message).includes("\n"));
  } finally {
    await rm(root, { recursive: true });
  }
});

Deno.test("loadBackbone: descriptor versions, backbone folders (content-hashed version), else both listed", async () => {
  const root = await Deno.makeTempDir({ prefix: "geoguide-bbfolder-" });
  try {
    const d = await loadBackbone("geodesc-2");
    assert.deepEqual([d.kind, d.version, d.dim, d.bundle], [
      "descriptor",
      "geodesc-2",
      71,
      undefined,
    ]);
    const dir = join(root, "bb");
    const onnx = tinyMultiInputBackbone();
    await writeBackboneFolder(dir, { json, onnx });
    const b = await loadBackbone(dir);
    try {
      assert.equal(b.kind, "onnx");
      assert.equal(b.dim, TINY_MULTI_DIM);
      assert.equal(b.version, `tiny-1@${contentHash12(onnx, json)}`);
      assert.match(b.version, /^tiny-1@[0-9a-f]{12}$/);
      assert.deepEqual(b.bundle?.onnx, onnx);
      assert.deepEqual(b.bundle?.entry, {
        kind: "onnx",
        version: b.version,
        dim: TINY_MULTI_DIM,
        inputs: TINY_MULTI_INPUTS,
        output: "features",
      });
    } finally {
      await b.release?.();
    }
    // The same network declared with another grid is another version (no shared cache).
    const other = {
      ...json,
      inputs: json.inputs.map((i) => i.role === "grid" ? { ...i, size: 1 } : i),
    };
    await writeBackboneFolder(join(root, "bb2"), { json: other, onnx });
    const b2 = await backboneFromFolder(join(root, "bb2"));
    assert.notEqual(b2.version, b.version);
    await b2.release();
    // A version that already ends with the hash keeps it; another one gets it appended.
    assert.equal(contentVersion(b.version, onnx, json), b.version);
    assert.equal(contentVersion("x@000000000000", onnx), `x@000000000000@${contentHash12(onnx)}`);
    for (const ref of ["geodesc-9", join(root, "nowhere"), ""]) {
      await assert.rejects(
        loadBackbone(ref),
        geo(
          "invalid_argument",
          /geodesc-1, geodesc-2, geodesc-3, geodesc-4, geodesc-5, geodesc-6 or a backbone folder/,
        ),
      );
    }
    // The folder's json keeps the written form readable.
    const text = await readFile(join(dir, BACKBONE_FOLDER_FILES.json), "utf8");
    assert.deepEqual(JSON.parse(text).pretraining, json.pretraining);
  } finally {
    await rm(root, { recursive: true });
  }
});
