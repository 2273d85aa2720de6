import assert from "node:assert/strict";
import { GeoError } from "../kernels/errors.ts";
import type { PointCloud } from "../kernels/point_cloud.ts";
import { Rng } from "../kernels/random.ts";
import { decodeDraco, dracoHeapBytes, encodeDraco } from "./draco.ts";
import { decodePly } from "./ply.ts";

const DATA = new URL("../../../shared/data/", import.meta.url);
const read = (p: string) => Deno.readFile(new URL(p, DATA));

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function extent(coord: Float32Array): number {
  let lo = Infinity, hi = -Infinity;
  for (const v of coord) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return hi - lo;
}

/** For each point of `a`, the index of its nearest point in `b` (grid hash, brute force per cell). */
function nearest(
  a: Float32Array,
  b: Float32Array,
  cell: number,
): { idx: Int32Array; dist: Float64Array } {
  const cellKey = (cx: number, cy: number, cz: number) =>
    ((cx + 2048) * 4096 + cy + 2048) * 4096 + cz + 2048;
  const key = (x: number, y: number, z: number) =>
    cellKey(Math.floor(x / cell), Math.floor(y / cell), Math.floor(z / cell));
  const grid = new Map<number, number[]>();
  for (let j = 0; j < b.length / 3; j++) {
    const k = key(b[j * 3], b[j * 3 + 1], b[j * 3 + 2]);
    const l = grid.get(k);
    if (l) l.push(j);
    else grid.set(k, [j]);
  }
  const n = a.length / 3;
  const idx = new Int32Array(n).fill(-1), dist = new Float64Array(n).fill(Infinity);
  for (let i = 0; i < n; i++) {
    const [x, y, z] = [a[i * 3], a[i * 3 + 1], a[i * 3 + 2]];
    const [cx, cy, cz] = [Math.floor(x / cell), Math.floor(y / cell), Math.floor(z / cell)];
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (let dz = -1; dz <= 1; dz++) {
          for (const j of grid.get(cellKey(cx + dx, cy + dy, cz + dz)) ?? []) {
            const d = Math.hypot(x - b[j * 3], y - b[j * 3 + 1], z - b[j * 3 + 2]);
            if (d < dist[i]) [dist[i], idx[i]] = [d, j];
          }
        }
      }
    }
  }
  return { idx, dist };
}

function randomCloud(rng: Rng, n: number): PointCloud {
  const coord = new Float32Array(n * 3).map(() => rng.uniform(-5, 5));
  const color = new Uint8Array(n * 3).map(() => rng.int(256));
  const normal = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const v = [rng.normal(), rng.normal(), rng.normal()];
    const len = Math.hypot(...v) || 1;
    for (let k = 0; k < 3; k++) normal[i * 3 + k] = v[k] / len;
  }
  return { count: n, coord, color, normal };
}

Deno.test("sequential qp14 Draco matches the source PLY point by point within quantization error", async () => {
  const ply = decodePly(await read("open3d/derived/fragment_from_pcd.ply"), "ply");
  const drc = await decodeDraco(await read("open3d/derived/fragment_qp14_cl0.drc"), "drc");
  assert.equal(drc.count, 113662);
  assert.equal(drc.count, ply.count);
  // One quantization step of the largest axis range; rounding error is at most half of it.
  const step = extent(ply.coord) / (2 ** 14 - 1);
  assert.ok(maxAbsDiff(drc.coord, ply.coord) <= step, "coordinates in the same order");
  assert.deepEqual(drc.color, ply.color);
  let minDot = 1;
  for (let i = 0; i < drc.count; i++) {
    let dot = 0;
    for (let k = 0; k < 3; k++) dot += drc.normal![i * 3 + k] * ply.normal![i * 3 + k];
    minDot = Math.min(minDot, dot);
  }
  assert.ok(minDot > 0.99, `normals agree (min cos ${minDot})`);
});

