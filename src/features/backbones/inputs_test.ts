import assert from "node:assert/strict";
import { GeoError } from "../../kernels/errors.ts";
import { Rng } from "../../kernels/random.ts";
import { backboneFeeds, gridFeeds, knnFeed, parseBackboneInput } from "./inputs.ts";
import { analyzeScene } from "../scene_geometry.ts";

Deno.test("parseBackboneInput: each role, and malformed declarations named field by field", () => {
  assert.deepEqual(parseBackboneInput({ name: "p", role: "points", extra: 1 }, "x"), {
    name: "p",
    role: "points",
  });
  assert.deepEqual(parseBackboneInput({ name: "n", role: "knn", k: 16 }, "x"), {
    name: "n",
    role: "knn",
    k: 16,
  });
  assert.deepEqual(parseBackboneInput({ name: "c", role: "grid_count", size: 0.1 }, "x"), {
    name: "c",
    role: "grid_count",
    size: 0.1,
  });
  const cases: [unknown, RegExp][] = [
    [null, /^in\[0\] must be an object$/],
    [{ role: "points" }, /^in\[0\]\.name must be a string$/],
    [{ name: "a", role: "voxels" }, /^in\[0\]\.role must be one of points, descriptor, knn/],
    [{ name: "a", role: "descriptor" }, /^in\[0\]\.version must be a string$/],
    [{ name: "a", role: "knn", k: 17 }, /^in\[0\]\.k must be an integer in 1\.\.16$/],
    [{ name: "a", role: "knn", k: 2.5 }, /^in\[0\]\.k must be an integer/],
    [{ name: "a", role: "grid", size: 0 }, /^in\[0\]\.size must be a positive number of metres$/],
    [{ name: "a", role: "grid_count" }, /^in\[0\]\.size must be a positive number/],
  ];
  for (const [raw, re] of cases) {
    assert.throws(
      () => parseBackboneInput(raw, "in[0]"),
      (e: unknown) => e instanceof GeoError && e.kind === "invalid_argument" && re.test(e.message),
      JSON.stringify(raw),
    );
  }
});

Deno.test("feeds: kNN rows start with the point itself; grid ids dense in first-appearance order", async () => {
  const rng = new Rng(5);
  const n = 80;
  const coord = Float32Array.from({ length: 3 * n }, () => rng.uniform(-1, 1));
  const geometry = analyzeScene({ count: n, coord });
  const knn = knnFeed(geometry, 6);
  assert.deepEqual(knn.dims, [n, 6]);
  for (let i = 0; i < n; i++) assert.equal(knn.data[i * 6], BigInt(i));
  const { ids, count } = gridFeeds(geometry, 0.5);
  assert.ok(ids.data instanceof BigInt64Array && count.data instanceof BigInt64Array);
  assert.deepEqual(ids.dims, [n]);
  assert.deepEqual(count.dims, [1]);
  let next = 0n;
  for (const id of ids.data) {
    assert.ok(id <= next, "a new cell takes the next id");
    if (id === next) next++;
  }
  assert.equal(count.data[0], next);
  // A cloud of fewer points than k repeats the point itself.
  const tiny = analyzeScene({ count: 2, coord: Float32Array.of(0, 0, 0, 1, 0, 0) });
  assert.deepEqual([...knnFeed(tiny, 4).data], [0n, 1n, 0n, 0n, 1n, 0n, 1n, 1n]);
  assert.throws(() => knnFeed(geometry, 17), /17 neighbours/);
  const feeds = await backboneFeeds(geometry, [
    { name: "p", role: "points" },
    { name: "g", role: "grid", size: 0.5 },
    { name: "m", role: "grid_count", size: 0.5 },
  ], {
    points: () => new Float32Array(9 * n),
    descriptor: () => Promise.reject(new Error("not used")),
  });
  assert.deepEqual(Object.keys(feeds), ["p", "g", "m"]);
  assert.deepEqual(feeds.p.dims, [n, 9]);
  assert.deepEqual(feeds.g, ids);
  assert.deepEqual(feeds.m, count);
});
