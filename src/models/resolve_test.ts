import assert from "node:assert/strict";
import { GeoError } from "../kernels/errors.ts";
import { resolveDefaultModel, resolveModel } from "./resolve.ts";

const catalog = [{ name: "a", versions: [1, 2, 5] }, { name: "b", versions: [3] }];

function notFound(message: string) {
  return (e: unknown) => e instanceof GeoError && e.kind === "not_found" && e.message === message;
}

Deno.test("resolveModel: latest for 0, the version asked for, one wording for not found", () => {
  assert.deepEqual(resolveModel(catalog, "a", 0), { name: "a", version: 5 });
  assert.deepEqual(resolveModel(catalog, "a", 2), { name: "a", version: 2 });
  assert.deepEqual(resolveModel(catalog, "b", 0), { name: "b", version: 3 });
  assert.throws(
    () => resolveModel(catalog, "a", 3),
    notFound('Model "a" has no version 3; versions: 1, 2, 5'),
  );
  assert.throws(
    () => resolveModel(catalog, "zz", 0),
    notFound('Unknown model "zz"; available: a, b'),
  );
  assert.throws(() => resolveModel([], "zz", 1), notFound('Unknown model "zz"; available: none'));
  // A model without versions does not exist; a long name is cut by quote().
  assert.throws(
    () => resolveModel([{ name: "c", versions: [] }], "c", 0),
    notFound('Unknown model "c"; available: none'),
  );
  const long = "x".repeat(100);
  assert.throws(
    () => resolveModel(catalog, long, 0),
    (e: Error) => e.message.includes("… (100 characters)"),
  );
  const many = Array.from({ length: 25 }, (_, i) => ({ name: `m${i}`, versions: [1] }));
  assert.throws(
    () => resolveModel(many, "q", 0),
    (e: Error) => e.message.endsWith("m19, … (25 models)"),
  );
});

Deno.test("resolveDefaultModel", () => {
  assert.equal(resolveDefaultModel([]), null);
  assert.equal(resolveDefaultModel(["b", "default"]), "default");
  assert.throws(
    () => resolveDefaultModel(["a"], "z"),
    notFound('Unknown default model "z"; available: a'),
  );
});
