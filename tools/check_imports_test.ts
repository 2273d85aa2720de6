import assert from "node:assert/strict";
import { checkSources, cycles, layerOf, packageOf, type Rule } from "./check_imports.ts";
import { scanRefs } from "./import_scan.ts";

/** Rules broken by a hand-made tree (path → source). */
function broken(files: Record<string, string>): Rule[] {
  return checkSources(new Map(Object.entries(files))).violations.map((v) => v.rule);
}

function messages(files: Record<string, string>): string[] {
  return checkSources(new Map(Object.entries(files))).violations.map((v) => v.message);
}

Deno.test("scanRefs finds every import form and nothing in comments or strings", () => {
  const src = `
    // import { no } from "./comment.ts";
    /* export * from "./block.ts"; */
    import a, { b } from "./static.ts";
    import "./side_effect.ts";
    import type { T } from './type_only.ts';
    import { type U, v } from "./mixed.ts";
    export * from "./star.ts";
    export * as ns from "./star_as.ts";
    export { x } from "./named.ts";
    export type { Y } from "./named_type.ts";
    export const notAnImport = "import z from './in_string.ts'";
    const re = /from "\\.\\/regex\\.ts"/g;
    const t = \`import q from "./in_template.ts" \${"x"}\`;
    const m = await import("./dynamic.ts");
    const m2 = await import(\`./plain_template.ts\`);
    const m3 = await import(\`./\${name}.ts\`);
    type M = typeof import("./type_position.ts");
    const u = new URL("./worker.ts", import.meta.url);
    const w = new URL("./not_relative_to_module.ts", base);
    const p = import.meta.resolve("some-package");
    const o = { import: "./not_a_module.ts" };
  `;
  const refs = scanRefs(src).map((r) => `${r.kind} ${r.specifier}`);
  assert.deepEqual(refs, [
    "import ./static.ts",
    "import ./side_effect.ts",
    "type ./type_only.ts",
    "import ./mixed.ts",
    "export ./star.ts",
    "export ./star_as.ts",
    "export ./named.ts",
    "type ./named_type.ts",
    "dynamic ./dynamic.ts",
    "dynamic ./plain_template.ts",
    "dynamic null",
    "dynamic ./type_position.ts",
    "url ./worker.ts",
    "resolve some-package",
  ]);
  assert.equal(scanRefs(`import x from "./a.ts";\nimport y from "./b.ts";`)[1].line, 2);
});

Deno.test("packageOf names the package of bare, npm: and jsr: specifiers; builtins are none", () => {
  assert.equal(packageOf("hono"), "hono");
  assert.equal(packageOf("hono/jsx"), "hono");
  assert.equal(packageOf("@grpc/grpc-js"), "@grpc/grpc-js");
  assert.equal(packageOf("@grpc/grpc-js/build/src/x.js"), "@grpc/grpc-js");
  assert.equal(packageOf("npm:hono@4.1/jsx"), "hono");
  assert.equal(packageOf("npm:@scope/pkg@^1.2.3/sub"), "@scope/pkg");
  assert.equal(packageOf("jsr:@std/assert@1"), "jsr:@std/assert");
  assert.equal(packageOf("node:fs/promises"), null);
  assert.equal(packageOf("fs"), null);
  assert.equal(packageOf("./x.ts"), null);
  assert.equal(packageOf("../x.ts"), null);
  assert.equal(layerOf("src/kernels/graph/ops/arith.ts"), "kernels");
  assert.equal(layerOf("src/cli.ts"), "cli");
});

Deno.test("rule kernels: src/kernels imports only src/kernels, no builtins", () => {
  assert.deepEqual(
    broken({
      "src/kernels/a.ts": `import { b } from "./graph/b.ts";`,
      "src/kernels/graph/b.ts": `import { e } from "../errors.ts";`,
      "src/kernels/errors.ts": ``,
      "src/kernels/a_test.ts": `import assert from "node:assert/strict";\nimport "./a.ts";`,
    }),
    [],
  );
  const out = messages({
    "src/kernels/a.ts": `import { read } from "../io/read.ts";`,
    "src/kernels/b.ts": `import { readFile } from "node:fs/promises";`,
    "src/kernels/c_test.ts": `import { join } from "node:path";`,
    "src/kernels/d.ts": `export type { X } from "../train/x.ts";`,
    "src/io/read.ts": ``,
  });
  assert.equal(out.length, 4);
  assert.match(out[0], /src\/kernels\/a\.ts:1 imports "\.\.\/io\/read\.ts"/);
  assert.match(out[1], /node:fs\/promises/);
  assert.match(out[2], /c_test\.ts.*node:path/);
  assert.match(out[3], /d\.ts.*train/);
});