Deno.test("kd-tree Draco holds the same points as the source PLY as a set", async () => {
  const ply = decodePly(await read("open3d/derived/fragment_from_pcd.ply"), "ply");
  const drc = await decodeDraco(await read("open3d/derived/fragment_qp14_cl7.drc"), "drc");
  assert.equal(drc.count, ply.count);
  const step = extent(ply.coord) / (2 ** 14 - 1);
  const { idx, dist } = nearest(drc.coord, ply.coord, 0.002);
  let colorMatch = 0;
  for (let i = 0; i < drc.count; i++) {
    assert.ok(dist[i] <= step, `point ${i} has a source point within ${step} (${dist[i]})`);
    const j = idx[i];
    if ([0, 1, 2].every((k) => drc.color![i * 3 + k] === ply.color![j * 3 + k])) colorMatch++;
  }
  // Near-duplicate source points may swap colours; almost all must match exactly.
  assert.ok(colorMatch / drc.count > 0.995, `colours match (${colorMatch}/${drc.count})`);
  // Reordered: the kd-tree file is not in source order.
  assert.ok(maxAbsDiff(drc.coord.subarray(0, 300), ply.coord.subarray(0, 300)) > 0.01);
});

Deno.test("google/draco test clouds: sequential and kd-tree files hold the same sorted points", async () => {
  const seq = await decodeDraco(await read("draco_testdata/pc_color.drc"), "pc_color.drc");
  const kd = await decodeDraco(await read("draco_testdata/pc_kd_color.drc"), "pc_kd_color.drc");
  assert.equal(seq.count, 7733);
  assert.equal(kd.count, 7733);
  const rows = (c: PointCloud) =>
    Array.from({ length: c.count }, (_, i) => [
      ...c.coord.subarray(i * 3, i * 3 + 3),
      ...c.color!.subarray(i * 3, i * 3 + 3),
    ]).sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || a[3] - b[3]);
  const a = rows(seq), b = rows(kd);
  assert.ok(maxAbsDiff(a.flat(), b.flat()) < 1e-3);
  const noQp = await decodeDraco(await read("draco_testdata/point_cloud_no_qp.drc"), "no_qp");
  assert.equal(noQp.count, 21);
  assert.ok(noQp.color);
  const cube = await decodeDraco(await read("draco_testdata/cube_pc.drc"), "cube_pc.drc");
  assert.equal(cube.count, 24);
  assert.ok(cube.normal && !cube.color);
  for (const v of cube.coord) assert.ok(v === 0 || v === 1, "cube corners");
});

Deno.test("a Draco mesh decodes to its vertices", async () => {
  const bytes = await Deno.readFile(
    new URL("../../node_modules/draco3d/bunny.drc", import.meta.url),
  );
  const mesh = await decodeDraco(bytes, "bunny.drc");
  assert.equal(mesh.count, 34834);
  assert.ok(extent(mesh.coord) > 0.1 && extent(mesh.coord) < 1);
});

Deno.test("ROS 2 xyz-split layout round-trips exactly and keeps order, named or not", async () => {
  const cloud = randomCloud(new Rng(11), 500);
  for (const attributeNames of [true, false]) {
    const bytes = await encodeDraco(cloud, {
      layout: "xyz-split",
      speed: 10,
      quantizationBits: 0,
      attributeNames,
    });
    const back = await decodeDraco(bytes, "ros.drc");
    assert.equal(back.count, cloud.count);
    assert.deepEqual(back.coord, cloud.coord);
    assert.deepEqual(back.color, cloud.color);
    assert.deepEqual(back.normal, cloud.normal);
  }
  // Quantized positions: order kept, error within one step of the range.
  const q = await decodeDraco(
    await encodeDraco(cloud, { layout: "xyz-split", speed: 10, quantizationBits: 16 }),
    "ros16.drc",
  );
  assert.ok(maxAbsDiff(q.coord, cloud.coord) <= 10 / (2 ** 16 - 1));
  assert.deepEqual(q.color, cloud.color);
});

