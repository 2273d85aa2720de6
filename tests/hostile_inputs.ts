/**
 * Seeded hostile-input generator for the point-cloud decoders, shared by
 * tests/io_fuzz_test.ts and the decoder benchmark: valid seed files of every
 * format and layout, and mutants of six classes (truncation, bit flips,
 * header counts edited to huge values, NaN/Inf coordinates, zero-property
 * PLY elements, spliced headers).
 *
 * @module
 */

import type { PointCloud } from "../src/kernels/point_cloud.ts";
import { Rng } from "../src/kernels/random.ts";
import { encodeDraco } from "../src/io/draco.ts";
import { encodeDracoMesh } from "../src/io/draco_encode.ts";
import { readDracoHeader } from "../src/io/draco_header.ts";
import { encodeNpy } from "../src/io/npy.ts";
import { encodePly } from "../src/io/ply.ts";

/** One corrupted input. */
export interface Mutant {
  /** Unique, ends with the format's extension (e.g. "count#12:frag_115.ply"). */
  readonly name: string;
  /** mutation class */
  readonly kind: "truncate" | "bitflip" | "count" | "nan" | "zero_prop" | "splice";
  /** The format of the seed it came from. */
  readonly format: "draco" | "ply" | "pcd" | "npy";
  /** The corrupted file bytes. */
  readonly bytes: Uint8Array;
}

type Seed = { name: string; format: Mutant["format"]; bytes: Uint8Array };

const DATA = new URL("../../shared/data/", import.meta.url);

/** Shared data files used as seeds (paths under shared/data). */
const SHARED = [
  ...["pc_color.drc", "pc_kd_color.drc", "point_cloud_no_qp.drc", "cube_pc.drc"],
  ...["point_cloud_test_pos.ply", "point_cloud_test_pos_norm.ply", "int_point_cloud.ply"],
  ...["float_two_att_point_cloud.ply", "float_inf_point_cloud.ply"],
].map((f) => `draco_testdata/${f}`).concat(
  ["fragment_qp14_cl7.drc", "fragment_qp14_cl0.drc", "frag_115_qp14_cl7.drc"]
    .concat("fragment_from_pcd.ply").map((f) => `open3d/derived/${f}`),
  ["open3d/frag_115.ply", "open3d/fragment.pcd"],
);

const EXT = { drc: "draco", ply: "ply", pcd: "pcd", npy: "npy" } as const;
const formatOf = (name: string) => EXT[name.split(".").pop() as keyof typeof EXT];

const bytesOf = (text: string) => new TextEncoder().encode(text);
const textOf = (b: Uint8Array) => new TextDecoder("latin1").decode(b);

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  parts.reduce((off, p) => (out.set(p, off), off + p.length), 0);
  return out;
}

/** Huge or boundary counts written over declared ones. */
const HUGE = [2 ** 31 - 1, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, 1e9, 33_554_456, 1_000_001, 65_536];
const hugeCount = (rng: Rng, was: number) =>
  rng.bernoulli(0.8) ? HUGE[rng.int(HUGE.length)] : was * (2 + rng.int(1000)) + 1;

/** A PLY of `cloud` (float xyz, uchar rgb) with a 60-face list element, after the vertices or (big endian) before. */
function plyWithFaces(
  cloud: PointCloud,
  format: "ascii" | "binary_little_endian" | "binary_big_endian",
): Uint8Array {
  const n = cloud.count, nf = 60, le = format === "binary_little_endian";
  const faces = Array.from({ length: nf }, (_, f) => [f % n, (f * 7 + 1) % n, (f * 13 + 2) % n]);
  const vEl = "element vertex " + n +
    "\nproperty float x\nproperty float y\nproperty float z" +
    "\nproperty uchar red\nproperty uchar green\nproperty uchar blue\n";
  const fEl = `element face ${nf}\nproperty list uchar int vertex_indices\n`;
  const facesFirst = format === "binary_big_endian";
  const head = bytesOf(
    `ply\nformat ${format} 1.0\ncomment hostile seed\n${
      facesFirst ? fEl + vEl : vEl + fEl
    }end_header\n`,
  );
  if (format === "ascii") {
    const rows = Array.from(
      { length: n },
      (_, i) =>
        [...cloud.coord.subarray(i * 3, i * 3 + 3), ...cloud.color!.subarray(i * 3, i * 3 + 3)]
          .join(" "),
    );
    return concat(
      head,
      bytesOf([...rows, ...faces.map((f) => `3 ${f.join(" ")}`)].join("\n") + "\n"),
    );
  }
  const vb = new Uint8Array(n * 15), fb = new Uint8Array(nf * 13);
  const vv = new DataView(vb.buffer), fv = new DataView(fb.buffer);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) vv.setFloat32(i * 15 + k * 4, cloud.coord[i * 3 + k], le);
    vb.set(cloud.color!.subarray(i * 3, i * 3 + 3), i * 15 + 12);
  }
  faces.forEach((f, j) => {
    fb[j * 13] = 3;
    f.forEach((v, k) => fv.setInt32(j * 13 + 1 + k * 4, v, le));
  });
  return facesFirst ? concat(head, fb, vb) : concat(head, vb, fb);
}

