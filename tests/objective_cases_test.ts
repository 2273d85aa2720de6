/**
 * The worked cases of `docs/objective_cases/`: the probe (both float64 backends and the CLI
 * end to end) and the brute-force reference (losses, and central differences for the
 * gradients) must match the expected outputs within the tolerances of `docs/objective.md`.
 */

import assert from "node:assert/strict";
import { fileURLToPath as fromFileUrl } from "node:url";
import {
  objectiveFiniteDifferences,
  objectiveReference,
} from "../src/train/objective/reference.ts";
import { mlpGradJson, parseObjectiveCase } from "../src/train/objective/case.ts";
import { probeObjective, type ProbeOutput } from "../src/train/objective/probe.ts";

const CASES_DIR = new URL("../../shared/docs/objective_cases/", import.meta.url);
const NAMES = ["tiny", "mixed"];

async function readJson(name: string): Promise<unknown> {
  return JSON.parse(await Deno.readTextFile(new URL(name, CASES_DIR)));
}

function flat(x: unknown): number[] {
  return Array.isArray(x) ? x.flatMap(flat) : [x as number];
}

/** Asserts the tolerances of docs/objective.md, and that every tensor has the right shape. */
function assertMatches(got: ProbeOutput, want: ProbeOutput, what: string) {
  for (const k of ["sp", "mask", "sim", "total"] as const) {
    const ref = want.loss[k];
    const err = Math.abs(got.loss[k] - ref);
    assert.ok(
      err <= 1e-4 * Math.max(Math.abs(ref), 1e-6),
      `${what} loss.${k}: ${got.loss[k]} vs ${ref}`,
    );
  }
  for (const part of ["adapter", "reliability"] as const) {
    for (const t of ["w1", "b1", "w2", "b2"] as const) {
      const g = got.grad[part][t], w = want.grad[part][t];
      assert.equal(
        JSON.stringify(g).replace(/[^[\],]/g, ""),
        JSON.stringify(w).replace(/[^[\],]/g, ""),
        `${what} ${part}.${t} shape`,
      );
      const a = flat(g), b = flat(w);
      const scale = Math.max(1, ...b.map(Math.abs));
      const err = Math.max(...a.map((x, i) => Math.abs(x - b[i])));
      assert.ok(err <= 1e-4 * scale, `${what} grad.${part}.${t}: max error ${err}`);
    }
  }
}

for (const name of NAMES) {
  Deno.test(`objective case ${name}: probe (onnxruntime f64, interpreter) = expected`, async () => {
    const input = await readJson(`case_${name}.json`);
    const want = await readJson(`expected_${name}.json`) as ProbeOutput;
    assertMatches(await probeObjective(input), want, `${name} onnxruntime`);
    assertMatches(
      await probeObjective(input, { backend: "interpreter" }),
      want,
      `${name} interpreter`,
    );
  });

  Deno.test(`objective case ${name}: reference and its finite differences = expected`, async () => {
    const c = parseObjectiveCase(await readJson(`case_${name}.json`));
    const want = await readJson(`expected_${name}.json`) as ProbeOutput;
    const loss = objectiveReference(c.scene, c.params, { config: c.config });
    const fd = objectiveFiniteDifferences(c.scene, c.params, { config: c.config, step: 1e-5 });
    assertMatches(
      {
        loss,
        grad: { adapter: mlpGradJson(fd.adapter), reliability: mlpGradJson(fd.reliability) },
      },
      want,
      `${name} reference`,
    );
  });
}

Deno.test("objective case: the CLI prints exactly one JSON object on stdout", async () => {
  const root = fromFileUrl(new URL("../", import.meta.url));
  const casePath = fromFileUrl(new URL("case_mixed.json", CASES_DIR));
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "src/cli.ts", "objective", "--case", casePath],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const stdout = new TextDecoder().decode(out.stdout);
  assertMatches(JSON.parse(stdout), await readJson("expected_mixed.json") as ProbeOutput, "cli");
  assert.equal(stdout.trim().split("\n").length, 1);
});

Deno.test("objective case: a malformed case is rejected naming the field", async () => {
  const input = await readJson("case_tiny.json") as Record<string, unknown>;
  await assert.rejects(
    () => probeObjective({ ...input, valid: [1, 0] }),
    /'valid'/,
  );
  const bad = structuredClone(input) as { params: { adapter: { b2: number[] } } };
  bad.params.adapter.b2 = [1];
  await assert.rejects(() => probeObjective(bad), /params\.adapter\.(w2|b2)/);
});