Deno.test("position layout: float, quantized, RGBA colour (alpha dropped)", async () => {
  const cloud = randomCloud(new Rng(5), 300);
  const exact = await decodeDraco(
    await encodeDraco(cloud, { speed: 10, quantizationBits: 0 }),
    "a",
  );
  assert.deepEqual(exact.coord, cloud.coord);
  assert.deepEqual(exact.color, cloud.color);
  const rgba = await decodeDraco(
    await encodeDraco(cloud, { speed: 10, quantizationBits: 0, alpha: true }),
    "rgba",
  );
  assert.deepEqual(rgba.color, cloud.color);
  assert.deepEqual(rgba.coord, cloud.coord);
  // kd-tree (speed < 10, quantized) reorders but keeps the point set.
  const kd = await decodeDraco(await encodeDraco(cloud, { speed: 3, quantizationBits: 14 }), "kd");
  assert.equal(kd.count, cloud.count);
  const { dist } = nearest(kd.coord, cloud.coord, 0.05);
  for (const d of dist) assert.ok(d <= (10 / (2 ** 14 - 1)) * Math.sqrt(3));
});

Deno.test("a NaN coordinate in a Draco file is rejected", async () => {
  const cloud = { count: 3, coord: new Float32Array([1.5, 2.5, 3.5, 4.25, 5.25, 6.25, 7, 8, 9]) };
  const bytes = await encodeDraco(cloud, { speed: 10, quantizationBits: 0 });
  // Raw float32 positions are stored verbatim: overwrite 5.25 with a NaN.
  const pattern = new Uint8Array(new Float32Array([5.25]).buffer);
  let at = -1;
  for (let i = 0; i + 4 <= bytes.length && at < 0; i++) {
    if (pattern.every((b, k) => bytes[i + k] === b)) at = i;
  }
  assert.ok(at >= 0, "raw float found in the stream");
  bytes.set(new Uint8Array(new Float32Array([NaN]).buffer), at);
  await assert.rejects(decodeDraco(bytes, "nan.drc"), (e: GeoError) => {
    assert.equal(e.kind, "invalid_argument");
    assert.match(e.message, /nan\.drc: point 1 has a non-finite coordinate/);
    return true;
  });
});

Deno.test("bad Draco input is an invalid_argument GeoError naming the source", async () => {
  const good = await read("draco_testdata/pc_color.drc");
  const cases: [string, Uint8Array][] = [
    ["empty", new Uint8Array(0)],
    ["garbage", new TextEncoder().encode("hello world, not draco")],
    ["header only", good.subarray(0, 12)],
    ["truncated", good.subarray(0, good.length >> 1)],
  ];
  for (const [name, bytes] of cases) {
    await assert.rejects(decodeDraco(bytes, `${name}.drc`), (e: unknown) => {
      assert.ok(e instanceof GeoError, `${name}: ${e}`);
      assert.equal(e.kind, "invalid_argument");
      assert.ok(e.message.startsWith(`${name}.drc: `), e.message);
      return true;
    });
  }
  await assert.rejects(
    encodeDraco({ count: 1, coord: new Float32Array([0, NaN, 0]) }),
    (e: GeoError) => e.kind === "invalid_argument",
  );
  await assert.rejects(
    encodeDraco({ count: 1, coord: new Float32Array(3) }, { speed: 11 }),
    (e: GeoError) => e.kind === "invalid_argument",
  );
  // Still usable after the failures.
  assert.equal((await decodeDraco(good, "pc_color.drc")).count, 7733);
});

Deno.test("repeated decodes and encodes do not grow the wasm heaps", async () => {
  const bytes = await read("open3d/derived/fragment_qp14_cl0.drc");
  const cloud = await decodeDraco(bytes, "warm-up");
  await encodeDraco(cloud);
  const before = await dracoHeapBytes();
  for (let i = 0; i < 8; i++) await decodeDraco(bytes, "again");
  for (let i = 0; i < 4; i++) await encodeDraco(cloud);
  // 113K points leak ≥ 3 MB a call (coord + colour + normal): 8 calls would show.
  assert.deepEqual(await dracoHeapBytes(), before);
});