/** Splits a PLY/PCD file into header lines and the body after `end` (the end_header or DATA line). */
function textHeader(b: Uint8Array, endLine: RegExp): { lines: string[]; body: Uint8Array } | null {
  const t = textOf(b.subarray(0, Math.min(b.length, 4096)));
  const m = endLine.exec(t);
  if (!m) return null;
  const end = m.index + m[0].length;
  return { lines: t.slice(0, end).split("\n").slice(0, -1), body: b.subarray(end) };
}

const joinHeader = (lines: string[], body: Uint8Array) =>
  concat(bytesOf(lines.join("\n") + "\n"), body);

/** The .npy header dict and data offset. */
function npyParts(b: Uint8Array): { dict: string; data: Uint8Array } {
  const hlen = b[8] | (b[9] << 8);
  return { dict: textOf(b.subarray(10, 10 + hlen)), data: b.subarray(10 + hlen) };
}

function npyOf(dict: string, data: Uint8Array): Uint8Array {
  const d = bytesOf(dict.trimEnd() + "\n");
  const out = concat(new Uint8Array(10), d, data);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, d.length & 255, d.length >> 8]);
  return out;
}

/** Draco count encodings: int32 (point clouds), u32 (old meshes), LEB128 varint. */
function dracoCount(value: number, enc: "i32" | "u32" | "varint"): Uint8Array {
  if (enc !== "varint") return new Uint8Array(Uint32Array.of(value >>> 0).buffer);
  const out: number[] = [];
  let v = value % 2 ** 32;
  do {
    const low = v % 128;
    v = Math.floor(v / 128);
    out.push(low | (v > 0 ? 0x80 : 0));
  } while (v > 0);
  return Uint8Array.from(out);
}

/** Finds a declared count in the bytes after the 11-byte Draco header and writes a huge one over it. */
function draco(seed: Seed, rng: Rng): Uint8Array {
  const h = readDracoHeader(seed.bytes, seed.name);
  const [major, minor] = h.version, v = major * 256 + minor;
  const enc = h.geometry === "point_cloud"
    ? "i32"
    : v < (h.method === "sequential" ? 0x202 : 0x200)
    ? "u32"
    : "varint";
  const field = h.faces > 0 && rng.bernoulli(0.5) ? h.faces : h.points;
  const old = dracoCount(field, enc);
  const b = seed.bytes;
  for (let at = 11; at + old.length <= b.length; at++) {
    if (old.every((x, k) => b[at + k] === x)) {
      const huge = enc === "i32" && rng.bernoulli(0.2) ? -1 - rng.int(1000) : hugeCount(rng, field);
      return concat(b.subarray(0, at), dracoCount(huge, enc), b.subarray(at + old.length));
    }
  }
  return b.slice();
}

