import assert from "node:assert/strict";
import { GeoError } from "../kernels/errors.ts";
import { Rng } from "../kernels/random.ts";
import {
  decodePointCloud2,
  POINT_FIELD_TYPES as T,
  type PointCloud2Input,
  type PointField2,
} from "./pointcloud2.ts";

const kind = (k: string, re: RegExp) => (e: unknown) =>
  e instanceof GeoError && e.kind === k && re.test(e.message);

/** A field's values, one per point (packed colours as uint32 0xAARRGGBB). */
type Values = Record<string, readonly number[]>;

/**
 * Writes a PointCloud2 the plain way: one DataView write per field and point. `rgb` and
 * `rgba` are written as their uint32 bits whatever their datatype.
 */
function writeCloud(o: {
  fields: { name: string; datatype: number; offset: number }[];
  values: Values;
  height: number;
  width: number;
  pointStep: number;
  rowStep?: number;
  big?: boolean;
  extra?: number;
}): PointCloud2Input {
  const rowStep = o.rowStep ?? o.width * o.pointStep;
  const data = new Uint8Array(o.height * rowStep + (o.extra ?? 0)).fill(0xA5);
  const view = new DataView(data.buffer);
  const le = !o.big;
  for (let r = 0; r < o.height; r++) {
    for (let c = 0; c < o.width; c++) {
      const i = r * o.width + c, p = r * rowStep + c * o.pointStep;
      for (const f of o.fields) {
        const v = o.values[f.name][i], at = p + f.offset;
        if (f.name === "rgb" || f.name === "rgba") view.setUint32(at, v, le);
        else if (f.datatype === T.FLOAT32) view.setFloat32(at, v, le);
        else if (f.datatype === T.FLOAT64) view.setFloat64(at, v, le);
        else if (f.datatype === T.UINT8) view.setUint8(at, v);
        else if (f.datatype === T.INT8) view.setInt8(at, v);
        else if (f.datatype === T.UINT16) view.setUint16(at, v, le);
        else if (f.datatype === T.INT16) view.setInt16(at, v, le);
        else if (f.datatype === T.UINT32) view.setUint32(at, v, le);
        else view.setInt32(at, v, le);
      }
    }
  }
  return {
    height: o.height,
    width: o.width,
    fields: o.fields.map((f): PointField2 => ({ ...f, count: 1 })),
    isBigendian: Boolean(o.big),
    pointStep: o.pointStep,
    rowStep,
    data,
  };
}

const XYZI = [
  { name: "x", datatype: T.FLOAT32, offset: 0 },
  { name: "y", datatype: T.FLOAT32, offset: 4 },
  { name: "z", datatype: T.FLOAT32, offset: 8 },
  { name: "intensity", datatype: T.FLOAT32, offset: 16 },
];
const three: Values = {
  x: [1, 2.5, -3],
  y: [0, -1, 4],
  z: [0.5, 7, 1e-3],
  intensity: [100, 200, NaN],
};

Deno.test("PointCloud2 little and big endian float32 xyz decode alike; intensity is ignored", () => {
  for (const big of [false, true]) {
    const msg = writeCloud({
      fields: XYZI,
      values: three,
      height: 1,
      width: 3,
      pointStep: 20,
      big,
    });
    const { cloud, total, kept } = decodePointCloud2(msg, "req", 10);
    assert.equal(total, 3);
    assert.equal(kept, undefined, "nothing dropped: no kept list");
    assert.deepEqual(cloud.coord, new Float32Array([1, 0, 0.5, 2.5, -1, 7, -3, 4, 1e-3]));
    assert.equal(cloud.color, undefined);
  }
});

Deno.test("PointCloud2 float64 xyz, and values float32 cannot hold are dropped", () => {
  const fields = ["x", "y", "z"].map((name, i) => ({ name, datatype: T.FLOAT64, offset: 8 * i }));
  const values = { x: [0.1, 1e300, 2], y: [1, 1, -Infinity], z: [2, 2, 3] };
  for (const big of [false, true]) {
    const msg = writeCloud({ fields, values, height: 1, width: 3, pointStep: 24, big });
    const { cloud, total, kept } = decodePointCloud2(msg, "req", 10);
    assert.equal(total, 3);
    assert.deepEqual(kept, new Int32Array([0]));
    assert.deepEqual(cloud.coord, new Float32Array([0.1, 1, 2]));
  }
});

Deno.test("an organised 2×3 cloud with NaN holes keeps its row-major order and padding is skipped", () => {
  const values = {
    x: [0, 1, NaN, 3, 4, 5],
    y: [10, NaN, 12, 13, 14, 15],
    z: [20, 21, 22, 23, 24, Infinity],
  };
  const msg = writeCloud({
    fields: XYZI.slice(0, 3),
    values,
    height: 2,
    width: 3,
    pointStep: 16,
    rowStep: 3 * 16 + 8, // 8 padding bytes per row, filled with 0xA5
  });
  const { cloud, total, kept } = decodePointCloud2(msg, "req", 6);
  assert.equal(total, 6);
  assert.deepEqual(kept, new Int32Array([0, 3, 4]));
  assert.deepEqual(cloud.coord, new Float32Array([0, 10, 20, 3, 13, 23, 4, 14, 24]));
});

