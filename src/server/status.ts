/**
 * The one mapping from `GeoError` kinds to gRPC status codes and HTTP
 * statuses, and from any thrown value to what a client may see. Unknown
 * errors become INTERNAL with a generic message; stack traces and causes
 * never leave the server.
 *
 * @module
 */

import { ERROR_KINDS, type ErrorKind, GeoError } from "../kernels/errors.ts";

/** gRPC status codes (grpc/status.proto numbering). */
export const GRPC_CODES = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** Name of a gRPC status code. */
export type GrpcCodeName = keyof typeof GRPC_CODES;

const KIND_TO_GRPC: Record<ErrorKind, GrpcCodeName> = {
  invalid_argument: "INVALID_ARGUMENT",
  not_found: "NOT_FOUND",
  resource_exhausted: "RESOURCE_EXHAUSTED",
  unauthenticated: "UNAUTHENTICATED",
  permission_denied: "PERMISSION_DENIED",
  unavailable: "UNAVAILABLE",
  deadline_exceeded: "DEADLINE_EXCEEDED",
  cancelled: "CANCELLED",
  failed_precondition: "FAILED_PRECONDITION",
  internal: "INTERNAL",
};

const KIND_TO_HTTP: Record<ErrorKind, number> = {
  invalid_argument: 400,
  not_found: 404,
  resource_exhausted: 429,
  unauthenticated: 401,
  permission_denied: 403,
  unavailable: 503,
  deadline_exceeded: 504,
  cancelled: 499,
  failed_precondition: 412,
  internal: 500,
};

/** gRPC status code number of an error kind. */
export function grpcCodeOf(kind: ErrorKind): number {
  return GRPC_CODES[KIND_TO_GRPC[kind]];
}

/** gRPC status code name of an error kind, e.g. "NOT_FOUND". */
export function grpcCodeNameOf(kind: ErrorKind): GrpcCodeName {
  return KIND_TO_GRPC[kind];
}

/** HTTP status of an error kind (499 for cancelled, as nginx logs it). */
export function httpStatusOf(kind: ErrorKind): number {
  return KIND_TO_HTTP[kind];
}

/** Name of a gRPC status code number ("UNKNOWN" for numbers outside the table). */
export function grpcCodeName(code: number): GrpcCodeName {
  const entry = Object.entries(GRPC_CODES).find(([, v]) => v === code);
  return (entry ? entry[0] : "UNKNOWN") as GrpcCodeName;
}

/** Error kind of a gRPC status code received from a peer (internal for codes without a kind). */
export function kindOfGrpcCode(code: number): ErrorKind {
  return ERROR_KINDS.find((k) => grpcCodeOf(k) === code) ?? "internal";
}

/** What a client is told about a failure. */
export interface ClientStatus {
  /** Error kind. */
  readonly kind: ErrorKind;
  /** gRPC status code number. */
  readonly grpcCode: number;
  /** gRPC status code name. */
  readonly grpcName: GrpcCodeName;
  /** HTTP status. */
  readonly httpStatus: number;
  /** Human message, safe to send (no stack, no cause). */
  readonly message: string;
}

/**
 * Maps any thrown value to what a client may see: GeoErrors keep their kind
 * and message (AbortError → CANCELLED, TimeoutError → DEADLINE_EXCEEDED, a
 * full disk → RESOURCE_EXHAUSTED); everything else becomes INTERNAL
 * "Internal error". Messages pass {@link clientMessage}.
 */
export function toClientStatus(reason: unknown): ClientStatus {
  const err = GeoError.from(reason);
  const message = err.kind === "internal" && !(reason instanceof GeoError)
    ? "Internal error"
    : clientMessage(err.message);
  return {
    kind: err.kind,
    grpcCode: grpcCodeOf(err.kind),
    grpcName: grpcCodeNameOf(err.kind),
    httpStatus: httpStatusOf(err.kind),
    message,
  };
}

/** Longest message a client is sent, characters. */
export const MAX_CLIENT_MESSAGE = 300;

/** Absolute file-system paths (POSIX, or Windows drive paths) inside a message. */
const ABSOLUTE_PATH = /(^|[\s'"`(=:])(?:\/|[A-Za-z]:\\)[^\s'"`),;]*/g;

/**
 * A core message made safe to send: first line only, absolute server paths
 * replaced by `<server path>`, cut to {@link MAX_CLIENT_MESSAGE} characters.
 * The full message stays in the server's log.
 */
export function clientMessage(message: string): string {
  const line = message.split("\n")[0].replace(ABSOLUTE_PATH, "$1<server path>");
  return line.length <= MAX_CLIENT_MESSAGE ? line : `${line.slice(0, MAX_CLIENT_MESSAGE - 1)}…`;
}
