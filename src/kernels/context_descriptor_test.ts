import assert from "node:assert/strict";
import { CONTEXT_DIM, CONTEXT_FEATURES, contextDescriptor } from "./context_descriptor.ts";
import { eigenFeatures } from "./eigen_features.ts";
import { GeoError } from "./errors.ts";
import { knnSearch, type Neighbors } from "./neighbor_search.ts";
import { Rng } from "./random.ts";

const D = CONTEXT_DIM;
/** Coordinates on a 1/1024 m lattice: translations by whole metres are exact in Float32. */
const q = (v: number) => Math.round(v * 1024) / 1024;

/**
 * A room corner: floor 4 m × 4 m (z = 0, superpoint 0), walls x = 0 (1) and y = 0 (2),
 * 2.5 m tall, and a box 0.8 m × 0.5 m × 0.7 m standing on the floor at (2.5, 2.5) (3).
 */
function room(seed: number) {
  const rng = new Rng(seed);
  const c: number[] = [], nr: number[] = [], sp: number[] = [], color: number[] = [];
  const add = (p: number[], n: number[], s: number, rgb: number[]) => {
    c.push(...p.map(q)), nr.push(...n), sp.push(s), color.push(...rgb);
  };
  for (let i = 0; i < 3000; i++) {
    add([rng.uniform(0, 4), rng.uniform(0, 4), 0], [0, 0, 1], 0, [90, 90, 90]);
  }
  for (let i = 0; i < 1500; i++) {
    add([0, rng.uniform(0, 4), rng.uniform(0, 2.5)], [1, 0, 0], 1, [220, 220, 210]);
    add([rng.uniform(0, 4), 0, rng.uniform(0, 2.5)], [0, 1, 0], 2, [220, 220, 210]);
  }
  const [x0, x1, y0, y1, h] = [2.1, 2.9, 2.25, 2.75, 0.7];
  // Dense enough (about 1 800 points per m²) that no box point is more than 5 cm from the rest.
  for (let i = 0; i < 4000; i++) {
    const face = rng.int(5), u = rng.next(), v = rng.next();
    const rgb = [150, 60, 30];
    if (face === 0) add([x0 + u * 0.8, y0 + v * 0.5, h], [0, 0, 1], 3, rgb);
    else if (face === 1) add([x0, y0 + u * 0.5, v * h], [1, 0, 0], 3, rgb);
    else if (face === 2) add([x1, y0 + u * 0.5, v * h], [1, 0, 0], 3, rgb);
    else if (face === 3) add([x0 + u * 0.8, y0, v * h], [0, 1, 0], 3, rgb);
    else add([x0 + u * 0.8, y1, v * h], [0, 1, 0], 3, rgb);
  }
  const ids = Int32Array.from(sp);
  return {
    coord: new Float32Array(c),
    normal: new Float32Array(nr),
    color: Uint8Array.from(color),
    ids,
  };
}

function describe(s: ReturnType<typeof room>, given?: Neighbors): Float32Array {
  const neighbors = given ?? knnSearch(s.coord, 16);
  return contextDescriptor({
    coord: s.coord,
    normal: s.normal,
    color: s.color,
    neighbors,
    superpoints: { ids: s.ids, count: 4 },
    local: eigenFeatures(s.coord, neighbors),
  });
}

const col = (name: string) => CONTEXT_FEATURES.indexOf(name);

Deno.test("contextDescriptor of a box in a room corner: proposal extents, heights, walls, columns", () => {
  const s = room(5);
  const f = describe(s);
  const n = s.ids.length;
  assert.equal(CONTEXT_FEATURES.length, D);
  assert.equal(f.length, n * D);
  let zMin = Infinity, zMax = -Infinity;
  for (let i = 0; i < n; i++) {
    if (s.ids[i] !== 3) continue;
    zMin = Math.min(zMin, s.coord[3 * i + 2]);
    zMax = Math.max(zMax, s.coord[3 * i + 2]);
  }
  for (let i = 0; i < n; i++) {
    const o = i * D, x = s.coord[3 * i], y = s.coord[3 * i + 1], z = s.coord[3 * i + 2];
    if (s.ids[i] === 3) {
      assert.equal(f[o + col("inProposal")], 1, `box point ${i} in a proposal`);
      assert.equal(f[o + col("structural")], 0);
      assert.ok(Math.abs(f[o + col("prop.topAboveFloor")] - zMax / 3) < 1e-6);
      assert.ok(Math.abs(f[o + col("prop.bottomAboveFloor")] - zMin / 3) < 1e-6);
      assert.ok(Math.abs(f[o + col("heightInProposal")] - (z - zMin) / (zMax - zMin)) < 1e-5);
      // Extents of the box surface: the 0.8 m side first, the lengths descending.
      const l = [1, 2, 3].map((k) => f[o + col(`prop.length${k}`)] * 2);
      assert.ok(l[0] >= l[1] && l[1] >= l[2] && l[0] > 0.6 && l[0] < 1.2, `lengths ${l}`);
      assert.ok(Math.abs(f[o + col("prop.red")] - 150 / 255) < 1e-6);
      assert.equal(f[o + col("prop.colorSpread")], 0);
      // Nearest wall: x = 0 or y = 0, up to the 1/8 m cells, capped at 2 m.
      const wall = Math.min(x, y, 2);
      assert.ok(Math.abs(f[o + col("wallDistance")] * 2 - wall) < 0.2, `wall distance at ${i}`);
    } else {
      assert.equal(f[o + col("inProposal")], 0, `structure point ${i} outside proposals`);
      assert.equal(f[o + col("structural")], 1);
      for (let c = 1; c <= 16; c++) assert.equal(f[o + c], 0);
      if (s.ids[i] !== 0) assert.equal(f[o + col("wallDistance")], 0, `wall point ${i}`);
    }
    // Column top: highest non-structural (box) point in the same 0.5 m / 1 m xy cell.
    for (const [cell, name] of [[0.5, "col0.5"], [1, "col1"]] as const) {
      let top = -Infinity, count = 0;
      for (let j = 0; j < n; j++) {
        if (s.ids[j] !== 3) continue;
        const same = Math.floor(s.coord[3 * j] / cell) === Math.floor(x / cell) &&
          Math.floor(s.coord[3 * j + 1] / cell) === Math.floor(y / cell);
        if (same) count++, top = Math.max(top, s.coord[3 * j + 2]);
      }
      const want = count > 0 ? top / 3 : 0;
      assert.ok(Math.abs(f[o + col(`${name}.top`)] - want) < 1e-6, `${name} top at ${i}`);
      assert.ok(Math.abs(f[o + col(`${name}.support`)] - Math.log10(1 + count) / 4) < 1e-6);
    }
  }
});

