import assert from "node:assert/strict";
import { GeoError } from "../kernels/errors.ts";
import { Rng } from "../kernels/random.ts";
import { decodePcd, lzfDecompress } from "./pcd.ts";
import { decodePly } from "./ply.ts";

const DATA = new URL("../../../shared/data/", import.meta.url);
const text = (s: string) => new TextEncoder().encode(s);

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Packs r, g, b into PCL's float-typed rgb field (bits 0x00RRGGBB). */
function packedFloat(r: number, g: number, b: number): number {
  return new Float32Array(new Uint32Array([(r << 16) | (g << 8) | b]).buffer)[0];
}

/** LZF stream made of literal runs only (a valid, uncompressed liblzf stream). */
function lzfLiterals(raw: Uint8Array): Uint8Array {
  const parts: number[] = [];
  for (let i = 0; i < raw.length; i += 32) {
    const run = raw.subarray(i, Math.min(raw.length, i + 32));
    parts.push(run.length - 1, ...run);
  }
  return new Uint8Array(parts);
}

function rejects(bytes: Uint8Array, pattern: RegExp) {
  assert.throws(() => decodePcd(bytes, "t.pcd"), (e: unknown) => {
    assert.ok(e instanceof GeoError, String(e));
    assert.equal(e.kind, "invalid_argument");
    assert.match(e.message, /^t\.pcd: /);
    assert.match(e.message, pattern);
    return true;
  });
}

const HEAD = (
  data: string,
  fields = "x y z rgb",
  size = "4 4 4 4",
  type = "F F F F",
  count = "1 1 1 1",
  w = 2,
  h = 1,
) =>
  `# .PCD v0.7 - Point Cloud Data file format\nVERSION 0.7\nFIELDS ${fields}\nSIZE ${size}\nTYPE ${type}\nCOUNT ${count}\nWIDTH ${w}\nHEIGHT ${h}\nVIEWPOINT 0 0 0 1 0 0 0\nPOINTS ${
    w * h
  }\nDATA ${data}\n`;

Deno.test("Open3D fragment.pcd equals its PLY conversion", async () => {
  const pcd = decodePcd(await Deno.readFile(new URL("open3d/fragment.pcd", DATA)), "fragment.pcd");
  const ply = decodePly(
    await Deno.readFile(new URL("open3d/derived/fragment_from_pcd.ply", DATA)),
    "p",
  );
  assert.equal(pcd.count, 113662);
  assert.deepEqual(pcd.coord, ply.coord);
  assert.deepEqual(pcd.color, ply.color);
  assert.deepEqual(pcd.normal, ply.normal);
});

Deno.test("ascii PCD: PCL integer rgb, float rgb, COUNT>1 fields, organised WIDTH×HEIGHT", () => {
  const pcl = text(
    HEAD(
      "ascii",
      "x y z rgb normal_x normal_y normal_z hist",
      "4 4 4 4 4 4 4 4",
      "F F F F F F F F",
      "1 1 1 1 1 1 1 2",
      2,
      2,
    ) +
      `1 2 3 ${(10 << 16) | (20 << 8) | 30} 0 0 1 5 6\n` +
      `4 5 6 ${packedFloat(255, 0, 7)} 1 0 0 5 6\n` +
      `-1 -2 -3 0 0 1 0 5 6\n` +
      `7e-1 8 9 ${(1 << 16) | (2 << 8) | 3} 0 0 -1 5 6\n`,
  );
  const c = decodePcd(pcl, "t.pcd");
  assert.equal(c.count, 4);
  assert.deepEqual(Array.from(c.coord), [1, 2, 3, 4, 5, 6, -1, -2, -3, 0.7, 8, 9].map(Math.fround));
  assert.deepEqual(Array.from(c.color!), [10, 20, 30, 255, 0, 7, 0, 0, 0, 1, 2, 3]);
  assert.deepEqual(Array.from(c.normal!), [0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, -1]);
});

