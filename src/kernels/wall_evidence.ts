/**
 * Wall points from local evidence, for scans whose walls are seen only in part
 * (cut by furniture, top missing, drifted): a point is a wall point when it is
 * vertical (|n_z| ≤ `verticalNz`) and the vertical points of its square xy cell
 * (`cell` metres, cell (⌊x/cell⌋, ⌊y/cell⌋)) reach at least `minTop` above the
 * floor and span at least `minSpan` in z. Unlike the superpoint test of
 * `instance_proposals.ts` it needs no large clean plane, no closed room and no
 * full wall height. Deterministic, independent of the point order, O(N).
 *
 * @module
 */

import { invalid } from "./errors.ts";

/** Options of {@link wallEvidence}; lengths in metres. */
export interface WallEvidenceOptions {
  /** xy cell side. Default 0.25. */
  cell?: number;
  /** Largest |n_z| of a vertical point. Default 0.3. */
  verticalNz?: number;
  /** Smallest height above the floor that the cell's vertical points must reach. Default 1.4. */
  minTop?: number;
  /** Smallest z span of the cell's vertical points. Default 0.8. */
  minSpan?: number;
}

/**
 * @param coord Float32Array N×3, metres, z up
 * @param normal Float32Array N×3 unit normals (sign does not matter)
 * @param floor floor height, metres
 * @param options see {@link WallEvidenceOptions}
 * @returns Uint8Array N, 1 for wall points
 */
export function wallEvidence(
  coord: Float32Array,
  normal: Float32Array,
  floor: number,
  options: WallEvidenceOptions = {},
): Uint8Array {
  const n = coord.length / 3;
  if (normal.length !== coord.length) {
    throw invalid(`Wall evidence: expected ${coord.length} normal values, got ${normal.length}`);
  }
  const cell = options.cell ?? 0.25, vnz = options.verticalNz ?? 0.3;
  const minTop = options.minTop ?? 1.4, minSpan = options.minSpan ?? 0.8;
  if (!(cell > 0) || !Number.isFinite(cell)) {
    throw invalid(`Wall evidence: cell must be positive, got ${cell}`);
  }
  const key = new Float64Array(n);
  const lo = new Map<number, number>(), hi = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    // Exact key for |cell index| < 2^25 (thousands of kilometres at any sensible cell).
    const k = (Math.floor(coord[3 * i] / cell) + 2 ** 25) * 2 ** 26 +
      (Math.floor(coord[3 * i + 1] / cell) + 2 ** 25);
    key[i] = k;
    if (!(Math.abs(normal[3 * i + 2]) <= vnz)) continue;
    const z = coord[3 * i + 2];
    const a = lo.get(k), b = hi.get(k);
    if (a === undefined || z < a) lo.set(k, z);
    if (b === undefined || z > b) hi.set(k, z);
  }
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (!(Math.abs(normal[3 * i + 2]) <= vnz)) continue;
    const a = lo.get(key[i])!, b = hi.get(key[i])!;
    if (b - floor >= minTop && b - a >= minSpan) out[i] = 1;
  }
  return out;
}
