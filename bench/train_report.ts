/**
 * The configurations of the training proof (teacher, naive distillation and the GeoGuide
 * ablations of `docs/objective.md`), and the pure reporting: mean ± std over seeds, the
 * markdown table with deltas against naive distillation, and the claim checks.
 *
 * @module
 */

import type { TrainConfig } from "../src/train/config.ts";

/** Names of the proof's configurations, in table order. */
export const PROOF_CONFIGS = [
  "teacher",
  "naive",
  "usd_no_weights",
  "full",
  "no_usd",
  "no_imr",
  "no_iirc",
] as const;

/** One configuration name. */
export type ProofConfig = typeof PROOF_CONFIGS[number];

/** Row label and training overrides of each configuration (null: nothing is trained). */
export const CONFIG_SPECS: Record<
  ProofConfig,
  { label: string; overrides: Partial<TrainConfig> | null }
> = {
  teacher: { label: "teacher alone (fused 2D)", overrides: null },
  naive: { label: "naive distillation", overrides: { objective: "naive" } },
  usd_no_weights: { label: "USD without weights", overrides: { useReliability: false } },
  full: { label: "GeoGuide (full)", overrides: {} },
  no_usd: { label: "full − USD (naive L_sp)", overrides: { useUsd: false } },
  no_imr: { label: "full − IMR (λ2 = 0)", overrides: { lambda: [1, 0, 1] } },
  no_iirc: { label: "full − IIRC (λ3 = 0)", overrides: { lambda: [1, 1, 0] } },
};

/**
 * Parses `--configs a,b,…` (names of {@link PROOF_CONFIGS}, kept in table order).
 *
 * @throws Error naming an unknown configuration
 */
export function parseConfigs(text: string): ProofConfig[] {
  const asked = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const bad = asked.find((s) => !(PROOF_CONFIGS as readonly string[]).includes(s));
  if (bad !== undefined) {
    throw new Error(`Unknown configuration '${bad}'; known: ${PROOF_CONFIGS.join(", ")}`);
  }
  return PROOF_CONFIGS.filter((c) => asked.includes(c));
}

/** Mean and sample standard deviation (n − 1; 0 for one value; NaN for none). */
export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  if (xs.length === 0) return { mean: NaN, std: NaN };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (xs.length === 1) return { mean, std: 0 };
  const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  return { mean, std: Math.sqrt(v) };
}

/** One trained (or teacher) result: fractions in [0, 1]. */
export interface RunScore {
  config: ProofConfig;
  seed: number;
  miou: number;
  macc: number;
}

/** Scores of one configuration over its seeds, in percent. */
export interface ConfigSummary {
  config: ProofConfig;
  label: string;
  seeds: number;
  miou: { mean: number; std: number };
  macc: { mean: number; std: number };
}

/** Per-configuration mean ± std (percent) of the runs, in table order. */
export function summarize(runs: readonly RunScore[]): ConfigSummary[] {
  return PROOF_CONFIGS.flatMap((config) => {
    const mine = runs.filter((r) => r.config === config);
    if (mine.length === 0) return [];
    return [{
      config,
      label: CONFIG_SPECS[config].label,
      seeds: mine.length,
      miou: meanStd(mine.map((r) => 100 * r.miou)),
      macc: meanStd(mine.map((r) => 100 * r.macc)),
    }];
  });
}

const f1 = (x: number) => (Number.isNaN(x) ? "—" : x.toFixed(1));
const signed = (x: number) => (Number.isNaN(x) ? "—" : `${x >= 0 ? "+" : ""}${x.toFixed(1)}`);

/**
 * Markdown table: mIoU / mAcc mean ± std (percent; the mean alone for one seed) and their
 * deltas against naive.
 */
