import assert from "node:assert/strict";
import { join } from "node:path";
import { run as views } from "../src/commands/views.ts";
import { readDataset, readScene, writeDatasetHeader, writeScene } from "../src/io/dataset.ts";
import { Rng } from "../src/kernels/random.ts";
import { captured } from "./fixtures/captured.ts";
import { assertRerunSameBytes } from "./fixtures/dataset_copy.ts";

/** A 4 × 4 m room (floor class 0, walls class 1, a box class 2), 4 cm apart, teacher rows of width 2. */
async function writeRoom(dir: string, name: string, seed: number): Promise<number> {
  const rng = new Rng(seed), xyz: number[] = [], cls: number[] = [];
  for (let x = 0; x <= 4; x += 0.04) {
    for (let y = 0; y <= 4; y += 0.04) xyz.push(x, y, 0), cls.push(0);
  }
  for (let t = 0; t <= 4; t += 0.04) {
    for (let z = 0.04; z <= 2.4; z += 0.04) {
      xyz.push(t, 0, z, t, 4, z, 0, t, z, 4, t, z);
      cls.push(1, 1, 1, 1);
    }
  }
  const bx = rng.uniform(1.5, 2.5);
  for (let x = bx; x <= bx + 0.6; x += 0.04) {
    for (let y = 1.8; y <= 2.2; y += 0.04) xyz.push(x, y, 0.7), cls.push(2);
  }
  const n = cls.length;
  const teacher = Float32Array.from(
    { length: 2 * n },
    (_, k) => (k % 2 === cls[k >> 1] % 2 ? 1 : 0),
  );
  await writeScene(dir, {
    name,
    coord: Float32Array.from(xyz),
    color: Uint8Array.from({ length: 3 * n }, (_, k) => 40 * cls[Math.floor(k / 3)]),
    teacher,
    teacherDim: 2,
    segment: Int16Array.from(cls),
    instance: Int32Array.from(cls, (c) => c - 1),
  });
  return n;
}

Deno.test("views writes single sensor views of each room with every array in step", async () => {
  const root = await Deno.makeTempDir({ prefix: "geoguide-views-" });
  try {
    const data = join(root, "data"), out = join(root, "views");
    await writeDatasetHeader(data, ["floor", "wall", "box"]);
    const sizes = [await writeRoom(data, "a", 1), await writeRoom(data, "b", 2)];
    const args = ["--data", data, "--out", out, "--views", "2", "--seed", "4"];
    const { code, lines } = await captured(() => views(args));
    assert.equal(code, 0);
    const summary = JSON.parse(lines.at(-1)!);
    assert.deepEqual([summary.scenes, summary.written, summary.missed], [2, 4, 0]);
    const info = await readDataset(out);
    assert.deepEqual(info.labels, ["floor", "wall", "box"]);
    assert.deepEqual(info.scenes, ["a_v0", "a_v1", "b_v0", "b_v1"]);
    for (const [i, name] of info.scenes.entries()) {
      const v = await readScene(out, name);
      // A view keeps part of the room: some walls, never all of them.
      assert.ok(v.count >= 2000 && v.count < 0.5 * sizes[i >> 1], `${name}: ${v.count} points`);
      assert.equal(v.teacher!.length, 2 * v.count);
      assert.equal(v.color!.length, 3 * v.count);
      for (let j = 0; j < v.count; j++) {
        // Every row still carries its own point's label, colour, teacher and instance.
        const c = v.segment![j];
        assert.equal(v.color![3 * j], 40 * c);
        assert.equal(v.instance![j], c - 1);
        assert.equal(v.teacher![2 * j + (c % 2)], 1);
      }
    }
    // Same seed, same bytes.
    await assertRerunSameBytes(views, args, join(root, "again"), info.scenes);
    for (
      const bad of [
        ["--data", data],
        ["--data", data, "--out", out, "--views", "0"],
        ["--data", data, "--out", out, "--views", "1.5"],
        ["--data", data, "--out", data],
        ["--data", data, "--out", out, "--frob", "1"],
      ]
    ) {
      assert.equal((await captured(() => views(bad))).code, 2, bad.join(" "));
    }
    // A folder that is not a dataset: a failure (1), not bad usage, and nothing written.
    const missing = ["--data", join(root, "none"), "--out", join(root, "never")];
    assert.equal((await captured(() => views(missing))).code, 1);
    await assert.rejects(Deno.stat(join(root, "never")));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
