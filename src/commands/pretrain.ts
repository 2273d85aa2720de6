/**
 * `pretrain --data DIR[,DIR…] [--clouds FILE,…] --out BACKBONE_DIR
 * [--objective complete|vicreg|dino] [--steps N] [--seed S] [--lr X] [--warmup N]
 * [--points N] [--batch B] [--pool max|mean] [--width W] [--dim D] [--grids a,b,c] [--k K]
 * [--descriptor geodesc-N] [--checkpoint-every K] [--resume] [--rooms N]`: pre-trains the
 * geonet backbone without labels (see src/pretrain/: by default the `complete` objective,
 * partial views predicting what the whole room's geometry says of each superpoint) and
 * writes the backbone folder `BACKBONE_DIR` (`backbone.onnx`, `backbone.json`,
 * `loss_curve.png`) that `train --backbone` and the benches take, and the same weights with
 * the hybrid output ([descriptor | learned]) in `BACKBONE_DIR/hybrid`. Dataset folders give
 * their scenes' coordinates and colours only.
 *
 * Progress per step on stderr (losses, points/s, ETA); the folder is rewritten at every
 * checkpoint, so it can be measured while the run goes on; `--resume` continues from
 * `<out>/.pretrain-checkpoint.bin` bit for bit. stdout: one JSON line (folders, versions).
 *
 * @module
 */

import { join } from "node:path";
import { GeoError } from "../kernels/errors.ts";
import { GEONET_DEFAULTS } from "../features/backbones/geonet_graph.ts";
import { DESCRIPTOR_VERSION_DIMS, isDescriptorVersion } from "../features/backbones/backbone.ts";
import { VICREG_DEFAULTS } from "../pretrain/objective.ts";
import { DINO_DEFAULTS } from "../pretrain/dino.ts";
import { pretrain, type PretrainConfig } from "../pretrain/loop.ts";
import { listRooms, loadRoom, targetWidth } from "../pretrain/rooms.ts";
import { VIEW_DEFAULTS } from "../pretrain/views.ts";
import { writeGeonetFolder } from "../pretrain/export.ts";
import { checkKnownFlags, numberFlag, parseFlags, runCancellable } from "./_flags.ts";

/** Usage of `pretrain`. */
export const USAGE = [
  "usage: pretrain --data DIR[,DIR…] --out BACKBONE_DIR [flags]",
  "  --data DIR[,DIR…]     dataset folders (coord.npy / color.npy of every scene)",
  "  --clouds F[,F…]       extra unlabelled clouds (z up, metres)",
  "  --out BACKBONE_DIR     backbone folder written; required",
  "  --objective O          complete|vicreg|dino; default complete",
  "  --steps N              optimiser steps (0: export the untrained network); default 3000",
  "  --seed S               seed; default 0",
  "  --lr X                 peak learning rate; default 0.001",
  "  --warmup N             warmup steps; default 100",
  "  --points N             most points per view; default 20000",
  "  --batch B              view pairs per step; default 4",
  "  --pool max|mean        neighbour pooling; default max",
  "  --width W              hidden width; default 64",
  "  --dim D                learned feature width; default 64",
  "  --grids a,b,c          context grid sides, metres; default 0.1,0.3,1",
  "  --k K                  neighbours gathered; default 8",
  "  --descriptor V         descriptor input; default geodesc-4",
  "  --rooms N              use only the first N rooms; default all",
  "  --checkpoint-every K   checkpoint and rewrite the folder every K steps; default 200",
  "  --resume               continue from the folder's checkpoint",
].join("\n");

const BOOLEAN = new Set(["--resume"]);
const KNOWN = new Set([
  ...BOOLEAN,
  ...USAGE.split("\n").slice(1).map((l) => l.trim().split(/\s+/)[0]),
]);