export function proofTable(rows: readonly ConfigSummary[]): string {
  const naive = rows.find((r) => r.config === "naive");
  const lines = [
    "| configuration | seeds | mIoU | mAcc | Δ mIoU vs naive | Δ mAcc vs naive |",
    "|---|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    const d = (k: "miou" | "macc") => (naive ? signed(r[k].mean - naive[k].mean) : "—");
    const v = (k: "miou" | "macc") =>
      r.seeds > 1 ? `${f1(r[k].mean)} ± ${f1(r[k].std)}` : f1(r[k].mean);
    const seeds = r.config === "teacher" ? "—" : String(r.seeds);
    lines.push(
      `| ${r.label} | ${seeds} | ${v("miou")} | ${v("macc")} | ${d("miou")} | ${d("macc")} |`,
    );
  }
  return lines.join("\n");
}

/** One checked claim. */
export interface Claim {
  /** what is claimed */
  name: string;
  /** true when it holds on the mean mIoU */
  pass: boolean;
  /** the numbers behind it */
  detail: string;
}

/**
 * The paper's claims on mean test mIoU: full − naive ≥ `margin` points, and removing any
 * module (USD, its reliability weights, IMR, IIRC) lowers mIoU. Claims whose
 * configurations are missing are left out.
 *
 * @param rows summaries (percent)
 * @param margin required gain of full over naive, mIoU points (default 3)
 */
export function checkClaims(rows: readonly ConfigSummary[], margin = 3): Claim[] {
  const by = new Map(rows.map((r) => [r.config, r.miou.mean]));
  const full = by.get("full");
  if (full === undefined) return [];
  const out: Claim[] = [];
  const naive = by.get("naive");
  if (naive !== undefined) {
    const d = full - naive;
    out.push({
      name: `full − naive ≥ +${margin} mIoU`,
      pass: d >= margin,
      detail: `${f1(full)} − ${f1(naive)} = ${signed(d)}`,
    });
  }
  const removals: [ProofConfig, string][] = [
    ["no_usd", "removing USD lowers mIoU"],
    ["usd_no_weights", "removing the USD reliability weights lowers mIoU"],
    ["no_imr", "removing IMR lowers mIoU"],
    ["no_iirc", "removing IIRC lowers mIoU"],
  ];
  for (const [config, name] of removals) {
    const v = by.get(config);
    if (v === undefined) continue;
    out.push({
      name,
      pass: v < full,
      detail: `${f1(v)} vs full ${f1(full)}: ${signed(v - full)}`,
    });
  }
  return out;
}

/** Claim lines `PASS name (detail)` / `FAIL …`. */
export function claimLines(claims: readonly Claim[]): string {
  return claims.map((c) => `${c.pass ? "PASS" : "FAIL"} ${c.name} (${c.detail})`).join("\n");
}

/** Site-adaptation scores of one seed (fractions). */
export interface SiteScore {
  seed: number;
  base: { miou: number; macc: number };
  tuned: { miou: number; macc: number };
}

/** Markdown table of the site section: base vs fine-tuned (percent, mean ± std over seeds). */
export function siteTable(
  scores: readonly SiteScore[],
  teacher?: { miou: number; macc: number },
): string {
  const pm = (x: { mean: number; std: number }) =>
    scores.length > 1 ? `${f1(x.mean)} ± ${f1(x.std)}` : f1(x.mean);
  const row = (label: string, pick: (s: SiteScore) => { miou: number; macc: number }) => {
    const mi = meanStd(scores.map((s) => 100 * pick(s).miou));
    const ma = meanStd(scores.map((s) => 100 * pick(s).macc));
    return `| ${label} | ${pm(mi)} | ${pm(ma)} |`;
  };
  const lines = ["| model (site test scans) | mIoU | mAcc |", "|---|---:|---:|"];
  if (teacher) {
    lines.push(`| teacher alone | ${f1(100 * teacher.miou)} | ${f1(100 * teacher.macc)} |`);
  }
  lines.push(row("base (standard train)", (s) => s.base));
  lines.push(row("base fine-tuned on site scans", (s) => s.tuned));
  const gain = meanStd(scores.map((s) => 100 * (s.tuned.miou - s.base.miou)));
  const spread = scores.length > 1 ? ` ± ${f1(gain.std)}` : "";
  lines.push(`| Δ fine-tuned − base | ${signed(gain.mean)}${spread} | |`);
  return lines.join("\n");
}
