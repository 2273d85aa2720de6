import assert from "node:assert/strict";
import { GeoError } from "../kernels/errors.ts";
import { Rng } from "../kernels/random.ts";
import { cloudFromNpy, decodeNpy, encodeNpy } from "./npy.ts";

/** A hand-made .npy v1.0 file with the given header dict and payload. */
function npy(dict: string, payload: Uint8Array, version = 1): Uint8Array {
  const head = new TextEncoder().encode(dict + "\n");
  const pre = version === 1 ? 10 : 12;
  const out = new Uint8Array(pre + head.length + payload.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const v = new DataView(out.buffer);
  if (version === 1) v.setUint16(8, head.length, true);
  else v.setUint32(8, head.length, true);
  out.set(head, pre);
  out.set(payload, pre + head.length);
  return out;
}

function rejects(bytes: Uint8Array, pattern: RegExp) {
  assert.throws(() => decodeNpy(bytes, "a.npy"), (e: unknown) => {
    assert.ok(e instanceof GeoError, String(e));
    assert.equal(e.kind, "invalid_argument");
    assert.match(e.message, /^a\.npy: /);
    assert.match(e.message, pattern);
    return true;
  });
}

Deno.test("encodeNpy/decodeNpy round-trip every typed array, header 64-byte aligned", () => {
  const rng = new Rng(1);
  const arrays = [
    ["float32", new Float32Array(12).map(() => rng.normal())],
    ["float64", new Float64Array(12).map(() => rng.normal())],
    ["uint8", new Uint8Array(12).map(() => rng.int(256))],
    ["int16", new Int16Array(12).map(() => rng.int(65536) - 32768)],
    ["int32", new Int32Array(12).map(() => rng.nextU32() | 0)],
  ] as const;
  for (const [dtype, data] of arrays) {
    for (const shape of [[4, 3], [12], [2, 2, 3]]) {
      const bytes = encodeNpy(data, shape);
      const hlen = new DataView(bytes.buffer).getUint16(8, true);
      assert.equal((10 + hlen) % 64, 0);
      const back = decodeNpy(bytes, "a.npy");
      assert.equal(back.dtype, dtype);
      assert.deepEqual(back.shape, shape);
      assert.deepEqual(back.data, data);
    }
  }
  assert.throws(() => encodeNpy(new Float32Array(5), [2, 3]), GeoError);
});

Deno.test("float16: exact values, rounding to nearest even, subnormals, overflow", () => {
  const vals = new Float32Array([
    0,
    -0,
    1,
    -2,
    0.5,
    65504,
    2 ** -24,
    2 ** -14,
    1 / 3,
    1 + 2 ** -11,
    1 + 3 * 2 ** -11,
    70000,
    -1e9,
  ]);
  const back = decodeNpy(encodeNpy(vals, [vals.length], { dtype: "float16" }), "h.npy");
  assert.equal(back.dtype, "float16");
  assert.ok(back.data instanceof Float32Array);
  const want = [
    0,
    -0,
    1,
    -2,
    0.5,
    65504,
    2 ** -24,
    2 ** -14,
    0.333251953125,
    1,
    1 + 4 * 2 ** -11,
    Infinity,
    -Infinity,
  ];
  assert.deepEqual(Array.from(back.data), want);
  // Raw bits of a known half: 1/3 → 0x3555.
  const raw = encodeNpy(new Float32Array([1 / 3]), [1], { dtype: "float16" });
  assert.equal(new DataView(raw.buffer).getUint16(raw.length - 2, true), 0x3555);
});

Deno.test("hand-made headers: big endian, bool, int64, version 2, scalars", () => {
  const be = new Uint8Array(8);
  new DataView(be.buffer).setFloat32(0, 1.5, false);
  new DataView(be.buffer).setFloat32(4, -2, false);
  const f = decodeNpy(
    npy("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", be),
    "a.npy",
  );
  assert.deepEqual(Array.from(f.data), [1.5, -2]);
  const b = decodeNpy(
    npy("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", new Uint8Array([0, 1, 7])),
    "a.npy",
  );
  assert.equal(b.dtype, "bool");
  assert.deepEqual(Array.from(b.data), [0, 1, 1]);
  const i64 = new Uint8Array(16);
  new DataView(i64.buffer).setBigInt64(0, -5n, true);
  new DataView(i64.buffer).setBigInt64(8, 2147483647n, true);
  const i = decodeNpy(
    npy("{'descr': '<i8', 'fortran_order': False, 'shape': (2, 1), }", i64, 2),
    "a.npy",
  );
  assert.equal(i.dtype, "int64");
  assert.ok(i.data instanceof Int32Array);
  assert.deepEqual(Array.from(i.data), [-5, 2147483647]);
  const s = decodeNpy(
    npy(
      "{'descr': '<f8', 'fortran_order': False, 'shape': (), }",
      new Uint8Array(new Float64Array([3.25]).buffer),
    ),
    "a.npy",
  );
  assert.deepEqual(s.shape, []);
  assert.deepEqual(Array.from(s.data), [3.25]);
  const big = new Uint8Array(8);
  new DataView(big.buffer).setBigInt64(0, 2n ** 40n, true);
  rejects(
    npy("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", big),
    /does not fit in int32/,
  );
});

Deno.test("bad .npy input is rejected with a clear message", () => {
  const f4 = (shape: string, payload: Uint8Array, order = "False") =>
    npy(`{'descr': '<f4', 'fortran_order': ${order}, 'shape': ${shape}, }`, payload);
  rejects(f4("(2, 3)", new Uint8Array(24), "True"), /Fortran-order/);
  rejects(f4("(2, 3)", new Uint8Array(20)), /truncated/);
  rejects(f4("(1000000000, 3)", new Uint8Array(20)), /truncated/);
  rejects(
    npy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8)),
    /unsupported .npy dtype/,
  );
  rejects(npy("{'descr': '<f4', 'shape': (1,), }", new Uint8Array(4)), /malformed/);
  rejects(new TextEncoder().encode("NUMPY not really"), /magic/);
  rejects(
    npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(4)).subarray(
      0,
      30,
    ),
    /header is truncated/,
  );
});

