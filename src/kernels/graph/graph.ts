/**
 * A small typed tensor graph whose nodes are ONNX operators (opset 18).
 *
 * A `Graph` holds inputs, constant data (initializers), nodes and outputs. Every
 * `Tensor` has a dtype and a static rank; each dimension is a number or a symbolic
 * name such as `"N"` (a size only known when the graph runs). Graphs are built in
 * one floating dtype (`float32` for onnxruntime, `float64` for exact checks), so the
 * same builder code can be emitted either way: use `g.float` for float tensors.
 *
 * Builder functions live in `ops/*.ts` (primitives, one ONNX node each) and
 * `composite.ts`; `autodiff.ts` adds gradient nodes; `interpret.ts` evaluates a graph
 * in float64; `src/onnx/onnx_proto.ts` encodes it as an ONNX model.
 *
 * Conventions: symbolic dims are assumed ≠ 1 when broadcasting; nodes are kept in
 * creation order, which is a topological order.
 *
 * @module
 */

import { GeoError, invalid } from "../errors.ts";

/** Element types a tensor may hold. */
export type DType = "float32" | "float64" | "int64" | "int32" | "bool";

/** The floating dtypes a graph can be built in. */
export type FloatDType = "float32" | "float64";

/** One dimension: a fixed size, or a symbolic name bound when the graph runs (e.g. `"N"`). */
export type Dim = number | string;

/** Constant tensor data: `data` holds dims.reduce(*) values in row-major order. */
export interface ConstData {
  /** element type the data is stored as in the model */
  dtype: DType;
  /** dimensions, all fixed */
  dims: number[];
  /** row-major values (integers for int dtypes, 0/1 for bool) */
  data: ArrayLike<number>;
}

/** A node attribute, tagged with its ONNX attribute type. */
export type Attr =
  | { kind: "int"; value: number }
  | { kind: "float"; value: number }
  | { kind: "ints"; value: number[] }
  | { kind: "floats"; value: number[] }
  | { kind: "string"; value: string }
  | { kind: "tensor"; value: ConstData };

/** Attribute map of one node. */
export type Attrs = Record<string, Attr>;

/** One value in a graph (an input, a constant, or a node output). */
export class Tensor {
  /**
   * @param graph the graph that owns it
   * @param id dense index in `graph.tensors`
   * @param name ONNX value name (unique in the graph)
   * @param dtype element type
   * @param shape static rank; each dim a number or a symbolic name
   */
  constructor(
    readonly graph: Graph,
    readonly id: number,
    public name: string,
    readonly dtype: DType,
    readonly shape: readonly Dim[],
  ) {}

  /** Number of axes. */
  get rank(): number {
    return this.shape.length;
  }

  /** Human description for error messages, e.g. `t12 float32[N,64]`. */
  toString(): string {
    return `${this.name} ${this.dtype}[${this.shape.join(",")}]`;
  }
}

/** One ONNX operator application. */
export interface Node {
  /** ONNX op type, e.g. "MatMul" */
  op: string;
  /** inputs in ONNX order */
  inputs: Tensor[];
  /** outputs in ONNX order */
  outputs: Tensor[];
  /** ONNX attributes */
  attrs: Attrs;
}

/** How a tensor came to be. */
export type TensorSource = "input" | "constant" | "node";

/** Options of `new Graph`. */
export interface GraphOptions {
  /** floating dtype used by `g.float` (default float32) */
  float?: FloatDType;
  /** model graph name (default "geoguide") */
  name?: string;
}

/** A graph under construction; see the module doc. */
export class Graph {
  /** floating dtype of this graph's float tensors */
  readonly float: FloatDType;
  /** graph name written to the model */
  readonly name: string;
  /** every tensor, indexed by id */
  readonly tensors: Tensor[] = [];
  /** nodes in creation (= topological) order */
  readonly nodes: Node[] = [];
  /** graph inputs, in declaration order */
  readonly inputs: Tensor[] = [];
  /** constant data by tensor id (weights and literals) */
  readonly constants = new Map<number, ConstData>();
  /** graph outputs, in declaration order */
  readonly outputs: Tensor[] = [];
  /** producing node by tensor id */
  readonly producer = new Map<number, Node>();
  readonly #names = new Set<string>();
  #autoNames = new Set<number>();

  constructor(options: GraphOptions = {}) {
    this.float = options.float ?? "float32";
    this.name = options.name ?? "geoguide";
  }

