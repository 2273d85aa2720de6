/**
 * onnxruntime backend of the objective runner: the graph is encoded once, one session is
 * created once, and each step feeds float data as the graph's float dtype and ids as int64.
 *
 * @module
 */

import type { Graph } from "../../kernels/graph/graph.ts";
import type { Feed } from "../../kernels/graph/interpret.ts";
import { encodeModel } from "../../onnx/onnx_proto.ts";
import {
  createSession,
  type SessionOptions,
  type TensorData,
  toInt64,
} from "../../onnx/session.ts";
import type { GraphBackend } from "./backend.ts";

/** Creates the session of `graph` (float32 or float64 graph) and wraps it as a backend. */
export async function createOnnxBackend(
  graph: Graph,
  options: SessionOptions = {},
): Promise<GraphBackend> {
  const session = await createSession(encodeModel(graph), options);
  const inputs = new Map(graph.inputs.map((t) => [t.name, t]));
  return {
    async run(feeds: Record<string, Feed>) {
      const ortFeeds: Record<string, TensorData> = {};
      for (const name of session.inputNames) {
        const f = feeds[name];
        const t = inputs.get(name);
        if (!f || !t) continue;
        const src = f.data as ArrayLike<number>;
        const data = t.dtype === "int64"
          ? (f.data instanceof BigInt64Array ? f.data : toInt64(src))
          : t.dtype === "int32"
          ? (f.data instanceof Int32Array ? f.data : Int32Array.from(src))
          : t.dtype === "float64"
          ? (f.data instanceof Float64Array ? f.data : new Float64Array(src))
          : (f.data instanceof Float32Array ? f.data : new Float32Array(src));
        ortFeeds[name] = { data, dims: f.dims };
      }
      const out = await session.run(ortFeeds);
      return Object.fromEntries(
        Object.entries(out).map(([k, v]) => [k, v.data as ArrayLike<number>]),
      );
    },
    close: () => session.release(),
  };
}
