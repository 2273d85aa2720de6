import assert from "node:assert/strict";
import {
  checkClaims,
  claimLines,
  meanStd,
  parseConfigs,
  proofTable,
  type RunScore,
  siteTable,
  summarize,
} from "../bench/train_report.ts";

Deno.test("meanStd: sample standard deviation, one value, none", () => {
  const r = meanStd([2, 4, 4, 4, 5, 5, 7, 9]);
  assert.equal(r.mean, 5);
  assert.ok(Math.abs(r.std - Math.sqrt(32 / 7)) < 1e-12);
  assert.deepEqual(meanStd([3]), { mean: 3, std: 0 });
  assert.ok(Number.isNaN(meanStd([]).mean));
});

Deno.test("parseConfigs keeps table order and rejects unknown names", () => {
  assert.deepEqual(parseConfigs("full, naive,teacher"), ["teacher", "naive", "full"]);
  assert.throws(() => parseConfigs("full,nope"), /Unknown configuration 'nope'/);
});

const runs = (full: number[], rest: Record<string, number>): RunScore[] => [
  ...full.map((m, i) => ({ config: "full" as const, seed: i + 1, miou: m, macc: m })),
  ...Object.entries(rest).map(([config, m]) => ({
    config: config as RunScore["config"],
    seed: 1,
    miou: m,
    macc: m + 0.1,
  })),
];

Deno.test("summarize + checkClaims: margin and every removal checked on mean mIoU", () => {
  const s = summarize(runs([0.5, 0.6], { naive: 0.5, no_usd: 0.56, no_imr: 0.54, no_iirc: 0.52 }));
  assert.deepEqual(s.map((r) => r.config), ["naive", "full", "no_usd", "no_imr", "no_iirc"]);
  const full = s.find((r) => r.config === "full")!;
  assert.ok(Math.abs(full.miou.mean - 55) < 1e-9);
  assert.ok(Math.abs(full.miou.std - Math.sqrt(50)) < 1e-9);
  const claims = checkClaims(s);
  assert.equal(claims.length, 4);
  assert.equal(claims[0].pass, true); // 55 − 50 = +5 ≥ 3
  assert.equal(claims[1].pass, false); // no_usd 56 > 55
  assert.equal(claims[2].pass, true);
  assert.equal(claims[3].pass, true);
  assert.equal(checkClaims(s, 6)[0].pass, false);
  assert.match(claimLines(claims), /^PASS full − naive ≥ \+3 mIoU \(55\.0 − 50\.0 = \+5\.0\)/);
  assert.match(claimLines(claims), /FAIL removing USD lowers mIoU/);
  assert.deepEqual(checkClaims(summarize(runs([], { naive: 0.5 }))), []);
});

Deno.test("proofTable prints mean ± std and deltas against naive", () => {
  const t = proofTable(summarize(runs([0.5, 0.6], { naive: 0.5, teacher: 0.4 })));
  const lines = t.split("\n");
  assert.equal(lines.length, 5);
  assert.match(
    lines[2],
    /^\| teacher alone \(fused 2D\) \| — \| 40\.0 \| 50\.0 \| -10\.0 \| -10\.0 \|$/,
  );
  assert.match(
    lines[4],
    /^\| GeoGuide \(full\) \| 2 \| 55\.0 ± 7\.1 \| 55\.0 ± 7\.1 \| \+5\.0 \| -5\.0 \|$/,
  );
});

Deno.test("siteTable reports the fine-tuning gain", () => {
  const t = siteTable([
    { seed: 1, base: { miou: 0.3, macc: 0.4 }, tuned: { miou: 0.5, macc: 0.6 } },
    { seed: 2, base: { miou: 0.3, macc: 0.4 }, tuned: { miou: 0.4, macc: 0.5 } },
  ], { miou: 0.2, macc: 0.3 });
  assert.match(t, /\| teacher alone \| 20\.0 \| 30\.0 \|/);
  assert.match(t, /\| Δ fine-tuned − base \| \+15\.0 ± 7\.1 \| \|/);
});