  /** Creates a tensor with a unique name (internal; builders use `emit`). */
  newTensor(dtype: DType, shape: readonly Dim[], name?: string): Tensor {
    const id = this.tensors.length;
    const n = name ?? `t${id}`;
    if (this.#names.has(n)) throw invalid(`Graph value name '${n}' is already used`);
    this.#names.add(n);
    const t = new Tensor(this, id, n, dtype, [...shape]);
    if (name === undefined) this.#autoNames.add(id);
    this.tensors.push(t);
    return t;
  }

  /**
   * Declares a graph input fed at run time.
   * @param name feed name
   * @param shape dims (numbers or symbolic names)
   * @param dtype element type (default `g.float`)
   */
  input(name: string, shape: readonly Dim[], dtype: DType = this.float): Tensor {
    const t = this.newTensor(dtype, shape, name);
    this.inputs.push(t);
    return t;
  }

  /**
   * Constant tensor data stored in the model (an ONNX initializer).
   * @param data row-major values, length = product of dims
   * @param dims fixed dims
   * @param options.dtype element type (default `g.float`); options.name to name it (weights)
   */
  constant(
    data: ArrayLike<number>,
    dims: readonly number[],
    options: { dtype?: DType; name?: string } = {},
  ): Tensor {
    const size = dims.reduce((a, b) => a * b, 1);
    if (data.length !== size) {
      throw invalid(`Constant data has ${data.length} values but dims [${dims}] need ${size}`);
    }
    const dtype = options.dtype ?? this.float;
    const t = this.newTensor(dtype, dims, options.name);
    this.constants.set(t.id, { dtype, dims: [...dims], data });
    return t;
  }

  /** A rank-0 float constant (dtype `g.float` unless given). */
  scalar(value: number, dtype: DType = this.float): Tensor {
    return this.constant([value], [], { dtype });
  }

  /** A rank-1 int64 constant, e.g. axes or shapes. */
  ints(values: readonly number[]): Tensor {
    return this.constant(values, [values.length], { dtype: "int64" });
  }

  /**
   * Marks `t` as a graph output called `name`. A node output with an automatic name is
   * renamed; anything else (an input, a constant, an already-named value) gets an Identity.
   */
  output(name: string, t: Tensor): Tensor {
    this.#own(t);
    let out = t;
    if (this.#autoNames.has(t.id) && this.producer.has(t.id) && !this.#names.has(name)) {
      this.#names.delete(t.name);
      this.#names.add(name);
      this.#autoNames.delete(t.id);
      t.name = name;
    } else {
      out = this.emit("Identity", [t], {}, [{ dtype: t.dtype, shape: t.shape, name }])[0];
    }
    this.outputs.push(out);
    return out;
  }

  /**
   * Appends one node and returns its new output tensors (used by op builders).
   * @param op ONNX op type
   * @param inputs input tensors (must belong to this graph)
   * @param attrs ONNX attributes
   * @param outs dtype and shape of each output
   */
  emit(
    op: string,
    inputs: Tensor[],
    attrs: Attrs,
    outs: { dtype: DType; shape: readonly Dim[]; name?: string }[],
  ): Tensor[] {
    for (const t of inputs) this.#own(t);
    const outputs = outs.map((o) => this.newTensor(o.dtype, o.shape, o.name));
    const node: Node = { op, inputs, outputs, attrs };
    this.nodes.push(node);
    for (const t of outputs) this.producer.set(t.id, node);
    return outputs;
  }

  /** How `t` was made. */
  source(t: Tensor): TensorSource {
    if (this.constants.has(t.id)) return "constant";
    return this.producer.has(t.id) ? "node" : "input";
  }

  /**
   * Nodes needed to compute `targets`, in topological order (dead nodes pruned).
   * @param targets tensors to compute (default: the graph outputs)
   */
  liveNodes(targets: readonly Tensor[] = this.outputs): Node[] {
    const need = new Set<number>();
    const stack = targets.map((t) => t.id);
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (need.has(id)) continue;
      need.add(id);
      const node = this.producer.get(id);
      if (node) { for (const i of node.inputs) stack.push(i.id); }
    }
    return this.nodes.filter((n) => n.outputs.some((o) => need.has(o.id)));
  }

  #own(t: Tensor): void {
    if (t.graph !== this) {
      throw new GeoError("internal", `Tensor ${t} belongs to another graph`);
    }
  }
}

/** True for float32/float64. */
export function isFloat(dtype: DType): boolean {
  return dtype === "float32" || dtype === "float64";
}

/** Product of fixed dims, or undefined if any dim is symbolic. */
export function staticSize(shape: readonly Dim[]): number | undefined {
  let n = 1;
  for (const d of shape) {
    if (typeof d !== "number") return undefined;
    n *= d;
  }
  return n;
}

/**
 * Numpy broadcast of two static shapes (symbolic dims assumed ≠ 1).
 * @throws GeoError invalid_argument when two fixed dims differ and neither is 1
 */
export function broadcastShapes(a: readonly Dim[], b: readonly Dim[]): Dim[] {
  const r = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < r; i++) {
    const da = i < r - a.length ? 1 : a[i - (r - a.length)];
    const db = i < r - b.length ? 1 : b[i - (r - b.length)];
    if (da === db || db === 1) out.push(da);
    else if (da === 1) out.push(db);
    else if (typeof da === "number" && typeof db === "number") {
      throw invalid(`Cannot broadcast shapes [${a}] and [${b}]: dim ${i} is ${da} vs ${db}`);
    } else out.push(typeof da === "number" ? da : db);
  }
  return out;
}

/** Normalises a possibly negative axis for a tensor of rank `rank`. */
export function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw invalid(`Axis ${axis} is out of range for rank ${rank}`);
  return a;
}