Deno.test("PointCloud2 colour: packed float rgb, uint32 rgba, separate r/g/b uint8", () => {
  const xyz = { x: [0, 1, 2], y: [0, 0, 0], z: [0, 0, NaN] };
  const expect = new Uint8Array([0x12, 0x34, 0x56, 0xff, 0x00, 0x80]);
  // rgb as float32 (PCL), rgba as uint32 with an alpha byte (NaN bits as a float).
  for (const [name, datatype] of [["rgb", T.FLOAT32], ["rgba", T.UINT32], ["rgba", T.FLOAT32]]) {
    for (const big of [false, true]) {
      const msg = writeCloud({
        fields: [...XYZI.slice(0, 3), {
          name: name as string,
          datatype: datatype as number,
          offset: 12,
        }],
        values: { ...xyz, [name]: [0x00123456, 0xffff0080, 0x00aabbcc] },
        height: 1,
        width: 3,
        pointStep: 16,
        big,
      });
      const { cloud, kept } = decodePointCloud2(msg, "req", 3);
      assert.deepEqual(kept, new Int32Array([0, 1]));
      assert.deepEqual(cloud.color, expect, `${name} ${datatype} big=${big}`);
    }
  }
  const msg = writeCloud({
    fields: [
      { name: "b", datatype: T.UINT8, offset: 0 },
      { name: "g", datatype: T.UINT8, offset: 1 },
      { name: "r", datatype: T.UINT8, offset: 2 },
      ...XYZI.slice(0, 3).map((f) => ({ ...f, offset: f.offset + 4 })),
    ],
    values: { ...xyz, r: [0x12, 0xff, 9], g: [0x34, 0, 9], b: [0x56, 0x80, 9] },
    height: 1,
    width: 3,
    pointStep: 16,
  });
  assert.deepEqual(decodePointCloud2(msg, "req", 3).cloud.color, expect);
});

Deno.test("a cloud whose every point is NaN decodes to zero points, all of them dropped", () => {
  const msg = writeCloud({
    fields: XYZI.slice(0, 3),
    values: { x: [NaN, 1], y: [NaN, NaN], z: [0, 0] },
    height: 1,
    width: 2,
    pointStep: 12,
  });
  const { cloud, total, kept } = decodePointCloud2(msg, "req", 2);
  assert.deepEqual([cloud.count, cloud.coord.length, total], [0, 0, 2]);
  assert.deepEqual(kept, new Int32Array(0));
});

Deno.test("PointCloud2 checks name the field at fault", () => {
  const base = writeCloud({
    fields: XYZI,
    values: three,
    height: 1,
    width: 3,
    pointStep: 20,
    extra: 4,
  });
  const bad = (over: Partial<PointCloud2Input>, k: string, re: RegExp, max = 10) =>
    assert.throws(() => decodePointCloud2({ ...base, ...over }, "req", max), kind(k, re));
  const without = (name: string) => base.fields.filter((f) => f.name !== name);
  const retype = (name: string, patch: Partial<PointField2>) =>
    base.fields.map((f) => f.name === name ? { ...f, ...patch } : f);
  bad(
    { fields: without("y") },
    "invalid_argument",
    /^req: ros\.fields has no "y" field \(fields: "x", "z", "intensity"\)$/,
  );
  bad({ fields: [] }, "invalid_argument", /no "x" field \(fields: none\)/);
  const junk = Array.from(
    { length: 20 },
    (_, i) => ({ name: `f${i}`.repeat(20), datatype: 7, offset: 0, count: 1 }),
  );
  bad(
    { fields: junk },
    "invalid_argument",
    /\(fields: "f0f0f0f0f0f0f0f0f0f0"… \(40 characters\), .*, … \(20 fields\)\)$/,
  );
  bad(
    { fields: retype("z", { datatype: T.INT16 }) },
    "invalid_argument",
    /"z" has datatype 3 \(INT16\); expected FLOAT32 or FLOAT64/,
  );
  bad({ fields: retype("x", { datatype: 9 }) }, "invalid_argument", /datatype 9 \(unknown\)/);
  bad(
    { fields: retype("x", { offset: 17 }) },
    "invalid_argument",
    /"x" \(offset 17, 4 bytes\) does not fit in point_step 20/,
  );
  bad(
    { fields: retype("x", { datatype: T.FLOAT64, offset: 16 }) },
    "invalid_argument",
    /does not fit/,
  );
  bad({ fields: retype("x", { offset: -1 }) }, "invalid_argument", /offset -1/);
  bad({ pointStep: 0 }, "invalid_argument", /ros\.point_step is 0/);
  bad({ rowStep: 59 }, "invalid_argument", /row_step 59 is less than width × point_step = 60/);
  bad(
    { data: base.data.subarray(0, 59) },
    "invalid_argument",
    /ros\.data has 59 bytes, expected height × row_step = 60/,
  );
  bad({ width: 0 }, "invalid_argument", /zero points/);
  bad({ height: 0 }, "invalid_argument", /zero points/);
  bad({ height: 1.5 }, "invalid_argument", /ros\.height is 1\.5/);
  // The point limit comes before any byte is read: data is not even long enough.
  bad(
    { height: 4, data: new Uint8Array(0) },
    "resource_exhausted",
    /12 points is over .* limit of 10/,
  );
  bad({}, "resource_exhausted", /3 points/, 2);
  // Colour fields of the wrong type are refused rather than misread.
  const rgb = (
    datatype: number,
  ) => [...base.fields, { name: "rgb", datatype, offset: 12, count: 1 }];
  bad(
    { fields: rgb(T.FLOAT64) },
    "invalid_argument",
    /"rgb" has datatype 8 \(FLOAT64\); expected FLOAT32 or UINT32 or INT32/,
  );
  const rgbSplit = (
    t: number,
  ) => [
    ...base.fields,
    ...["r", "g", "b"].map((name, i) => ({ name, datatype: t, offset: 12 + i, count: 1 })),
  ];
  bad({ fields: rgbSplit(T.UINT16) }, "invalid_argument", /"r" has datatype 4/);
  // Trailing bytes beyond height × row_step and a lone "r" field are ignored.
  const ok = decodePointCloud2(
    { ...base, fields: [...base.fields, { name: "r", datatype: 7, offset: 12, count: 1 }] },
    "req",
    3,
  );
  assert.equal(ok.cloud.count, 3);
  assert.equal(ok.cloud.color, undefined);
});

