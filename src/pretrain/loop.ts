/**
 * The pre-training loop: per step a batch of rooms, two views of each, the objective graph
 * (objectives.ts: VICReg or DINO) run in onnxruntime with its gradients, an AdamW update of the geonet and
 * objective's head weights. Seeded per step (step t draws from `Rng(seed, t)`), so a run resumed
 * from a checkpoint continues bit for bit. Writes the backbone folder (`backbone.onnx`,
 * `backbone.json`, with `loss_curve.png` beside them) at every checkpoint and at the end.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { writeFileAtomic } from "../io/atomic_write.ts";
import { linePlotPng } from "../render/plot.ts";
import { join } from "node:path";
import { AdamW, type AdamWState } from "../kernels/adamw.ts";
import { GeoError } from "../kernels/errors.ts";
import { cosineSchedule } from "../kernels/lr_schedule.ts";
import { Rng } from "../kernels/random.ts";
import { analyzeScene } from "../features/scene_geometry.ts";
import { backboneFeeds } from "../features/backbones/inputs.ts";
import { floatRoles } from "../features/backbones/onnx.ts";
import {
  type GeonetConfig,
  geonetInputs,
  type GeonetWeights,
} from "../features/backbones/geonet_graph.ts";
import type { Feed } from "../kernels/graph/interpret.ts";
import { createOnnxBackend } from "../train/objective/onnx_backend.ts";
import { readCheckpoint, writeCheckpoint } from "../train/checkpoint.ts";
import { formatDuration, ProgressMeter } from "../train/progress.ts";
import { makeObjective, type ObjectiveChoice, type ObjectiveState } from "./objectives.ts";
import {
  drawView,
  type PretrainRoom,
  type RoomView,
  sharedSuperpoints,
  type ViewOptions,
} from "./views.ts";
import { writeGeonetFolder } from "./export.ts";
import { type CloudFeeds, collateFeeds } from "./collate.ts";

/** Settings of a pre-training run (everything that determines its weights). */
export interface PretrainConfig {
  /** optimiser steps */
  steps: number;
  /** seed of the initial weights and of every step's draws */
  seed: number;
  /** peak learning rate (cosine schedule after warmup) */
  lr: number;
  /** warmup steps */
  warmup: number;
  /** AdamW decoupled weight decay */
  weightDecay: number;
  /** global gradient-norm clip */
  maxGradNorm: number;
  /** the network */
  geonet: GeonetConfig;
  /** the objective and its settings */
  objective: ObjectiveChoice;
  /** how views are drawn */
  view: ViewOptions;
  /** view pairs per step (each from a random room) */
  batch: number;
  /** least points a superpoint needs in both views to be compared */
  minShared: number;
}

/** One step's losses. */
export interface PretrainPoint {
  /** step (1-based) */
  step: number;
  /** the objective's loss */
  loss: number;
  /** its logged terms by name (VICReg: invariance, variance, covariance; DINO: entropies) */
  terms: Record<string, number>;
  /** shared superpoints compared */
  shared: number;
}

/** Options of {@link pretrain}. */
export interface PretrainOptions {
  /** the rooms (see rooms.ts) */
  rooms: PretrainRoom[];
  /** names of the room sources (recorded, part of the checkpoint fingerprint) */
  sources: string[];
  /** the backbone folder written */
  out: string;
  /** the settings */
  config: PretrainConfig;
  /** checkpoint (and export) every K steps; 0 = only at the end */
  checkpointEvery: number;
  /** continue from `<out>/.pretrain-checkpoint.bin` */
  resume: boolean;
  /** progress lines */
  log: (line: string) => void;
  /** stops between steps */
  signal?: AbortSignal;
}

/** The checkpoint file inside the output folder. */
export const PRETRAIN_CHECKPOINT = ".pretrain-checkpoint.bin";

/** The loss-curve picture written into the backbone folder. */
export const PRETRAIN_CURVE = "loss_curve.png";

/** The loss against the step (mean over bins of up to 200 points), as a PNG. */
function curvePng(curve: readonly PretrainPoint[], objective: string): Uint8Array {
  const per = Math.max(1, Math.ceil(curve.length / 200));
  const x: number[] = [], y: number[] = [];
  for (let i = 0; i < curve.length; i += per) {
    const bin = curve.slice(i, i + per);
    x.push(bin[bin.length - 1].step);
    y.push(bin.reduce((s, p) => s + p.loss, 0) / bin.length);
  }
  return linePlotPng([{ name: "loss", x, y }], { title: `pre-training loss (${objective})` });
}

