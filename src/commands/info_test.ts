import assert from "node:assert/strict";
import { join } from "node:path";
import { encodeNpy } from "../io/npy.ts";
import { run } from "./info.ts";

const DATA = new URL("../../../shared/data/", import.meta.url);

/** Runs the command with console.log/error captured. */
async function capture(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  try {
    return { code: await run(args), out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

Deno.test("info prints one JSON object for a Draco file", async () => {
  const r = await capture([new URL("draco_testdata/cube_pc.drc", DATA).pathname]);
  assert.equal(r.code, 0);
  assert.deepEqual(JSON.parse(r.out), {
    points: 24,
    attributes: ["position", "normal"],
    bbox: { min: [0, 0, 0], max: [1, 1, 1] },
  });
});

Deno.test("info adds dtype and shape for .npy", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "coord.npy");
    await Deno.writeFile(
      path,
      encodeNpy(new Float32Array([-1, 0, 2, 3, 4, 5.5]), [2, 3], { dtype: "float16" }),
    );
    const r = await capture([path]);
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.out), {
      points: 2,
      attributes: ["position"],
      bbox: { min: [-1, 0, 2], max: [3, 4, 5.5] },
      dtype: "float16",
      shape: [2, 3],
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("info reports errors on stderr with exit code 1 and no stack trace", async () => {
  const bad = await capture([new URL("draco_testdata/float_inf_point_cloud.ply", DATA).pathname]);
  assert.equal(bad.code, 1);
  assert.equal(bad.out, "");
  assert.match(bad.err, /float_inf_point_cloud\.ply: point 0 has a non-finite coordinate/);
  assert.doesNotMatch(bad.err, /\n\s+at /);
  const missing = await capture(["/nonexistent/x.ply"]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /cannot read the file/);
  assert.equal((await capture([])).code, 2);
});
