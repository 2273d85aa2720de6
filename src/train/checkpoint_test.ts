import assert from "node:assert/strict";
import { join } from "node:path";
import { GeoError } from "../kernels/errors.ts";
import {
  type Checkpoint,
  decodeCheckpoint,
  encodeCheckpoint,
  readCheckpoint,
  writeCheckpoint,
} from "./checkpoint.ts";

const sample = (): Checkpoint => ({
  fingerprint: "ab".repeat(32),
  step: 7,
  params: { w: Float32Array.from([1.5, -2, 3]), b: Float32Array.from([0.25]) },
  optimizer: {
    t: 7,
    m: [Float64Array.from([0.1, 0.2, 0.3]), Float64Array.from([1e-9])],
    v: [Float64Array.from([1, 2, 3]), Float64Array.from([4])],
  },
  history: { lossCurve: [{ step: 1, total: 0.5 }] },
});

Deno.test("checkpoint: encode/decode round trip, truncated and foreign files refused", () => {
  const c = sample();
  const bytes = encodeCheckpoint(c);
  assert.deepEqual(decodeCheckpoint(bytes, "x"), c);
  const bad = (b: Uint8Array) =>
    assert.throws(
      () => decodeCheckpoint(b, "ck.bin"),
      (e) =>
        e instanceof GeoError && e.kind === "failed_precondition" && e.message.startsWith("ck.bin"),
    );
  bad(bytes.subarray(0, bytes.length - 8));
  bad(new TextEncoder().encode("hello\nworld"));
});

Deno.test("checkpoint: atomic write leaves only the file; missing file reads as null", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "sub", "run.bin");
    assert.equal(await readCheckpoint(path), null);
    await writeCheckpoint(path, sample());
    await writeCheckpoint(path, { ...sample(), step: 8 });
    assert.equal((await readCheckpoint(path))!.step, 8);
    const names = [];
    for await (const e of Deno.readDir(join(dir, "sub"))) names.push(e.name);
    assert.deepEqual(names, ["run.bin"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