Deno.test("rule adapter: a package is imported by one src file; tests, gen and builtins exempt", () => {
  const ok = checkSources(
    new Map(Object.entries({
      "src/server/http.ts": `import { Hono } from "hono";\nimport x from "npm:hono@4/jsx";`,
      "src/server/b.ts": `import { join } from "node:path";\nimport fs from "fs";`,
      "src/io/c.ts": `import { join } from "node:path";`,
      "src/gen/d.js": `import pb from "protobufjs/minimal.js";`,
      "src/server/wire.ts": `import pb from "protobufjs";`,
      "tests/e_test.ts": `import { Hono } from "hono";`,
    })),
  );
  assert.deepEqual(ok.violations, []);
  assert.deepEqual([...ok.adapters], [
    ["hono", "src/server/http.ts"],
    ["protobufjs", "src/server/wire.ts"],
  ]);
  const out = messages({
    "src/io/draco.ts": `import draco3d from "draco3d";`,
    "src/io/draco_encode.ts": `const d = await import("npm:draco3d@1.5");`,
    "src/onnx/session.ts": `const url = import.meta.resolve("onnxruntime-node");`,
    "src/onnx/x_test.ts": `import * as ort from "onnxruntime-node";`,
  });
  assert.deepEqual(out, [
    `package "draco3d" is imported by 2 files: src/io/draco.ts, src/io/draco_encode.ts`,
    `package "onnxruntime-node" is imported by 2 files: src/onnx/session.ts, src/onnx/x_test.ts`,
  ]);
});

Deno.test("rule cycle: every cycle is reported once with its files (type and dynamic count)", () => {
  const out = checkSources(
    new Map(Object.entries({
      "src/kernels/ops/a.ts": `import { b } from "./b.ts";`,
      "src/kernels/ops/b.ts": `import type { C } from "./c.ts";`,
      "src/kernels/ops/c.ts": `export { a } from "./a.ts";`,
      "src/kernels/ops/d.ts": `import "./a.ts";`,
      "src/train/runner.ts": `const m = await import("./backend.ts");`,
      "src/train/backend.ts": `import type { R } from "./runner.ts";`,
      "src/train/self.ts": `import "./self.ts";`,
    })),
  ).violations;
  assert.deepEqual(out.map((v) => v.rule), ["cycle", "cycle", "cycle"]);
  assert.match(
    out[0].message,
    /^3 files: src\/kernels\/ops\/a\.ts, src\/kernels\/ops\/b\.ts, src\/kernels\/ops\/c\.ts\n/,
  );
  assert.match(
    out[0].message,
    /a\.ts → src\/kernels\/ops\/b\.ts → src\/kernels\/ops\/c\.ts → src\/kernels\/ops\/a\.ts/,
  );
  assert.match(out[1].message, /^2 files: src\/train\/backend\.ts, src\/train\/runner\.ts/);
  assert.match(out[2].message, /^1 file: src\/train\/self\.ts/);
  const edges = new Map([["x", new Set(["y"])], ["y", new Set<string>()]]);
  assert.deepEqual(cycles(edges), []);
});

Deno.test("rule test-code: src never imports bench/; only src tests may import tests/", () => {
  assert.deepEqual(
    messages({
      "src/commands/synth.ts":
        `import splits from "../../bench/splits.json" with { type: "json" };`,
      "src/infer/x.ts": `import { tiny } from "../../tests/fixtures/tiny.ts";`,
      "src/infer/x_test.ts": `import { tiny } from "../../tests/fixtures/tiny.ts";`,
      "src/infer/y_test.ts": `import { run } from "../../bench/serve.ts";`,
    }),
    [
      "src/commands/synth.ts:1 imports bench/splits.json",
      "src/infer/x.ts:1 imports tests/fixtures/tiny.ts",
      "src/infer/y_test.ts:1 imports bench/serve.ts",
    ],
  );
});

Deno.test("rule layer: only the table's folder arrows; type-only imports count", () => {
  assert.deepEqual(
    broken({
      "src/server/a.ts": `import { r } from "../runtime/r.ts";\nimport "../kernels/k.ts";`,
      "src/runtime/r.ts": `import { i } from "../infer/i.ts";\nimport { t } from "../train/t.ts";`,
      "src/infer/i.ts": `import { m } from "../models/m.ts";`,
      "src/models/m.ts": `import { f } from "../features/f.ts";`,
      "src/features/f.ts":
        `import "../kernels/k.ts";\nimport "../io/o.ts";\nimport "../text/t.ts";`,
      "src/commands/c.ts":
        `import "../server/a.ts";\nimport "../synth/s.ts";\nimport "../render/p.ts";`,
      "src/cli.ts": `const c = await import("./commands/c.ts");`,
      "src/synth/s.ts": `import "../features/f.ts";\nimport "../render/p.ts";`,
      "src/features/f_test.ts": `import "../synth/s.ts";`,
    }),
    [],
  );
  assert.deepEqual(
    messages({
      "src/models/catalog.ts": `import type { ModelInfo } from "../infer/api.ts";`,
      "src/infer/i.ts": `import { serve } from "../server/a.ts";`,
      "src/features/f.ts": `const s = await import("../synth/s.ts");`,
      "src/render/p.ts": `import { k } from "../kernels/k.ts";`,
      "src/io/o.ts": `const w = new URL("../runtime/worker.ts", import.meta.url);`,
    }),
    [
      "src/models/catalog.ts:1 (models) imports src/infer/api.ts (infer)",
      "src/infer/i.ts:1 (infer) imports src/server/a.ts (server)",
      "src/features/f.ts:1 (features) imports src/synth/s.ts (synth)",
      "src/render/p.ts:1 (render) imports src/kernels/k.ts (kernels)",
      "src/io/o.ts:1 (io) imports src/runtime/worker.ts (runtime)",
    ],
  );
});
