/**
 * Reading the fixed part of a Draco bitstream header without the wasm
 * decoder, to bound declared sizes before decoding.
 *
 * @module
 */

/** Reads a Draco varint at `at.off`, advancing it; -1 when it runs past the end. */
function varint(b: Uint8Array, at: { off: number }): number {
  let v = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (at.off >= b.length) return -1;
    const byte = b[at.off++];
    v += (byte & 0x7f) * 2 ** shift;
    if (!(byte & 0x80)) return v;
  }
  return -1;
}

/** Skips one encoded metadata block (entries, then named sub-blocks); false when malformed. */
function skipMetadata(b: Uint8Array, at: { off: number }, depth: number): boolean {
  if (depth > 32) return false;
  const entries = varint(b, at);
  if (entries < 0 || entries > b.length) return false;
  for (let i = 0; i < entries; i++) {
    at.off += 1 + (b[at.off] ?? 0);
    const size = varint(b, at);
    if (size < 0) return false;
    at.off += size;
    if (at.off > b.length) return false;
  }
  const subs = varint(b, at);
  if (subs < 0 || subs > b.length) return false;
  for (let i = 0; i < subs; i++) {
    at.off += 1 + (b[at.off] ?? 0);
    if (at.off > b.length || !skipMetadata(b, at, depth + 1)) return false;
  }
  return true;
}

/**
 * The point count a Draco 2.x point-cloud header declares (an int32 after
 * the header and optional metadata), read without decoding: lets callers
 * refuse oversized clouds early.
 *
 * @param b the `.drc` bytes
 * @returns the declared count, or undefined for meshes, Draco 1.x bitstreams
 *   and unreadable headers
 */
export function declaredPoints(b: Uint8Array): number | undefined {
  if (b.length < 11 || b[5] !== 2 || b[7] !== 0) return undefined;
  const at = { off: 11 };
  if (b[10] & 0x80) {
    const atts = varint(b, at);
    if (atts < 0 || atts > b.length) return undefined;
    for (let i = 0; i < atts; i++) {
      if (varint(b, at) < 0 || !skipMetadata(b, at, 0)) return undefined;
    }
    if (!skipMetadata(b, at, 0)) return undefined;
  }
  if (at.off + 4 > b.length) return undefined;
  return new DataView(b.buffer, b.byteOffset + at.off, 4).getInt32(0, true);
}
