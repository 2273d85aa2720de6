import assert from "node:assert/strict";
import { mergeRuns } from "../bench/train_merge.ts";
import type { RunScore } from "../bench/train_report.ts";

const run = (config: RunScore["config"], seed: number, miou: number): RunScore => ({
  config,
  seed,
  miou,
  macc: miou,
});

Deno.test("merging per-seed reports keeps the teacher once and every seed of the others", () => {
  const a = [run("teacher", 0, 0.4), run("full", 1, 0.2), run("naive", 1, 0.1)];
  const b = [run("teacher", 0, 0.4), run("full", 2, 0.3), run("naive", 2, 0.15)];
  const merged = mergeRuns([a, b]);
  assert.equal(merged.filter((r) => r.config === "teacher").length, 1);
  assert.deepEqual(merged.filter((r) => r.config === "full").map((r) => r.seed), [1, 2]);
  assert.equal(merged.length, 5);
});

Deno.test("a run found in two reports is refused", () => {
  assert.throws(() => mergeRuns([[run("full", 1, 0.2)], [run("full", 1, 0.25)]]), /full seed 1/);
});
