/**
 * The `draco3d` adapter: the one file of src/ that imports the package. It
 * creates the decoder and encoder wasm modules once each, silenced (draco.ts
 * decodes, draco_encode.ts encodes).
 *
 * @module
 */

import draco3d from "draco3d";

/** A draco3d wasm module (the package ships no types). */
// deno-lint-ignore no-explicit-any
export type DracoWasm = any;

const quiet = { print: () => {}, printErr: () => {} };
let decoderModule: Promise<DracoWasm> | null = null;
let encoderModule: Promise<DracoWasm> | null = null;

/** The shared Draco decoder module (created on first use). */
export function dracoDecoderModule(): Promise<DracoWasm> {
  decoderModule ??= draco3d.createDecoderModule({ ...quiet });
  return decoderModule!;
}

/** The shared Draco encoder module (created on first use). */
export function dracoEncoderModule(): Promise<DracoWasm> {
  encoderModule ??= draco3d.createEncoderModule({ ...quiet });
  return encoderModule!;
}

/**
 * Forgets the decoder module (after a trap, or when one request grew its heap):
 * the next decode creates a fresh one.
 */
export function dropDracoDecoder(): void {
  decoderModule = null;
}
