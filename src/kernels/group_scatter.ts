/**
 * Scatter matrices of point groups about given centres.
 *
 * @module
 */

/**
 * Σ (p − c_g)(p − c_g)ᵀ over the points p of each group g, accumulated in
 * Float64 in point order; groups without points stay zero.
 *
 * @param coord Float32Array N×3, metres
 * @param groupOf Int32Array N: group of each point, 0..G−1, or −1 (skipped)
 * @param center Float32Array or Float64Array G×3: centre c_g of each group, metres
 * @returns Float64Array G×6: xx, xy, xz, yy, yz, zz of each group, m²
 */
export function groupScatter(
  coord: Float32Array,
  groupOf: Int32Array,
  center: Float32Array | Float64Array,
): Float64Array {
  const scatter = new Float64Array(2 * center.length);
  const n = groupOf.length;
  for (let i = 0; i < n; i++) {
    const s = groupOf[i];
    if (s < 0) continue;
    const x = coord[3 * i] - center[3 * s];
    const y = coord[3 * i + 1] - center[3 * s + 1];
    const z = coord[3 * i + 2] - center[3 * s + 2];
    const o = 6 * s;
    scatter[o] += x * x;
    scatter[o + 1] += x * y;
    scatter[o + 2] += x * z;
    scatter[o + 3] += y * y;
    scatter[o + 4] += y * z;
    scatter[o + 5] += z * z;
  }
  return scatter;
}