/** Header counts edited to huge values, per format. */
function mutateCount(seed: Seed, rng: Rng): Uint8Array {
  if (seed.format === "draco") return draco(seed, rng);
  if (seed.format === "npy") {
    const { dict, data } = npyParts(seed.bytes);
    const n = hugeCount(rng, 200);
    const shape = [`(${n}, 3)`, `(200, ${n})`, `(${n}, 3, 1)`, `(${n},)`, `(${n}, 0)`][rng.int(5)];
    return npyOf(dict.replace(/\(([^)]*)\)/, shape), data);
  }
  const end = seed.format === "ply" ? /end_header\r?\n/ : /\nDATA [^\n]*\n/;
  const parts = textHeader(seed.bytes, end);
  if (!parts) return seed.bytes.slice();
  const { lines, body } = parts;
  const keys = seed.format === "ply" ? ["element"] : ["POINTS", "WIDTH", "COUNT", "HEIGHT"];
  const targets = [...lines.keys()].filter((i) => keys.includes(lines[i].split(" ")[0]));
  if (targets.length === 0) return seed.bytes.slice();
  for (let r = 0, edits = 1 + rng.int(2); r < edits; r++) {
    const i = targets[rng.int(targets.length)];
    const w = lines[i].split(" ");
    const k = seed.format === "ply" ? 2 : 1 + rng.int(w.length - 1);
    w[k] = String(hugeCount(rng, Number(w[k]) || 1));
    lines[i] = w.join(" ");
  }
  return joinHeader(lines, body);
}

/** A PLY header with a new element of huge count: zero properties, or one list property. */
function mutateZeroProp(b: Uint8Array, rng: Rng): Uint8Array {
  const parts = textHeader(b, /end_header\r?\n/);
  if (!parts) return b.slice();
  const { lines, body } = parts;
  const spots = lines.map((
    l,
    i,
  ) => (l.startsWith("element") || l.startsWith("end_header") ? i : -1))
    .filter((i) => i >= 0);
  const n = rng.bernoulli(0.7) ? hugeCount(rng, 1) : rng.int(4);
  const el = rng.bernoulli(0.6)
    ? [`element junk ${n}`]
    : [`element jl ${n}`, `property list ${["uchar", "uint", "int"][rng.int(3)]} int idx`];
  lines.splice(spots[rng.int(spots.length)], 0, ...el);
  return joinHeader(lines, body);
}

/** NaN or ±Inf written over one coordinate value (text token or binary float). */
function mutateNan(seed: Seed, rng: Rng): Uint8Array {
  const bad = [NaN, Infinity, -Infinity][rng.int(3)];
  const b = seed.bytes.slice();
  if (seed.format === "npy") {
    const { dict, data } = npyParts(b);
    const half = dict.includes("f2"), at = b.length - data.length;
    const i = rng.int(Math.max(1, Math.floor(data.length / (half ? 2 : 4))));
    const view = new DataView(b.buffer);
    if (half) view.setUint16(at + 2 * i, [0x7e00, 0x7c00, 0xfc00][rng.int(3)], true);
    else if (at + 4 * i + 4 <= b.length) view.setFloat32(at + 4 * i, bad, true);
    return b;
  }
  const end = seed.format === "ply" ? /end_header\r?\n/ : /\nDATA [^\n]*\n/;
  const parts = seed.format === "draco" ? null : textHeader(b, end);
  if (parts && parts.lines.some((l) => /ascii/.test(l))) {
    const body = textOf(parts.body), tokens = [...body.matchAll(/\S+/g)].slice(0, 3000);
    if (tokens.length === 0) return b;
    const t = tokens[rng.int(tokens.length)];
    const rep = ["nan", "inf", "-inf", "NaN", "1e999"][rng.int(5)];
    const text = body.slice(0, t.index) + rep + body.slice(t.index! + t[0].length);
    return concat(b.subarray(0, b.length - parts.body.length), bytesOf(text));
  }
  // Binary: x/y/z lead each row in every binary seed; Draco: raw floats in unquantized files.
  const start = parts ? b.length - parts.body.length : 11;
  const le = !parts || !parts.lines.some((l) => l.includes("big_endian"));
  const stride = [12, 15, 16, 24, 27, 28, 4][rng.int(7)];
  const at = start + stride * rng.int(Math.max(1, Math.floor((b.length - start) / stride))) +
    4 * rng.int(3);
  if (at + 4 <= b.length) new DataView(b.buffer).setFloat32(at, bad, le);
  return b;
}

