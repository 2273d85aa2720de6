/**
 * Merges the JSON reports of several `bench train` runs (for example one process per seed,
 * run side by side) into the tables one run over all those seeds would print.
 *
 * `deno task bench train_merge REPORT.json [REPORT.json …]`
 *
 * A (configuration, seed) pair that occurs in more than one report is an error: the
 * reports must come from disjoint runs. The teacher row is the same in every report and is
 * kept once. stdout: the proof table and claim lines per instance setting, then the site
 * table when the reports have one.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import {
  checkClaims,
  claimLines,
  proofTable,
  type RunScore,
  type SiteScore,
  siteTable,
  summarize,
} from "./train_report.ts";

interface Report {
  gt?: { runs: RunScore[] };
  proposals?: { runs: RunScore[] };
  site?: { scores: SiteScore[]; teacher: { miou: number; macc: number } };
}

/**
 * The merged runs of one instance setting: teacher once, every other (configuration,
 * seed) at most once.
 *
 * @throws Error naming a (configuration, seed) pair found twice
 */
export function mergeRuns(lists: readonly (readonly RunScore[])[]): RunScore[] {
  const seen = new Set<string>();
  const out: RunScore[] = [];
  for (const runs of lists) {
    for (const r of runs) {
      const key = `${r.config}@${r.seed}`;
      if (seen.has(key)) {
        if (r.config === "teacher") continue;
        throw new Error(`Run ${r.config} seed ${r.seed} occurs in more than one report`);
      }
      seen.add(key);
      out.push(r);
    }
  }
  return out;
}

/** Prints the merged tables (see the module doc). */
export async function run(args: string[]): Promise<void> {
  if (args.length === 0) throw new Error("usage: bench train_merge REPORT.json [REPORT.json …]");
  const reports: Report[] = [];
  for (const f of args) reports.push(JSON.parse(await readFile(f, "utf8")));
  const out: string[] = [];
  for (const mode of ["gt", "proposals"] as const) {
    const lists = reports.flatMap((r) => (r[mode] ? [r[mode]!.runs] : []));
    if (lists.length === 0) continue;
    const summary = summarize(mergeRuns(lists));
    out.push(`## ${mode === "gt" ? "ground-truth instances" : "instance proposals"}\n`);
    out.push(proofTable(summary), "", claimLines(checkClaims(summary)), "");
  }
  const sites = reports.filter((r) => r.site);
  if (sites.length > 0) {
    out.push(
      "## Site adaptation\n",
      siteTable(sites.flatMap((r) => r.site!.scores), sites[0].site!.teacher),
    );
  }
  console.log(out.join("\n"));
}
