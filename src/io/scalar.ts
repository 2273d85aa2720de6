/**
 * Binary scalar types shared by the PLY and PCD readers, and the colour
 * conversion of one scalar to a 0..255 channel.
 *
 * @module
 */

/** A fixed-size binary number: signed/unsigned integer or float, 1–8 bytes. */
export interface ScalarType {
  /** "i" signed integer, "u" unsigned integer, "f" IEEE float. */
  kind: "i" | "u" | "f";
  /** Size in bytes: 1, 2, 4 or 8. */
  size: 1 | 2 | 4 | 8;
}

/**
 * Reads one scalar at byte `offset` of `view` as a JS number (64-bit
 * integers beyond 2^53 lose precision).
 *
 * @param view the buffer
 * @param offset byte offset; the caller guarantees `offset + t.size <= view.byteLength`
 * @param t the scalar type, with `le` true for little-endian
 */
export function readScalar(
  view: DataView,
  offset: number,
  t: ScalarType & { le: boolean },
): number {
  const le = t.le;
  if (t.kind === "f") {
    return t.size === 4 ? view.getFloat32(offset, le) : view.getFloat64(offset, le);
  }
  switch (t.size) {
    case 1:
      return t.kind === "i" ? view.getInt8(offset) : view.getUint8(offset);
    case 2:
      return t.kind === "i" ? view.getInt16(offset, le) : view.getUint16(offset, le);
    case 4:
      return t.kind === "i" ? view.getInt32(offset, le) : view.getUint32(offset, le);
    default:
      return Number(t.kind === "i" ? view.getBigInt64(offset, le) : view.getBigUint64(offset, le));
  }
}

/**
 * Converts one colour channel value of type `t` to 0..255: floats are taken
 * as 0..1 and scaled, 16-bit integers divided by 257, larger values clamped.
 */
export function channelToU8(v: number, t: ScalarType): number {
  let x = v;
  if (t.kind === "f") x = v * 255;
  else if (t.size === 2) x = v / 257;
  if (!(x > 0)) return 0;
  return x >= 255 ? 255 : Math.round(x);
}

/**
 * Parses one ascii number token; also accepts inf, infinity and nan with an
 * optional sign (as C printf writes them). Returns undefined for anything else.
 */
export function parseNumberToken(tok: string): number | undefined {
  const v = Number(tok);
  if (!Number.isNaN(v) && tok !== "") return v;
  const m = /^([+-]?)(inf|infinity|nan)$/i.exec(tok);
  if (!m) return undefined;
  if (m[2].toLowerCase() === "nan") return NaN;
  return m[1] === "-" ? -Infinity : Infinity;
}
