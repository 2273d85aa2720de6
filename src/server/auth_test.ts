import assert from "node:assert/strict";
import { GeoError } from "../kernels/errors.ts";
import { checkBearer, checkTrainAccess } from "./auth.ts";

function kindOf(f: () => void): string | null {
  try {
    f();
    return null;
  } catch (e) {
    return e instanceof GeoError ? e.kind : "other";
  }
}

Deno.test("bearer tokens: open, missing, malformed, wrong, right", () => {
  assert.equal(kindOf(() => checkBearer(undefined, undefined, "S")), null);
  assert.equal(kindOf(() => checkBearer(undefined, "", "S")), null);
  assert.equal(kindOf(() => checkBearer(undefined, "t0k", "S")), "unauthenticated");
  assert.equal(kindOf(() => checkBearer("Basic abc", "t0k", "S")), "unauthenticated");
  assert.equal(kindOf(() => checkBearer("Bearer t0", "t0k", "S")), "permission_denied");
  assert.equal(kindOf(() => checkBearer("Bearer t0kk", "t0k", "S")), "permission_denied");
  assert.equal(kindOf(() => checkBearer("Bearer x0k", "t0k", "S")), "permission_denied");
  assert.equal(kindOf(() => checkBearer("Bearer t0k", "t0k", "S")), null);
  assert.equal(kindOf(() => checkBearer("bearer  t0k ", "t0k", "S")), null);
});

Deno.test("training is closed without a train token unless opened for development", () => {
  assert.equal(kindOf(() => checkTrainAccess(undefined, "", false)), "permission_denied");
  assert.equal(kindOf(() => checkTrainAccess("Bearer anything", "", false)), "permission_denied");
  assert.equal(kindOf(() => checkTrainAccess(undefined, "", true)), null);
  assert.equal(kindOf(() => checkTrainAccess(undefined, "tt", false)), "unauthenticated");
  assert.equal(kindOf(() => checkTrainAccess(undefined, "tt", true)), "unauthenticated");
  assert.equal(kindOf(() => checkTrainAccess("Bearer st", "tt", false)), "permission_denied");
  assert.equal(kindOf(() => checkTrainAccess("Bearer tt", "tt", false)), null);
});
