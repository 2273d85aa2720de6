/**
 * Training scenes of a Train request (`train/api.ts` types) checked and turned into the
 * trainer's per-point input: the cloud decoded, the teacher decoded (float16 / float32) or
 * fused from the camera views (`fuse_views.ts`), every per-point field checked against the
 * point count, ground-truth classes mapped onto one class list for all scenes.
 * Every error is GeoError invalid_argument naming the scene and the field.
 *
 * @module
 */

import { invalid } from "../kernels/errors.ts";
import { decodeCloudInput } from "../features/cloud_input.ts";
import { fuseViews, type FusionView } from "../features/fuse_views.ts";
import type { TensorDtype, TrainSceneInput, ViewFrameInput } from "./api.ts";
import type { SceneInput } from "./scene.ts";

/** Options of {@link decodeTrainScenes}. */
export interface DecodeScenesOptions {
  /** C every teacher must have (the base model's feature width); undefined = the first scene's */
  dim?: number;
  /** most points per scene */
  maxPoints: number;
}

/** Decoded scenes, their teacher width and the class list their ground truth indexes. */
export interface DecodedScenes {
  /** per-point inputs, request order */
  scenes: SceneInput[];
  /** C */
  dim: number;
  /** class names (union of the scenes' gt_label_names, first-appearance order) */
  classNames: string[];
}

/** Float32Array of float32 / float16 LE bytes; `field` names them in errors. */
export function decodeTensor(bytes: Uint8Array, dtype: TensorDtype, field: string): Float32Array {
  const size = dtype === "float16" ? 2 : 4;
  if (bytes.byteLength % size !== 0) {
    throw invalid(`${field}: ${bytes.byteLength} bytes is not a multiple of ${size} (${dtype})`);
  }
  const copy = new Uint8Array(bytes).buffer;
  const out = dtype === "float16"
    ? Float32Array.from(new Float16Array(copy))
    : new Float32Array(copy);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) throw invalid(`${field}: value ${i} is not finite (${out[i]})`);
  }
  return out;
}

/** The views of a scene as fusion input, each field checked. */
function fusionViews(frames: readonly ViewFrameInput[], dim: number, src: string): FusionView[] {
  return frames.map((f, j) => {
    const at = `${src}.frames[${j}]`;
    if (f.intrinsics.length !== 4) {
      throw invalid(
        `${at}.intrinsics: expected fx, fy, cx, cy, got ${f.intrinsics.length} numbers`,
      );
    }
    if (f.pose.length !== 16) {
      throw invalid(`${at}.pose: expected 16 numbers (4×4), got ${f.pose.length}`);
    }
    if (!(f.width > 0 && f.height > 0) || f.depth.length !== f.width * f.height) {
      throw invalid(`${at}.depth: ${f.depth.length} values for a ${f.width}×${f.height} image`);
    }
    if (f.featureDim !== dim) {
      throw invalid(`${at}.feature_dim: ${f.featureDim}, the teacher width is ${dim}`);
    }
    const features = decodeTensor(f.features, f.featuresDtype, `${at}.features`);
    if (
      !(f.featureWidth > 0 && f.featureHeight > 0) ||
      features.length !== f.featureWidth * f.featureHeight * dim
    ) {
      throw invalid(
        `${at}.features: ${features.length} values for a ${f.featureWidth}×${f.featureHeight}×${dim} map`,
      );
    }
    const [fx, fy, cx, cy] = f.intrinsics;
    return {
      depth: f.depth,
      width: f.width,
      height: f.height,
      fx,
      fy,
      cx,
      cy,
      pose: f.pose,
      features,
      featureWidth: f.featureWidth,
      featureHeight: f.featureHeight,
    };
  });
}

/** Checks one per-point field's length and value range. */
function checkField(
  a: ArrayLike<number> | undefined,
  field: string,
  expect: { n: number; range: [number, number] },
): void {
  const { n, range } = expect;
  if (!a) return;
  if (a.length !== n) throw invalid(`${field}: ${a.length} values for ${n} points`);
  for (let i = 0; i < a.length; i++) {
    if (!(a[i] >= range[0] && a[i] <= range[1])) {
      throw invalid(`${field}: point ${i} has ${a[i]}, outside [${range[0]}, ${range[1]}]`);
    }
  }
}

/**
 * Decodes and checks every scene before any training starts.
 *
 * @throws GeoError invalid_argument naming the scene and field; resource_exhausted over
 *   the point limit
 */
export async function decodeTrainScenes(
  inputs: readonly TrainSceneInput[],
  options: DecodeScenesOptions,
): Promise<DecodedScenes> {
  if (inputs.length === 0) throw invalid("A training request needs at least one scene");
  let dim = options.dim;
  const classNames: string[] = [];
  const scenes: SceneInput[] = [];
  for (const [i, s] of inputs.entries()) {
    const src = `scene[${i}] '${s.name}'`;
    const cloud = await decodeCloudInput(s.cloud, `${src}.cloud`, options.maxPoints);
    const n = cloud.count;
    if (n === 0) throw invalid(`${src}.cloud: the cloud has no points`);
    let teacher: Float32Array, valid: Uint8Array | undefined = s.valid;
    if (s.teacher) {
      if (!(Number.isInteger(s.dim) && s.dim > 0)) {
        throw invalid(`${src}.dim: must be ≥ 1, got ${s.dim}`);
      }
      dim ??= s.dim;
      if (s.dim !== dim) {
        throw invalid(`${src}.dim: ${s.dim}, expected ${dim} (the model's feature width)`);
      }
      teacher = decodeTensor(s.teacher, s.teacherDtype, `${src}.teacher`);
      if (teacher.length !== n * dim) {
        throw invalid(`${src}.teacher: ${teacher.length / dim} rows of ${dim} for ${n} points`);
      }
    } else if (s.frames.length > 0) {
      const fd = s.frames[0].featureDim;
      dim ??= fd;
      const fused = fuseViews(cloud.coord, fusionViews(s.frames, dim, src), { dim });
      teacher = fused.teacher;
      valid ??= fused.valid;
    } else {
      throw invalid(`${src}: send teacher features or frames`);
    }
    checkField(valid, `${src}.valid`, { n, range: [0, 255] });
    checkField(s.superpoints, `${src}.superpoints`, { n, range: [0, 2 ** 31 - 1] });
    checkField(s.instances, `${src}.instances`, { n, range: [-1, 2 ** 31 - 1] });
    let segment: Int16Array | undefined;
    if (s.gtLabels) {
      if (s.gtLabelNames.length === 0) {
        throw invalid(`${src}.gt_label_names: required with gt_labels`);
      }
      checkField(s.gtLabels, `${src}.gt_labels`, { n, range: [-1, s.gtLabelNames.length - 1] });
      const map = s.gtLabelNames.map((name) => {
        if (!classNames.includes(name)) classNames.push(name);
        return classNames.indexOf(name);
      });
      segment = Int16Array.from(s.gtLabels, (g) => (g < 0 ? -1 : map[g]));
    }
    if (!valid) {
      valid = new Uint8Array(n);
      for (let p = 0; p < n; p++) {
        for (let k = 0; k < dim!; k++) {
          if (teacher[p * dim! + k] !== 0) {
            valid[p] = 1;
            break;
          }
        }
      }
    }
    scenes.push({
      name: s.name,
      cloud,
      teacher,
      teacherDim: dim,
      valid: Uint8Array.from(valid, (x) => (x ? 1 : 0)),
      superpoint: s.superpoints,
      instance: s.instances,
      segment,
    });
  }
  return { scenes, dim: dim!, classNames };
}
