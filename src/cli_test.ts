import assert from "node:assert/strict";
import { COMMANDS, main } from "./cli.ts";

/** Runs `main(argv)` with console.log / console.error captured. */
async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  try {
    return { code: await main(argv), out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

/** One flag (or argument) each command's usage must name. */
const EXPECTED: Record<string, RegExp> = {
  serve: /--grpc-port N\s+GEOGUIDE_GRPC_PORT\s+default 50051/,
  info: /<file/,
  segment: /--labels/,
  synth: /--scenes N .*default 1/,
  train: /--steps N .*default 1000/,
  eval: /--model/,
  calibrate: /--reject-wrong Q .*default 0\.5/,
  decimate: /--keep K\|A,B .*default 0\.25/,
  views: /--views K .*default 1/,
  stream: /--period S .*default 0\.2/,
  objective: /--case/,
  pretrain: /--steps N .*default 3000/,
};

Deno.test("every command answers --help and -h with its usage and exit 0", async () => {
  assert.deepEqual(Object.keys(EXPECTED).sort(), Object.keys(COMMANDS).sort());
  for (const cmd of Object.keys(COMMANDS)) {
    for (const flag of ["--help", "-h"]) {
      const r = await capture([cmd, flag]);
      assert.equal(r.code, 0, `${cmd} ${flag}: exit ${r.code}, stderr ${r.err}`);
      assert.match(r.out, new RegExp(`usage: ${cmd}\\b`), `${cmd} ${flag}`);
      assert.match(r.out, EXPECTED[cmd], `${cmd} ${flag}`);
      assert.equal(r.err, "", `${cmd} ${flag} wrote to stderr`);
    }
  }
});

Deno.test("--help anywhere in the arguments wins over other (even bad) arguments", async () => {
  const r = await capture(["segment", "x.ply", "--labels", "a", "--bogus", "1", "-h"]);
  assert.equal(r.code, 0);
  assert.match(r.out, /usage: segment/);
  const s = await capture(["serve", "--grpc-port=0", "--help"]);
  assert.equal(s.code, 0);
  assert.match(s.out, /--segment-token S\s+GEOGUIDE_SEGMENT_TOKEN/);
  assert.match(s.out, /--allow-open-training\s+GEOGUIDE_ALLOW_OPEN_TRAINING\s+default off/);
});

Deno.test("help lists the commands (no bench), names deno task bench; help <cmd> works", async () => {
  for (const argv of [[], ["help"], ["--help"], ["-h"]]) {
    const r = await capture(argv);
    assert.equal(r.code, 0);
    assert.match(r.out, /usage: deno task cli <command>/);
    assert.match(r.out, /deno task bench/);
    assert.doesNotMatch(r.out, /^\s+bench /m);
  }
  const t = await capture(["help", "train"]);
  assert.equal(t.code, 0);
  assert.match(t.out, /usage: train/);
  for (const bad of ["bench", "toString", "__proto__"]) {
    const r = await capture([bad]);
    assert.equal(r.code, 2, bad);
    assert.match(r.err, /unknown command/);
  }
});
