/**
 * Training step time of the GeoGuide trainer on one synthetic scene: N points (default
 * 100 000), Dg = 48, C = 100, H = 256, Hr = 64, ~1 000 superpoints, ~40 instances,
 * default sampling (8 192 IMR candidates, 1 024 IIRC superpoints).
 *
 * `deno run -A bench/train_step.ts [N] [steps]` prints one JSON object on stdout
 * (median / mean step ms, points per second, provider); progress on stderr.
 *
 * @module
 */

import { cudaAvailable } from "../src/onnx/session.ts";
import { Rng } from "../src/kernels/random.ts";
import { resolveTrainConfig } from "../src/train/config.ts";
import { trainAdapter } from "../src/train/loop.ts";
import type { TrainScene } from "../src/train/scene.ts";

const n = Number(Deno.args[0] ?? 100_000), steps = Number(Deno.args[1] ?? 12);
const dg = 48, c = 100;
const rng = new Rng(1);
const superpoint = Int32Array.from({ length: n }, (_, i) => Math.floor(i / 100));
const instance = Int32Array.from(
  { length: n },
  (_, i) => (i % 3 === 0 ? -1 : Math.floor(i / 2500)),
);
const scene: TrainScene = {
  name: "bench",
  count: n,
  points: n,
  coord: Float32Array.from({ length: n * 3 }, () => rng.uniform(0, 5)),
  geometric: Float32Array.from({ length: n * dg }, () => rng.normal()),
  teacher: Float32Array.from({ length: n * c }, () => rng.normal()),
  valid: Uint8Array.from({ length: n }, () => (rng.next() < 0.9 ? 1 : 0)),
  superpoint,
  instance,
  voxelOf: Int32Array.from({ length: n }, (_, i) => i),
  cached: false,
};
const times: number[] = [];
let last = performance.now();
await trainAdapter({
  config: resolveTrainConfig({ steps, warmup: 1, validateEvery: 0 }),
  scenes: [scene],
  dims: { dg, c },
  onEvent: (e) => {
    if (e.type !== "progress") return;
    const now = performance.now();
    times.push(now - last);
    last = now;
  },
  log: (line) => console.error(`bench: ${line}`),
});
const steady = times.slice(2).sort((a, b) => a - b);
const median = steady[Math.floor(steady.length / 2)];
console.log(JSON.stringify({
  points: n,
  dg,
  c,
  steps,
  firstStepMs: Math.round(times[0]),
  medianStepMs: Math.round(median),
  meanStepMs: Math.round(steady.reduce((a, b) => a + b, 0) / steady.length),
  pointsPerSecond: Math.round(n / (median / 1000)),
  cuda: cudaAvailable(),
}));
