/**
 * Encodes a `Graph` (src/kernels/graph) as ONNX ModelProto bytes (opset 18, IR 8).
 * The only importer of `onnx-proto`.
 *
 * Symbolic dims that are plain identifiers (e.g. "N") become `dim_param`; other
 * derived symbolic dims are left unnamed. Nodes the outputs do not need are pruned.
 *
 * @module
 */

import onnxProto from "onnx-proto";
import { GeoError } from "../kernels/errors.ts";
import type { Attr, ConstData, Dim, DType, Graph, Tensor } from "../kernels/graph/graph.ts";
import { DTYPE_CODE } from "../kernels/graph/ops/arith.ts";

const { onnx } = onnxProto;

/** The ONNX default-domain opset the graphs are written for. */
export const OPSET = 18;

/** Options of `encodeModel`. */
export interface EncodeOptions {
  /** outputs to keep (default: all graph outputs) */
  outputs?: readonly Tensor[];
  /** free-text model doc string */
  docString?: string;
}

/** ModelProto bytes of `graph` (see the module doc). */
export function encodeModel(graph: Graph, options: EncodeOptions = {}): Uint8Array {
  const outputs = options.outputs ?? graph.outputs;
  if (outputs.length === 0) throw new GeoError("invalid_argument", "The graph has no outputs");
  const nodes = graph.liveNodes(outputs);
  const used = new Set<number>(outputs.map((t) => t.id));
  for (const n of nodes) for (const t of n.inputs) used.add(t.id);
  const initializer = [...graph.constants]
    .filter(([id]) => used.has(id))
    .map(([id, c]) => tensorProto(c, graph.tensors[id].name));
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: "geoguide",
    docString: options.docString ?? "",
    opsetImport: [{ domain: "", version: OPSET }],
    graph: {
      name: graph.name,
      node: nodes.map((n, i) => ({
        opType: n.op,
        name: `${n.op}_${i}`,
        input: n.inputs.map((t) => t.name),
        output: n.outputs.map((t) => t.name),
        attribute: Object.entries(n.attrs).map(([name, a]) => attrProto(name, a)),
      })),
      initializer,
      input: graph.inputs.map(valueInfo),
      output: outputs.map(valueInfo),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

function valueInfo(t: Tensor) {
  return {
    name: t.name,
    type: { tensorType: { elemType: DTYPE_CODE[t.dtype], shape: { dim: t.shape.map(dimProto) } } },
  };
}

function dimProto(d: Dim) {
  if (typeof d === "number") return { dimValue: d };
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(d) ? { dimParam: d } : {};
}

function rawBytes(dtype: DType, data: ArrayLike<number>): Uint8Array {
  let arr: ArrayBufferView;
  switch (dtype) {
    case "float32":
      arr = data instanceof Float32Array ? data : Float32Array.from(data);
      break;
    case "float64":
      arr = data instanceof Float64Array ? data : Float64Array.from(data);
      break;
    case "int64":
      arr = BigInt64Array.from(Array.from(data), (x) => BigInt(Math.trunc(x)));
      break;
    case "int32":
      arr = data instanceof Int32Array ? data : Int32Array.from(data);
      break;
    case "bool":
      arr = Uint8Array.from(data, (x) => (x ? 1 : 0));
      break;
  }
  return new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
}

function tensorProto(c: ConstData, name?: string) {
  return {
    name,
    dims: c.dims,
    dataType: DTYPE_CODE[c.dtype],
    rawData: rawBytes(c.dtype, c.data),
  };
}

const A = onnx.AttributeProto.AttributeType;

function attrProto(name: string, a: Attr) {
  switch (a.kind) {
    case "int":
      return { name, type: A.INT, i: a.value };
    case "float":
      return { name, type: A.FLOAT, f: a.value };
    case "ints":
      return { name, type: A.INTS, ints: a.value };
    case "floats":
      return { name, type: A.FLOATS, floats: a.value };
    case "string":
      return { name, type: A.STRING, s: new TextEncoder().encode(a.value) };
    case "tensor":
      return { name, type: A.TENSOR, t: tensorProto(a.value) };
  }
}

/** A summary of a model, for checks and diagnostics. */
export interface ModelSummary {
  /** opset of the default domain */
  opset: number;
  /** graph inputs: name and dims (numbers, dim_param names, or "?" for unnamed) */
  inputs: { name: string; dims: Dim[] }[];
  /** graph outputs, same form */
  outputs: { name: string; dims: Dim[] }[];
  /** initializer names */
  initializers: string[];
  /** op type of each node, in order */
  ops: string[];
}

/** Decodes ModelProto bytes into a `ModelSummary`. */
export function describeModel(bytes: Uint8Array): ModelSummary {
  const m = onnx.ModelProto.decode(bytes);
  type ValueInfo = NonNullable<typeof m.graph>["input"] extends (infer V)[] | null | undefined ? V
    : never;
  const dims = (v: ValueInfo) =>
    (v.type?.tensorType?.shape?.dim ?? []).map((d): Dim =>
      d.dimParam
        ? d.dimParam
        : d.dimValue !== undefined && d.dimValue !== null
        ? Number(d.dimValue)
        : "?"
    );
  const g = m.graph!;
  return {
    opset: Number(m.opsetImport?.find((o) => !o.domain)?.version ?? 0),
    inputs: (g.input ?? []).map((v) => ({ name: v.name ?? "", dims: dims(v) })),
    outputs: (g.output ?? []).map((v) => ({ name: v.name ?? "", dims: dims(v) })),
    initializers: (g.initializer ?? []).map((t) => t.name ?? ""),
    ops: (g.node ?? []).map((n) => n.opType ?? ""),
  };
}
