import assert from "node:assert/strict";
import { join } from "node:path";
import { run } from "../src/commands/synth.ts";
import { readSequence, type SequenceFolder } from "../src/io/sequence_folder.ts";
import { transformPoints } from "../src/kernels/rigid_transform.ts";
import { SCANNET20 } from "../src/synth/classes.ts";
import { folderFiles } from "./fixtures/folder_files.ts";

/** Runs the command with stdout captured; returns the exit code and what it printed. */
async function synth(args: string[]): Promise<{ code: number; stdout: string }> {
  const log = console.log, lines: string[] = [];
  console.log = (...a: unknown[]) => lines.push(a.join(" "));
  try {
    return { code: await run(args), stdout: lines.join("\n") };
  } finally {
    console.log = log;
  }
}

const TINY = ["--sequence", "--scenes", "2", "--scans", "6", "--points", "1500", "--scale", "0.15"];

/** World points (true pose) of scan i, with their instance ids. */
async function worldScan(s: SequenceFolder, i: number) {
  const { cloud, instance } = await s.load(i);
  return {
    w: transformPoints(cloud.coord, s.scans[i].poseTrue!),
    instance: instance!,
    n: cloud.count,
  };
}

Deno.test("synth --sequence writes readable sequence folders, byte-identical for the same seed", async () => {
  const root = await Deno.makeTempDir();
  try {
    const a = join(root, "a"), b = join(root, "b"), c = join(root, "c");
    const ra = await synth(["--out", a, ...TINY, "--seed", "3"]);
    assert.equal(ra.code, 0);
    assert.equal((await synth(["--out", b, ...TINY, "--seed", "3"])).code, 0);
    const fa = await folderFiles(a), fb = await folderFiles(b);
    assert.deepEqual([...fa.keys()].sort(), [...fb.keys()].sort());
    for (const [k, v] of fa) assert.deepEqual(v, fb.get(k), `${k} differs between runs`);
    assert.ok(fa.has("seq_000/preview.png") && fa.has("seq_001/000005/instance.npy"));
    const summary = JSON.parse(ra.stdout);
    assert.deepEqual(summary.sequences.map((s: { type: string }) => s.type), ["bedroom", "office"]);
    assert.equal(summary.sequences[0].points, 6 * 1500);

    const s = await readSequence(join(a, "seq_001"));
    assert.deepEqual(s.labels, SCANNET20);
    assert.equal(s.scans.length, 6);
    assert.equal((s.room as { type: string }).type, "office");
    assert.deepEqual(s.scans[0].pose, s.scans[0].poseTrue);
    for (const x of s.scans.slice(1)) assert.notDeepEqual(x.pose, x.poseTrue, "default drift");
    const cls = new Map<number, number>();
    for (let i = 0; i < 6; i++) {
      const { cloud, segment, instance } = await s.load(i);
      assert.equal(cloud.count, 1500);
      // One object, one class, in every scan.
      for (let j = 0; j < cloud.count; j++) {
        assert.equal(cls.get(instance![j]) ?? segment![j], segment![j]);
        cls.set(instance![j], segment![j]);
      }
    }
    // Consecutive scans overlap in the world frame (true poses), object by object: most
    // points of an object seen in both scans lie within 6 cm of a point of the same id.
    for (let i = 0; i < 5; i++) {
      const p = await worldScan(s, i), q = await worldScan(s, i + 1);
      const shared = new Set([...p.instance].filter((id) => q.instance.includes(id)));
      assert.ok([0, 1, 2, 3].some((wall) => shared.has(wall)), "a wall is seen twice");
      let near = 0, total = 0;
      for (let j = 0; j < q.n; j++) {
        if (!shared.has(q.instance[j])) continue;
        total++;
        for (let k = 0; k < p.n; k++) {
          if (p.instance[k] !== q.instance[j]) continue;
          const d = Math.hypot(
            p.w[k * 3] - q.w[j * 3],
            p.w[k * 3 + 1] - q.w[j * 3 + 1],
            p.w[k * 3 + 2] - q.w[j * 3 + 2],
          );
          if (d < 0.06) {
            near++;
            break;
          }
        }
      }
      assert.ok(near > 0.6 * total, `scans ${i}, ${i + 1}: ${near} of ${total} points overlap`);
    }
    // Another seed gives other scans; pose noise 0,0 reports the true poses.
    assert.equal(
      (await synth(["--out", c, ...TINY, "--seed", "4", "--pose-noise", "0,0"])).code,
      0,
    );
    const fc = await folderFiles(c);
    assert.notDeepEqual(fa.get("seq_000/000000/coord.npy"), fc.get("seq_000/000000/coord.npy"));
    for (const x of (await readSequence(join(c, "seq_000"))).scans) {
      assert.deepEqual(x.pose, x.poseTrue);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("synth --sequence rejects bad flags", async () => {
  const root = await Deno.makeTempDir();
  try {
    const out = join(root, "x");
    assert.equal((await synth(["--out", out, "--scans", "5"])).code, 2, "--scans needs --sequence");
    assert.equal((await synth(["--out", out, "--sequence", "--split", "standard"])).code, 2);
    assert.equal((await synth(["--out", out, "--sequence", "--pose-noise", "0.1"])).code, 1);
    assert.equal((await synth(["--out", out, "--sequence", "--period", "-1"])).code, 1);
    assert.equal((await synth(["--out", out, "--sequence", "--points", "0"])).code, 1);
    await assert.rejects(Deno.stat(out), "nothing was written");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
