import assert from "node:assert/strict";
import {
  releaseScratch,
  scratchBytes,
  scratchFloat32,
  scratchFloat64,
  scratchInt32,
  scratchUint32,
} from "./scratch.ts";

Deno.test("scratch buffers are reused per name, grow on demand and can be released", () => {
  releaseScratch();
  assert.equal(scratchBytes(), 0);
  const a = scratchInt32("test.a", 100);
  a.fill(7);
  assert.equal(a.length, 100);
  // Same name, smaller request: same memory, previous contents visible.
  const b = scratchFloat32("test.a", 10);
  assert.equal(b.buffer, a.buffer);
  assert.equal(new Int32Array(b.buffer)[3], 7);
  // Other names get other memory.
  const c = scratchUint32("test.c", 100);
  assert.notEqual(c.buffer, a.buffer);
  // A larger request grows the buffer (at least to the request).
  const d = scratchFloat64("test.a", 1000);
  assert.equal(d.length, 1000);
  assert.notEqual(d.buffer, a.buffer);
  assert.ok(d.buffer.byteLength >= 8000);
  assert.ok(scratchBytes() >= 8000 + 400);
  releaseScratch();
  assert.equal(scratchBytes(), 0);
});
