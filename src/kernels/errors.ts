/**
 * The closed set of error kinds raised inside GeoGuide.
 *
 * Core code throws `GeoError` with one of these kinds and a message a person
 * understands (which file or field, what was wrong). Only
 * `src/server/status.ts` maps kinds to gRPC codes and HTTP statuses.
 *
 * @module
 */

/** Every kind of failure the core can report. */
export type ErrorKind =
  | "invalid_argument"
  | "not_found"
  | "resource_exhausted"
  | "unauthenticated"
  | "permission_denied"
  | "unavailable"
  | "deadline_exceeded"
  | "cancelled"
  | "failed_precondition"
  | "internal";

/** All error kinds, for exhaustive tables and tests. */
export const ERROR_KINDS: readonly ErrorKind[] = [
  "invalid_argument",
  "not_found",
  "resource_exhausted",
  "unauthenticated",
  "permission_denied",
  "unavailable",
  "deadline_exceeded",
  "cancelled",
  "failed_precondition",
  "internal",
];

/** A failure with a kind from the closed set and a human message. */
export class GeoError extends Error {
  /** What went wrong, from the closed set. */
  readonly kind: ErrorKind;

  /**
   * @param kind the failure kind
   * @param message capitalised, no trailing period, names the input at fault
   * @param options.cause the underlying error, kept for logs, never sent to clients
   */
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "GeoError";
    this.kind = kind;
  }

  /**
   * Turns any thrown value into a GeoError: GeoErrors pass through, an
   * AbortError becomes `cancelled`, a TimeoutError `deadline_exceeded`, a
   * full disk (ENOSPC, EDQUOT) `resource_exhausted`, anything else `internal`
   * with the original kept as `cause`.
   */
  static from(reason: unknown): GeoError {
    if (reason instanceof GeoError) return reason;
    const code = (reason as { code?: unknown } | null)?.code;
    if (code === "ENOSPC" || code === "EDQUOT") {
      return new GeoError(
        "resource_exhausted",
        "The server's disk is full: nothing was saved; free space or raise the volume's size and retry",
        { cause: reason },
      );
    }
    if (reason instanceof Error || reason instanceof DOMException) {
      if (reason.name === "AbortError") {
        return new GeoError("cancelled", "The operation was cancelled", { cause: reason });
      }
      if (reason.name === "TimeoutError") {
        return new GeoError("deadline_exceeded", "The deadline was exceeded", { cause: reason });
      }
    }
    return new GeoError("internal", "Internal error", { cause: reason });
  }
}

/** Shorthand for `new GeoError("invalid_argument", message)`. */
export function invalid(message: string): GeoError {
  return new GeoError("invalid_argument", message);
}

/**
 * A client-supplied text for an error message: JSON-quoted, cut to `max`
 * UTF-16 units with "…" and its full length, so errors never echo payloads.
 *
 * @param text the text to quote
 * @param max most characters kept (default 40)
 */
export function quote(text: string, max = 40): string {
  if (text.length <= max) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, max))}… (${text.length} characters)`;
}
