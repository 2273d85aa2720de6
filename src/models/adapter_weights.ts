/**
 * The `adapter.bin` file of a model bundle: float32 LE concatenation of the
 * adapter weights w1 (Dg×H), b1 (H), w2 (H×C), b2 (C).
 *
 * @module
 */

import { GeoError } from "../kernels/errors.ts";
import { type AdapterDims, adapterShapes, type AdapterWeights } from "../features/adapter_graph.ts";

/** float32 LE bytes of w1, b1, w2, b2 (the `adapter.bin` layout). */
export function encodeAdapterWeights(dims: AdapterDims, w: AdapterWeights): Uint8Array {
  const shapes = adapterShapes(dims);
  const parts = (["w1", "b1", "w2", "b2"] as const).map((k) => {
    const n = shapes[k].reduce((a, b) => a * b, 1);
    if (w[k].length !== n) {
      throw new GeoError(
        "invalid_argument",
        `Adapter weight ${k} has ${w[k].length} values, expected ${n}`,
      );
    }
    return w[k];
  });
  const total = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(4 * total);
  const view = new DataView(out.buffer);
  let o = 0;
  for (const p of parts) for (let i = 0; i < p.length; i++, o += 4) view.setFloat32(o, p[i], true);
  return out;
}

/**
 * Splits `adapter.bin` bytes into weights.
 *
 * @throws GeoError failed_precondition naming `source` when the length does not match `dims`
 */
export function decodeAdapterWeights(
  bytes: Uint8Array,
  dims: AdapterDims,
  source: string,
): AdapterWeights {
  const shapes = adapterShapes(dims);
  const sizes = (["w1", "b1", "w2", "b2"] as const).map((k) =>
    shapes[k].reduce((a, b) => a * b, 1)
  );
  const total = sizes.reduce((a, b) => a + b, 0);
  if (bytes.byteLength !== 4 * total) {
    throw new GeoError(
      "failed_precondition",
      `${source}: ${bytes.byteLength} bytes, dims Dg ${dims.dg}, H ${dims.hidden}, C ${dims.dim} need ${
        4 * total
      }`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = 0;
  const take = (n: number) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++, o += 4) a[i] = view.getFloat32(o, true);
    return a;
  };
  return { w1: take(sizes[0]), b1: take(sizes[1]), w2: take(sizes[2]), b2: take(sizes[3]) };
}
