import assert from "node:assert/strict";
import { join } from "node:path";
import { GeoError } from "../kernels/errors.ts";
import { Rng } from "../kernels/random.ts";
import { encodeNpy } from "./npy.ts";
import {
  labelledScenes,
  readDataset,
  readDatasets,
  readScene,
  unionScenes,
  writeDatasetHeader,
  writeScene,
} from "./dataset.ts";

function f16(x: number): number {
  // Round-trip through float16 precision (10-bit mantissa) for comparisons.
  const e = Math.floor(Math.log2(Math.abs(x)));
  const q = 2 ** (e - 10);
  return Math.round(x / q) * q;
}

Deno.test("writeScene / readScene round-trip every array and readDataset lists scenes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const rng = new Rng(3), n = 50, c = 4;
    const coord = Float32Array.from({ length: n * 3 }, () => rng.uniform(-3, 3));
    const color = Uint8Array.from({ length: n * 3 }, () => rng.int(256));
    const teacher = Float32Array.from({ length: n * c }, () => rng.uniform(0.1, 1));
    const valid = Uint8Array.from({ length: n }, () => (rng.bernoulli(0.8) ? 1 : 0));
    const segment = Int16Array.from({ length: n }, () => rng.int(4) - 1);
    const instance = Int32Array.from({ length: n }, () => rng.int(7) - 1);
    const superpoint = Int32Array.from({ length: n }, () => rng.int(9));
    const emb = Float32Array.from({ length: 3 * c }, () => rng.normal());
    await writeDatasetHeader(dir, ["wall", "floor", "chair"], emb);
    await writeScene(dir, {
      name: "s1",
      coord,
      color,
      teacher,
      teacherDim: c,
      valid,
      segment,
      instance,
      superpoint,
    });
    await writeScene(dir, { name: "s0", coord });
    await Deno.mkdir(join(dir, "not_a_scene"));
    const info = await readDataset(dir);
    assert.deepEqual(info.labels, ["wall", "floor", "chair"]);
    assert.deepEqual(info.scenes, ["s0", "s1"]);
    assert.equal(info.embeddingDim, c);
    assert.deepEqual([...info.embeddings!], [...emb]);
    const s = await readScene(dir, "s1", { numClasses: 3 });
    assert.equal(s.count, n);
    assert.deepEqual([...s.coord], [...coord]);
    assert.deepEqual([...s.color!], [...color]);
    assert.deepEqual([...s.valid!], [...valid]);
    assert.deepEqual([...s.segment!], [...segment]);
    assert.deepEqual([...s.instance!], [...instance]);
    assert.deepEqual([...s.superpoint!], [...superpoint]);
    assert.equal(s.teacherDim, c);
    for (let i = 0; i < teacher.length; i++) {
      assert.ok(Math.abs(s.teacher![i] - f16(teacher[i])) < 1e-6);
    }
    const bare = await readScene(dir, "s0");
    assert.equal(bare.teacher, undefined);
    assert.equal(bare.segment, undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readScene derives valid from non-zero teacher rows when valid.npy is absent", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeDatasetHeader(dir, ["a"]);
    const teacher = Float32Array.from([0, 0, 1, 0, 0, 0, 0, -2]);
    await writeScene(dir, { name: "t", coord: new Float32Array(12), teacher, teacherDim: 2 }, {
      teacherDtype: "float32",
    });
    const s = await readScene(dir, "t");
    assert.deepEqual([...s.valid!], [0, 1, 0, 1]);
    assert.deepEqual([...s.teacher!], [...teacher]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("dataset errors name the file and what is wrong", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(readDataset(dir), (e) => e instanceof GeoError && e.kind === "not_found");
    await writeDatasetHeader(dir, ["a", "b"]);
    await assert.rejects(
      writeScene(dir, { name: "x", coord: new Float32Array(6), color: new Uint8Array(3) }),
      /color.npy has 3 values, expected 6 for 2 points/,
    );
    await assert.rejects(
      writeScene(dir, { name: "../up", coord: new Float32Array(3) }),
      /Bad scene folder name/,
    );
    await writeScene(dir, {
      name: "y",
      coord: new Float32Array(6),
      segment: Int16Array.from([0, 5]),
    });
    await assert.rejects(
      readScene(dir, "y", { numClasses: 2 }),
      /segment.npy: point 1 has class 5/,
    );
    await Deno.writeFile(join(dir, "y", "valid.npy"), encodeNpy(new Uint8Array(3), [3]));
    await assert.rejects(readScene(dir, "y"), /valid.npy: expected shape \(2,\)/);
    await assert.rejects(
      readScene(dir, "missing"),
      (e) => e instanceof GeoError && e.kind === "not_found",
    );
    await Deno.writeFile(join(dir, "label_embeddings.npy"), encodeNpy(new Float32Array(9), [3, 3]));
    await assert.rejects(readDataset(dir), /does not match 2 labels/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readDatasets joins folders with the same header and refuses different ones", async () => {
  const root = await Deno.makeTempDir();
  try {
    const [a, b, c, d] = ["a", "b", "c", "d"].map((x) => join(root, x));
    const emb = Float32Array.from([1, 0, 0, 1]);
    for (const dir of [a, b]) await writeDatasetHeader(dir, ["wall", "floor"], emb);
    await writeScene(a, { name: "room", coord: new Float32Array(3) });
    await writeScene(b, { name: "room", coord: new Float32Array(6) });
    await writeScene(b, { name: "hall", coord: new Float32Array(3) });
    const one = await readDatasets([a]);
    assert.deepEqual(one.scenes, ["room"]);
    const u = await readDatasets([a, b]);
    assert.deepEqual(u.labels, ["wall", "floor"]);
    assert.deepEqual([...u.embeddings!], [...emb]);
    // same scene name in two folders: both kept, named by folder
    assert.deepEqual(u.scenes, [join(a, "room"), join(b, "hall"), join(b, "room")]);
    assert.deepEqual(unionScenes(u), [
      { dir: a, name: "room" },
      { dir: b, name: "hall" },
      { dir: b, name: "room" },
    ]);
    assert.deepEqual(u.folders.map((f) => [f.dir, f.info.scenes]), [[a, ["room"]], [
      b,
      ["hall", "room"],
    ]]);
    await writeDatasetHeader(c, ["floor", "wall"], emb);
    await writeDatasetHeader(d, ["wall", "floor"], Float32Array.from([1, 0, 0, 0.5]));
    for (const bad of [[a, c], [a, d], [a, a], []]) {
      await assert.rejects(readDatasets(bad), (e: unknown) => {
        assert.ok(e instanceof GeoError && e.kind === "invalid_argument", String(e));
        return true;
      });
    }
    await writeDatasetHeader(join(root, "e"), ["wall", "floor"]); // no embeddings file
    await assert.rejects(readDatasets([a, join(root, "e")]), GeoError);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("labelledScenes yields the scenes with ground truth, counting the others", async () => {
  const root = await Deno.makeTempDir();
  try {
    const [a, b] = ["a", "b"].map((x) => join(root, x));
    for (const dir of [a, b]) await writeDatasetHeader(dir, ["wall", "floor"]);
    const coord = new Float32Array(6);
    await writeScene(a, { name: "room", coord, segment: Int16Array.from([1, -1]) });
    await writeScene(b, { name: "hall", coord }); // no segment.npy: skipped
    await writeScene(b, { name: "room", coord, segment: Int16Array.from([0, 1]) });
    const got = [];
    for await (const r of labelledScenes(await readDatasets([a, b]))) {
      got.push([r.scene.name, r.index, r.total, [...r.scene.segment]]);
    }
    assert.deepEqual(got, [["room", 0, 3, [1, -1]], ["room", 2, 3, [0, 1]]]);
    const none = [];
    for await (const r of labelledScenes(await readDatasets([b]))) none.push(r.index);
    assert.deepEqual(none, [1]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
