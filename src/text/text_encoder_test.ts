import assert from "node:assert/strict";
import {
  applyTemplate,
  cachedEncoder,
  EmbeddingCache,
  type EncodeOptions,
  normalizeRows,
  type TextEncoder,
} from "./text_encoder.ts";
import { GeoError } from "../kernels/errors.ts";

/** A 2-d encoder: label length and template length; records every batch it sees. */
class CountingEncoder implements TextEncoder {
  readonly id = "count@1";
  readonly dim = 2;
  readonly batches: string[][] = [];
  encode(labels: string[], options?: EncodeOptions): Promise<Float32Array> {
    this.batches.push([...labels]);
    const t = options?.template?.length ?? 0;
    return Promise.resolve(
      normalizeRows(new Float32Array(labels.flatMap((l) => [l.length, t + 1])), 2),
    );
  }
}

Deno.test("applyTemplate fills exactly one placeholder", () => {
  assert.equal(applyTemplate("chair", "a {} in a scene"), "a chair in a scene");
  assert.equal(applyTemplate("chair", ""), "chair");
  assert.equal(applyTemplate("chair"), "chair");
  for (const bad of ["no slot", "{} and {}"]) {
    assert.throws(
      () => applyTemplate("chair", bad),
      (e) => e instanceof GeoError && e.kind === "invalid_argument",
    );
  }
});

Deno.test("normalizeRows gives unit rows and rejects zero / non-finite rows", () => {
  const rows = normalizeRows(new Float32Array([3, 4, 0, -2]), 2);
  assert.deepEqual(rows, new Float32Array([0.6, 0.8, 0, -1]));
  assert.throws(
    () => normalizeRows(new Float32Array([0, 0]), 2, () => `label "x"`),
    /label "x" is all zeros/,
  );
  assert.throws(() => normalizeRows(new Float32Array([1, NaN]), 2), /row 0 is not finite/);
  assert.equal(normalizeRows(new Float32Array(0), 2).length, 0);
});

Deno.test("EmbeddingCache evicts the least recently used and returns copies", () => {
  const cache = new EmbeddingCache(2);
  cache.set("a", new Float32Array([1]));
  cache.set("b", new Float32Array([2]));
  cache.get("a")![0] = 99; // a copy: the stored row is unchanged
  cache.set("c", new Float32Array([3])); // evicts b (a was used more recently)
  assert.equal(cache.size, 2);
  assert.equal(cache.get("b"), undefined);
  assert.deepEqual(Array.from(cache.get("a")!), [1]);
  assert.notEqual(EmbeddingCache.key("e", "x", ""), EmbeddingCache.key("e", "x", "a {}"));
  assert.throws(() => new EmbeddingCache(0), GeoError);
});

Deno.test("cachedEncoder embeds each (label, template) once and keeps order", async () => {
  const inner = new CountingEncoder();
  const enc = cachedEncoder(inner);
  const first = await enc.encode(["ab", "abc", "ab"]);
  assert.deepEqual(inner.batches, [["ab", "abc"]]);
  assert.deepEqual(first, await inner.encode(["ab", "abc", "ab"]));
  inner.batches.length = 0;
  const second = await enc.encode(["abc", "abcd", "ab"]);
  assert.deepEqual(inner.batches, [["abcd"]]);
  assert.deepEqual(second, await inner.encode(["abc", "abcd", "ab"]));
  inner.batches.length = 0;
  await enc.encode(["ab"], { template: "a {}" }); // another template: a new entry
  assert.deepEqual(inner.batches, [["ab"]]);
  assert.equal(enc.id, "count@1");
  assert.equal(enc.dim, 2);
});
