import assert from "node:assert/strict";
import { GeoError } from "../kernels/errors.ts";
import { Rng } from "../kernels/random.ts";
import { decodePly, encodePly } from "./ply.ts";

const DATA = new URL("../../../shared/data/", import.meta.url);
const read = (p: string) => Deno.readFile(new URL(p, DATA));
const text = (s: string) => new TextEncoder().encode(s);

type Prop = [type: string, name: string];
const SIZES: Record<string, number> = {
  char: 1,
  uchar: 1,
  int8: 1,
  uint8: 1,
  short: 2,
  ushort: 2,
  int16: 2,
  uint16: 2,
  int: 4,
  uint: 4,
  int32: 4,
  uint32: 4,
  float: 4,
  float32: 4,
  double: 8,
  float64: 8,
};

/** Writes one scalar of a PLY type with a DataView. */
function put(view: DataView, off: number, type: string, v: number, le: boolean): number {
  const size = SIZES[type];
  if (type === "float" || type === "float32") view.setFloat32(off, v, le);
  else if (type === "double" || type === "float64") view.setFloat64(off, v, le);
  else if (/^(char|int8)$/.test(type)) view.setInt8(off, v);
  else if (/^(uchar|uint8)$/.test(type)) view.setUint8(off, v);
  else if (/^(short|int16)$/.test(type)) view.setInt16(off, v, le);
  else if (/^(ushort|uint16)$/.test(type)) view.setUint16(off, v, le);
  else if (/^(int|int32)$/.test(type)) view.setInt32(off, v, le);
  else view.setUint32(off, v, le);
  return off + size;
}

/** A binary PLY with one vertex element of `props` and `rows`, optionally a face element first. */
function binaryPly(
  props: Prop[],
  rows: number[][],
  opts: { le: boolean; facesFirst?: number[][] },
): Uint8Array {
  const faces = opts.facesFirst ?? [];
  const head = [
    "ply",
    `format binary_${opts.le ? "little" : "big"}_endian 1.0`,
    "comment hand-made",
    ...(faces.length
      ? [`element face ${faces.length}`, "property list uchar int vertex_indices"]
      : []),
    `element vertex ${rows.length}`,
    ...props.map(([t, n]) => `property ${t} ${n}`),
    "end_header\n",
  ].join("\n");
  const faceBytes = faces.reduce((a, f) => a + 1 + 4 * f.length, 0);
  const stride = props.reduce((a, [t]) => a + SIZES[t], 0);
  const h = text(head);
  const out = new Uint8Array(h.length + faceBytes + rows.length * stride);
  out.set(h);
  const view = new DataView(out.buffer);
  let off = h.length;
  for (const f of faces) {
    off = put(view, off, "uchar", f.length, opts.le);
    for (const v of f) off = put(view, off, "int", v, opts.le);
  }
  for (const r of rows) props.forEach(([t], k) => (off = put(view, off, t, r[k], opts.le)));
  return out;
}

function rejects(bytes: Uint8Array, pattern: RegExp) {
  assert.throws(() => decodePly(bytes, "t.ply"), (e: unknown) => {
    assert.ok(e instanceof GeoError, String(e));
    assert.equal(e.kind, "invalid_argument");
    assert.match(e.message, /^t\.ply: /);
    assert.match(e.message, pattern);
    return true;
  });
}

Deno.test("ascii PLY with colour, normals, alpha, extra property and faces", () => {
  const ply = text(`ply
format ascii 1.0
comment made by hand
element vertex 3
property float x
property float y
property float z
property uchar red
property uchar green
property uchar blue
property uchar alpha
property float nx
property float ny
property float nz
property float intensity
element face 2
property list uchar int vertex_indices
end_header
1 2 3 10 20 30 255 0 0 1 0.5
-1.5 0 2e-3 0 128 255 7 0 1 0 9
4 5 6 1 1 1 0 1 0 0 -2
3 0 1 2
4 0 1 2 0
`);
  const c = decodePly(ply, "t.ply");
  assert.equal(c.count, 3);
  assert.deepEqual(c.coord, new Float32Array([1, 2, 3, -1.5, 0, 2e-3, 4, 5, 6]));
  assert.deepEqual(c.color, new Uint8Array([10, 20, 30, 0, 128, 255, 1, 1, 1]));
  assert.deepEqual(c.normal, new Float32Array([0, 0, 1, 0, 1, 0, 1, 0, 0]));
});

