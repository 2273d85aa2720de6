/**
 * The adapter's onnxruntime sessions of a loaded model: the served inference graph
 * (best label and cosine per row) and, made on first use, the semantic head (unit
 * features per row, what streaming fuses); plus the warm-up run of a loaded model.
 *
 * @module
 */

import { Rng } from "../kernels/random.ts";
import { encodeModel } from "../onnx/onnx_proto.ts";
import { createSession, type Session, type SessionOptions } from "../onnx/session.ts";
import { GeoError } from "../kernels/errors.ts";
import {
  type AdapterDims,
  type AdapterWeights,
  buildAdapterFeatureGraph,
  FEATURE_IO,
  type InferenceIo,
} from "../features/adapter_graph.ts";
import { analyzeScene } from "../features/scene_geometry.ts";
import type { Backbone } from "../features/backbones/backbone.ts";

/** Best label and score per row, as the adapter graph returns them. */
export interface Classification {
  /** Int32Array N: index of the best label. */
  label: Int32Array;
  /** Float32Array N: cosine of the best label. */
  score: Float32Array;
}

/** Runs the served inference graph on N rows against L label embeddings. */
export async function classifyWith(
  session: Session,
  io: InferenceIo,
  dims: AdapterDims,
  geometric: Float32Array,
  embeddings: Float32Array,
): Promise<Classification> {
  if (
    geometric.length % dims.dg !== 0 || embeddings.length % dims.dim !== 0 ||
    embeddings.length === 0
  ) {
    throw new GeoError(
      "internal",
      `Adapter input shapes do not match Dg ${dims.dg}, C ${dims.dim}`,
    );
  }
  const n = geometric.length / dims.dg;
  if (n === 0) return { label: new Int32Array(0), score: new Float32Array(0) };
  const out = await session.run({
    [io.geometric]: { data: geometric, dims: [n, dims.dg] },
    [io.labels]: { data: embeddings, dims: [embeddings.length / dims.dim, dims.dim] },
  }, [io.label, io.score]);
  const raw = out[io.label].data;
  const label = new Int32Array(n);
  for (let i = 0; i < n; i++) label[i] = Number(raw[i]);
  return { label, score: out[io.score].data as Float32Array };
}

/** The adapter's semantic-feature session. */
export interface SemanticHead {
  /** Float32Array N×Dg backbone features → Float32Array N×C unit rows. */
  run(geometric: Float32Array): Promise<Float32Array>;
  /** Frees the session. */
  release(): Promise<void>;
}

/** Builds the semantic head of `weights` (one session, options as the model's). */
export async function semanticHead(
  dims: AdapterDims,
  weights: Promise<AdapterWeights>,
  options: { session?: SessionOptions },
): Promise<SemanticHead> {
  const graph = buildAdapterFeatureGraph({ ...dims, weights: await weights });
  const session = await createSession(encodeModel(graph), options.session);
  return {
    async run(geometric) {
      const n = geometric.length / dims.dg;
      if (!Number.isInteger(n)) {
        throw new GeoError("internal", `Adapter input is not rows of Dg ${dims.dg}`);
      }
      if (n === 0) return new Float32Array(0);
      const out = await session.run(
        { [FEATURE_IO.geometric]: { data: geometric, dims: [n, dims.dg] } },
        [FEATURE_IO.semantic],
      );
      return out[FEATURE_IO.semantic].data as Float32Array;
    },
    release: () => session.release(),
  };
}

/** One run of backbone + adapter on a small seeded synthetic scene (a noisy box corner). */
export async function warmUp(model: {
  backbone: Backbone;
  dims: AdapterDims;
  classify(geometric: Float32Array, embeddings: Float32Array): Promise<Classification>;
}): Promise<void> {
  const rng = new Rng(1);
  const n = 96;
  const coord = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    const face = i % 3;
    for (let d = 0; d < 3; d++) {
      coord[3 * i + d] = d === face ? rng.uniform(0, 0.01) : rng.uniform(0, 1);
    }
  }
  const geometry = analyzeScene({ count: n, coord });
  const features = await model.backbone.features(geometry);
  const emb = new Float32Array(2 * model.dims.dim).map(() => rng.uniform(-1, 1));
  await model.classify(features, emb);
}
