import assert from "node:assert/strict";
import { floorHeight } from "./floor_height.ts";
import {
  DESCRIPTOR_DIM,
  DESCRIPTOR_FEATURES,
  DESCRIPTOR_VERSION,
  type DescriptorInput,
  geometricDescriptor,
} from "./geometric_descriptor.ts";
import { knnSearch } from "./neighbor_search.ts";
import { Rng } from "./random.ts";
import { superpoints } from "./superpoints.ts";

const D = DESCRIPTOR_DIM;

/** A small room corner: floor, wall, a box and a pole, coordinates on a 1/1024 m lattice. */
function scene(
  rng: Rng,
  lattice = true,
): { coord: Float32Array; normal: Float32Array; color: Uint8Array } {
  const c: number[] = [], nrm: number[] = [];
  // The lattice makes translations exact; it also makes distance ties, which
  // the permutation test avoids (ties are broken by index).
  const q = (v: number) => (lattice ? Math.round(v * 1024) / 1024 : v);
  const add = (x: number, y: number, z: number, n: number[]) => {
    c.push(q(x), q(y), q(z));
    nrm.push(...n);
  };
  for (let i = 0; i < 900; i++) {
    add(rng.uniform(0, 2), rng.uniform(0, 2), 0.003 * rng.normal(), [0, 0, 1]);
  }
  for (let i = 0; i < 500; i++) {
    add(0.003 * rng.normal(), rng.uniform(0, 2), rng.uniform(0, 1.5), [1, 0, 0]);
  }
  for (let i = 0; i < 300; i++) add(rng.uniform(1, 1.4), rng.uniform(1, 1.4), 0.4, [0, 0, 1]);
  for (let i = 0; i < 150; i++) {
    add(1.6 + 0.004 * rng.normal(), 0.5 + 0.004 * rng.normal(), rng.uniform(0, 1.2), [1, 0, 0]);
  }
  const color = new Uint8Array(c.length);
  for (let i = 0; i < color.length; i++) color[i] = rng.int(256);
  return { coord: new Float32Array(c), normal: new Float32Array(nrm), color };
}

function input(coord: Float32Array, normal: Float32Array, color?: Uint8Array): DescriptorInput {
  const neighbors = knnSearch(coord, 16);
  return { coord, normal, color, neighbors, superpoints: superpoints(coord, normal, neighbors) };
}

Deno.test("descriptor constants are consistent", () => {
  assert.equal(DESCRIPTOR_FEATURES.length, D);
  assert.equal(new Set(DESCRIPTOR_FEATURES).size, D);
  assert.ok(D >= 32 && D <= 64);
  assert.match(DESCRIPTOR_VERSION, /\S/);
});

Deno.test("descriptor columns stay in their documented ranges and follow their definitions", () => {
  const rng = new Rng(1);
  const { coord, normal, color } = scene(rng);
  const n = coord.length / 3;
  const inp = input(coord, normal, color);
  const g = geometricDescriptor(inp);
  assert.equal(g.length, n * D);
  const ranges: [number, number][] = DESCRIPTOR_FEATURES.map((_, c) =>
    c < 28
      ? [0, 1]
      : c === 28 || (c >= 29 && c <= 31)
      ? [0, 2]
      : c === 32 || c === 33 || c === 45
      ? [-1, 2]
      : c === 35
      ? [-2, 2]
      : c === 40
      ? [0, 2]
      : c >= 41 && c <= 44
      ? [0, 3]
      : [0, 1]
  );
  for (let i = 0; i < n * D; i++) {
    const [lo, hi] = ranges[i % D];
    if (!(g[i] >= lo && g[i] <= hi)) {
      assert.fail(`row ${Math.floor(i / D)} column ${DESCRIPTOR_FEATURES[i % D]}: ${g[i]}`);
    }
  }
  const zs = Array.from({ length: n }, (_, i) => coord[3 * i + 2]).sort((a, b) => a - b);
  const floor = zs[Math.floor(0.02 * (n - 1))];
  assert.equal(floorHeight(coord).floor, floor);
  for (const i of [0, 950, 1500, 1800]) {
    const row = g.subarray(i * D, (i + 1) * D);
    assert.ok(Math.abs(row[32] - (coord[3 * i + 2] - floor) / 3) < 1e-6, "height above floor");
    assert.ok(Math.abs(row[34] - Math.abs(normal[3 * i + 2])) < 1e-7, "|n_z|");
    assert.ok(Math.abs(row[36] - color[3 * i] / 255) < 1e-7, "red");
    assert.equal(row[39], 1);
    // Superpoint size column against a direct count.
    const s = inp.superpoints.ids[i];
    const size = inp.superpoints.ids.filter((x) => x === s).length;
    assert.ok(Math.abs(row[40] - Math.min(2, Math.log10(size) / 4)) < 1e-6, "superpoint size");
  }
  // Without colour: 0.5 grey and the flag off.
  const gray = geometricDescriptor({ ...inp, color: undefined });
  for (let i = 0; i < n; i++) {
    assert.deepEqual([...gray.subarray(i * D + 36, i * D + 40)], [0.5, 0.5, 0.5, 0]);
  }
});

