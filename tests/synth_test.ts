import assert from "node:assert/strict";
import { join } from "node:path";
import { run } from "../src/commands/synth.ts";
import { readDataset, readScene } from "../src/io/dataset.ts";
import { SCANNET20 } from "../src/synth/classes.ts";
import { folderFiles } from "./fixtures/folder_files.ts";
import { TeacherScore } from "../src/synth/teacher_quality.ts";

const TINY = [
  "--scenes",
  "2",
  "--seed",
  "4",
  "--views",
  "4",
  "--scale",
  "0.15",
  "--embeddings",
  "random",
  "--dim",
  "16",
];

Deno.test("synth writes a readable dataset folder, byte-identical for the same seed", async () => {
  const root = await Deno.makeTempDir();
  try {
    const a = join(root, "a"), b = join(root, "b"), c = join(root, "c");
    assert.equal(await run(["--out", a, ...TINY, "--frames"]), 0);
    assert.equal(await run(["--out", b, ...TINY, "--frames"]), 0);
    const fa = await folderFiles(a), fb = await folderFiles(b);
    assert.deepEqual([...fa.keys()].sort(), [...fb.keys()].sort());
    for (const [k, v] of fa) assert.deepEqual(v, fb.get(k), `${k} differs between runs`);
    assert.ok(
      fa.has("scene_0000_bedroom/preview.png") &&
        fa.has("scene_0001_office/frames/003_features.npy"),
    );
    // Another seed gives another scene.
    assert.equal(await run(["--out", c, ...TINY.map((x) => (x === "4" ? "5" : x))]), 0);
    assert.notDeepEqual(
      fa.get("scene_0000_bedroom/coord.npy"),
      (await folderFiles(c)).get("scene_0000_bedroom/coord.npy"),
    );

    const info = await readDataset(a);
    assert.deepEqual(info.labels, SCANNET20);
    assert.equal(info.embeddingDim, 16);
    assert.deepEqual(info.scenes, ["scene_0000_bedroom", "scene_0001_office"]);
    const score = new TeacherScore(info.labels, info.embeddings!);
    for (const name of info.scenes) {
      const s = await readScene(a, name, { numClasses: 20 });
      assert.ok(s.count > 1000, `${name}: ${s.count} points`);
      assert.equal(s.teacherDim, 16);
      const classes = new Set(s.segment);
      assert.ok(classes.has(0) && classes.has(1), "walls and floor are scanned");
      // Points lie in the room (floor at z = 0, below the ceiling height).
      for (let i = 0; i < s.count; i++) {
        assert.ok(s.coord[i * 3 + 2] > -0.1 && s.coord[i * 3 + 2] < 3);
      }
      const validFrac = s.valid!.reduce((x, v) => x + v, 0) / s.count;
      assert.ok(validFrac > 0.8, `${name}: valid fraction ${validFrac}`);
      score.add({ teacher: s.teacher!, valid: s.valid!, segment: s.segment! });
    }
    // The teacher is informative but imperfect.
    const m = score.total();
    assert.ok(m.mIoU > 0.15 && m.mIoU < 0.9, `teacher mIoU ${m.mIoU}`);
    const meta = JSON.parse(await Deno.readTextFile(join(a, "scene_0000_bedroom", "scene.json")));
    assert.equal(meta.camera.poses.length, 4);
    assert.equal(meta.spec.type, "bedroom");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("synth rejects bad usage", async () => {
  assert.equal(await run([]), 2);
  assert.equal(await run(["--out", "/tmp/x", "--split", "nope"]), 2);
  assert.equal(await run(["--out", "/tmp/x", "--bogus", "1"]), 2);
  assert.equal(await run(["--out", "/tmp/x", "--scenes", "two"]), 1);
});

Deno.test("world 2 realism levers: seeded, and all off reproduces the legacy world", async () => {
  const { buildRoom } = await import("../src/synth/layout.ts");
  const { generateScene } = await import("../src/synth/scene_gen.ts");
  const { REALISTIC_WORLD, LEGACY_WORLD, isLegacy } = await import("../src/synth/realism.ts");
  const { C } = await import("../src/synth/classes.ts");
  assert.ok(isLegacy(LEGACY_WORLD) && !isLegacy(REALISTIC_WORLD));
  const spec = { type: "living" as const, seed: 11, arrangement: 0 };
  assert.deepEqual(buildRoom(spec, LEGACY_WORLD), buildRoom(spec));
  const a = buildRoom(spec, REALISTIC_WORLD), b = buildRoom(spec, REALISTIC_WORLD);
  assert.deepEqual(a, b);
  assert.ok(a.size.w >= buildRoom(spec).size.w);
  const embeddings = new Float32Array(20 * 8);
  for (let c = 0; c < 20; c++) embeddings[c * 8 + (c % 8)] = 1;
  const opts = { views: 3, scale: 0.15, embeddings };
  const s1 = generateScene({ ...spec, name: "x" }, opts);
  const s2 = generateScene({ ...spec, name: "x" }, opts);
  assert.deepEqual(s1.coord, s2.coord);
  assert.deepEqual(s1.teacher, s2.teacher);
  // Walls are kept only up to a cut in [wallTop, wall height]; other points stay.
  const { coverageMask } = await import("../src/synth/realism.ts");
  const { box } = await import("../src/synth/geometry.ts");
  const { Rng } = await import("../src/kernels/random.ts");
  const wall = {
    cls: C.wall,
    kind: "wall",
    parts: [box([0, 0, 0], [4, 0.1, 2.8], { color: [1, 1, 1] })],
  };
  const coord = new Float32Array([1, 0, 0.5, 1, 0, 2.79, 2, 2, 2.79]);
  const keep = coverageMask(
    { coord, instance: new Int32Array([0, 0, -1]) },
    [wall],
    new Rng(3),
    { ...REALISTIC_WORLD, wallTop: 1.1, wallGap: 0, holes: 0 },
  );
  assert.deepEqual(Array.from(keep), [1, 0, 1]);
  assert.deepEqual(
    Array.from(
      coverageMask(
        { coord, instance: new Int32Array([0, 0, -1]) },
        [wall],
        new Rng(3),
        LEGACY_WORLD,
      ),
    ),
    [1, 1, 1],
  );
  assert.ok(s1.segment.length > 0);
});
