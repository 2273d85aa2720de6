/**
 * The `stream` command against a real server (the shipped default model, in this
 * process): a sequence folder with poses (one scan without), a folder of cloud files, one
 * cloud file, and paths that do not work.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { run as streamCommand } from "../src/commands/stream.ts";
import { Rng } from "../src/kernels/random.ts";
import type { PointCloud } from "../src/kernels/point_cloud.ts";
import { encodePly } from "../src/io/ply.ts";
import { readCloudFile } from "../src/io/read_cloud.ts";
import { writeSequence } from "../src/io/sequence_folder.ts";
import { startModelServer } from "./server_fixtures.ts";

const SHARED = Deno.env.get("GEOGUIDE_SHARED_DATA") ??
  new URL("../../shared/data", import.meta.url).pathname;
const ROOM = `${SHARED}/open3d/fragment.pcd`; // a room fragment, 113 662 coloured points
const MODELS = new URL("../models/", import.meta.url).pathname;
const POINTS = 3000;
/** Translation of each scan's sensor in the map; null = the scan has no pose. */
type Sensor = [number, number, number] | null;
const SENSORS: Sensor[] = [[0, 0, 0], [0.3, 0.1, 0], null, [0.6, 0.2, 0.05]];

/** `POINTS` seeded random points of `room`, moved by −t (map → sensor frame). */
function pick(room: PointCloud, seed: number, t: readonly number[]): PointCloud {
  const idx = new Rng(seed).sample(room.count, POINTS);
  const coord = new Float32Array(3 * POINTS), color = new Uint8Array(3 * POINTS);
  idx.forEach((j, i) => {
    for (let k = 0; k < 3; k++) {
      coord[3 * i + k] = room.coord[3 * j + k] - t[k];
      color[3 * i + k] = room.color![3 * j + k];
    }
  });
  return { count: POINTS, coord, color };
}

/** A 4×4 row-major pose: identity rotation, translation t. */
function translation(t: readonly number[]): Float64Array {
  return Float64Array.from([1, 0, 0, t[0], 0, 1, 0, t[1], 0, 0, 1, t[2], 0, 0, 0, 1]);
}

/** Runs `stream` with `args`; returns its exit code and what it printed. */
async function stream(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [], err: string[] = [];
  const [log, error] = [console.log, console.error];
  console.log = (s: string) => out.push(s);
  console.error = (s: string) => err.push(s);
  try {
    return { code: await streamCommand(args), out, err };
  } finally {
    [console.log, console.error] = [log, error];
  }
}

const SCAN_LINE = /^scan\s+(\d+)\s+(\d+) pts\s+\d+ ms\s+(fused|alone)\s+map \d+/;

/** The scan lines' (index, points, fused or alone), checked, and the final JSON line. */
function parse(out: string[]) {
  const scans = out.filter((l) => l.startsWith("scan ")).map((l) => {
    const m = SCAN_LINE.exec(l);
    assert.ok(m, `a scan line: ${l}`);
    return { index: Number(m[1]), points: Number(m[2]), mode: m[3], line: l };
  });
  const summary = JSON.parse(out[out.length - 1]);
  return { scans, summary };
}

