/**
 * Little-endian byte fields ↔ typed arrays, for wire formats (protobuf
 * `bytes` fields). Inputs may sit at any byte offset; outputs are aligned
 * copies. Assumes a little-endian host (x86-64, arm64).
 *
 * @module
 */

import { invalid } from "../kernels/errors.ts";

type TypedCtor<T> = { new (buffer: ArrayBuffer): T; BYTES_PER_ELEMENT: number };

function view<T>(bytes: Uint8Array, ctor: TypedCtor<T>, field: string): T {
  const size = ctor.BYTES_PER_ELEMENT;
  if (bytes.byteLength % size !== 0) {
    throw invalid(`${field}: ${bytes.byteLength} bytes is not a multiple of ${size}`);
  }
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new ctor(copy.buffer);
}

/** Float32Array from float32 LE bytes (copied); throws invalid_argument naming `field` on a bad length. */
export function bytesToFloat32(bytes: Uint8Array, field: string): Float32Array {
  return view(bytes, Float32Array, field);
}

/** Int32Array from int32 LE bytes (copied); throws invalid_argument naming `field` on a bad length. */
export function bytesToInt32(bytes: Uint8Array, field: string): Int32Array {
  return view(bytes, Int32Array, field);
}

/** Int16Array from int16 LE bytes (copied); throws invalid_argument naming `field` on a bad length. */
export function bytesToInt16(bytes: Uint8Array, field: string): Int16Array {
  return view(bytes, Int16Array, field);
}

/** The bytes of a typed array (a view, no copy), little-endian on the host. */
export function typedToBytes(array: ArrayBufferView): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}
