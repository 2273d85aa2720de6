/**
 * Bearer-token checks on request metadata (`authorization: Bearer <token>`).
 *
 * @module
 */

import { GeoError } from "../kernels/errors.ts";

/**
 * Checks an `authorization` header value against `token`. No token
 * configured = open. Throws unauthenticated when the header is missing or
 * not a Bearer token, permission_denied when the token is wrong. Comparison
 * takes the same time whatever the mismatch position.
 *
 * @param header the `authorization` metadata value, if any
 * @param token the expected token; undefined or "" = no check
 * @param what the protected service, for messages ("Segmentation")
 */
export function checkBearer(
  header: string | undefined,
  token: string | undefined,
  what: string,
): void {
  if (!token) return;
  if (!header) {
    throw new GeoError(
      "unauthenticated",
      `${what} requires 'authorization: Bearer <token>' metadata`,
    );
  }
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!m) {
    throw new GeoError("unauthenticated", `The authorization metadata must be 'Bearer <token>'`);
  }
  if (!sameString(m[1], token)) {
    throw new GeoError("permission_denied", `The token is not valid for ${what}`);
  }
}

function sameString(a: string, b: string): boolean {
  const ea = new TextEncoder().encode(a), eb = new TextEncoder().encode(b);
  let diff = ea.length ^ eb.length;
  for (let i = 0; i < eb.length; i++) diff |= (ea[i % Math.max(1, ea.length)] ?? 0) ^ eb[i];
  return diff === 0;
}

/**
 * The Training rule: closed by default. Without a train token the server
 * refuses every Train call (permission_denied) unless it was started with
 * the development switch `allowOpen`; with one, the call needs it as a
 * Bearer token (see {@link checkBearer}).
 *
 * @param header the `authorization` metadata value, if any
 * @param token the train token; "" = none configured
 * @param allowOpen development switch: serve Train without a token
 */
export function checkTrainAccess(
  header: string | undefined,
  token: string,
  allowOpen: boolean,
): void {
  if (!token && !allowOpen) {
    throw new GeoError(
      "permission_denied",
      "Training is closed on this server: it was started without a train token " +
        "(--train-token or GEOGUIDE_TRAIN_TOKEN)",
    );
  }
  checkBearer(header, token, "Training");
}