/** The run's settings from the flags. */
export function pretrainConfigOf(m: Map<string, string>): PretrainConfig {
  const descriptor = m.get("--descriptor") ?? GEONET_DEFAULTS.descriptor;
  if (!isDescriptorVersion(descriptor)) {
    throw new GeoError(
      "invalid_argument",
      `--descriptor must be a descriptor version, got '${descriptor}'`,
    );
  }
  const objective = m.get("--objective") ?? "complete";
  if (objective !== "vicreg" && objective !== "dino" && objective !== "complete") {
    throw new GeoError(
      "invalid_argument",
      `--objective must be complete, vicreg or dino, got '${objective}'`,
    );
  }
  const pool = m.get("--pool") ?? GEONET_DEFAULTS.pool;
  if (pool !== "max" && pool !== "mean") {
    throw new GeoError("invalid_argument", `--pool must be max or mean, got '${pool}'`);
  }
  const grids = m.has("--grids") ? m.get("--grids")!.split(",").map(Number) : GEONET_DEFAULTS.grids;
  if (grids.length === 0 || grids.some((s) => !(s > 0))) {
    throw new GeoError(
      "invalid_argument",
      "--grids must be positive sizes in metres, e.g. 0.1,0.3,1",
    );
  }
  const int = (flag: string, fallback: number, lo: number, hi = Infinity) => {
    const v = numberFlag(m, flag) ?? fallback;
    if (!Number.isInteger(v) || v < lo || v > hi) {
      throw new GeoError(
        "invalid_argument",
        `${flag} must be an integer in ${lo}..${hi}, got ${v}`,
      );
    }
    return v;
  };
  return {
    steps: int("--steps", 3000, 0),
    seed: int("--seed", 0, 0),
    lr: numberFlag(m, "--lr") ?? 1e-3,
    warmup: int("--warmup", 100, 0),
    weightDecay: 1e-4,
    maxGradNorm: 5,
    geonet: {
      ...GEONET_DEFAULTS,
      descriptor,
      descriptorDim: DESCRIPTOR_VERSION_DIMS[descriptor],
      k: int("--k", GEONET_DEFAULTS.k, 1, 16),
      pool,
      grids,
      width: int("--width", GEONET_DEFAULTS.width, 1),
      dim: int("--dim", GEONET_DEFAULTS.dim, 1),
      hybrid: false,
    },
    objective: objective === "dino"
      ? { kind: "dino", dino: DINO_DEFAULTS }
      : objective === "complete"
      ? {
        kind: "complete",
        complete: { hidden: 128, targets: targetWidth(DESCRIPTOR_VERSION_DIMS[descriptor]) },
      }
      : { kind: "vicreg", vicreg: VICREG_DEFAULTS },
    view: { ...VIEW_DEFAULTS, maxPoints: int("--points", VIEW_DEFAULTS.maxPoints, 100) },
    batch: int("--batch", 4, 1),
    minShared: 8,
  };
}

/** Runs the command; returns the exit code. */
export async function run(args: string[]): Promise<number> {
  let m: Map<string, string>;
  let config: PretrainConfig;
  try {
    m = parseFlags(args, BOOLEAN);
    checkKnownFlags(m, KNOWN);
    if (!m.has("--out") || !(m.has("--data") || m.has("--clouds"))) {
      throw new GeoError("invalid_argument", "--out and --data (or --clouds) are required");
    }
    config = pretrainConfigOf(m);
  } catch (e) {
    console.error(`pretrain: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  return await runCancellable("pretrain", (signal) => pretrainRooms(m, config, signal));
}

/** Loads the rooms, pre-trains and writes both folders; returns the exit code. */
async function pretrainRooms(
  m: Map<string, string>,
  config: PretrainConfig,
  signal: AbortSignal,
): Promise<number> {
  const log = (line: string) => console.error(`pretrain: ${line}`);
  const split = (flag: string) => (m.get(flag) ?? "").split(",").filter((s) => s !== "");
  let list = await listRooms({ data: split("--data"), clouds: split("--clouds") });
  const limit = numberFlag(m, "--rooms");
  if (limit !== undefined) list = list.slice(0, limit);
  const rooms = [];
  const t0 = performance.now();
  for (const [i, r] of list.entries()) {
    if (signal.aborted) throw new GeoError("cancelled", "Pre-training was cancelled");
    const room = await loadRoom(r.name, r.path, 0.02, {
      targets: config.objective.kind === "complete" ? config.geonet.descriptor : undefined,
    });
    rooms.push(room);
    const s = (performance.now() - t0) / 1000;
    log(
      `room ${i + 1}/${list.length} ${r.name}: ${room.cloud.count} voxels, ` +
        `${room.superpointCount} superpoints (${s.toFixed(0)} s)`,
    );
  }
  const out = m.get("--out")!;
  const sources = list.map((r) => r.name);
  const result = await pretrain({
    rooms,
    sources,
    out,
    config,
    checkpointEvery: numberFlag(m, "--checkpoint-every") ?? 200,
    resume: m.has("--resume"),
    log,
    signal,
  });
  // The same weights exported with the hybrid output ([descriptor | learned]), beside.
  const hybrid = join(out, "hybrid");
  const hybridVersion = await writeGeonetFolder(hybrid, {
    config,
    weights: result.weights,
    curve: result.curve,
    sources,
    hybrid: true,
  });
  console.log(JSON.stringify({
    folder: out,
    version: result.version,
    hybrid: { folder: hybrid, version: hybridVersion },
    steps: config.steps,
  }));
  return 0;
}
