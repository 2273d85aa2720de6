/**
 * The pre-training objectives behind one interface, so the loop does not care which runs:
 * `vicreg` (objective.ts: the two views agree, columns spread and decorrelated) and
 * `dino` (dino.ts: a student matches an EMA teacher's prototype distribution) and
 * `complete` (complete.ts: partial views predict what the whole room says). Each says
 * its graph, trained parameters, extra feeds and state (the DINO teacher and centre), what
 * to do after an optimiser step, and which geonet weights to export.
 *
 * @module
 */

import type { Feed } from "../kernels/graph/interpret.ts";
import type { Rng } from "../kernels/random.ts";
import {
  type GeonetConfig,
  geonetParamShapes,
  type GeonetWeights,
  initGeonetWeights,
} from "../features/backbones/geonet_graph.ts";
import {
  buildPretrainGraph,
  initExpanderWeights,
  PRETRAIN_LOSSES,
  type PretrainGraph,
  pretrainParamShapes,
  type VicregConfig,
} from "./objective.ts";
import {
  buildDinoGraph,
  DINO_LOSSES,
  type DinoConfig,
  dinoHeadShapes,
  initDinoHead,
  TEACHER_PREFIX,
} from "./dino.ts";
import {
  buildCompleteGraph,
  type CompleteConfig,
  completeHeadShapes,
  initCompleteHead,
} from "./complete.ts";

/** Which objective, with its settings. */
export type ObjectiveChoice =
  | { kind: "vicreg"; vicreg: VicregConfig }
  | { kind: "dino"; dino: DinoConfig }
  | { kind: "complete"; complete: CompleteConfig };

/** JSON-serialisable state besides the trained weights (checkpointed). */
export type ObjectiveState = Record<string, number[]>;

/** One objective, ready to run. */
export interface PretrainObjective {
  /** the graph */
  graph: PretrainGraph;
  /** trained parameters with shapes, in the graph's order */
  shapes: [string, number[]][];
  /** whether each step feeds `target` rows from the rooms' targets (rooms.ts `roomTargets`) */
  targets: boolean;
  /** scalar outputs logged per step, in order (the first is the loss) */
  losses: readonly string[];
  /** initial trained weights */
  init(rng: Rng): GeonetWeights;
  /** feeds besides the views and the trained weights */
  feeds(): Record<string, Feed>;
  /** after the optimiser step `t` (0-based) of `total`: update the state from the outputs */
  after(
    weights: GeonetWeights,
    out: Record<string, ArrayLike<number>>,
    t: number,
    total: number,
  ): void;
  /** the geonet weights to export (DINO: the teacher's) */
  exported(weights: GeonetWeights): GeonetWeights;
  /** state for a checkpoint, and loading it back */
  save(): ObjectiveState;
  load(state: ObjectiveState): void;
}

/** The objective `choice` for geonet `c`. */
export function makeObjective(c: GeonetConfig, choice: ObjectiveChoice): PretrainObjective {
  if (choice.kind === "complete") return complete(c, choice.complete);
  return choice.kind === "vicreg" ? vicreg(c, choice.vicreg) : dino(c, choice.dino);
}

/** The parts of an objective without state besides its trained weights (VICReg, completion). */
const STATELESS: Pick<PretrainObjective, "feeds" | "after" | "exported" | "save" | "load"> = {
  feeds: () => ({}),
  after: () => {},
  exported: (w) => w,
  save: () => ({}),
  load: () => {},
};

function vicreg(c: GeonetConfig, v: VicregConfig): PretrainObjective {
  return {
    graph: buildPretrainGraph(c, v),
    shapes: pretrainParamShapes(c, v),
    targets: false,
    losses: PRETRAIN_LOSSES,
    init: (rng) => ({ ...initGeonetWeights(c, rng), ...initExpanderWeights(c, v, rng) }),
    ...STATELESS,
  };
}

function dino(c: GeonetConfig, d: DinoConfig): PretrainObjective {
  const shapes = [...geonetParamShapes(c), ...dinoHeadShapes(c, d)];
  let teacher: GeonetWeights = {};
  let center = new Float32Array(d.prototypes);
  return {
    graph: buildDinoGraph(c, d),
    shapes,
    targets: false,
    losses: DINO_LOSSES,
    init(rng) {
      const w = { ...initGeonetWeights(c, rng), ...initDinoHead(c, d, rng) };
      teacher = Object.fromEntries(shapes.map(([n]) => [n, Float32Array.from(w[n])]));
      return w;
    },
    feeds() {
      const f: Record<string, Feed> = { center: { data: center, dims: [d.prototypes] } };
      for (const [n, dims] of shapes) f[TEACHER_PREFIX + n] = { data: teacher[n], dims };
      return f;
    },
    after(weights, out, t, total) {
      // teacher ← m·teacher + (1 − m)·student, m rising from teacherMomentum to 1
      const m = 1 - (1 - d.teacherMomentum) * (Math.cos(Math.PI * t / Math.max(1, total)) + 1) / 2;
      for (const [n] of shapes) {
        const s = weights[n], tw = teacher[n];
        for (let i = 0; i < tw.length; i++) tw[i] = m * tw[i] + (1 - m) * s[i];
      }
      const mean = out.teacher_mean;
      for (let k = 0; k < center.length; k++) {
        center[k] = d.centerMomentum * center[k] + (1 - d.centerMomentum) * mean[k];
      }
    },
    exported: () => teacher,
    save: () => ({
      center: Array.from(center),
      ...Object.fromEntries(shapes.map(([n]) => [TEACHER_PREFIX + n, Array.from(teacher[n])])),
    }),
    load(state) {
      center = Float32Array.from(state.center);
      teacher = Object.fromEntries(
        shapes.map(([n]) => [n, Float32Array.from(state[TEACHER_PREFIX + n])]),
      );
    },
  };
}

function complete(c: GeonetConfig, o: CompleteConfig): PretrainObjective {
  return {
    graph: buildCompleteGraph(c, o),
    shapes: [...geonetParamShapes(c), ...completeHeadShapes(c, o)],
    targets: true,
    losses: ["loss"],
    init: (rng) => ({ ...initGeonetWeights(c, rng), ...initCompleteHead(c, o, rng) }),
    ...STATELESS,
  };
}
