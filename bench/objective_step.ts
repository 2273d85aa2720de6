/**
 * One training step of the GeoGuide objective (docs/objective.md): the TS input preparation
 * (`prepareObjectiveInputs`) and the onnxruntime session run (forward + backward), timed
 * apart, on a synthetic scene with spatially coherent ids: N points (default 100,000),
 * H = 256, Hr = 64, ~3,000 superpoints, ~40 instances, 8,192 IMR candidates, 1,024 IIRC
 * superpoints. Shapes (Dg, C) default to (48, 100), (64, 100), (48, 768). Median of 5.
 *
 * With `--torch`, runs `bench/objective_step_torch.py` (PyTorch, the same objective, same
 * sizes, everything derived from the raw scene inside its timed step; needs Debian's
 * python3-torch, run by `$PYTHON` or /usr/bin/python3) and reports the ratio ours / torch.
 *
 * `deno task bench objective_step [--n 100000] [--runs 5] [--shapes 48x100,64x100,48x768]
 * [--torch] [--profile prefix]` prints a markdown table on stdout; progress on stderr.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Rng } from "../src/kernels/random.ts";
import type { ObjectiveScene } from "../src/train/objective/types.ts";
import { prepareObjectiveInputs } from "../src/train/objective/prepare.ts";
import { randomObjectiveParams } from "../src/train/objective/random_scene.ts";
import { flattenParams, ObjectiveRunner } from "../src/train/objective/runner.ts";
import { fullConfig, type ObjectiveSpec } from "../src/train/objective/spec.ts";

/** Sizes of the synthetic benchmark scene. */
export interface BenchSceneDims {
  n: number;
  dg: number;
  c: number;
  superpoints: number;
  instances: number;
}

/**
 * A synthetic scene: points on a grid of cells, superpoints = contiguous runs of ~N/S
 * points, instances = contiguous blocks (a quarter of the points in none), 90 % valid,
 * half visible. G, T float32 normal.
 */
export function benchScene(rng: Rng, d: BenchSceneDims): ObjectiveScene {
  const { n, dg, c } = d;
  const geometric = new Float32Array(n * dg);
  for (let i = 0; i < geometric.length; i++) geometric[i] = rng.normal();
  const teacher = new Float32Array(n * c);
  for (let i = 0; i < teacher.length; i++) teacher[i] = rng.normal();
  const spSize = Math.max(1, Math.round(n / d.superpoints));
  const instSize = Math.max(1, Math.floor(n / d.instances));
  const superpoint = Int32Array.from({ length: n }, (_, i) => Math.floor(i / spSize));
  const instance = Int32Array.from({ length: n }, (_, i) => {
    const k = Math.floor(i / instSize);
    return i % instSize < instSize / 4 ? -1 : k;
  });
  const valid = Uint8Array.from({ length: n }, () => (rng.next() < 0.9 ? 1 : 0));
  const visible = Uint8Array.from({ length: n }, () => (rng.next() < 0.5 ? 1 : 0));
  return { count: n, geometric, teacher, valid, superpoint, instance, visible };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Row {
  dg: number;
  c: number;
  prepareMs: number;
  runMs: number;
  stepMs: number;
  torchMs?: number;
}

async function benchShape(
  o: { n: number; runs: number; dg: number; c: number; profile?: string },
): Promise<Row> {
  const { n, runs, dg, c } = o;
  const h = 256, hr = 64;
  const rng = new Rng(7);
  const scene = benchScene(rng, { n, dg, c, superpoints: 3000, instances: 40 });
  const params = flattenParams(
    randomObjectiveParams(rng, { n, dg, c, h, hr, superpoints: 0, instances: 0 }),
  );
  const spec: ObjectiveSpec = {
    dg,
    c,
    h,
    hr,
    config: fullConfig({}),
    maskCandidates: 8192,
    simSuperpoints: 1024,
  };
  const runner = await ObjectiveRunner.create(spec, { profile: o.profile });
  const prep: number[] = [], run: number[] = [];
  try {
    for (let r = -1; r < runs; r++) {
      const t0 = performance.now();
      const prepared = prepareObjectiveInputs(scene, spec, new Rng(100 + r));
      const t1 = performance.now();
      const res = await runner.run(prepared, params);
      const t2 = performance.now();
      if (!Number.isFinite(res.loss.total)) throw new Error("Non-finite loss in benchmark");
      if (r >= 0) {
        prep.push(t1 - t0);
        run.push(t2 - t1);
      }
      console.error(
        `objective_step Dg ${dg} C ${c}: run ${r + 1}/${runs} prepare ${(t1 - t0).toFixed(0)} ms ` +
          `session ${(t2 - t1).toFixed(0)} ms (loss ${res.loss.total.toFixed(4)})`,
      );
    }
  } finally {
    await runner.close();
  }
  const steps = prep.map((p, i) => p + run[i]);
  return { dg, c, prepareMs: median(prep), runMs: median(run), stepMs: median(steps) };
}

async function torchStep(o: { n: number; runs: number; dg: number; c: number }) {
  const script = new URL("./objective_step_torch.py", import.meta.url).pathname;
  const cmd = new Deno.Command(Deno.env.get("PYTHON") ?? "/usr/bin/python3", {
    args: [script, "--n", `${o.n}`, "--runs", `${o.runs}`, "--dg", `${o.dg}`, "--c", `${o.c}`],
    stdout: "piped",
    stderr: "inherit",
  });
  const out = await cmd.output();
  if (!out.success) return undefined;
  const j = JSON.parse(new TextDecoder().decode(out.stdout));
  return j.stepMs as number;
}

/** Runs the benchmark (see the module doc). */
export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      n: { type: "string", default: "100000" },
      runs: { type: "string", default: "5" },
      shapes: { type: "string", default: "48x100,64x100,48x768" },
      torch: { type: "boolean", default: false },
      profile: { type: "string" },
    },
  });
  const n = Number(values.n), runs = Number(values.runs);
  const rows: Row[] = [];
  for (const s of values.shapes.split(",")) {
    const [dg, c] = s.split("x").map(Number);
    const row = await benchShape({ n, runs, dg, c, profile: values.profile });
    if (values.torch) row.torchMs = await torchStep({ n, runs, dg, c });
    rows.push(row);
  }
  console.log(`objective step, N = ${n}, H 256, S ~3000, K ~40, median of ${runs} (ms)\n`);
  console.log("| Dg | C | prepare (TS) | session run | step | torch step | ours / torch |");
  console.log("|---|---|---|---|---|---|---|");
  for (const r of rows) {
    const t = r.torchMs === undefined ? "–" : r.torchMs.toFixed(0);
    const ratio = r.torchMs === undefined ? "–" : (r.stepMs / r.torchMs).toFixed(2);
    console.log(
      `| ${r.dg} | ${r.c} | ${r.prepareMs.toFixed(0)} | ${r.runMs.toFixed(0)} | ` +
        `${r.stepMs.toFixed(0)} | ${t} | ${ratio} |`,
    );
  }
}

if (import.meta.main) await run(Deno.args);