Deno.test("binary little and big endian, every scalar type and alias", () => {
  const types = Object.keys(SIZES);
  const rng = new Rng(3);
  for (const le of [true, false]) {
    for (const t of types) {
      const signed = !/^u/.test(t);
      const rows = Array.from(
        { length: 5 },
        () =>
          [0, 1, 2].map(() => (signed ? rng.int(100) - 50 : rng.int(100))).concat([rng.int(256)]),
      );
      const props: Prop[] = [[t, "x"], [t, "y"], [t, "z"], ["uchar", "quality"]];
      const c = decodePly(binaryPly(props, rows, { le }), "t.ply");
      assert.equal(c.count, 5);
      assert.deepEqual(Array.from(c.coord), rows.flatMap((r) => r.slice(0, 3)), `${t} le=${le}`);
      assert.equal(c.color, undefined);
    }
  }
});

Deno.test("faces before the vertex element are skipped by their list lengths", () => {
  const props: Prop[] = [["double", "x"], ["double", "y"], ["double", "z"], ["uchar", "r"], [
    "uchar",
    "g",
  ], ["uchar", "b"]];
  const rows = [[0.25, -3, 1e6, 1, 2, 3], [7, 8, 9, 250, 251, 252]];
  for (const le of [true, false]) {
    const bytes = binaryPly(props, rows, { le, facesFirst: [[0, 1, 2], [0, 1, 2, 3, 4]] });
    const c = decodePly(bytes, "t.ply");
    assert.deepEqual(Array.from(c.coord), [0.25, -3, 1e6, 7, 8, 9]);
    assert.deepEqual(Array.from(c.color!), [1, 2, 3, 250, 251, 252]);
  }
});

Deno.test("float and 16-bit colours are scaled to 0..255, diffuse_* names accepted", () => {
  const f = binaryPly(
    [["float", "x"], ["float", "y"], ["float", "z"], ["float", "diffuse_red"], [
      "float",
      "diffuse_green",
    ], ["float", "diffuse_blue"]],
    [[0, 0, 0, 0, 0.5, 1], [1, 1, 1, 2, -1, 0.2]],
    { le: true },
  );
  assert.deepEqual(Array.from(decodePly(f, "t.ply").color!), [0, 128, 255, 255, 0, 51]);
  const u16 = binaryPly(
    [["float", "x"], ["float", "y"], ["float", "z"], ["ushort", "red"], ["ushort", "green"], [
      "ushort",
      "blue",
    ]],
    [[0, 0, 0, 65535, 257, 0]],
    { le: false },
  );
  assert.deepEqual(Array.from(decodePly(u16, "t.ply").color!), [255, 1, 0]);
});

Deno.test("bad PLY input is rejected with a clear message", () => {
  const head = (n: number) =>
    `ply\nformat binary_little_endian 1.0\nelement vertex ${n}\nproperty float x\nproperty float y\nproperty float z\nend_header\n`;
  rejects(text(head(0)), /zero points/);
  // Huge declared count: rejected before allocating N×3 floats.
  rejects(text(head(2_000_000_000) + "abcdefghijkl"), /truncated/);
  rejects(text(head(2) + "\0".repeat(20)), /truncated/);
  rejects(
    text(
      "ply\nformat ascii 1.0\nelement vertex 2\nproperty float x\nproperty float y\nproperty float z\nend_header\n1 2 3\n4 5\n",
    ),
    /truncated/,
  );
  rejects(
    text(
      "ply\nformat ascii 1.0\nelement vertex 1000000000\nproperty float x\nproperty float y\nproperty float z\nend_header\n1 2 3\n",
    ),
    /truncated/,
  );
  rejects(
    text(
      "ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\nproperty float z\nend_header\n1 nan 3\n",
    ),
    /non-finite/,
  );
  rejects(
    text(
      "ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\nproperty float z\nend_header\n1 two 3\n",
    ),
    /bad number/,
  );
  rejects(
    text(
      "ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\nend_header\n1 2\n",
    ),
    /x, y or z/,
  );
  rejects(text("ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\n"), /end_header/);
  rejects(text("ply\nformat utf8 1.0\nend_header\n"), /unknown PLY format/);
  rejects(
    text(
      "ply\nformat ascii 1.0\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n3 0 1 2\n",
    ),
    /no vertex element/,
  );
  rejects(text("plx\nformat ascii 1.0\nend_header\n"), /not a PLY file/);
});