Deno.test("seeded random PointCloud2 layouts round-trip against the plain writer", () => {
  const rng = new Rng(11);
  for (let trial = 0; trial < 60; trial++) {
    const height = 1 + rng.int(4), width = 1 + rng.int(40), total = height * width;
    const big = rng.bernoulli(0.5);
    const colorMode = ["none", "rgb", "rgba", "split"][rng.int(4)];
    const specs: { name: string; datatype: number; size: number }[] = ["x", "y", "z"].map(
      (name) => {
        const f64 = rng.bernoulli(0.3);
        return { name, datatype: f64 ? T.FLOAT64 : T.FLOAT32, size: f64 ? 8 : 4 };
      },
    );
    if (colorMode === "rgb" || colorMode === "rgba") {
      specs.push({ name: colorMode, datatype: rng.bernoulli(0.5) ? T.FLOAT32 : T.UINT32, size: 4 });
    } else if (colorMode === "split") {
      for (const name of ["r", "g", "b"]) specs.push({ name, datatype: T.UINT8, size: 1 });
    }
    specs.push({ name: "intensity", datatype: T.UINT16, size: 2 }, {
      name: "ring",
      datatype: T.INT8,
      size: 1,
    });
    // Shuffle the field order and pad between fields.
    for (let i = specs.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [specs[i], specs[j]] = [specs[j], specs[i]];
    }
    let at = 0;
    const fields = specs.map((s) => {
      at += rng.int(3);
      const f = { name: s.name, datatype: s.datatype, offset: at };
      at += s.size;
      return f;
    });
    const pointStep = at + rng.int(4);
    const rowStep = width * pointStep + rng.int(3) * 4;
    const values: Record<string, number[]> = {};
    for (const s of specs) values[s.name] = [];
    const expected: number[] = [], colors: number[] = [], kept: number[] = [];
    for (let i = 0; i < total; i++) {
      const p = [0, 1, 2].map(() =>
        rng.bernoulli(0.1) ? [NaN, Infinity, -Infinity][rng.int(3)] : rng.uniform(-50, 50)
      );
      ["x", "y", "z"].forEach((n, k) => values[n].push(p[k]));
      const c = [rng.int(256), rng.int(256), rng.int(256)];
      values.rgb?.push(((c[0] << 16) | (c[1] << 8) | c[2]) >>> 0);
      values.rgba?.push(((rng.int(256) << 24) | (c[0] << 16) | (c[1] << 8) | c[2]) >>> 0);
      values.r?.push(c[0]);
      values.g?.push(c[1]);
      values.b?.push(c[2]);
      values.intensity.push(rng.int(65536));
      values.ring.push(rng.int(256) - 128);
      if (p.every(Number.isFinite)) {
        kept.push(i);
        expected.push(...p);
        colors.push(...c);
      }
    }
    const msg = writeCloud({ fields, values, height, width, pointStep, rowStep, big });
    const got = decodePointCloud2(msg, "req", total);
    const label = `trial ${trial}: ${height}×${width} ${colorMode} big=${big}`;
    assert.equal(got.total, total, label);
    assert.deepEqual(got.cloud.coord, new Float32Array(expected), label);
    assert.equal(got.cloud.count, kept.length, label);
    if (kept.length === total) assert.equal(got.kept, undefined, label);
    else assert.deepEqual(got.kept, new Int32Array(kept), label);
    if (colorMode === "none") assert.equal(got.cloud.color, undefined, label);
    else assert.deepEqual(got.cloud.color, new Uint8Array(colors), label);
  }
});