Deno.test("contextDescriptor: unchanged by xy translations by whole metres and by point order", () => {
  const s = room(9);
  const n = s.ids.length;
  const base = describe(s);
  const moved = {
    ...s,
    coord: s.coord.map((v, k) => (k % 3 === 0 ? v + 2 : k % 3 === 1 ? v - 3 : v)),
  };
  const t = describe(moved);
  for (let k = 0; k < base.length; k++) assert.ok(Math.abs(t[k] - base[k]) < 1e-5, `entry ${k}`);
  const perm = new Rng(2).shuffle(Int32Array.from({ length: n }, (_, i) => i));
  const p = {
    coord: new Float32Array(3 * n),
    normal: new Float32Array(3 * n),
    color: new Uint8Array(3 * n),
    ids: new Int32Array(n),
  };
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      p.coord[3 * i + c] = s.coord[3 * perm[i] + c];
      p.normal[3 * i + c] = s.normal[3 * perm[i] + c];
      p.color[3 * i + c] = s.color[3 * perm[i] + c];
    }
    p.ids[i] = s.ids[perm[i]];
  }
  // The same neighbour lists, renumbered (a fresh search could break distance ties differently).
  const nb = knnSearch(s.coord, 16), k = nb.k;
  const inv = new Int32Array(n);
  for (let i = 0; i < n; i++) inv[perm[i]] = i;
  const pn: Neighbors = { k, index: new Int32Array(n * k), dist2: new Float32Array(n * k) };
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) {
      const old = nb.index[perm[i] * k + j];
      pn.index[i * k + j] = old < 0 ? -1 : inv[old];
      pn.dist2[i * k + j] = nb.dist2[perm[i] * k + j];
    }
  }
  const g = describe(p, pn);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < D; c++) {
      assert.ok(Math.abs(g[i * D + c] - base[perm[i] * D + c]) < 1e-5, `point ${i} column ${c}`);
    }
  }
});

Deno.test("contextDescriptor edge cases: one point, duplicates, no colour, bad lengths", () => {
  for (
    const coord of [new Float32Array([1, 2, 3]), new Float32Array([0, 0, 0, 0, 0, 0, 0, 0, 0])]
  ) {
    const n = coord.length / 3;
    const neighbors = knnSearch(coord, 4);
    const normal = new Float32Array(3 * n);
    for (let i = 0; i < n; i++) normal[3 * i + 2] = 1;
    const f = contextDescriptor({
      coord,
      normal,
      neighbors,
      superpoints: { ids: new Int32Array(n), count: 1 },
    });
    assert.equal(f.length, n * D);
    assert.ok(f.every(Number.isFinite));
    // Too few points for a proposal (minPoints 50) and no walls: distance capped at 2 m.
    for (let i = 0; i < n; i++) {
      assert.equal(f[i * D + col("inProposal")], 0);
      assert.equal(f[i * D + col("wallDistance")], 1);
    }
  }
  const coord = new Float32Array(6);
  assert.throws(
    () =>
      contextDescriptor({
        coord,
        normal: new Float32Array(3),
        neighbors: knnSearch(coord, 2),
        superpoints: { ids: new Int32Array(2), count: 1 },
      }),
    (e) => e instanceof GeoError && e.kind === "invalid_argument",
  );
});

Deno.test("contextDescriptor with a density scale: point counts taken at the reference density", () => {
  const s = room(9);
  const neighbors = knnSearch(s.coord, 16);
  const run = (density?: { count: number; radius: number }) =>
    contextDescriptor({
      coord: s.coord,
      normal: s.normal,
      color: s.color,
      neighbors,
      superpoints: { ids: s.ids, count: 4 },
      density,
    });
  const plain = run(), f = 0.3;
  assert.deepEqual(run({ count: 1, radius: 1 }), plain);
  const scaled = run({ count: f, radius: 2 });
  const counted = [col("col0.5.support"), col("col1.support")], size = col("prop.size");
  for (let i = 0; i < plain.length / D; i++) {
    for (let c = 0; c < D; c++) {
      const a = plain[i * D + c], b = scaled[i * D + c];
      let want = a;
      if (counted.includes(c)) want = Math.log10(1 + (10 ** (4 * a) - 1) * f) / 4;
      else if (c === size && plain[i * D] === 1) want = Math.max(a + Math.log10(f) / 4, 0);
      assert.ok(Math.abs(b - want) <= 2e-5, `row ${i} column ${c}: ${b} vs ${want}`);
    }
  }
});
