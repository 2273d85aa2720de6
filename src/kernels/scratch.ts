/**
 * Reusable scratch memory for the large internal temporaries of synchronous
 * kernels (edge lists, sort buffers).
 *
 * Fresh typed arrays cost page faults on first touch, which on some hosts
 * (sandboxed VMs) is far slower than the arithmetic that fills them. A kernel
 * asks for a named buffer here instead; the memory is kept and handed out
 * again on the next call. Rules: a view is valid only until the kernel that
 * took it returns (never return one to a caller, never hold one across an
 * `await`); each name is used by one kernel only. Memory stays allocated up
 * to the largest request seen; {@link releaseScratch} frees it.
 *
 * @module
 */

const buffers = new Map<string, ArrayBuffer>();

/**
 * A zero-cost view of at least `bytes` bytes of the scratch buffer `name`
 * (contents arbitrary).
 */
function buffer(name: string, bytes: number): ArrayBuffer {
  let b = buffers.get(name);
  if (!b || b.byteLength < bytes) {
    // Grow with headroom so slowly growing inputs do not reallocate each time.
    b = new ArrayBuffer(Math.max(bytes, Math.ceil((b?.byteLength ?? 0) * 1.25 / 8) * 8));
    buffers.set(name, b);
  }
  return b;
}

/** Int32Array view of `length` elements of scratch buffer `name` (contents arbitrary). */
export function scratchInt32(name: string, length: number): Int32Array {
  return new Int32Array(buffer(name, 4 * length), 0, length);
}

/** Uint32Array view of `length` elements of scratch buffer `name` (contents arbitrary). */
export function scratchUint32(name: string, length: number): Uint32Array {
  return new Uint32Array(buffer(name, 4 * length), 0, length);
}

/** Float32Array view of `length` elements of scratch buffer `name` (contents arbitrary). */
export function scratchFloat32(name: string, length: number): Float32Array {
  return new Float32Array(buffer(name, 4 * length), 0, length);
}

/** Float64Array view of `length` elements of scratch buffer `name` (contents arbitrary). */
export function scratchFloat64(name: string, length: number): Float64Array {
  return new Float64Array(buffer(name, 8 * length), 0, length);
}

/** Frees every scratch buffer (they are allocated again on demand). */
export function releaseScratch(): void {
  buffers.clear();
}

/** Total bytes held in scratch buffers. */
export function scratchBytes(): number {
  let total = 0;
  for (const b of buffers.values()) total += b.byteLength;
  return total;
}