/** A triangulated g×g grid with a bump: xyz Float32Array V×3 and faces Uint32Array F×3. */
function gridMesh(g: number): { coord: Float32Array; faces: Uint32Array } {
  const coord = new Float32Array(g * g * 3).map((_, j) => {
    const i = Math.floor(j / 3), x = (i % g) / g, y = Math.floor(i / g) / g;
    return [x, y, Math.sin(3 * x) * Math.cos(2 * y)][j % 3];
  });
  const cells = Array.from({ length: (g - 1) * (g - 1) }, (_, c) => c + Math.floor(c / (g - 1)));
  return {
    coord,
    faces: Uint32Array.from(cells.flatMap((v) => [v, v + 1, v + g, v + 1, v + g + 1, v + g])),
  };
}

/** A PCD file of `cloud`: x y z rgb (packed uint32) in DATA ascii or binary. */
function pcdOf(cloud: PointCloud, data: "ascii" | "binary"): Uint8Array {
  const n = cloud.count;
  const head = ["VERSION 0.7", "FIELDS x y z rgb", "SIZE 4 4 4 4", "TYPE F F F U", "COUNT 1 1 1 1"]
    .concat([`WIDTH ${n}`, "HEIGHT 1", "VIEWPOINT 0 0 0 1 0 0 0", `POINTS ${n}`, `DATA ${data}`])
    .join("\n") + "\n";
  const rgb = (i: number) =>
    (cloud.color![i * 3] << 16) | (cloud.color![i * 3 + 1] << 8) | cloud.color![i * 3 + 2];
  if (data === "ascii") {
    const rows = Array.from(
      { length: n },
      (_, i) => `${Array.from(cloud.coord.subarray(i * 3, i * 3 + 3)).join(" ")} ${rgb(i)}`,
    );
    return bytesOf(head + rows.join("\n") + "\n");
  }
  const rec = new Float32Array(n * 4), packed = new Uint32Array(rec.buffer);
  for (let i = 0; i < n; i++) {
    rec.set(cloud.coord.subarray(i * 3, i * 3 + 3), i * 4);
    packed[i * 4 + 3] = rgb(i);
  }
  return concat(bytesOf(head), new Uint8Array(rec.buffer));
}

/**
 * Valid seed files: the shared data files plus encoded samples of every
 * layout (draco both layouts, kd-tree and sequential, mesh; ply ascii/binary
 * LE/BE with list element; pcd ascii/binary; npy f32/f16).
 *
 * @param rng draws the sample clouds (200 points with colour and normals)
 * @returns name (ends with the extension), format and bytes of each seed
 */
export async function seedInputs(
  rng: Rng,
): Promise<{ name: string; format: Mutant["format"]; bytes: Uint8Array }[]> {
  const seeds: Seed[] = [];
  const add = (name: string, bytes: Uint8Array) =>
    seeds.push({ name, format: formatOf(name), bytes });
  for (const p of SHARED) add(p.split("/").pop()!, await Deno.readFile(new URL(p, DATA)));
  const n = 200;
  const cloud: PointCloud = {
    count: n,
    coord: new Float32Array(n * 3).map(() => rng.uniform(-2, 2)),
    color: new Uint8Array(n * 3).map(() => rng.int(256)),
    normal: new Float32Array(n * 3).map(() => rng.uniform(-1, 1)),
  };
  add("pos_seq.drc", await encodeDraco(cloud, { speed: 10 }));
  add("pos_kd.drc", await encodeDraco(cloud, { speed: 2 }));
  add(
    "pos_float_rgba.drc",
    await encodeDraco(cloud, { speed: 10, quantizationBits: 0, alpha: true }),
  );
  add("ros2_seq.drc", await encodeDraco(cloud, { layout: "xyz-split", speed: 10 }));
  add(
    "ros2_kd_unnamed.drc",
    await encodeDraco(cloud, { layout: "xyz-split", attributeNames: false }),
  );
  const grid = gridMesh(12);
  add("mesh_seq.drc", await encodeDracoMesh(grid.coord, grid.faces, { method: "sequential" }));
  add("mesh_eb.drc", await encodeDracoMesh(grid.coord, grid.faces, { method: "edgebreaker" }));
  add("ascii_faces.ply", plyWithFaces(cloud, "ascii"));
  add("le_faces.ply", plyWithFaces(cloud, "binary_little_endian"));
  add("be_faces.ply", plyWithFaces(cloud, "binary_big_endian"));
  add("plain_ascii.ply", encodePly(cloud, { format: "ascii" }));
  add("plain_binary.ply", encodePly(cloud, { scalars: { s: new Float32Array(n) } }));
  add("ascii.pcd", pcdOf(cloud, "ascii"));
  add("binary.pcd", pcdOf(cloud, "binary"));
  add("coord.npy", encodeNpy(cloud.coord, [n, 3]));
  add("half.npy", encodeNpy(cloud.coord, [n, 3], { dtype: "float16" }));
  for (const s of seeds) if (s.format === "draco") readDracoHeader(s.bytes, s.name); // seeds parse
  return seeds;
}

