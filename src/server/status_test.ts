import assert from "node:assert/strict";
import { ERROR_KINDS, GeoError, quote } from "../kernels/errors.ts";
import {
  clientMessage,
  GRPC_CODES,
  grpcCodeName,
  grpcCodeOf,
  httpStatusOf,
  kindOfGrpcCode,
  MAX_CLIENT_MESSAGE,
  toClientStatus,
} from "./status.ts";

Deno.test("every error kind maps to a distinct gRPC code and back", () => {
  const codes = ERROR_KINDS.map(grpcCodeOf);
  assert.equal(new Set(codes).size, ERROR_KINDS.length);
  for (const kind of ERROR_KINDS) assert.equal(kindOfGrpcCode(grpcCodeOf(kind)), kind);
  assert.equal(grpcCodeOf("not_found"), 5);
  assert.equal(grpcCodeOf("unauthenticated"), 16);
  assert.equal(grpcCodeName(GRPC_CODES.RESOURCE_EXHAUSTED), "RESOURCE_EXHAUSTED");
  assert.equal(kindOfGrpcCode(GRPC_CODES.UNIMPLEMENTED), "internal");
});

Deno.test("HTTP statuses follow the usual conventions", () => {
  assert.equal(httpStatusOf("invalid_argument"), 400);
  assert.equal(httpStatusOf("unavailable"), 503);
  assert.equal(httpStatusOf("resource_exhausted"), 429);
  for (const kind of ERROR_KINDS) {
    const s = httpStatusOf(kind);
    assert.ok(s >= 400 && s < 600, `${kind} → ${s}`);
  }
});

Deno.test("unknown errors become INTERNAL with a generic message", () => {
  const s = toClientStatus(new TypeError("secret path /etc/x at line 3"));
  assert.equal(s.grpcName, "INTERNAL");
  assert.equal(s.message, "Internal error");
  assert.equal(toClientStatus("a string").message, "Internal error");
});

Deno.test("GeoErrors, aborts and timeouts keep their meaning", () => {
  const s = toClientStatus(new GeoError("not_found", "Unknown model 'x'"));
  assert.equal(s.grpcCode, 5);
  assert.equal(s.message, "Unknown model 'x'");
  assert.equal(toClientStatus(new DOMException("x", "AbortError")).grpcName, "CANCELLED");
  assert.equal(toClientStatus(new DOMException("x", "TimeoutError")).grpcName, "DEADLINE_EXCEEDED");
  const internal = toClientStatus(new GeoError("internal", "Model file is corrupt\n  at x.ts:3"));
  assert.equal(internal.message, "Model file is corrupt");
});

Deno.test("client messages lose server paths, extra lines and length", () => {
  const s = toClientStatus(
    new GeoError("not_found", "Model 'x' is not in the registry /srv/app/models (see 'C:\\m\\a')"),
  );
  assert.equal(s.message, "Model 'x' is not in the registry <server path> (see '<server path>')");
  assert.equal(
    clientMessage("/abs/path/models/a/1/adapter.bin has sha256 abc"),
    "<server path> has sha256 abc",
  );
  assert.equal(clientMessage("ratio 1/2 and a/b stay"), "ratio 1/2 and a/b stay");
  const long = clientMessage("x".repeat(10_000));
  assert.equal(long.length, MAX_CLIENT_MESSAGE);
  assert.ok(long.endsWith("…"));
});

Deno.test("a full disk is RESOURCE_EXHAUSTED with a message a person understands", () => {
  const enospc = Object.assign(new Error("ENOSPC: no space left on device, write"), {
    code: "ENOSPC",
  });
  const s = toClientStatus(enospc);
  assert.equal(s.grpcName, "RESOURCE_EXHAUSTED");
  assert.match(s.message, /disk is full/);
  assert.equal(GeoError.from(enospc).cause, enospc);
});

Deno.test("quote() cuts long client texts", () => {
  assert.equal(quote("chair"), '"chair"');
  const q = quote("w".repeat(7000));
  assert.ok(q.length < 80, q);
  assert.match(q, /7000 characters/);
});