Deno.test("shared PLY files: Open3D fragments and google/draco test clouds", async () => {
  const frag = decodePly(
    await read("open3d/derived/fragment_from_pcd.ply"),
    "fragment_from_pcd.ply",
  );
  assert.equal(frag.count, 113662);
  assert.ok(frag.color && frag.normal);
  const mesh = decodePly(await read("open3d/frag_115.ply"), "frag_115.ply");
  assert.equal(mesh.count, 64365);
  assert.ok(mesh.color && mesh.normal);
  for (let i = 0; i < mesh.count; i += 997) {
    const len = Math.hypot(mesh.normal[i * 3], mesh.normal[i * 3 + 1], mesh.normal[i * 3 + 2]);
    assert.ok(Math.abs(len - 1) < 1e-3, "unit normals");
  }
  const ints = decodePly(await read("draco_testdata/int_point_cloud.ply"), "int_point_cloud.ply");
  assert.equal(ints.count, 16);
  assert.deepEqual(Array.from(ints.coord.subarray(0, 3)), [-409, 249, 4]);
  const pos = decodePly(await read("draco_testdata/point_cloud_test_pos_norm.ply"), "p.ply");
  assert.equal(pos.count, 4);
  assert.ok(pos.normal);
  const two = decodePly(await read("draco_testdata/float_two_att_point_cloud.ply"), "two.ply");
  assert.deepEqual(Array.from(two.normal!), [1, 0, 0, 0, 1, 0, 0, 0, 1].map((v) => v));
  assert.throws(
    () =>
      decodePly(
        Deno.readFileSync(new URL("draco_testdata/float_inf_point_cloud.ply", DATA)),
        "inf.ply",
      ),
    /inf\.ply: point 0 has a non-finite coordinate \(Infinity\)/,
  );
});

Deno.test("encodePly round-trips through decodePly in both formats, scalars included", () => {
  const rng = new Rng(9);
  const n = 50;
  const cloud = {
    count: n,
    coord: new Float32Array(n * 3).map(() => rng.uniform(-10, 10)),
    color: new Uint8Array(n * 3).map(() => rng.int(256)),
    normal: new Float32Array(n * 3).map(() => rng.uniform(-1, 1)),
  };
  const score = new Float32Array(n).map(() => rng.next());
  for (const format of ["ascii", "binary_little_endian"] as const) {
    const bytes = encodePly(cloud, { format, scalars: { score } });
    const back = decodePly(bytes, "out.ply");
    assert.deepEqual(back.coord, cloud.coord, format);
    assert.deepEqual(back.color, cloud.color);
    assert.deepEqual(back.normal, cloud.normal);
    const header = new TextDecoder().decode(bytes.subarray(0, 300));
    assert.match(header, /property float score\nend_header/);
  }
  const bin = encodePly({ count: n, coord: cloud.coord }, { scalars: { score } });
  const start = bin.length - n * 16;
  const view = new DataView(bin.buffer, start);
  for (let i = 0; i < n; i++) assert.equal(view.getFloat32(i * 16 + 12, true), score[i]);
  assert.throws(() => encodePly(cloud, { scalars: { "bad name": score } }), GeoError);
  assert.throws(() => encodePly(cloud, { scalars: { short: score.subarray(1) } }), GeoError);
});

