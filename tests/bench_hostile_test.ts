import assert from "node:assert/strict";
import { parseHostileArgs, renderHostileReport } from "../bench/hostile.ts";
import { runCampaign } from "../bench/hostile_campaign.ts";
import * as inputs from "./hostile_inputs.ts";

const sum = (rec: Record<string, number>) => Object.values(rec).reduce((a, b) => a + b, 0);

Deno.test("hostile flags: defaults, both spellings, bad values refused", () => {
  const d = parseHostileArgs([]);
  assert.equal(d.cases, 10_000);
  assert.equal(d.concurrency, 4);
  assert.match(d.inputs, /tests\/hostile_inputs\.ts$/);
  const o = parseHostileArgs(["--cases", "30", "--seed=7", "--json", "x.json"]);
  assert.deepEqual([o.cases, o.seed, o.json], [30, 7, "x.json"]);
  assert.throws(() => parseHostileArgs(["--cases", "0"]), /--cases/);
  assert.throws(() => parseHostileArgs(["--bogus", "1"]), /--bogus/);
});

Deno.test({
  name: "hostile campaign of 30 cases: counts add up, no crash, no hang, health probed",
  // The server subprocess and gRPC channels outlive single ops by design; stop() waits for them.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const s = await runCampaign({
      cases: 30,
      seed: 3,
      concurrency: 4,
      budgetMs: 10_000,
      probeEvery: 10,
      maxPoints: 200_000,
      maxSeedBytes: 65_536,
      inputs,
      log: () => {},
    });
    assert.equal(s.ran, 30);
    assert.equal(sum(s.byClass), s.ran);
    assert.equal(Object.values(s.statuses).map(sum).reduce((a, b) => a + b, 0), s.ran);
    assert.equal(Object.values(s.classStatuses).map(sum).reduce((a, b) => a + b, 0), s.ran);
    assert.ok(s.statuses.grpc && s.statuses.http, "both transports used");
    assert.equal(s.crashes, 0, s.crashLines.join(" | "));
    assert.deepEqual(s.hangs, []);
    assert.ok(s.probes.length >= 3);
    assert.ok(s.probes.every((p) => p.grpcStatus === "SERVING" && p.httpStatus === "200"));
    assert.ok(s.worstCase && s.worstCase.ms > 0);
    assert.ok(s.peakRssMiB > 0);
    assert.match(renderHostileReport(s), /crashes \(server process exited\): 0/);
  },
});