/** The random stream of step `t` of a run seeded `seed`. */
export function stepRng(seed: number, t: number): Rng {
  return new Rng((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(t + 1, 0x85ebca6b)) >>> 0);
}

/** Feeds of one view (unprefixed names plus `sp`), its geometry computed like at serving. */
async function viewFeeds(
  view: RoomView,
  shared: Int32Array,
  c: GeonetConfig,
): Promise<CloudFeeds["feeds"]> {
  const geometry = analyzeScene(view.cloud, { superpointIds: new Int32Array(view.cloud.count) });
  const feeds = await backboneFeeds(geometry, geonetInputs(c), floatRoles);
  feeds.sp = { data: BigInt64Array.from(shared, BigInt), dims: [shared.length] };
  return feeds;
}

/** The objective graph's feeds of `batch` view pairs (`a.*`, `b.*`, `sp_count`). */
async function batchFeeds(
  rooms: PretrainRoom[],
  rng: Rng,
  config: PretrainConfig,
  targets: boolean,
) {
  const as: CloudFeeds[] = [], bs: CloudFeeds[] = [];
  const rows: Float32Array[] = [];
  let points = 0;
  for (let i = 0; i < config.batch; i++) {
    const { room, a, b, shared } = drawPair(rooms, rng, config);
    if (targets) rows.push(targetRows(room, shared.roomOf));
    as.push({ feeds: await viewFeeds(a, shared.a, config.geonet), shared: shared.count });
    bs.push({ feeds: await viewFeeds(b, shared.b, config.geonet), shared: shared.count });
    points += a.cloud.count + b.cloud.count;
  }
  const a = collateFeeds(as, config.geonet), b = collateFeeds(bs, config.geonet);
  const feeds: Record<string, Feed> = {
    sp_count: { data: BigInt64Array.of(BigInt(a.shared + 1)), dims: [1] },
  };
  for (const [k, f] of Object.entries(a.feeds)) feeds[`a.${k}`] = f;
  for (const [k, f] of Object.entries(b.feeds)) feeds[`b.${k}`] = f;
  if (targets) {
    const width = rows[0].length / Math.max(1, as[0].shared);
    const t = new Float32Array((a.shared + 1) * width); // row 0: the not-shared bin
    let o = width;
    for (const r of rows) t.set(r, o), o += r.length;
    feeds.target = { data: t, dims: [a.shared + 1, width] };
  }
  return { feeds, points, shared: a.shared };
}

/** The room targets of shared superpoints 1..S, in order (Float32Array S×T). */
function targetRows(room: PretrainRoom, roomOf: Int32Array): Float32Array {
  if (!room.targets) throw new GeoError("internal", `Room ${room.name} has no targets`);
  const width = room.targets.length / room.superpointCount;
  const out = new Float32Array(roomOf.length * width);
  roomOf.forEach((s, j) => out.set(room.targets!.subarray(s * width, (s + 1) * width), j * width));
  return out;
}

/** Draws a view pair with at least 4 shared superpoints (up to 8 tries). */
function drawPair(rooms: PretrainRoom[], rng: Rng, config: PretrainConfig) {
  for (let attempt = 0;; attempt++) {
    const room = rooms[rng.int(rooms.length)];
    const i = rng.int(room.cloud.count);
    const centre: [number, number] = [room.cloud.coord[3 * i], room.cloud.coord[3 * i + 1]];
    const a = drawView(room, centre, rng, config.view);
    const b = drawView(room, centre, rng, config.view);
    const shared = sharedSuperpoints(room, a.source, b.source, config.minShared);
    if (shared.count >= 4 || attempt >= 7) return { room, a, b, shared };
  }
}

/** sha256 of what determines a run (settings and sources). */
function fingerprint(o: PretrainOptions): string {
  return createHash("sha256").update(JSON.stringify({ config: o.config, sources: o.sources }))
    .digest("hex");
}

/**
 * Runs pre-training and writes the backbone folder.
 *
 * @returns the loss curve, the folder's backbone version and the exported geonet weights
 */