Deno.test("binary PCD with integer and double fields and uint32 rgba", () => {
  const head = text(HEAD("binary", "x y z _ rgba", "8 8 8 2 4", "F F F I U", "1 1 1 1 1"));
  const body = new Uint8Array(2 * 30);
  const v = new DataView(body.buffer);
  const rows = [[1.25, -2, 3e5, 0xff112233], [0, 0.5, -7, 0x00abcdef]];
  rows.forEach((r, i) => {
    v.setFloat64(i * 30, r[0], true);
    v.setFloat64(i * 30 + 8, r[1], true);
    v.setFloat64(i * 30 + 16, r[2], true);
    v.setInt16(i * 30 + 24, -1, true);
    v.setUint32(i * 30 + 26, r[3], true);
  });
  const c = decodePcd(concat(head, body), "t.pcd");
  assert.deepEqual(Array.from(c.coord), [1.25, -2, 3e5, 0, 0.5, -7]);
  assert.deepEqual(Array.from(c.color!), [0x11, 0x22, 0x33, 0xab, 0xcd, 0xef]);
  assert.equal(c.normal, undefined);
});

Deno.test("binary_compressed PCD (LZF, field-major) decodes", () => {
  const rng = new Rng(4);
  const n = 40;
  const xyz = new Float32Array(n * 3).map(() => rng.uniform(-3, 3));
  const rgb = new Float32Array(n).map(() => packedFloat(rng.int(256), rng.int(256), rng.int(256)));
  const soa = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) soa[k * n + i] = xyz[i * 3 + k];
    soa[3 * n + i] = rgb[i];
  }
  const raw = new Uint8Array(soa.buffer);
  const comp = lzfLiterals(raw);
  const sizes = new Uint8Array(8);
  new DataView(sizes.buffer).setUint32(0, comp.length, true);
  new DataView(sizes.buffer).setUint32(4, raw.length, true);
  const c = decodePcd(
    concat(
      text(HEAD("binary_compressed", undefined, undefined, undefined, undefined, n)),
      sizes,
      comp,
    ),
    "t.pcd",
  );
  assert.deepEqual(c.coord, xyz);
  const bits = new Uint32Array(rgb.buffer);
  for (let i = 0; i < n; i++) assert.equal(c.color![i * 3], (bits[i] >> 16) & 255);
});

Deno.test("LZF back-references copy earlier output, overlapping included", () => {
  // literal "abc", then a back-reference of length 5 at distance 3 → "abcabcab".
  const stream = new Uint8Array([2, 97, 98, 99, (3 << 5) | 0, 2]);
  assert.equal(new TextDecoder().decode(lzfDecompress(stream, 8, "s")), "abcabcab");
  // long back-reference: length 7 + 3 + 2 = 12 of a single byte.
  const long = new Uint8Array([0, 120, (7 << 5) | 0, 3, 0]);
  assert.equal(new TextDecoder().decode(lzfDecompress(long, 13, "s")), "x".repeat(13));
  assert.throws(() => lzfDecompress(new Uint8Array([(1 << 5) | 0, 5]), 3, "s"), GeoError);
  assert.throws(() => lzfDecompress(new Uint8Array([2, 97, 98]), 3, "s"), GeoError);
  assert.throws(() => lzfDecompress(new Uint8Array([0, 97]), 3, "s"), /corrupt LZF/);
});

