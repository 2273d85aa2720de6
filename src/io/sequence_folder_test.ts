import assert from "node:assert/strict";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GeoError } from "../kernels/errors.ts";
import { encodeNpy } from "./npy.ts";
import {
  readSequence,
  type SequenceData,
  type SequenceScanData,
  SequenceWriter,
  writeSequence,
} from "./sequence_folder.ts";

/** A pose turning `yaw` about z at (x, y, 1). */
function pose(yaw: number, x: number, y: number): Float64Array {
  const c = Math.cos(yaw), s = Math.sin(yaw);
  return Float64Array.from([c, 0 - s, 0, x, s, c, 0, y, 0, 0, 1, 1, 0, 0, 0, 1]);
}

function scan(n: number, t: number, extra: Partial<SequenceScanData> = {}): SequenceScanData {
  return {
    timestamp: t,
    pose: pose(t, t, 2 * t),
    poseTrue: pose(t + 0.01, t, 2 * t),
    coord: Float32Array.from({ length: n * 3 }, (_, i) => i * 0.25 - t),
    color: Uint8Array.from({ length: n * 3 }, (_, i) => (i * 7) & 255),
    segment: Int16Array.from({ length: n }, (_, i) => (i % 4) - 1),
    instance: Int32Array.from({ length: n }, (_, i) => i % 3),
    ...extra,
  };
}

const seq = (): SequenceData => ({
  labels: ["wall", "floor", "chair"],
  room: { type: "test", size: [1, 2, 3] },
  scans: [
    scan(5, 0),
    scan(3, 0.2, { pose: null, poseTrue: undefined }),
    scan(4, 0.4, { color: undefined, segment: undefined, instance: undefined }),
  ],
});

async function rejects(dir: string, pattern: RegExp, i?: number): Promise<void> {
  await assert.rejects(
    async () => {
      const s = await readSequence(dir);
      if (i !== undefined) await s.load(i);
    },
    (e: unknown) =>
      e instanceof GeoError && e.kind === "invalid_argument" && pattern.test(e.message),
  );
}

Deno.test("writeSequence / readSequence round-trip scans, poses (or none), optional arrays", async () => {
  const root = await Deno.makeTempDir(), dir = join(root, "seq");
  try {
    const data = seq();
    await writeSequence(dir, data);
    const s = await readSequence(dir);
    assert.deepEqual(s.labels, ["wall", "floor", "chair"]);
    assert.deepEqual(s.room, { type: "test", size: [1, 2, 3] });
    assert.deepEqual(s.scans.map((x) => [x.name, x.timestamp]), [
      ["000000", 0],
      ["000001", 0.2],
      ["000002", 0.4],
    ]);
    const given = [...data.scans];
    assert.deepEqual(s.scans[0].pose, given[0].pose);
    assert.deepEqual(s.scans[0].poseTrue, given[0].poseTrue);
    assert.equal(s.scans[1].pose, null);
    assert.equal(s.scans[1].poseTrue, null);
    const a = await s.load(0);
    assert.equal(a.cloud.count, 5);
    assert.deepEqual(a.cloud.coord, given[0].coord);
    assert.deepEqual(a.cloud.color, given[0].color);
    assert.deepEqual(a.segment, given[0].segment);
    assert.deepEqual(a.instance, given[0].instance);
    const c = await s.load(2);
    assert.ok(c.cloud.count === 4 && !c.cloud.color && !c.segment && !c.instance);
    await assert.rejects(s.load(3), /outside \[0, 3\)/);
    // The on-disk text: format, version, one scan per line, poses as 16 numbers.
    const text = await readFile(join(dir, "sequence.json"), "utf8");
    const doc = JSON.parse(text);
    assert.equal(doc.format, "geoguide-sequence");
    assert.equal(doc.version, 1);
    assert.equal(doc.scans[0].pose.length, 16);
    assert.equal(doc.scans[1].pose, null);
    assert.equal(await readFile(join(dir, "labels.txt"), "utf8"), "wall\nfloor\nchair\n");
    // Writing again replaces the folder whole and leaves nothing beside it.
    await writeSequence(dir, { labels: ["x"], scans: [scan(2, 1, { segment: undefined })] });
    const again = await readSequence(dir);
    assert.deepEqual(again.labels, ["x"]);
    assert.equal(again.scans.length, 1);
    assert.deepEqual(await readdir(root), ["seq"]);
    assert.deepEqual((await readdir(dir)).sort(), ["000000", "labels.txt", "sequence.json"]);
  } finally {
    await rm(root, { recursive: true });
  }
});