export async function pretrain(
  o: PretrainOptions,
): Promise<{ curve: PretrainPoint[]; version: string; weights: GeonetWeights }> {
  const c = o.config;
  const objective = makeObjective(c.geonet, c.objective);
  const { graph, params, grads } = objective.graph;
  const groups = objective.shapes;
  const backend = await createOnnxBackend(graph, { deterministic: true });
  let weights: GeonetWeights = objective.init(new Rng(c.seed));
  const fp = fingerprint(o);
  const ckptPath = join(o.out, PRETRAIN_CHECKPOINT);
  let start = 0;
  let curve: PretrainPoint[] = [];
  let state: AdamWState | undefined;
  if (o.resume) {
    const ck = await readCheckpoint(ckptPath);
    if (!ck) throw new GeoError("not_found", `No checkpoint to resume in ${o.out}`);
    if (ck.fingerprint !== fp) {
      throw new GeoError(
        "failed_precondition",
        "The checkpoint is of another run (settings or data differ)",
      );
    }
    weights = Object.fromEntries(params.map((n) => [n, Float32Array.from(ck.params[n])]));
    state = ck.optimizer;
    objective.load(ck.history.objective as ObjectiveState);
    start = ck.step;
    curve = (ck.history.curve ?? []) as PretrainPoint[];
    o.log(`resumed at step ${start}`);
  }
  const adam = new AdamW(params.map((n) => weights[n]), {
    lr: c.lr,
    weightDecay: c.weightDecay,
    maxGradNorm: c.maxGradNorm,
    decay: groups.map(([name]) => name.endsWith(".w")),
  });
  if (state) adam.load(state);
  const lr = cosineSchedule({ base: c.lr, total: c.steps, warmup: c.warmup });
  const meter = new ProgressMeter(c.steps - start);
  // The folder is replaced whole (atomically), so the checkpoint inside it is written after.
  const save = async (step: number) => {
    const version = await writeGeonetFolder(o.out, {
      config: c,
      weights: objective.exported(weights),
      curve,
      sources: o.sources,
    });
    await writeFileAtomic(join(o.out, PRETRAIN_CURVE), curvePng(curve, c.objective.kind));
    await writeCheckpoint(ckptPath, {
      fingerprint: fp,
      step,
      params: weights,
      optimizer: adam.state,
      history: { curve, objective: objective.save() },
    });
    return version;
  };
  try {
    for (let t = start; t < c.steps; t++) {
      if (o.signal?.aborted) throw new GeoError("cancelled", "Pre-training was cancelled");
      const t0 = performance.now();
      const rng = stepRng(c.seed, t);
      const { feeds, points, shared } = await batchFeeds(o.rooms, rng, c, objective.targets);
      groups.forEach(([name, dims]) => (feeds[name] = { data: weights[name], dims }));
      Object.assign(feeds, objective.feeds());
      const out = await backend.run(feeds);
      const g = grads.map((name) => Float32Array.from(out[name]));
      const info = adam.step(g, lr(t));
      objective.after(weights, out, t, c.steps);
      const [loss, ...rest] = objective.losses.map((k) => out[k][0]);
      if (!Number.isFinite(loss)) {
        throw new GeoError("internal", `Pre-training diverged at step ${t + 1} (loss ${loss})`);
      }
      const terms = Object.fromEntries(objective.losses.slice(1).map((k, i) => [k, rest[i]]));
      curve.push({ step: t + 1, loss, terms, shared });
      const rate = meter.tick(points, (performance.now() - t0) / 1000);
      const shown = Object.entries(terms).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(" ");
      o.log(
        `step ${t + 1}/${c.steps} loss ${loss.toFixed(4)}${
          shown ? ` (${shown})` : ""
        } superpoints ${shared} ` +
          `points ${points} |g| ${info.gradNorm.toFixed(3)} ${Math.round(rate.pointsPerSecond)} ` +
          `pts/s eta ${formatDuration(rate.eta)}`,
      );
      if (o.checkpointEvery > 0 && (t + 1) % o.checkpointEvery === 0 && t + 1 < c.steps) {
        await save(t + 1);
      }
    }
    const version = await save(c.steps);
    return { curve, version, weights: objective.exported(weights) };
  } finally {
    await backend.close();
  }
}