/** The mutation classes that apply to a format. */
const KINDS = (format: Mutant["format"]): Mutant["kind"][] =>
  ["truncate", "bitflip", "count", "count", "nan", "splice"].concat(
    format === "ply" ? ["zero_prop", "zero_prop"] : [],
  ) as Mutant["kind"][];

/** Picks a seed, big files less often (weight √(200 kB / size), at most 1). */
function pick(seeds: readonly Seed[], rng: Rng): Seed {
  const w = seeds.map((s) => Math.min(1, Math.sqrt(200_000 / Math.max(1, s.bytes.length))));
  let r = rng.next() * w.reduce((a, b) => a + b, 0);
  for (let i = 0; i < seeds.length; i++) if ((r -= w[i]) < 0) return seeds[i];
  return seeds[seeds.length - 1];
}

/** Where a mutation aims: the first 400 bytes (header) half the time, anywhere otherwise. */
function spot(rng: Rng, length: number): number {
  return rng.int(Math.max(1, rng.bernoulli(0.5) ? Math.min(length, 400) : length));
}

/**
 * `count` mutants drawn from the seeds with `rng`. Mutation classes:
 * truncation, bit flips, header counts edited to huge values (PLY element
 * counts incl. new zero-property and list elements inserted into the
 * header, PCD POINTS/WIDTH/COUNT, NPY shape, Draco count fields/varints),
 * NaN/Inf written into coordinates, spliced headers (one seed's header on
 * another's body).
 *
 * @param seeds valid files, e.g. from {@link seedInputs}
 * @param rng the seeded stream (same seed → same mutants)
 * @param count how many mutants to yield
 */
export function* mutants(
  seeds: readonly { name: string; format: Mutant["format"]; bytes: Uint8Array }[],
  rng: Rng,
  count: number,
): Generator<Mutant> {
  for (let i = 0; i < count; i++) {
    const seed = pick(seeds, rng);
    const kinds = KINDS(seed.format);
    const kind = kinds[rng.int(kinds.length)];
    let bytes: Uint8Array;
    switch (kind) {
      case "truncate":
        bytes = seed.bytes.slice(0, spot(rng, seed.bytes.length));
        break;
      case "bitflip": {
        bytes = seed.bytes.slice();
        const flips = 1 + rng.int(8);
        for (let f = 0; f < flips; f++) bytes[spot(rng, bytes.length)] ^= 1 << rng.int(8);
        break;
      }
      case "count":
        bytes = mutateCount(seed, rng);
        break;
      case "nan":
        bytes = mutateNan(seed, rng);
        break;
      case "zero_prop":
        bytes = mutateZeroProp(seed.bytes, rng);
        break;
      case "splice": {
        const same = seeds.filter((s) => s.format === seed.format && s !== seed);
        const other = same.length > 0 && rng.bernoulli(0.8)
          ? same[rng.int(same.length)]
          : seeds[rng.int(seeds.length)];
        const cut = 5 + rng.int(Math.min(seed.bytes.length, 300));
        const from = 5 + rng.int(Math.min(other.bytes.length, 300));
        bytes = concat(seed.bytes.subarray(0, cut), other.bytes.subarray(from));
        break;
      }
    }
    yield { name: `${kind}#${i}:${seed.name}`, kind, format: seed.format, bytes };
  }
}
