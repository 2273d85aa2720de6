import assert from "node:assert/strict";
import type { DType, FloatDType } from "../kernels/graph/graph.ts";
import { Graph, interpret } from "../kernels/graph/mod.ts";
import { drawValues, inputDtype, OP_CASES } from "../kernels/graph/ops/op_cases.ts";
import { Rng } from "../kernels/random.ts";
import { encodeModel } from "./onnx_proto.ts";
import { createSession, type TensorArray, toInt64 } from "./session.ts";

function typed(dtype: DType, data: number[]): TensorArray {
  if (dtype === "float32") return Float32Array.from(data);
  if (dtype === "float64") return Float64Array.from(data);
  if (dtype === "int64") return toInt64(data);
  return Uint8Array.from(data);
}

// Every op's forward: onnxruntime (CPU) against the float64 interpreter on random input.
// float32: |got − ref| ≤ 1e-5 + 1e-5·|ref|; float64: ≤ 1e-12 + 1e-12·|ref|.
for (const float of ["float32", "float64"] as FloatDType[]) {
  Deno.test(`onnxruntime forward matches the interpreter, every op, ${float}`, async () => {
    const tol = float === "float32" ? 1e-5 : 1e-12;
    const rng = new Rng(99);
    for (const c of OP_CASES) {
      if (c.only && c.only !== float) continue;
      const g = new Graph({ float });
      const xs = c.inputs.map((inp, k) =>
        g.input(`x${k}`, inp.shape ?? inp.dims, inputDtype(inp, float))
      );
      const values = c.inputs.map((inp) => drawValues(inp, rng));
      const out = g.output("y", c.build(g, xs));
      const [ref] = interpret(
        g,
        Object.fromEntries(values.map((v, k) => [`x${k}`, { data: v, dims: c.inputs[k].dims }])),
      );
      const session = await createSession(encodeModel(g), { threads: 1, provider: "cpu" });
      const feeds = Object.fromEntries(
        values.map((v, k) => [`x${k}`, { data: typed(xs[k].dtype, v), dims: c.inputs[k].dims }]),
      );
      const got = (await session.run(feeds)).y;
      await session.release();
      assert.deepEqual([...got.dims], ref.dims, `${c.name}: dims`);
      assert.equal(got.type, out.dtype, `${c.name}: dtype`);
      const data = got.data as Float32Array | Float64Array;
      for (let k = 0; k < ref.data.length; k++) {
        const err = Math.abs(data[k] - ref.data[k]);
        assert.ok(
          err <= tol + tol * Math.abs(ref.data[k]),
          `${c.name} [${k}]: ${data[k]} vs ${ref.data[k]}`,
        );
      }
    }
  });
}
