/**
 * The CASE.json format of the objective probe (`docs/objective.md`): parsing into flat
 * typed arrays and formatting gradients back into nested arrays.
 *
 * @module
 */

import { invalid } from "../../kernels/errors.ts";
import {
  DEFAULT_OBJECTIVE_CONFIG,
  type MlpParams,
  type ObjectiveConfig,
  type ObjectiveParams,
  type ObjectiveScene,
} from "./types.ts";

/** A parsed probe case: float64 scene, float64 params and the full config. */
export interface ObjectiveCase {
  scene: ObjectiveScene;
  params: ObjectiveParams;
  config: ObjectiveConfig;
}

/** Shapes of a case: N points, Dg, C, adapter hidden H, reliability hidden Hr. */
export interface ObjectiveCaseDims {
  n: number;
  dg: number;
  c: number;
  h: number;
  hr: number;
}

function matrix(
  value: unknown,
  field: string,
  cols?: number,
): { data: Float64Array; cols: number } {
  if (!Array.isArray(value)) throw invalid(`Case field '${field}' must be an array of rows`);
  const width = cols ?? (Array.isArray(value[0]) ? value[0].length : 0);
  const data = new Float64Array(value.length * width);
  value.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== width) {
      throw invalid(`Case field '${field}' row ${i} must hold ${width} numbers`);
    }
    row.forEach((x, j) => {
      if (typeof x !== "number" || !Number.isFinite(x)) {
        throw invalid(`Case field '${field}'[${i}][${j}] is not a finite number`);
      }
      data[i * width + j] = x;
    });
  });
  return { data, cols: width };
}

function vector(value: unknown, field: string, length?: number): Float64Array {
  if (!Array.isArray(value) || (length !== undefined && value.length !== length)) {
    throw invalid(`Case field '${field}' must be an array of ${length ?? "some"} numbers`);
  }
  return Float64Array.from(value, (x, i) => {
    if (typeof x !== "number" || !Number.isFinite(x)) {
      throw invalid(`Case field '${field}'[${i}] is not a finite number`);
    }
    return x;
  });
}

function ints(value: unknown, field: string, n: number, min: number): Int32Array {
  const v = vector(value, field, n);
  return Int32Array.from(v, (x, i) => {
    if (!Number.isInteger(x) || x < min) {
      throw invalid(`Case field '${field}'[${i}] must be an integer ≥ ${min}, found ${x}`);
    }
    return x;
  });
}

function mlpParams(
  value: unknown,
  field: string,
  dims: { din: number; dout: number },
): MlpParams {
  const p = (value ?? {}) as Record<string, unknown>;
  const w1 = matrix(p.w1, `${field}.w1`);
  if (w1.data.length !== dims.din * w1.cols || w1.cols === 0) {
    throw invalid(`Case field '${field}.w1' must be ${dims.din}×H`);
  }
  const h = w1.cols;
  return {
    w1: w1.data,
    b1: vector(p.b1, `${field}.b1`, h),
    w2: matrix(p.w2, `${field}.w2`, dims.dout).data,
    b2: vector(p.b2, `${field}.b2`, dims.dout),
  };
}

/**
 * Parses a CASE.json object (already JSON-decoded) into float64 arrays.
 * Throws GeoError invalid_argument naming the field at fault.
 */
export function parseObjectiveCase(json: unknown): ObjectiveCase {
  if (typeof json !== "object" || json === null) throw invalid("Case must be a JSON object");
  const o = json as Record<string, unknown>;
  const g = matrix(o.geometric, "geometric");
  const t = matrix(o.teacher, "teacher");
  const n = g.data.length / Math.max(g.cols, 1);
  if (t.data.length / Math.max(t.cols, 1) !== n) {
    throw invalid(`Case fields 'geometric' and 'teacher' must have the same number of rows`);
  }
  const params = (o.params ?? {}) as Record<string, unknown>;
  const adapter = mlpParams(params.adapter, "params.adapter", { din: g.cols, dout: t.cols });
  const reliability = mlpParams(params.reliability, "params.reliability", {
    din: g.cols + t.cols,
    dout: 1,
  });
  const cfg = (o.config ?? {}) as Record<string, unknown>;
  const lambda = cfg.lambda === undefined
    ? DEFAULT_OBJECTIVE_CONFIG.lambda
    : vector(cfg.lambda, "config.lambda", 3);
  const num = (x: unknown, field: string, d: number) => {
    if (x === undefined) return d;
    if (typeof x !== "number" || !Number.isFinite(x)) {
      throw invalid(`Case field 'config.${field}' must be a finite number`);
    }
    return x;
  };
  const objective = cfg.objective ?? "geoguide";
  if (objective !== "geoguide" && objective !== "naive") {
    throw invalid(`Case field 'config.objective' must be "geoguide" or "naive"`);
  }
  const config: ObjectiveConfig = {
    lambda: [lambda[0], lambda[1], lambda[2]],
    maskTemperature: num(cfg.maskTemperature, "maskTemperature", 10),
    maskBias: num(cfg.maskBias, "maskBias", 0.5),
    useReliability: cfg.useReliability !== false,
    useUsd: cfg.useUsd !== false,
    objective,
  };
  const scene: ObjectiveScene = {
    count: n,
    geometric: g.data,
    teacher: t.data,
    valid: ints(o.valid, "valid", n, 0),
    superpoint: ints(o.superpoint, "superpoint", n, 0),
    instance: ints(o.instance, "instance", n, -1),
    visible: ints(o.visible, "visible", n, 0),
  };
  return { scene, params: { adapter, reliability }, config };
}

/** Shapes of a parsed case. */
export function caseDims(c: ObjectiveCase): ObjectiveCaseDims {
  const h = c.params.adapter.b1.length;
  const hr = c.params.reliability.b1.length;
  const dg = c.params.adapter.w1.length / h;
  return { n: c.scene.count, dg, c: c.params.adapter.b2.length, h, hr };
}

/** Reshapes a flat row-major array into nested rows of `cols` numbers. */
export function toRows(data: ArrayLike<number>, cols: number): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < data.length; i += cols) {
    rows.push(Array.from({ length: cols }, (_, j) => data[i + j]));
  }
  return rows;
}

/** Nested-array JSON form of one MLP's gradients (w1, w2 as rows; b1, b2 flat). */
export function mlpGradJson(
  g: { w1: ArrayLike<number>; b1: ArrayLike<number>; w2: ArrayLike<number>; b2: ArrayLike<number> },
): { w1: number[][]; b1: number[]; w2: number[][]; b2: number[] } {
  return {
    w1: toRows(g.w1, g.b1.length),
    b1: Array.from(g.b1),
    w2: toRows(g.w2, g.b2.length),
    b2: Array.from(g.b2),
  };
}