Deno.test("SequenceWriter: scan by scan, extra files, and nothing left after a failure or abort", async () => {
  const root = await Deno.makeTempDir(), dir = join(root, "s");
  try {
    const w = await SequenceWriter.create(dir, ["a"]);
    await w.add(scan(2, 0, { segment: undefined, name: "first" }));
    assert.deepEqual(await readdir(root).then((x) => x.filter((n) => n === "s")), []);
    await assert.rejects(w.add(scan(2, -1, { segment: undefined })), /back in time/);
    await assert.rejects(w.add(scan(2, 1, { segment: undefined, name: "first" })), /repeated/);
    await assert.rejects(
      w.add(scan(2, 1, { segment: undefined, instance: new Int32Array(3) })),
      /instance.npy has 3 values for 2 points/,
    );
    await assert.rejects(
      w.add(scan(2, 1, { segment: undefined, pose: new Float64Array(16) })),
      /last row must be 0 0 0 1/,
    );
    await w.finish({ room: { n: 1 }, files: { "preview.png": new Uint8Array([1, 2]) } });
    assert.deepEqual((await readdir(dir)).sort(), [
      "first",
      "labels.txt",
      "preview.png",
      "sequence.json",
    ]);
    const w2 = await SequenceWriter.create(join(root, "t"), ["a"]);
    await w2.add(scan(2, 0, { segment: undefined }));
    await w2.abort();
    assert.deepEqual(await readdir(root), ["s"]);
  } finally {
    await rm(root, { recursive: true });
  }
});

Deno.test("readSequence names what is wrong: JSON, format, poses, folders, lengths, classes", async () => {
  const root = await Deno.makeTempDir(), dir = join(root, "seq");
  const edit = async (f: (doc: Record<string, unknown>) => void) => {
    await writeSequence(dir, seq());
    const doc = JSON.parse(await readFile(join(dir, "sequence.json"), "utf8"));
    f(doc);
    await writeFile(join(dir, "sequence.json"), JSON.stringify(doc));
  };
  const scans = (d: Record<string, unknown>) => d.scans as Record<string, unknown>[];
  try {
    await writeSequence(dir, seq());
    await writeFile(join(dir, "sequence.json"), '{"format": ');
    await rejects(dir, /is not valid JSON/);
    await edit((d) => (d.format = "other"));
    await rejects(dir, /"format" must be "geoguide-sequence"/);
    await edit((d) => (d.version = 2));
    await rejects(dir, /unsupported version 2/);
    await edit((d) => (scans(d)[0].pose = [1, 2, 3]));
    await rejects(dir, /scans\[0\]\.pose must be 16 finite numbers/);
    await edit((d) => (scans(d)[0].pose_true = [...new Array(15).fill(0), "1"]));
    await rejects(dir, /scans\[0\]\.pose_true must be 16 finite numbers/);
    // Column-major by mistake: the translation lands in the last row.
    await edit((d) => (scans(d)[0].pose = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 3, 4, 5, 1]));
    await rejects(dir, /last row must be 0 0 0 1/);
    await edit((d) => (scans(d)[0].pose = [2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]));
    await rejects(dir, /not orthonormal/);
    await edit((d) => delete scans(d)[0].pose);
    assert.equal((await readSequence(dir)).scans[0].pose, null, "an absent pose is no pose");
    await edit((d) => (scans(d)[2].timestamp = 0.1));
    await rejects(dir, /scans\[2\]\.timestamp goes back in time/);
    await edit((d) => (scans(d)[1].name = "000000"));
    await rejects(dir, /"000000" is repeated/);
    await edit((d) => (scans(d)[1].name = "../x"));
    await rejects(dir, /scans\[1\]\.name must be a folder name/);
    await writeSequence(dir, seq());
    await rm(join(dir, "000001"), { recursive: true });
    await rejects(dir, /the folder of scan "000001" is missing/);
    await writeSequence(dir, seq());
    await writeFile(join(dir, "000000", "segment.npy"), encodeNpy(new Int16Array(4), [4]));
    await rejects(dir, /segment.npy: expected shape \(5,\) for 5 points, got \(4\)/, 0);
    await writeFile(join(dir, "000000", "segment.npy"), encodeNpy(new Int16Array(5).fill(3), [5]));
    await rejects(dir, /point 0 has class 3, outside \[-1, 3\)/, 0);
    await writeFile(join(dir, "000000", "color.npy"), encodeNpy(new Uint8Array(12), [4, 3]));
    await rejects(dir, /color has 4 rows for 5 points/, 0);
    await rm(join(dir, "sequence.json"));
    await assert.rejects(readSequence(dir), (e) => e instanceof GeoError && e.kind === "not_found");
  } finally {
    await rm(root, { recursive: true });
  }
});
