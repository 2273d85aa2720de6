/**
 * OpenScene-style multi-view fusion of 2D feature maps onto a point cloud.
 *
 * For each view every point is moved into the camera (camera-to-world pose,
 * OpenCV axes: x right, y down, z forward), projected with the depth image's
 * pinhole intrinsics and rounded to the nearest pixel; it is kept when the
 * pixel lies inside the image minus a border, the depth image has a return
 * there and |depth − z| ≤ tolerance (occlusion test). The feature of the
 * pixel (feature maps may be smaller than the depth image: pixel (u, v) maps to
 * feature pixel (⌊(u + ½)·w/W⌋, ⌊(v + ½)·h/H⌋)) is added to the point; the
 * result is the mean over the views that kept the point. Unseen points get a
 * zero row and valid = 0.
 *
 * @module
 */

import { invalid } from "../kernels/errors.ts";

/** One view to fuse. */
export interface FusionView {
  /** Depth image, Float32Array H×W row-major, metres; 0 (or non-finite) = no return. */
  depth: Float32Array;
  /** Depth image width W and height H, pixels. */
  width: number;
  height: number;
  /** Pinhole intrinsics of the depth image, pixels. */
  fx: number;
  fy: number;
  cx: number;
  cy: number;
  /** Camera-to-world pose, 16 numbers, row-major 4×4, metres. */
  pose: ArrayLike<number>;
  /** Feature map, Float32Array h×w×C row-major (C = the fusion's dim). */
  features: Float32Array;
  /** Feature map width w and height h, pixels. */
  featureWidth: number;
  featureHeight: number;
}

/** Options of {@link ViewFusion}. */
export interface FusionOptions {
  /** Occlusion test tolerance |depth − z|, metres (default 0.25). */
  depthTolerance?: number;
  /** Pixels cut at each image border, in depth-image pixels (default 0). */
  border?: number;
  /** Minimum camera-space depth of a point, metres (default 0.05). */
  minDepth?: number;
}

/** Accumulates views one at a time (so feature maps need not all be held). */
export class ViewFusion {
  readonly #coord: Float32Array;
  readonly #dim: number;
  readonly #sum: Float32Array;
  readonly #count: Uint16Array;
  readonly #tol: number;
  readonly #border: number;
  readonly #minDepth: number;

  /**
   * @param coord Float32Array N×3 point positions, metres
   * @param dim feature dimension C (> 0)
   * @param options tolerance, border, minimum depth
   */
  constructor(coord: Float32Array, dim: number, options: FusionOptions = {}) {
    if (coord.length % 3 !== 0) {
      throw invalid(`Point coordinates must be N×3, got ${coord.length} values`);
    }
    if (!(dim > 0) || !Number.isInteger(dim)) {
      throw invalid(`Feature dimension must be a positive integer, got ${dim}`);
    }
    this.#coord = coord;
    this.#dim = dim;
    this.#sum = new Float32Array((coord.length / 3) * dim);
    this.#count = new Uint16Array(coord.length / 3);
    this.#tol = options.depthTolerance ?? 0.25;
    this.#border = options.border ?? 0;
    this.#minDepth = options.minDepth ?? 0.05;
  }

  /** Adds one view; returns how many points it kept. */
  add(view: FusionView): number {
    checkView(view, this.#dim);
    const { depth, width: W, height: H, fx, fy, cx, cy, pose, features } = view;
    const fw = view.featureWidth, fh = view.featureHeight, C = this.#dim;
    const sx = fw / W, sy = fh / H, b = this.#border;
    const p = pose, c = this.#coord, n = c.length / 3;
    let kept = 0;
    for (let i = 0; i < n; i++) {
      const wx = c[i * 3] - p[3], wy = c[i * 3 + 1] - p[7], wz = c[i * 3 + 2] - p[11];
      const z = p[2] * wx + p[6] * wy + p[10] * wz;
      if (z < this.#minDepth) continue;
      const x = p[0] * wx + p[4] * wy + p[8] * wz, y = p[1] * wx + p[5] * wy + p[9] * wz;
      const u = Math.round((fx * x) / z + cx), v = Math.round((fy * y) / z + cy);
      if (u < b || v < b || u >= W - b || v >= H - b) continue;
      const d = depth[v * W + u];
      if (!(d > 0) || Math.abs(d - z) > this.#tol) continue;
      const fu = Math.floor((u + 0.5) * sx), fv = Math.floor((v + 0.5) * sy);
      const src = (fv * fw + fu) * C, dst = i * C;
      for (let k = 0; k < C; k++) this.#sum[dst + k] += features[src + k];
      if (this.#count[i] < 65535) this.#count[i]++;
      kept++;
    }
    return kept;
  }

  /** Mean feature per point (Float32Array N×C, zero rows when unseen), valid (Uint8Array N) and view counts (Uint16Array N). */
  result(): { teacher: Float32Array; valid: Uint8Array; views: Uint16Array } {
    const C = this.#dim, n = this.#count.length;
    const teacher = new Float32Array(this.#sum);
    const valid = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const m = this.#count[i];
      if (m === 0) continue;
      valid[i] = 1;
      for (let k = 0; k < C; k++) teacher[i * C + k] /= m;
    }
    return { teacher, valid, views: new Uint16Array(this.#count) };
  }
}

function checkView(v: FusionView, dim: number): void {
  if (v.depth.length !== v.width * v.height) {
    throw invalid(
      `View depth has ${v.depth.length} values, expected width×height = ${v.width * v.height}`,
    );
  }
  if (v.features.length !== v.featureWidth * v.featureHeight * dim) {
    throw invalid(
      `View feature map has ${v.features.length} values, expected ${v.featureWidth}×${v.featureHeight}×${dim}`,
    );
  }
  if (v.pose.length !== 16) {
    throw invalid(`View pose must have 16 numbers (4×4 row-major), got ${v.pose.length}`);
  }
  if (!(v.fx > 0) || !(v.fy > 0)) {
    throw invalid(`View focal lengths must be positive, got fx=${v.fx} fy=${v.fy}`);
  }
}

/**
 * Fuses all views at once: teacher Float32Array N×C (mean over views that see
 * each point), valid Uint8Array N (0 = unseen), views Uint16Array N.
 *
 * @param coord Float32Array N×3, metres
 * @param views the views (feature dim C = features.length / (w·h))
 * @param options tolerance, border, minimum depth
 */
export function fuseViews(
  coord: Float32Array,
  views: FusionView[],
  options: FusionOptions & { dim: number },
): { teacher: Float32Array; valid: Uint8Array; views: Uint16Array } {
  const f = new ViewFusion(coord, options.dim, options);
  for (const v of views) f.add(v);
  return f.result();
}
