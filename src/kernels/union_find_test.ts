import assert from "node:assert/strict";
import { UnionFind } from "./union_find.ts";
import { Rng } from "./random.ts";

Deno.test("UnionFind agrees with naive relabelling on random unions", () => {
  const rng = new Rng(3);
  for (const n of [1, 2, 10, 200]) {
    const uf = new UnionFind(n);
    const label = Array.from({ length: n }, (_, i) => i);
    for (let t = 0; t < n; t++) {
      const a = rng.int(n), b = rng.int(n);
      uf.union(a, b);
      const la = label[a], lb = label[b];
      for (let i = 0; i < n; i++) if (label[i] === lb) label[i] = la;
      for (let q = 0; q < 5; q++) {
        const x = rng.int(n), y = rng.int(n);
        assert.equal(uf.find(x) === uf.find(y), label[x] === label[y]);
        assert.equal(uf.setSize(x), label.filter((l) => l === label[x]).length);
      }
    }
    assert.equal(uf.sets, new Set(label).size);
    // Dense labels in order of first appearance.
    const firstSeen = new Map<number, number>();
    const expected = label.map((l) => {
      if (!firstSeen.has(l)) firstSeen.set(l, firstSeen.size);
      return firstSeen.get(l)!;
    });
    assert.deepEqual([...uf.labels()], expected);
  }
});

Deno.test("UnionFind edge cases: empty forest, self union, bad size", () => {
  const uf = new UnionFind(0);
  assert.equal(uf.sets, 0);
  assert.equal(uf.labels().length, 0);
  const one = new UnionFind(1);
  assert.equal(one.union(0, 0), 0);
  assert.equal(one.sets, 1);
  assert.throws(() => new UnionFind(-1), RangeError);
  assert.throws(() => new UnionFind(1.5), RangeError);
});
