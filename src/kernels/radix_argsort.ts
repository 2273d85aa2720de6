/**
 * Stable sorting of float32 keys by LSD radix sort (three passes of 11 bits).
 *
 * Used to order the millions of graph edges of the segmentations, where a
 * comparison sort over boxed numbers would dominate the run time. Order:
 * ascending, −0 as +0, NaN after +Infinity, equal keys in input order.
 *
 * @module
 */

const BITS = 11;
const RADIX = 1 << BITS;
const MASK = RADIX - 1;

/**
 * Indices that sort `keys` ascending; equal keys keep their input order
 * (stable), so the result is fully deterministic.
 *
 * @param keys Float32Array M of sort keys (any float values)
 * @returns Int32Array M, a permutation of 0..M−1
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const order = radixArgsort(new Float32Array([0.5, -1, 0.5, 0]));
 * assert.deepEqual([...order], [1, 3, 0, 2]);
 * ```
 */
export function radixArgsort(keys: Float32Array): Int32Array {
  const idx = new Int32Array(keys.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return radixSortBy(keys.slice(), [idx])[1][0];
}

/**
 * Sorts `keys` and reorders the payload columns the same way (stable). The
 * argument arrays are reused as scratch space and for the results (their
 * contents are lost; fresh memory is only the scratch halves): use the
 * returned arrays.
 *
 * @param keys Float32Array M of sort keys
 * @param payload Int32Array columns of length M carried along (e.g. edge endpoints)
 * @param scratch optional work arrays of length M (one Uint32Array, one Int32Array per
 *   payload column); the results may land in them. Fresh arrays are made when absent.
 * @returns `[sortedKeys, sortedPayload]` (Float32Array M, Int32Array M each)
 */
export function radixSortBy(
  keys: Float32Array,
  payload: Int32Array[],
  scratch?: { keys: Uint32Array; payload: Int32Array[] },
): [Float32Array, Int32Array[]] {
  const m = keys.length;
  for (const p of payload) {
    if (p.length !== m) throw new RangeError(`Payload length ${p.length} differs from ${m} keys`);
  }
  if (m < 2) return [keys, payload];
  // Map float bits, in place, to unsigned integers whose order is the float order.
  let u: Uint32Array = new Uint32Array(keys.buffer, keys.byteOffset, m);
  for (let i = 0; i < m; i++) {
    const v = keys[i];
    const b = u[i];
    u[i] = v !== v
      ? 0xffffffff
      : v === 0
      ? 0x80000000
      : b & 0x80000000
      ? ~b >>> 0
      : (b | 0x80000000) >>> 0;
  }
  let u2: Uint32Array = scratch?.keys ?? new Uint32Array(m);
  let cols: Int32Array[] = payload.slice();
  let cols2: Int32Array[] = scratch?.payload ?? payload.map(() => new Int32Array(m));
  if (u2.length !== m || cols2.length !== payload.length || cols2.some((c) => c.length !== m)) {
    throw new RangeError(
      `Scratch arrays must match the ${m} keys and ${payload.length} payload columns`,
    );
  }
  const count = new Int32Array(RADIX);
  for (let shift = 0; shift < 32; shift += BITS) {
    count.fill(0);
    for (let i = 0; i < m; i++) count[(u[i] >>> shift) & MASK]++;
    // A pass where every key has the same digit changes nothing.
    if (count[(u[0] >>> shift) & MASK] === m) continue;
    let sum = 0;
    for (let d = 0; d < RADIX; d++) {
      const c = count[d];
      count[d] = sum;
      sum += c;
    }
    if (cols.length === 2) {
      const s0 = cols[0], s1 = cols[1], d0 = cols2[0], d1 = cols2[1];
      for (let i = 0; i < m; i++) {
        const v = u[i];
        const pos = count[(v >>> shift) & MASK]++;
        u2[pos] = v;
        d0[pos] = s0[i];
        d1[pos] = s1[i];
      }
    } else {
      const start = count.slice();
      for (let i = 0; i < m; i++) {
        const v = u[i];
        u2[count[(v >>> shift) & MASK]++] = v;
      }
      for (let c = 0; c < cols.length; c++) {
        const src = cols[c], dst = cols2[c];
        const at = start.slice();
        for (let i = 0; i < m; i++) dst[at[(u[i] >>> shift) & MASK]++] = src[i];
      }
    }
    [u, u2] = [u2, u];
    [cols, cols2] = [cols2, cols];
  }
  // Back from sortable integers to float bits, in place.
  for (let i = 0; i < m; i++) {
    const v = u[i];
    u[i] = v === 0xffffffff ? 0x7fc00000 : v & 0x80000000 ? v & 0x7fffffff : ~v >>> 0;
  }
  return [new Float32Array(u.buffer, u.byteOffset, m), cols];
}
