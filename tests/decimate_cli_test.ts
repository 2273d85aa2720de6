import assert from "node:assert/strict";
import { join } from "node:path";
import { run as decimate } from "../src/commands/decimate.ts";
import { readDataset, readScene } from "../src/io/dataset.ts";
import { captured } from "./fixtures/captured.ts";
import { assertRerunSameBytes } from "./fixtures/dataset_copy.ts";
import { TINY_CLASSES, writeTinyDataset } from "./fixtures/tiny_dataset.ts";

Deno.test("decimate copies a dataset with its flat floor thinned and every array in step", async () => {
  const root = await Deno.makeTempDir({ prefix: "geoguide-decimate-" });
  try {
    const data = join(root, "data"), out = join(root, "thin");
    await writeTinyDataset(data, { scenes: 2, spacing: 0.04, seed: 5 });
    const args = ["--data", data, "--out", out, "--keep", "0.2", "--seed", "3"];
    const { code, lines } = await captured(() => decimate(args));
    assert.equal(code, 0);
    const summary = JSON.parse(lines.at(-1)!);
    assert.equal(summary.scenes, 2);
    assert.ok(summary.kept < summary.points, JSON.stringify(summary));
    const info = await readDataset(out);
    assert.deepEqual(info.labels, TINY_CLASSES);
    assert.deepEqual(info.scenes, (await readDataset(data)).scenes);
    for (const name of info.scenes) {
      const [a, b] = [await readScene(data, name), await readScene(out, name)];
      // The floor (class 0, z = 0.01) is flat: most of it goes; the boxes' edges stay.
      const count = (s: typeof a, k: number) => s.segment!.filter((c) => c === k).length;
      assert.ok(count(b, 0) < 0.4 * count(a, 0), `floor ${count(b, 0)} of ${count(a, 0)}`);
      for (const k of [1, 2]) assert.ok(count(b, k) > 0.25 * count(a, k), `class ${k}`);
      assert.equal(b.teacher!.length, b.count * a.teacherDim!);
      assert.equal(b.color!.length, 3 * b.count);
      assert.equal(b.instance !== undefined, a.instance !== undefined);
    }
    // Same seed, same bytes.
    await assertRerunSameBytes(decimate, args, join(root, "again"), info.scenes);
    for (
      const bad of [
        ["--data", data],
        ["--data", data, "--out", out, "--keep", "0"],
        [
          "--data",
          data,
          "--out",
          out,
          "--keep",
          "0.5,0.2",
        ],
        ["--data", data, "--out", data],
        ["--data", data, "--out", out, "--frob", "1"],
      ]
    ) {
      assert.equal((await captured(() => decimate(bad))).code, 2, bad.join(" "));
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