Deno.test("stream replays a sequence folder, a folder of clouds and one cloud file", async () => {
  const room = await readCloudFile(ROOM);
  assert.ok(room.color && room.count > 100_000);
  const dir = await Deno.makeTempDir();
  const seqDir = join(dir, "seq"), cloudDir = join(dir, "clouds");
  await writeSequence(seqDir, {
    labels: ["wall", "floor", "chair"],
    scans: SENSORS.map((t, i) => {
      const c = pick(room, 100 + i, t ?? [0, 0, 0]);
      return {
        timestamp: 0.5 * i,
        pose: t ? translation(t) : null,
        coord: c.coord,
        color: c.color,
      };
    }),
  });
  await Deno.mkdir(cloudDir);
  for (const [i, name] of ["b.ply", "a.ply"].entries()) {
    await Deno.writeFile(join(cloudDir, name), encodePly(pick(room, 200 + i, [0, 0, 0])));
  }
  await Deno.writeTextFile(join(cloudDir, "notes.txt"), "not a cloud");
  await Deno.mkdir(join(dir, "empty"));

  const rig = await startModelServer(MODELS);
  const common = ["--server", rig.address, "--period", "0"];
  const flags = [...common, "--labels", "wall,floor,chair", "--objects", "--query", "chair"];
  try {
    // the sequence: scans 0, 1, 3 have poses (fused into the map), scan 2 none (alone)
    const seq = await stream([seqDir, ...flags]);
    assert.equal(seq.code, 0, seq.err.join("\n"));
    const { scans, summary } = parse(seq.out);
    assert.deepEqual(scans.map((s) => s.index), [0, 1, 2, 3]);
    assert.deepEqual(scans.map((s) => s.mode), ["fused", "fused", "alone", "fused"]);
    assert.ok(scans.every((s) => s.points === POINTS));
    assert.ok(scans.every((s) => s.line.includes("objects:")), "--objects lists them");
    assert.match(scans[2].line, /no sensor_to_map pose/);
    assert.ok(scans.some((s) => /\b(wall|floor|chair) \d+%/.test(s.line)), scans[0].line);
    const query = seq.out.filter((l) => l.startsWith("query:"));
    assert.equal(query.length, 1);
    const q = /^query: (\d+) objects \(map (\d+) voxels\)$/.exec(query[0]);
    assert.ok(q, query[0]);
    assert.ok(Number(q[2]) > 0, "the map holds the fused scans");
    const answers = seq.out.slice(seq.out.indexOf(query[0]) + 1, -1);
    assert.equal(answers.length, Number(q[1]));
    for (const a of answers) assert.match(a, /^ {2}chair#\d+ score -?\d\.\d{3} at /);
    assert.equal(summary.scans, 4);
    assert.equal(summary.fused, 3);
    assert.equal(summary.points, 4 * POINTS);
    assert.equal(summary.model, "default");
    assert.ok(summary.model_version >= 1);
    assert.ok(summary.latency_ms.p50 <= summary.latency_ms.max);

    // a folder of cloud files, sent in name order without poses: every scan alone
    const folder = await stream([cloudDir, ...common, "--labels", "wall,floor"]);
    assert.equal(folder.code, 0, folder.err.join("\n"));
    const f = parse(folder.out);
    assert.deepEqual(f.scans.map((s) => s.mode), ["alone", "alone"]);
    assert.deepEqual([f.summary.scans, f.summary.fused, f.summary.points], [2, 0, 2 * POINTS]);

    // one cloud file
    const one = await stream([join(cloudDir, "a.ply"), ...common, "--labels", "chair"]);
    assert.equal(one.code, 0, one.err.join("\n"));
    const o = parse(one.out);
    assert.deepEqual(o.scans.map((s) => [s.index, s.mode]), [[0, "alone"]]);
    assert.equal(o.summary.scans, 1);

    // paths that do not work: a clear message and a non-zero exit, before any stream
    const missing = await stream([join(dir, "nope"), ...common, "--labels", "a"]);
    assert.notEqual(missing.code, 0);
    assert.deepEqual(missing.out, []);
    assert.match(missing.err.join("\n"), /^stream: .*nope: cannot read it/);
    const empty = await stream([join(dir, "empty"), ...common, "--labels", "a"]);
    assert.equal(empty.code, 2);
    assert.match(empty.err.join("\n"), /holds no cloud files/);
    const noLabels = await stream([seqDir, ...common]);
    assert.equal(noLabels.code, 2);
    assert.match(noLabels.err.join("\n"), /--labels needs at least one label/);
  } finally {
    await rig.close();
    await Deno.remove(dir, { recursive: true });
  }
});
