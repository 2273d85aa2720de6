import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "./atomic_write.ts";

Deno.test("writeFileAtomic creates folders, replaces whole files and leaves no temporaries", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "a", "b", "x.bin");
  await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
  assert.deepEqual(new Uint8Array(await readFile(path)), new Uint8Array([1, 2, 3]));
  // Concurrent writers of one path: one whole copy survives.
  const copies = Array.from({ length: 8 }, (_, i) => new Uint8Array(1000).fill(i));
  await Promise.all(copies.map((c) => writeFileAtomic(path, c)));
  const got = new Uint8Array(await readFile(path));
  assert.equal(got.length, 1000);
  assert.ok(got.every((v) => v === got[0]));
  assert.deepEqual(await readdir(join(dir, "a", "b")), ["x.bin"]);
  // A failed write (target is a folder) leaves nothing behind.
  await assert.rejects(writeFileAtomic(join(dir, "a"), new Uint8Array(1)));
  assert.deepEqual(await readdir(dir), ["a"]);
  await Deno.remove(dir, { recursive: true });
});
