import { writeFileAtomic } from "../io/atomic_write.ts";
import assert from "node:assert/strict";
import { ensureGloveBinary, gloveBinaryPath, winkToDense } from "./glove_convert.ts";
import { GeoError } from "../kernels/errors.ts";

Deno.test("winkToDense keeps word order and drops the trailing norm and index", () => {
  const dense = winkToDense({
    dimensions: 2,
    words: ["b", "a"],
    vectors: { a: [1, 2, 2.23, 1], b: [3, 4, 5, 0] },
  });
  assert.deepEqual(dense.words, ["b", "a"]);
  assert.deepEqual(Array.from(dense.vectors), [3, 4, 1, 2]);
  assert.throws(
    () => winkToDense({ dimensions: 2, words: ["c"], vectors: { c: [1] } }),
    (e) => e instanceof GeoError && /"c" has no 2-d vector/.test(e.message),
  );
});

Deno.test("ensureGloveBinary returns a cached file without converting", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = gloveBinaryPath(`${dir}/`);
    assert.equal(path, `${dir}/text/glove-sg-100d@1.bin`);
    await writeFileAtomic(path, new Uint8Array([7]));
    const lines: string[] = [];
    const [a, b] = await Promise.all([
      ensureGloveBinary({ cacheDir: dir, log: (l) => lines.push(l) }),
      ensureGloveBinary({ cacheDir: dir }),
    ]);
    assert.equal(a, path);
    assert.equal(b, path);
    assert.deepEqual(lines, []); // no conversion happened
    assert.deepEqual(await Deno.readFile(path), new Uint8Array([7]));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
