import assert from "node:assert/strict";
import { columnsFrom, GROUPS } from "../bench/attribute.ts";
import { CONTEXT_FEATURES } from "../src/kernels/context_descriptor.ts";
import { DESCRIPTOR_FEATURES } from "../src/kernels/geometric_descriptor.ts";

Deno.test("attribute groups: every descriptor column in exactly one group, none and all at the ends", () => {
  const columns = [...DESCRIPTOR_FEATURES, ...CONTEXT_FEATURES.map((n) => `ctx.${n}`)];
  assert.equal(columns.length, 71);
  assert.equal(GROUPS[0][0], "none");
  assert.equal(GROUPS[GROUPS.length - 1][0], "all");
  const inner = GROUPS.slice(1, -1);
  for (const name of columns) {
    const owners = inner.filter(([, pick]) => pick(name)).map(([g]) => g);
    assert.equal(owners.length, 1, `${name}: ${owners.join(", ") || "no group"}`);
    assert.ok(GROUPS[GROUPS.length - 1][1](name) && !GROUPS[0][1](name));
  }
  const sizes = inner.map(([, pick]) => columns.filter(pick).length);
  // s0 / s1–s3 eigen features, kNN radius, supports, superpoint columns: 7, 21, 1, 3, 9.
  assert.deepEqual(sizes.slice(0, 5), [7, 21, 1, 3, 9]);
});

Deno.test("columnsFrom takes the chosen columns of each row from its source row, and nothing else", () => {
  // 2 rows × 3 columns; source has 3 rows.
  const features = Float32Array.from([1, 2, 3, 4, 5, 6]);
  const source = Float32Array.from([10, 20, 30, 40, 50, 60, 70, 80, 90]);
  const from = Int32Array.from([2, 0]);
  assert.deepEqual([...columnsFrom(features, source, { dim: 3, from, cols: [0, 2] })], [
    70,
    2,
    90,
    10,
    5,
    30,
  ]);
  // No column: an unchanged copy, not the same array.
  const same = columnsFrom(features, source, { dim: 3, from, cols: [] });
  assert.deepEqual([...same], [...features]);
  assert.notEqual(same, features);
});
