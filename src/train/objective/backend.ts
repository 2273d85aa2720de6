/**
 * What runs an objective graph (`GraphBackend`), and the float64 interpreter backend.
 * The onnxruntime backend (onnx_backend.ts) implements the same interface; the runner
 * loads it lazily.
 *
 * @module
 */

import type { Graph } from "../../kernels/graph/graph.ts";
import { type Feed, interpretNamed } from "../../kernels/graph/interpret.ts";

/** Evaluates named outputs of a graph for feeds (backend-specific). */
export interface GraphBackend {
  /** output name → flat float64/float32 data */
  run(feeds: Record<string, Feed>): Promise<Record<string, ArrayLike<number>>>;
  /** frees the session, if any */
  close(): Promise<void>;
}

/** Float64 interpreter backend (exact; slow on large scenes). */
export function interpreterBackend(graph: Graph): GraphBackend {
  return {
    run: (feeds) => {
      const out = interpretNamed(graph, feeds);
      return Promise.resolve(Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data])));
    },
    close: () => Promise.resolve(),
  };
}
