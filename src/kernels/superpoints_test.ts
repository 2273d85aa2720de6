import assert from "node:assert/strict";
import { bruteKnn } from "./_brute_reference.ts";
import { Rng } from "./random.ts";
import { superpoints } from "./superpoints.ts";

/** Straightforward Felzenszwalb–Huttenlocher: O(E·N) union by relabelling. */
function referenceSuperpoints(
  coord: Float32Array,
  normal: Float32Array,
  nb: { k: number; index: Int32Array },
  opts: { k: number; minSize: number; absoluteDot?: boolean },
): number[] {
  const n = coord.length / 3;
  const seen = new Set<string>();
  const edges: { a: number; b: number; w: number; order: number }[] = [];
  for (let i = 0; i < n; i++) {
    for (let s = 0; s < nb.k; s++) {
      const j = nb.index[i * nb.k + s];
      if (j < 0 || j === i) continue;
      const a = Math.min(i, j), b = Math.max(i, j);
      if (seen.has(`${a},${b}`)) continue;
      seen.add(`${a},${b}`);
      const na = [normal[3 * a], normal[3 * a + 1], normal[3 * a + 2]];
      let nbv = [normal[3 * b], normal[3 * b + 1], normal[3 * b + 2]];
      let dot = na[0] * nbv[0] + na[1] * nbv[1] + na[2] * nbv[2];
      if (opts.absoluteDot && dot < 0) {
        dot = -dot;
        nbv = nbv.map((v) => -v);
      }
      let w = Math.max(0, 1 - dot);
      const d = [0, 1, 2].map((c) => coord[3 * b + c] - coord[3 * a + c]);
      const len = Math.hypot(d[0], d[1], d[2]);
      const convex = (nbv[0] * d[0] + nbv[1] * d[1] + nbv[2] * d[2]) / len;
      if (convex > 0) w = w * w;
      edges.push({ a, b, w: Math.fround(w), order: edges.length });
    }
  }
  edges.sort((p, q) => p.w - q.w || p.order - q.order);
  const label = Array.from({ length: n }, (_, i) => i);
  const internal = new Array(n).fill(0);
  const size = (l: number) => label.filter((x) => x === l).length;
  const merge = (keep: number, drop: number) => {
    for (let i = 0; i < n; i++) if (label[i] === drop) label[i] = keep;
  };
  for (const e of edges) {
    const la = label[e.a], lb = label[e.b];
    if (la === lb) continue;
    if (e.w <= internal[la] + opts.k / size(la) && e.w <= internal[lb] + opts.k / size(lb)) {
      merge(la, lb);
      internal[la] = e.w;
    }
  }
  for (const e of edges) {
    const la = label[e.a], lb = label[e.b];
    if (la !== lb && (size(la) < opts.minSize || size(lb) < opts.minSize)) merge(la, lb);
  }
  const dense = new Map<number, number>();
  return label.map((l) => {
    if (!dense.has(l)) dense.set(l, dense.size);
    return dense.get(l)!;
  });
}

function randomScene(rng: Rng, n: number): { coord: Float32Array; normal: Float32Array } {
  const coord = new Float32Array(3 * n);
  const normal = new Float32Array(3 * n);
  const dirs = [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0.6, 0, 0.8]];
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) coord[3 * i + c] = rng.uniform(0, 1);
    // Normals cluster around a few directions, with noise and random flips.
    const d = dirs[rng.int(dirs.length)];
    const sign = rng.bernoulli(0.1) ? -1 : 1;
    const v = d.map((x) => sign * x + 0.15 * rng.normal());
    const len = Math.hypot(v[0], v[1], v[2]);
    for (let c = 0; c < 3; c++) normal[3 * i + c] = v[c] / len;
  }
  return { coord, normal };
}

Deno.test("superpoints match the brute-force segmentation on random graphs", () => {
  const rng = new Rng(2024);
  let nontrivial = 0;
  for (let trial = 0; trial < 24; trial++) {
    const n = 20 + rng.int(120);
    const { coord, normal } = randomScene(rng, n);
    const nb = bruteKnn(coord, 2 + rng.int(10));
    const opts = {
      k: [0.01, 0.1, 0.4, 1.5][trial % 4],
      minSize: [1, 3, 8][trial % 3],
      absoluteDot: trial % 5 === 0,
    };
    const got = superpoints(coord, normal, nb, opts);
    const want = referenceSuperpoints(coord, normal, nb, opts);
    assert.deepEqual([...got.ids], want, `trial ${trial}`);
    assert.equal(got.count, new Set(want).size);
    if (got.count > 1 && got.count < n) nontrivial++;
  }
  assert.ok(nontrivial >= 12, `only ${nontrivial} trials gave a non-trivial partition`);
});