Deno.test("cloudFromNpy builds a validated cloud from coord, color and normal arrays", () => {
  const coord = decodeNpy(encodeNpy(new Float64Array([0, 1, 2, 3, 4, 5]), [2, 3]), "coord.npy");
  const color = decodeNpy(
    encodeNpy(new Float32Array([0, 127.6, 300, 1, 2, 3]), [2, 3]),
    "color.npy",
  );
  const normal = decodeNpy(encodeNpy(new Float32Array([0, 0, 1, 1, 0, 0]), [2, 3]), "normal.npy");
  const c = cloudFromNpy(coord, { color, normal });
  assert.equal(c.count, 2);
  assert.deepEqual(Array.from(c.coord), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(Array.from(c.color!), [0, 128, 255, 1, 2, 3]);
  assert.deepEqual(Array.from(c.normal!), [0, 0, 1, 1, 0, 0]);
  const flat = decodeNpy(encodeNpy(new Float32Array(6), [6]), "coord.npy");
  assert.throws(() => cloudFromNpy(flat), /coord must have shape \(N, 3\)/);
  const empty = decodeNpy(encodeNpy(new Float32Array(0), [0, 3]), "coord.npy");
  assert.throws(() => cloudFromNpy(empty), /zero points/);
  const nan = decodeNpy(encodeNpy(new Float32Array([0, NaN, 0]), [1, 3]), "coord.npy");
  assert.throws(() => cloudFromNpy(nan), /non-finite/);
  const short = decodeNpy(encodeNpy(new Uint8Array(3), [1, 3]), "color.npy");
  assert.throws(() => cloudFromNpy(coord, { color: short }), /color has 1 rows for 2 points/);
});

Deno.test("huge .npy shapes fail fast; rows over maxPoints are resource_exhausted", () => {
  const f4 = (shape: string, payload = new Uint8Array(24)) =>
    npy(`{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`, payload);
  for (
    const shape of [
      "(4294967296, 3)",
      "(9007199254740991, 3)",
      "(3, 9007199254740991, 9007199254740991)",
      "(2, 1000000000)",
    ]
  ) {
    const t0 = performance.now();
    rejects(f4(shape), /truncated \(shape/);
    assert.ok(performance.now() - t0 < 1000);
  }
  rejects(f4("(99999999999999999999, 3)"), /bad \.npy shape/);
  rejects(f4("(-1, 3)"), /bad \.npy shape/);
  rejects(f4(`(${"1, ".repeat(4000)}3)`), /header is \d+ bytes, over 10000/);
  // A valid array whose row count is over the limit: refused before reading the data.
  const ok = f4("(2, 3)");
  assert.equal(decodeNpy(ok, "a.npy", { maxPoints: 2 }).shape[0], 2);
  assert.throws(() => decodeNpy(ok, "a.npy", { maxPoints: 1 }), (e: GeoError) => {
    assert.equal(e.kind, "resource_exhausted");
    assert.match(e.message, /^a\.npy: \.npy shape\[0\] declares 2 points, over the limit of 1$/);
    return true;
  });
  // Time relative to a full decode of the same (large) file, not absolute.
  const big = encodeNpy(new Float32Array(3_000_000), [1_000_000, 3]);
  let decodeMs = Infinity, refuseMs = Infinity;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    decodeNpy(big, "big.npy");
    const t1 = performance.now();
    assert.throws(() => decodeNpy(big, "big.npy", { maxPoints: 999_999 }), /over the limit/);
    decodeMs = Math.min(decodeMs, t1 - t0);
    refuseMs = Math.min(refuseMs, performance.now() - t1);
  }
  assert.ok(refuseMs * 10 < decodeMs, `refused in ${refuseMs} ms, decoded in ${decodeMs} ms`);
});
