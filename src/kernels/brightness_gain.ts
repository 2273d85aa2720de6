/**
 * Exposure normalisation of a scan's colours: one gain for all three channels
 * so that the scan's mean brightness becomes a fixed level. A camera's exposure
 * and a reconstruction's lighting scale every colour of a scan alike; after this,
 * a white wall in a dim room and in a bright one give the same descriptor colour,
 * while hues and the contrast between objects stay.
 *
 * @module
 */

/** Mean brightness, (r + g + b) / 3 on 0..255, that a normalised scan has. */
export const TARGET_BRIGHTNESS = 128;

/**
 * @param color Uint8Array N×3 RGB
 * @param target mean brightness after the gain, 0..255 (default {@link TARGET_BRIGHTNESS})
 * @returns a new Uint8Array N×3: every channel × target / (mean of (r+g+b)/3), rounded and
 *   clipped to 0..255; an unchanged copy when the scan is empty or black
 */
export function normalizeBrightness(
  color: Uint8Array,
  target: number = TARGET_BRIGHTNESS,
): Uint8Array {
  let sum = 0;
  for (let i = 0; i < color.length; i++) sum += color[i];
  const out = new Uint8Array(color.length);
  if (sum === 0) {
    out.set(color);
    return out;
  }
  const gain = target / (sum / color.length);
  // Uint8Array stores clip to 0..255 only for Uint8ClampedArray: clip by hand.
  for (let i = 0; i < color.length; i++) out[i] = Math.min(255, Math.round(color[i] * gain));
  return out;
}