/** Floor z = 0 (normal +z) meeting wall x = 0 (normal +x) at a concave corner. */
function floorAndWall(): { coord: Float32Array; normal: Float32Array; onFloor: boolean[] } {
  const c: number[] = [], nrm: number[] = [], onFloor: boolean[] = [];
  for (let u = 0; u < 12; u++) {
    for (let v = 0; v < 12; v++) {
      c.push(0.05 + u * 0.05, v * 0.05, 0);
      nrm.push(0, 0, 1);
      onFloor.push(true);
      c.push(0, v * 0.05, 0.05 + u * 0.05);
      nrm.push(1, 0, 0);
      onFloor.push(false);
    }
  }
  return { coord: new Float32Array(c), normal: new Float32Array(nrm), onFloor };
}

Deno.test("superpoints split two perpendicular planes into two segments", () => {
  const { coord, normal, onFloor } = floorAndWall();
  const seg = superpoints(coord, normal, bruteKnn(coord, 8));
  assert.equal(seg.count, 2);
  onFloor.forEach((f, i) => assert.equal(seg.ids[i], f ? 0 : 1, `point ${i}`));
  // With a huge k the corner edges merge too.
  assert.equal(superpoints(coord, normal, bruteKnn(coord, 8), { k: 1000 }).count, 1);
});

Deno.test("superpoints: minSize > N gives one segment on a connected graph", () => {
  const rng = new Rng(5);
  const { coord, normal } = randomScene(rng, 50);
  const nb = bruteKnn(coord, 10);
  assert.ok(superpoints(coord, normal, nb, { minSize: 1 }).count > 1);
  const seg = superpoints(coord, normal, nb, { minSize: 51 });
  assert.equal(seg.count, 1);
  assert.ok(seg.ids.every((x) => x === 0));
});

Deno.test("superpoints: empty input, a single point, duplicates", () => {
  const empty = superpoints(
    new Float32Array(0),
    new Float32Array(0),
    bruteKnn(new Float32Array(0), 4),
  );
  assert.equal(empty.count, 0);
  assert.equal(empty.ids.length, 0);
  const one = superpoints(
    new Float32Array([1, 2, 3]),
    new Float32Array([0, 0, 1]),
    bruteKnn(new Float32Array([1, 2, 3]), 4),
  );
  assert.deepEqual([...one.ids], [0]);
  assert.equal(one.count, 1);
  // Every point twice (same position, same normal), k > N for the small case.
  const { coord, normal } = floorAndWall();
  const n = coord.length / 3;
  const c2 = new Float32Array(6 * n), n2 = new Float32Array(6 * n);
  c2.set(coord);
  c2.set(coord, 3 * n);
  n2.set(normal);
  n2.set(normal, 3 * n);
  const seg = superpoints(c2, n2, bruteKnn(c2, 10), { minSize: 1 });
  assert.equal(seg.count, 2);
  for (let i = 0; i < n; i++) assert.equal(seg.ids[i], seg.ids[i + n]);
  const tiny = new Float32Array([0, 0, 0, 0, 0, 0]);
  const dup = superpoints(tiny, new Float32Array([0, 0, 1, 0, 0, 1]), bruteKnn(tiny, 5), {
    minSize: 1,
  });
  assert.deepEqual([...dup.ids], [0, 0]);
});

Deno.test("superpoints: signed dot splits flipped normals, absoluteDot joins them", () => {
  const rng = new Rng(9);
  const c: number[] = [], nrm: number[] = [];
  for (let u = 0; u < 15; u++) {
    for (let v = 0; v < 15; v++) {
      c.push(u * 0.02, v * 0.02, 0);
      nrm.push(0, 0, rng.bernoulli(0.5) ? 1 : -1);
    }
  }
  const coord = new Float32Array(c), normal = new Float32Array(nrm);
  const nb = bruteKnn(coord, 8);
  assert.equal(superpoints(coord, normal, nb, { minSize: 1, absoluteDot: true }).count, 1);
  assert.ok(superpoints(coord, normal, nb, { minSize: 1 }).count > 2);
});

Deno.test("superpoints reject mismatched inputs", () => {
  const coord = new Float32Array(6);
  assert.throws(() => superpoints(coord, new Float32Array(3), bruteKnn(coord, 2)), /normal/);
  assert.throws(
    () =>
      superpoints(coord, new Float32Array(6), {
        k: 2,
        index: new Int32Array(2),
        dist2: new Float32Array(2),
      }),
    /neighbour/,
  );
  assert.throws(
    () => superpoints(coord, new Float32Array(6), bruteKnn(coord, 2), { k: -1 }),
    /k must/,
  );
});
