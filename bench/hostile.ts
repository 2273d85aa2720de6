/**
 * Hostile-input campaign against a running server: `deno task bench hostile [--cases 10000]
 * [--seed 1] [--concurrency 4] [--budget-ms 10000] [--probe-every 500] [--max-points 200000]
 * [--max-seed-bytes 65536] [--json FILE] [--inputs MODULE]`.
 *
 * Starts `src/cli.ts serve` as a subprocess on 127.0.0.1 (free gRPC and HTTP ports, a
 * random `--segment-token` and `--train-token`) and sends `--cases` seeded cases (see
 * `hostile_cases.ts`: file mutants of `tests/hostile_inputs.ts` over gRPC Segment and HTTP
 * `POST /api/segment`, raw-array mutants, request-level cases), `--concurrency` at a
 * time. Every `--probe-every` cases it probes the gRPC health check and HTTP `/healthz`
 * and reads the server's memory from /proc. Progress (rate, ETA) goes to stderr; the
 * report (cases per transport and class, statuses, crashes, hangs, the slowest case and
 * probe, peak RSS) to stdout; `--json` also writes the summary. `--inputs` replaces the
 * mutant generator module (same API as `tests/hostile_inputs.ts`); seeds over
 * `--max-seed-bytes` are left out so that valid mutants segment quickly.
 *
 * Exit code 1 when the server crashed or a case hung (no answer within `--budget-ms`).
 *
 * @module
 */

import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseFlags } from "../src/commands/_flags.ts";
import { type CampaignOptions, type CampaignSummary, runCampaign } from "./hostile_campaign.ts";
import type { HostileInputsModule } from "./hostile_cases.ts";

/** Flags of the campaign: its settings, plus where to write JSON and which generator to load. */
export type HostileOptions = Omit<CampaignOptions, "inputs" | "log"> & {
  /** Where to write the JSON summary ("" = nowhere). */
  json: string;
  /** URL of the mutant generator module. */
  inputs: string;
};

const DEFAULT_INPUTS = new URL("../tests/hostile_inputs.ts", import.meta.url).href;

/** Parses the flags (`--name value` or `--name=value`); throws on unknown flags or bad values. */
export function parseHostileArgs(args: readonly string[]): HostileOptions {
  const given = parseFlags([...args], new Set());
  const take = (name: string) => {
    const v = given.get(`--${name}`);
    given.delete(`--${name}`);
    return v;
  };
  const int = (name: string, fallback: number, min = 1) => {
    const v = take(name);
    const x = v === undefined ? fallback : Number(v);
    if (!Number.isInteger(x) || x < min) throw new Error(`--${name} expects an integer ≥ ${min}`);
    return x;
  };
  const inputs = take("inputs");
  const o: HostileOptions = {
    cases: int("cases", 10_000),
    seed: int("seed", 1, 0),
    concurrency: int("concurrency", 4),
    budgetMs: int("budget-ms", 10_000),
    probeEvery: int("probe-every", 500),
    maxPoints: int("max-points", 200_000),
    maxSeedBytes: int("max-seed-bytes", 65_536),
    json: take("json") ?? "",
    inputs: inputs === undefined ? DEFAULT_INPUTS : pathToFileURL(resolve(inputs)).href,
  };
  if (given.size) throw new Error(`Unknown argument ${[...given.keys()][0]}`);
  return o;
}

/** Statuses worth a line of their own: server faults, drops, cancellations by the server. */
const NOTABLE = / (CANCELLED|UNKNOWN|INTERNAL|DATA_LOSS|UNAVAILABLE|NETWORK_ERROR|5\d\d)$/;

const count = (rec: Record<string, number>) => Object.values(rec).reduce((a, b) => a + b, 0);
const statusList = (rec: Record<string, number>) =>
  Object.entries(rec).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ×${v}`).join(", ");

/** The markdown report of a campaign. */
export function renderHostileReport(s: CampaignSummary): string {
  const lines = [
    "## Hostile inputs",
    "",
    `- ${navigator.hardwareConcurrency} CPU cores; model: ${s.model}`,
    `- seed ${s.seed}: ${s.ran} of ${s.planned} cases in ${s.wallS.toFixed(1)} s ` +
    `(${(s.ran / Math.max(s.wallS, 1e-9)).toFixed(1)} cases/s)`,
    "",
    "| transport | class | cases | statuses |",
    "|---|---|---:|---|",
  ];
  for (const key of Object.keys(s.byClass).sort()) {
    const [transport, cls] = key.split(" ");
    lines.push(
      `| ${transport} | ${cls} | ${s.byClass[key]} | ${statusList(s.classStatuses[key])} |`,
    );
  }
  for (const [transport, rec] of Object.entries(s.statuses).sort()) {
    lines.push(`| **${transport}** | all | ${count(rec)} | ${statusList(rec)} |`);
  }
  const w = s.worstCase;
  const okProbes = s.probes.filter((p) => p.grpcStatus === "SERVING" && p.httpStatus === "200");
  lines.push(
    "",
    `- crashes (server process exited): ${s.crashes}` +
      (s.crashLines.length ? ` — last lines: ${s.crashLines.join(" | ")}` : ""),
    `- hangs (no answer within the budget): ${s.hangs.length}` +
      (s.hangs.length
        ? ` — ${s.hangs.slice(0, 5).map((h) => `${h.transport} ${h.name}`).join("; ")}`
        : ""),
    `- worst case latency: ${
      w ? `${w.ms.toFixed(0)} ms (${w.transport} ${w.name} → ${w.status})` : "n/a"
    }`,
    `- health probes: ${s.probes.length} (${okProbes.length} healthy on both transports); ` +
      `worst ${s.worstProbeMs.toFixed(1)} ms`,
    `- server RSS: ${s.idleRssMiB.toFixed(1)} MiB idle, peak (VmHWM) ${s.peakRssMiB.toFixed(1)} ` +
      `MiB; calls the server logged as ` +
      `failed: ${s.serverFailedCalls}`,
  );
  const notable = Object.entries(s.examples).filter(([k]) => NOTABLE.test(k));
  if (notable.length) {
    lines.push("", "Notable outcomes (first message of each):");
    for (const [k, v] of notable) lines.push(`- ${k}: ${v}`);
  }
  return lines.join("\n");
}

/** Runs the campaign (see the module doc); returns the exit code. */
export async function run(args: string[]): Promise<number> {
  let o: HostileOptions;
  try {
    o = parseHostileArgs(args);
  } catch (e) {
    console.error(`hostile: ${(e as Error).message}`);
    return 2;
  }
  const inputs = await import(o.inputs) as HostileInputsModule;
  const summary = await runCampaign({
    ...o,
    inputs,
    log: (line) => console.error(`hostile: ${line}`),
  });
  console.log(renderHostileReport(summary));
  if (o.json) {
    await writeFile(o.json, JSON.stringify(summary, null, 2) + "\n");
    console.error(`hostile: wrote ${o.json}`);
  }
  return summary.crashes > 0 || summary.hangs.length > 0 ? 1 : 0;
}

if (import.meta.main) Deno.exit(await run(Deno.args));