/** Asserts decodePly fails with `kind` matching `re` and returns how long it took, ms. */
function refusedIn(bytes: Uint8Array, kind: string, re: RegExp, maxPoints?: number): number {
  const t0 = performance.now();
  assert.throws(() => decodePly(bytes, "h.ply", { maxPoints }), (e: unknown) => {
    assert.ok(e instanceof GeoError, String(e));
    assert.equal(e.kind, kind, e.message);
    assert.match(e.message, /^h\.ply: /);
    assert.match(e.message, re);
    assert.ok(e.message.length < 160, e.message);
    return true;
  });
  return performance.now() - t0;
}

Deno.test("the attacker's 136-byte PLY: a zero-property element of 2^53-1 rows fails fast", () => {
  const xyz = "property float x\nproperty float y\nproperty float z\n";
  const attack = (format: string, body: Uint8Array) => {
    const head = text(
      `ply\nformat ${format} 1.0\nelement junk 9007199254740991\nelement vertex 1\n${xyz}end_header\n`,
    );
    const out = new Uint8Array(head.length + body.length);
    out.set(head);
    out.set(body, head.length);
    return out;
  };
  const ascii = attack("ascii", text("0 0 0\n"));
  assert.equal(ascii.length, 136);
  for (
    const bytes of [
      ascii,
      attack("binary_little_endian", new Uint8Array(12)),
      attack("binary_big_endian", new Uint8Array(12)),
    ]
  ) {
    const ms = refusedIn(
      bytes,
      "invalid_argument",
      /element "junk" declares 9007199254740991 rows/,
    );
    assert.ok(ms < 1000, `${ms} ms`);
  }
  // A zero-property element of a plausible count is still read (one byte per row in ascii).
  const ok = text(
    `ply\nformat ascii 1.0\nelement junk 2\nelement vertex 1\n${xyz}end_header\n\n\n1 2 3\n`,
  );
  assert.deepEqual(Array.from(decodePly(ok, "ok.ply").coord), [1, 2, 3]);
});

Deno.test("huge list elements and huge counts on any element fail fast, ascii and binary", () => {
  const xyz = "property float x\nproperty float y\nproperty float z\n";
  const list = (format: string, n: number, where: "before" | "after", body: string) =>
    text(
      `ply\nformat ${format} 1.0\n` +
        (where === "before" ? `element face ${n}\nproperty list uint int idx\n` : "") +
        `element vertex 1\n${xyz}` +
        (where === "after" ? `element face ${n}\nproperty list uchar int idx\n` : "") +
        `end_header\n${body}`,
    );
  for (const where of ["before", "after"] as const) {
    for (const n of [4_000_000_000, 2 ** 53 - 1, 1000]) {
      refusedIn(list("ascii", n, where, "1 2 3\n3 0 0 0\n"), "invalid_argument", /element "face"/);
      refusedIn(
        list("binary_little_endian", n, where, "\0".repeat(30)),
        "invalid_argument",
        /truncated/,
      );
    }
  }
  // A list length beyond the body, in a plausible element count.
  const bin = list("binary_little_endian", 1, "before", "\xff\xff\xff\x7f" + "\0".repeat(20));
  refusedIn(bin, "invalid_argument", /truncated/);
  refusedIn(
    list("ascii", 1, "before", "99999999999 1 2\n1 2 3\n"),
    "invalid_argument",
    /truncated/,
  );
});

Deno.test("a valid PLY over maxPoints is resource_exhausted without decoding", async () => {
  const bytes = await read("open3d/frag_115.ply");
  decodePly(bytes, "warm-up");
  let decodeMs = Infinity, refuseMs = Infinity;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    assert.equal(decodePly(bytes, "full").count, 64365);
    decodeMs = Math.min(decodeMs, performance.now() - t0);
    refuseMs = Math.min(
      refuseMs,
      refusedIn(bytes, "resource_exhausted", /element vertex declares 64365 points/, 64364),
    );
  }
  assert.ok(refuseMs * 10 < decodeMs, `refused in ${refuseMs} ms, decoded in ${decodeMs} ms`);
  assert.equal(decodePly(bytes, "at", { maxPoints: 64365 }).count, 64365);
});
