import assert from "node:assert/strict";
import { Rng } from "../random.ts";
import { segmentMean } from "./composite.ts";
import { Graph } from "./graph.ts";
import { interpret, interpretNamed } from "./interpret.ts";
import { add } from "./ops/arith.ts";
import { matmul } from "./ops/linalg.ts";
import { argMax, reduceMax } from "./ops/reduce.ts";

Deno.test("interpret: MatMul against a brute-force triple loop on random input", () => {
  const rng = new Rng(4);
  const [n, k, m] = [5, 7, 3];
  const a = Array.from({ length: n * k }, () => rng.normal());
  const b = Array.from({ length: k * m }, () => rng.normal());
  const g = new Graph({ float: "float64" });
  g.output("y", matmul(g.input("a", ["N", k]), g.input("b", [k, m])));
  const y = interpretNamed(g, { a: { data: a, dims: [n, k] }, b: { data: b, dims: [k, m] } }).y;
  assert.deepEqual(y.dims, [n, m]);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * m + j];
      assert.ok(Math.abs(y.data[i * m + j] - s) < 1e-12);
    }
  }
});

Deno.test("interpret: ArgMax takes the first of tied maxima; ReduceMax over a row", () => {
  const g = new Graph({ float: "float64" });
  const x = g.input("x", [2, 4]);
  const [i, m] = interpret(g, { x: { data: [1, 3, 3, 0, -1, -1, -2, -1], dims: [2, 4] } }, [
    argMax(x, 1),
    reduceMax(x, [1]),
  ]);
  assert.deepEqual(Array.from(i.data), [1, 0]);
  assert.deepEqual(Array.from(m.data), [3, -1]);
});

Deno.test("interpret: empty input (N = 0) and empty segments give zero means", () => {
  const g = new Graph({ float: "float64" });
  const v = g.input("v", ["N", 2]);
  const s = g.input("s", ["N"], "int64");
  const mean = segmentMean(v, s, 3);
  const [empty] = interpret(g, { v: { data: [], dims: [0, 2] }, s: { data: [], dims: [0] } }, [
    mean,
  ]);
  assert.deepEqual(empty.dims, [3, 2]);
  assert.deepEqual(Array.from(empty.data), [0, 0, 0, 0, 0, 0]);
  const [m] = interpret(g, {
    v: { data: [1, 2, 3, 4, 5, 6], dims: [3, 2] },
    s: { data: BigInt64Array.of(2n, 0n, 2n), dims: [3] },
  }, [mean]);
  assert.deepEqual(Array.from(m.data), [3, 4, 0, 0, 3, 4]);
});

Deno.test("interpret: feeds are validated (missing, rank, fixed dim, symbolic binding, length)", () => {
  const g = new Graph({ float: "float64" });
  const a = g.input("a", ["N", 2]);
  const b = g.input("b", ["N", 2]);
  g.output("y", add(a, b));
  const ok = { data: [1, 2, 3, 4], dims: [2, 2] };
  assert.throws(() => interpretNamed(g, { a: ok }), /'b' was not fed/);
  assert.throws(() => interpretNamed(g, { a: ok, b: { data: [1, 2], dims: [2] } }), /rank 1/);
  assert.throws(
    () => interpretNamed(g, { a: ok, b: { data: [1, 2, 3, 4, 5, 6], dims: [2, 3] } }),
    /dim 1 is 3/,
  );
  assert.throws(
    () => interpretNamed(g, { a: ok, b: { data: [1, 2], dims: [1, 2] } }),
    /binds N = 1/,
  );
  assert.throws(() => interpretNamed(g, { a: ok, b: { data: [1], dims: [2, 2] } }), /has 1 values/);
  assert.deepEqual(Array.from(interpretNamed(g, { a: ok, b: ok }).y.data), [2, 4, 6, 8]);
});

Deno.test("interpret: Gather indices out of range are reported", async () => {
  const { gather } = await import("./ops/gather.ts");
  const g = new Graph({ float: "float64" });
  const y = gather(g.input("x", [3]), g.input("i", [1], "int64"));
  assert.throws(
    () => interpret(g, { x: { data: [1, 2, 3], dims: [3] }, i: { data: [3], dims: [1] } }, [y]),
    /index 3 is out of range/,
  );
});
