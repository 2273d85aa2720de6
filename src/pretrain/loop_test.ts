import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import * as G from "../kernels/graph/mod.ts";
import { Rng } from "../kernels/random.ts";
import { analyzeScene } from "../features/scene_geometry.ts";
import { backboneFeeds } from "../features/backbones/inputs.ts";
import { floatRoles } from "../features/backbones/onnx.ts";
import {
  declareGeonetFeeds,
  GEONET_DEFAULTS,
  geonetForward,
  geonetInputs,
  geonetParams,
} from "../features/backbones/geonet_graph.ts";
import { loadBackbone } from "../features/backbones/load.ts";
import { pretrain, type PretrainConfig, type PretrainOptions } from "./loop.ts";
import { VICREG_DEFAULTS } from "./objective.ts";
import { DINO_DEFAULTS } from "./dino.ts";
import { VIEW_DEFAULTS } from "./views.ts";
import type { PretrainRoom } from "./views.ts";

/** A 3 × 3 m room: floor, two walls and a box, coloured, in superpoints by surface. */
function room(seed: number): PretrainRoom {
  const rng = new Rng(seed);
  const n = 2400;
  const coord = new Float32Array(3 * n), color = new Uint8Array(3 * n);
  const superpoint = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const s = i % 4;
    const u = rng.uniform(0, 3), v = rng.uniform(0, s === 0 ? 3 : 2.5);
    const p = s === 0
      ? [u, v, 0]
      : s === 1
      ? [u, 0, v]
      : s === 2
      ? [0, u, v]
      : [1 + u / 6, 1 + rng.uniform(0, 0.5), rng.uniform(0, 0.5)];
    coord.set(p, 3 * i);
    color.set([40 * s, 200 - 40 * s, 100], 3 * i);
    superpoint[i] = s;
  }
  return { name: `room${seed}`, cloud: { count: n, coord, color }, superpoint, superpointCount: 4 };
}

const CONFIG: PretrainConfig = {
  steps: 4,
  seed: 3,
  lr: 1e-3,
  warmup: 1,
  weightDecay: 1e-4,
  maxGradNorm: 5,
  geonet: { ...GEONET_DEFAULTS, width: 8, context: 4, fusion: 8, dim: 6, k: 4 },
  objective: { kind: "vicreg", vicreg: { ...VICREG_DEFAULTS, expander: 8 } },
  view: { ...VIEW_DEFAULTS, maxPoints: 1500 },
  batch: 2,
  minShared: 4,
};

function options(out: string, over: Partial<PretrainOptions> = {}): PretrainOptions {
  return {
    rooms: [room(1), room(2)],
    sources: ["room1", "room2"],
    out,
    config: CONFIG,
    checkpointEvery: 2,
    resume: false,
    log: () => {},
    ...over,
  };
}

Deno.test("pretrain: same seed, same backbone bytes; a resumed run ends the same", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const a = await pretrain(options(join(dir, "a")));
    assert.equal(a.curve.length, 4);
    assert.ok(a.curve.every((p) => Number.isFinite(p.loss) && p.shared > 0));
    const png = await readFile(join(dir, "a", "loss_curve.png"));
    assert.deepEqual(Array.from(png.subarray(1, 4)), [80, 78, 71]); // "PNG"
    await pretrain(options(join(dir, "b")));
    const bytes = (d: string) => readFile(join(dir, d, "backbone.onnx"));
    assert.deepEqual(await bytes("a"), await bytes("b"));
    await pretrain(options(join(dir, "c"), { config: { ...CONFIG, seed: 4 } }));
    assert.notDeepEqual(await bytes("a"), await bytes("c"));
    // stop after step 2 (its checkpoint), then resume
    const stop = new AbortController();
    const log = (line: string) => line.startsWith("step 3/") && stop.abort();
    await assert.rejects(
      pretrain(options(join(dir, "d"), { log, signal: stop.signal })),
      /cancelled/,
    );
    const resumed = await pretrain(options(join(dir, "d"), { resume: true }));
    assert.equal(resumed.curve.length, 4);
    assert.deepEqual(await bytes("d"), await bytes("a"));
    await assert.rejects(
      pretrain(options(join(dir, "d"), { resume: true, config: { ...CONFIG, lr: 2e-3 } })),
      /another run/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("pretrain: the exported backbone computes the trained network", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { weights } = await pretrain(options(dir, { config: { ...CONFIG, steps: 2 } }));
    const backbone = await loadBackbone(dir);
    assert.equal(backbone.dim, CONFIG.geonet.dim);
    assert.match(backbone.version, /^geonet-1@[0-9a-f]{12}$/);
    const r = room(9);
    const geometry = analyzeScene(r.cloud);
    const got = await backbone.features(geometry);
    const g = new G.Graph({ float: "float64" });
    const c = CONFIG.geonet;
    const out = geonetForward(declareGeonetFeeds(g, c), geonetParams(g, c, weights), c);
    const feeds = await backboneFeeds(geometry, geonetInputs(c), floatRoles);
    const want = G.interpret(g, feeds, [out])[0].data;
    assert.equal(got.length, want.length);
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
    assert.ok(worst < 1e-3 * (1 + Math.max(...Array.from(want, Math.abs))), `${worst}`);
    await (backbone as { release?: () => Promise<void> }).release?.();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("pretrain (DINO): a resumed run carries the teacher and centre and ends the same", async () => {
  const dir = await Deno.makeTempDir();
  const config: PretrainConfig = {
    ...CONFIG,
    objective: {
      kind: "dino",
      dino: { ...DINO_DEFAULTS, hidden: 8, bottleneck: 4, prototypes: 5 },
    },
  };
  try {
    await pretrain(options(join(dir, "a"), { config }));
    const stop = new AbortController();
    const log = (line: string) => line.startsWith("step 3/") && stop.abort();
    await assert.rejects(
      pretrain(options(join(dir, "d"), { config, log, signal: stop.signal })),
      /cancelled/,
    );
    await pretrain(options(join(dir, "d"), { config, resume: true }));
    const bytes = (d: string) => readFile(join(dir, d, "backbone.onnx"));
    assert.deepEqual(await bytes("d"), await bytes("a"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("pretrain (complete): the room targets are fed and the loss falls", async () => {
  const dir = await Deno.makeTempDir();
  const withTargets = (r: PretrainRoom): PretrainRoom => {
    // target of superpoint s: a one-hot of s, so the head has something learnable
    const t = new Float32Array(r.superpointCount * 4);
    for (let s = 0; s < r.superpointCount; s++) t[s * 4 + (s % 4)] = 1;
    return { ...r, targets: t };
  };
  const config: PretrainConfig = {
    ...CONFIG,
    steps: 40,
    lr: 1e-2,
    objective: { kind: "complete", complete: { hidden: 8, targets: 4 } },
  };
  try {
    const { curve } = await pretrain(
      options(dir, { config, rooms: [withTargets(room(1)), withTargets(room(2))] }),
    );
    const mean = (xs: { loss: number }[]) => xs.reduce((s, p) => s + p.loss, 0) / xs.length;
    // 0.1875 = the loss of the best constant prediction of 4 one-hot targets (3/16)
    const last = mean(curve.slice(-10));
    assert.ok(last < 0.7 * mean(curve.slice(0, 5)) && last < 0.1875, `${last}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