Deno.test("bad PCD input is rejected with a clear message", () => {
  rejects(text(HEAD("binary") + "\0".repeat(31)), /truncated/);
  rejects(text(HEAD("ascii", undefined, undefined, undefined, undefined, 0)), /zero points/);
  rejects(text(HEAD("ascii") + "1 2 3 0\n4 5\n"), /truncated/);
  rejects(text(HEAD("ascii") + "1 2 3 0\n4 nan 6 0\n"), /non-finite/);
  rejects(text(HEAD("ascii") + "1 2 3 0\n4 x 6 0\n"), /bad number/);
  rejects(
    text(HEAD("binary", undefined, undefined, undefined, undefined, 1_000_000_000)),
    /truncated/,
  );
  rejects(
    text(HEAD("ascii", "x y rgb", "4 4 4", "F F F", "1 1 1") + "1 2 0\n3 4 0\n"),
    /x, y or z/,
  );
  rejects(text(HEAD("ascii", "x y z", "4 4", "F F F", "1 1 1")), /SIZE\/TYPE\/COUNT/);
  rejects(text(HEAD("ascii", "x y z", "4 4 4", "F F Q", "1 1 1")), /bad PCD field "z"/);
  rejects(text(HEAD("lzma")), /unknown PCD DATA/);
  rejects(text("VERSION 0.7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nWIDTH 1\n"), /no DATA line/);
  rejects(text(HEAD("ascii").replace("POINTS 2", "POINTS 3") + "1 2 3 0\n"), /differs from POINTS/);
});

/** Asserts decodePcd fails with `kind` matching `re`; returns how long it took, ms. */
function refusedIn(bytes: Uint8Array, kind: string, re: RegExp, maxPoints?: number): number {
  const t0 = performance.now();
  assert.throws(() => decodePcd(bytes, "h.pcd", { maxPoints }), (e: unknown) => {
    assert.ok(e instanceof GeoError, String(e));
    assert.equal(e.kind, kind, e.message);
    assert.match(e.message, /^h\.pcd: /);
    assert.match(e.message, re);
    assert.ok(e.message.length < 160, e.message);
    return true;
  });
  return performance.now() - t0;
}

Deno.test("huge POINTS, WIDTH, HEIGHT and COUNT fields fail fast in every DATA kind", () => {
  const huge = (data: string, points: string, w = points, h = "1", count = "1 1 1 1") =>
    text(
      HEAD(data, undefined, undefined, undefined, count)
        .replace("WIDTH 2", `WIDTH ${w}`).replace("HEIGHT 1", `HEIGHT ${h}`)
        .replace("POINTS 2", `POINTS ${points}`) + "1 2 3 4\n".repeat(4),
    );
  for (const data of ["ascii", "binary", "binary_compressed"]) {
    for (const n of ["4294967296", "9007199254740991", "1000000000"]) {
      const ms = refusedIn(huge(data, n), "invalid_argument", /truncated \(POINTS \d+ needs/);
      assert.ok(ms < 1000, `${ms} ms`);
    }
    refusedIn(huge(data, "99999999999999999999", "2"), "invalid_argument", /bad PCD POINTS/);
    refusedIn(huge(data, "2", "1e9"), "invalid_argument", /bad PCD WIDTH value "1e9"/);
    refusedIn(huge(data, "2", "4294967296"), "invalid_argument", /differs from POINTS/);
    refusedIn(huge(data, "2", "2", "-1"), "invalid_argument", /bad PCD HEIGHT/);
    refusedIn(
      huge(data, "2", "2", "1", "1 1 1 99999999"),
      "invalid_argument",
      /bad PCD field "rgb"/,
    );
  }
  // Quoted header text is capped: a megabyte-long DATA kind is not echoed.
  const long = text(HEAD("x".repeat(1 << 20)));
  refusedIn(long, "invalid_argument", /unknown PCD DATA kind "x{40}"… \(\d+ characters\)/);
});

Deno.test("a valid PCD over maxPoints is resource_exhausted without decoding", async () => {
  const bytes = await Deno.readFile(new URL("open3d/fragment.pcd", DATA));
  decodePcd(bytes, "warm-up");
  let decodeMs = Infinity, refuseMs = Infinity;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    assert.equal(decodePcd(bytes, "full").count, 113662);
    decodeMs = Math.min(decodeMs, performance.now() - t0);
    refuseMs = Math.min(
      refuseMs,
      refusedIn(bytes, "resource_exhausted", /POINTS declares 113662 points/, 100_000),
    );
  }
  assert.ok(refuseMs * 10 < decodeMs, `refused in ${refuseMs} ms, decoded in ${decodeMs} ms`);
});
