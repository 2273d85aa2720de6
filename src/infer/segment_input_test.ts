import assert from "node:assert/strict";
import { IN_PROCESS_MAX_POINTS, segmentInput } from "./segment_input.ts";

Deno.test("segmentInput fills request defaults and lets overrides win", () => {
  const cloud = { kind: "draco" as const, bytes: new Uint8Array([1, 2]) };
  const base = segmentInput(cloud, ["a", "b"]);
  assert.equal(base.cloud, cloud);
  assert.deepEqual(base.labels, ["a", "b"]);
  assert.equal(base.model, "");
  assert.equal(base.version, 0);
  assert.equal(base.minScore, undefined);
  assert.equal("minScore" in base, false);
  assert.equal(base.returnScores, false);
  assert.deepEqual(base.limits, { maxPoints: IN_PROCESS_MAX_POINTS });
  const over = segmentInput(cloud, ["a"], { minScore: -1, model: "m", limits: { maxPoints: 5 } });
  assert.equal(over.minScore, -1);
  assert.equal(segmentInput(cloud, ["a"], { minScore: 0 }).minScore, 0);
  assert.equal(over.model, "m");
  assert.equal(over.limits.maxPoints, 5);
});
