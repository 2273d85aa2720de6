import assert from "node:assert/strict";
import { eigenFeatures } from "../kernels/eigen_features.ts";
import { floorHeight } from "../kernels/floor_height.ts";
import { knnSearch } from "../kernels/neighbor_search.ts";
import { estimateNormals } from "../kernels/normals.ts";
import { Rng } from "../kernels/random.ts";
import { superpoints } from "../kernels/superpoints.ts";
import { instanceProposals } from "../kernels/instance_proposals.ts";
import { analyzeScene, sceneInstanceProposals } from "./scene_geometry.ts";

/** Floor plus a wall, 2 cm apart, with some noise. */
function cloud(rng: Rng, withNormals: boolean) {
  const c: number[] = [], nrm: number[] = [];
  for (let u = 0; u < 40; u++) {
    for (let v = 0; v < 40; v++) {
      c.push(0.02 + u * 0.02, v * 0.02, 0.001 * rng.normal());
      nrm.push(0, 0, 1);
      if (u < 30) {
        c.push(0.001 * rng.normal(), v * 0.02, 0.02 + u * 0.02);
        nrm.push(1, 0, 0);
      }
    }
  }
  const coord = new Float32Array(c);
  return {
    count: coord.length / 3,
    coord,
    normal: withNormals ? new Float32Array(nrm) : undefined,
  };
}

Deno.test("analyzeScene chains the kernels and reports every stage", () => {
  const rng = new Rng(1);
  const pc = cloud(rng, false);
  const g = analyzeScene(pc);
  const nb = knnSearch(pc.coord, 16);
  assert.deepEqual(g.neighbors, nb);
  assert.ok(g.normalsEstimated);
  assert.deepEqual(g.normal, estimateNormals(pc.coord, nb).normal);
  assert.deepEqual(g.local, eigenFeatures(pc.coord, nb));
  // Estimated normals: superpoints compare them without sign.
  assert.deepEqual(g.superpoints, superpoints(pc.coord, g.normal, nb, { absoluteDot: true }));
  // Away from the corner, floor and wall fall in different superpoints.
  const floorPoint = 2 * (20 * 40 + 20); // each (u < 30, v) adds a floor point, then a wall point
  const wallPoint = floorPoint + 1;
  assert.deepEqual([pc.coord[3 * floorPoint + 2] < 0.01, pc.coord[3 * wallPoint] < 0.01], [
    true,
    true,
  ]);
  assert.notEqual(g.superpoints.ids[floorPoint], g.superpoints.ids[wallPoint]);
  assert.ok(
    g.superpoints.count >= 2 && g.superpoints.count <= 8,
    `${g.superpoints.count} superpoints`,
  );
  assert.deepEqual(g.floor, floorHeight(pc.coord));
  for (let i = 0; i < pc.count; i++) {
    assert.ok(Math.abs(g.curvature[i] - g.local[i * 7 + 4] / 3) < 1e-7);
  }
  for (const [stage, ms] of Object.entries(g.timings)) assert.ok(ms >= 0, stage);
});

Deno.test("analyzeScene keeps the cloud's normals and given superpoints", () => {
  const rng = new Rng(2);
  const pc = cloud(rng, true);
  const g = analyzeScene(pc, { k: 8 });
  assert.equal(g.normalsEstimated, false);
  assert.equal(g.normal, pc.normal);
  assert.equal(g.timings.normals, 0);
  assert.equal(g.neighbors.k, 8);
  assert.deepEqual(g.superpoints, superpoints(pc.coord, pc.normal!, knnSearch(pc.coord, 8)));
  // Given ids are made dense in order of first appearance.
  const given = new Int32Array(pc.count).map((_, i) => (i % 3) * 10 + 7);
  const h = analyzeScene(pc, { superpointIds: given });
  assert.equal(h.superpoints.count, 3);
  assert.deepEqual([...h.superpoints.ids.subarray(0, 6)], [0, 1, 2, 0, 1, 2]);
  assert.throws(() => analyzeScene(pc, { superpointIds: new Int32Array(3) }), /expected/);
  assert.throws(() => analyzeScene(pc, { superpointIds: given.map(() => -1) }), /negative/);
});

Deno.test("sceneInstanceProposals passes the scene's geometry to instanceProposals", () => {
  const rng = new Rng(3);
  const pc = cloud(rng, true);
  // A 0.2 m cube of points standing on the floor, away from the wall.
  const extra: number[] = [];
  for (let i = 0; i < 400; i++) {
    extra.push(0.5 + rng.uniform(0, 0.2), 0.4 + rng.uniform(0, 0.2), rng.uniform(0.02, 0.2));
  }
  const coord = new Float32Array([...pc.coord, ...extra]);
  const normal = new Float32Array(coord.length);
  normal.set(pc.normal!);
  for (let i = pc.normal!.length; i < normal.length; i += 3) normal[i + 2] = 1;
  const g = analyzeScene({ count: coord.length / 3, coord, normal });
  const got = sceneInstanceProposals(g, { minPoints: 30 });
  const want = instanceProposals({
    coord,
    normal,
    curvature: g.curvature,
    neighbors: g.neighbors,
    superpoints: g.superpoints,
  }, { floor: floorHeight(coord).floor, minPoints: 30 });
  assert.deepEqual(got, want);
  assert.ok(got.count >= 1);
  assert.equal(got.ids[0], -1, "floor point");
});