Deno.test("descriptor: floor points are planar and horizontal, pole points linear and vertical", () => {
  const rng = new Rng(2);
  const { coord, normal } = scene(rng);
  const g = geometricDescriptor(input(coord, normal));
  const mean = (from: number, to: number, col: number) => {
    let s = 0;
    for (let i = from; i < to; i++) s += g[i * D + col];
    return s / (to - from);
  };
  // Floor: planar (sparse random samples next to a wall and a box: ≈ 0.6), not
  // vertical; wall: vertical.
  assert.ok(mean(0, 900, 15) > 0.5, `floor planarity ${mean(0, 900, 15)}`);
  assert.ok(mean(0, 900, 15) > 4 * mean(1700, 1850, 15), "floor vs pole planarity");
  assert.ok(mean(0, 900, 19) < 0.1);
  assert.ok(mean(900, 1400, 19) > 0.8, `wall verticality ${mean(900, 1400, 19)}`);
  // Pole: linear and vertical at the kNN and s1 scales.
  assert.ok(mean(1700, 1850, 0) > 0.8, `pole linearity ${mean(1700, 1850, 0)}`);
  assert.ok(mean(1700, 1850, 6) > 0.9);
  assert.ok(mean(1700, 1850, 7) > 0.8);
});

Deno.test("descriptor is invariant to x/y translation by whole voxels", () => {
  const rng = new Rng(3);
  const { coord, normal, color } = scene(rng);
  const g = geometricDescriptor(input(coord, normal, color));
  const moved = coord.slice();
  for (let i = 0; i < moved.length; i += 3) {
    moved[i] += 3.25;
    moved[i + 1] -= 7;
  }
  const h = geometricDescriptor(input(moved, normal, color));
  for (let i = 0; i < g.length; i++) {
    if (!(Math.abs(g[i] - h[i]) < 1e-4)) {
      assert.fail(`row ${Math.floor(i / D)} column ${i % D}: ${g[i]} vs ${h[i]}`);
    }
  }
});

Deno.test("descriptor rows follow a permutation of the input points", () => {
  const rng = new Rng(4);
  const { coord, normal, color } = scene(rng, false);
  const n = coord.length / 3;
  const inp = input(coord, normal, color);
  const g = geometricDescriptor(inp);
  const perm = rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
  const pc = new Float32Array(3 * n), pn = new Float32Array(3 * n), pcol = new Uint8Array(3 * n);
  const pids = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    const i = perm[j];
    pc.set(coord.subarray(3 * i, 3 * i + 3), 3 * j);
    pn.set(normal.subarray(3 * i, 3 * i + 3), 3 * j);
    pcol.set(color.subarray(3 * i, 3 * i + 3), 3 * j);
    pids[j] = inp.superpoints.ids[i];
  }
  const h = geometricDescriptor({
    coord: pc,
    normal: pn,
    color: pcol,
    neighbors: knnSearch(pc, 16),
    superpoints: { ids: pids, count: inp.superpoints.count },
  });
  for (let j = 0; j < n; j++) {
    const i = perm[j];
    for (let c = 0; c < D; c++) {
      const a = g[i * D + c], b = h[j * D + c];
      if (!(Math.abs(a - b) < 1e-4)) {
        assert.fail(`point ${i} column ${DESCRIPTOR_FEATURES[c]}: ${a} vs ${b}`);
      }
    }
  }
});

Deno.test("descriptor: same input → same bytes; bad lengths are rejected", () => {
  const rng = new Rng(5);
  const { coord, normal } = scene(rng);
  const inp = input(coord, normal);
  assert.deepEqual(geometricDescriptor(inp), geometricDescriptor(inp));
  assert.throws(() => geometricDescriptor({ ...inp, normal: normal.subarray(3) }), /normal/);
  assert.throws(() => geometricDescriptor({ ...inp, color: new Uint8Array(3) }), /colour/);
  assert.throws(
    () => geometricDescriptor({ ...inp, superpoints: { ids: new Int32Array(2), count: 1 } }),
    /superpoint/,
  );
});

Deno.test("descriptor into a caller's dirty buffer equals a fresh one; bad sizes are rejected", () => {
  const rng = new Rng(6);
  const { coord, normal, color } = scene(rng);
  const n = coord.length / 3;
  const inp = input(coord, normal);
  // Some points outside every superpoint (id −1) exercise the zeroed columns.
  const ids = inp.superpoints.ids.slice();
  for (let i = 0; i < n; i += 7) ids[i] = -1;
  for (const c of [undefined, color]) {
    const base = { ...inp, color: c, superpoints: { ids, count: inp.superpoints.count } };
    const fresh = geometricDescriptor(base);
    const out = new Float32Array(n * D).fill(NaN);
    const got = geometricDescriptor({ ...base, out });
    assert.equal(got, out);
    assert.deepEqual(got, fresh);
  }
  assert.throws(
    () => geometricDescriptor({ ...inp, out: new Float32Array(n * D - 1) }),
    /output buffer/,
  );
});

Deno.test("descriptor with a density scale: counts and the kNN radius taken at the reference density", () => {
  const s = scene(new Rng(41));
  const base = input(s.coord, s.normal, s.color);
  const plain = geometricDescriptor(base);
  assert.deepEqual(geometricDescriptor({ ...base, density: { count: 1, radius: 1 } }), plain);
  const f = 2.5, r = 0.5;
  const scaled = geometricDescriptor({ ...base, density: { count: f, radius: r } });
  const countOf = (v: number) => 10 ** (4 * v) - 1; // inverse of log10(1 + n) / 4
  for (let i = 0; i < plain.length / D; i++) {
    for (let c = 0; c < D; c++) {
      const a = plain[i * D + c], b = scaled[i * D + c];
      let want = a;
      if (c === 28 && a === 2) continue; // clipped before scaling: the radius is not known
      if (c === 28) want = a * r;
      else if (c >= 29 && c <= 31) want = Math.min(Math.log10(1 + countOf(a) * f) / 4, 2);
      else if (c === 40 && a > 0) want = Math.min(a + Math.log10(f) / 4, 2);
      assert.ok(Math.abs(b - want) <= 2e-5 * Math.max(1, Math.abs(want)), `row ${i} column ${c}`);
    }
  }
});
