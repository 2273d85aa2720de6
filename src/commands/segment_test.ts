import assert from "node:assert/strict";
import { decodePly } from "../io/ply.ts";
import { publishCalibratedCopy } from "../models/calibrated_copy.ts";
import { createTinyModel } from "../../tests/fixtures/tiny_model.ts";
import { startRig } from "../../tests/server_fixtures.ts";
import { formatSummary, labelColor, parseSegmentArgs, run } from "./segment.ts";

const KD = new URL("../../../shared/data/draco_testdata/pc_kd_color.drc", import.meta.url).pathname;

Deno.test("parseSegmentArgs: flags, defaults, environment, errors", () => {
  const a = parseSegmentArgs(["x.ply", "--labels", "wall, floor,,chair", "--min-score=0.2"], {
    GEOGUIDE_MODELS: "/m",
  });
  assert.deepEqual(a.labels, ["wall", "floor", "chair"]);
  assert.equal(a.minScore, 0.2);
  assert.equal(a.modelsDir, "/m");
  assert.equal(a.version, 0);
  assert.equal(a.server, undefined);
  const b = parseSegmentArgs([
    "x.drc",
    "--labels=a",
    "--models",
    "d",
    "--server",
    "h:1",
    "--model",
    "s",
  ], {});
  assert.deepEqual([b.modelsDir, b.server, b.model], ["d", "h:1", "s"]);
  // no --min-score: left unset (the model's calibrated threshold applies); explicit 0 kept
  assert.equal(b.minScore, undefined);
  assert.equal("minScore" in b, false);
  assert.equal(parseSegmentArgs(["x", "--labels", "a", "--min-score", "0"], {}).minScore, 0);
  assert.equal(parseSegmentArgs(["x", "--labels", "a", "--min-score=-1"], {}).minScore, -1);
  assert.equal(parseSegmentArgs(["x", "--labels", "a"], {}).modelsDir, "models");
  assert.throws(() => parseSegmentArgs(["x.ply"], {}), /--labels/);
  assert.throws(() => parseSegmentArgs(["x.ply", "y.ply", "--labels", "a"], {}), /one input file/);
  assert.throws(() => parseSegmentArgs(["x", "--labels", "a", "--bogus", "1"], {}), /--bogus/);
  assert.throws(
    () => parseSegmentArgs(["x", "--labels", "a", "--min-score", "high"], {}),
    /min-score/,
  );
  assert.throws(() => parseSegmentArgs(["x", "--labels", "a", "--version", "-1"], {}), /version/);
});

Deno.test("formatSummary and labelColor", () => {
  const text = formatSummary([{ label: "wall", points: 3, meanScore: 0.5 }, {
    label: "unknown",
    points: 1,
    meanScore: -0.25,
  }], 4);
  const lines = text.split("\n");
  assert.equal(lines.length, 3);
  assert.match(lines[1], /^wall\s+3\s+75\.0\s+0\.500$/);
  assert.match(lines[2], /^unknown\s+1\s+25\.0\s+-0\.250$/);
  assert.deepEqual(labelColor(-1), [128, 128, 128]);
  const colors = new Set(Array.from({ length: 20 }, (_, i) => labelColor(i).join(",")));
  assert.equal(colors.size, 20);
});

Deno.test("segment runs in-process and writes a PLY coloured by label", async () => {
  const tiny = await createTinyModel({ name: "default" });
  const out = await Deno.makeTempFile({ suffix: ".ply" });
  const printed: string[] = [];
  const log = console.log, err = console.error;
  console.log = (s: string) => printed.push(s);
  console.error = () => {};
  let code: number, missing: number, usage: number;
  try {
    code = await run([
      KD,
      "--labels",
      "wall,floor",
      "--models",
      tiny.root,
      "--out",
      out,
      "--min-score",
      "-1",
    ]);
    missing = await run(["/nonexistent.ply", "--labels", "a", "--models", tiny.root]);
    usage = await run(["--labels", "a"]);
  } finally {
    console.log = log;
    console.error = err;
  }
  assert.equal(code, 0);
  const rows = printed.join("\n").split("\n").slice(1);
  const total = rows.reduce((acc, r) => acc + Number(r.trim().split(/\s+/)[1]), 0);
  assert.equal(total, 7733);
  const ply = decodePly(await Deno.readFile(out), out);
  assert.equal(ply.count, 7733);
  const grey = [...Array(ply.count).keys()].filter((i) => ply.color![3 * i] === 128).length;
  assert.equal(grey, 0); // min-score −1: nothing unknown
  assert.equal(missing, 1);
  assert.equal(usage, 2);
});

Deno.test("segment without --min-score takes the model's calibrated threshold, in process", async () => {
  const tiny = await createTinyModel({ name: "default" });
  // version 2: version 1 with a threshold no cosine reaches (every point unknown)
  await publishCalibratedCopy(
    { root: tiny.root, name: "default", version: 1 },
    { min_score: 2, wrong_rejected: 1, right_kept: 0, points: 1, data: "test" },
    { root: tiny.root, name: "default" },
  );
  const printed: string[] = [];
  const log = console.log, err = console.error;
  console.log = (s: string) => printed.push(s);
  console.error = () => {};
  const unknownOf = async (extra: string[]) => {
    printed.length = 0;
    const code = await run([KD, "--labels", "wall,floor", "--models", tiny.root, ...extra]);
    assert.equal(code, 0);
    const row = printed.join("\n").split("\n").find((r) => r.startsWith("unknown"));
    return row ? Number(row.trim().split(/\s+/)[1]) : 0;
  };
  try {
    assert.equal(await unknownOf([]), 7733);
    assert.equal(await unknownOf(["--min-score", "-1"]), 0);
    assert.equal(await unknownOf(["--version", "1"]), await unknownOf(["--min-score", "0"]));
  } finally {
    console.log = log;
    console.error = err;
  }
});

Deno.test("segment --server leaves min_score out of the request unless given", async () => {
  const rig = await startRig();
  const seen: (number | undefined)[] = [];
  const segment = rig.segmenter.segment.bind(rig.segmenter);
  rig.segmenter.segment = (input, signal) => {
    seen.push(input.minScore);
    return segment(input, signal);
  };
  const log = console.log, err = console.error;
  console.log = () => {};
  console.error = () => {};
  const server = `127.0.0.1:${rig.server.grpcPort}`;
  try {
    assert.equal(await run([KD, "--labels", "a,b", "--server", server]), 0);
    assert.equal(await run([KD, "--labels", "a,b", "--server", server, "--min-score", "0"]), 0);
    assert.equal(await run([KD, "--labels", "a,b", "--server", server, "--min-score=0.5"]), 0);
  } finally {
    console.log = log;
    console.error = err;
    await rig.close();
  }
  assert.deepEqual(seen, [undefined, 0, 0.5]); // min_score is a float on the wire
});
