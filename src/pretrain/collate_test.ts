import assert from "node:assert/strict";
import * as G from "../kernels/graph/mod.ts";
import { Rng } from "../kernels/random.ts";
import { analyzeScene } from "../features/scene_geometry.ts";
import { backboneFeeds } from "../features/backbones/inputs.ts";
import { floatRoles } from "../features/backbones/onnx.ts";
import {
  declareGeonetFeeds,
  type GeonetConfig,
  geonetForward,
  geonetInputs,
  geonetParams,
  initGeonetWeights,
} from "../features/backbones/geonet_graph.ts";
import { type CloudFeeds, collateFeeds } from "./collate.ts";

const C: GeonetConfig = {
  descriptor: "geodesc-4",
  descriptorDim: 71,
  k: 4,
  pool: "max",
  grids: [0.2, 1],
  width: 6,
  context: 3,
  fusion: 5,
  dim: 4,
  hybrid: false,
};

async function cloud(n: number, seed: number, shared: number): Promise<CloudFeeds> {
  const rng = new Rng(seed);
  const coord = Float32Array.from({ length: 3 * n }, () => rng.uniform(0, 2));
  const color = Uint8Array.from({ length: 3 * n }, () => rng.int(256));
  const geometry = analyzeScene({ count: n, coord, color });
  const feeds = await backboneFeeds(geometry, geonetInputs(C), floatRoles);
  feeds.sp = {
    data: BigInt64Array.from({ length: n }, () => BigInt(rng.int(shared + 1))),
    dims: [n],
  };
  return { feeds, shared };
}

Deno.test("collateFeeds: the network on a batch equals the network on each cloud", async () => {
  const clouds = [await cloud(60, 1, 3), await cloud(45, 2, 0), await cloud(70, 3, 5)];
  const g = new G.Graph({ float: "float64" });
  const out = geonetForward(
    declareGeonetFeeds(g, C),
    geonetParams(g, C, initGeonetWeights(C, new Rng(4))),
    C,
  );
  const run = (feeds: Record<string, G.Feed>) => G.interpret(g, feeds, [out])[0].data;
  const batch = collateFeeds(clouds, C);
  const all = run(batch.feeds);
  let row = 0;
  for (const c of clouds) {
    const one = run(c.feeds);
    for (let i = 0; i < one.length; i++) {
      assert.ok(Math.abs(one[i] - all[row * C.dim + i]) < 1e-9, `row ${row} col ${i}`);
    }
    row += c.feeds.points.dims[0];
  }
  assert.equal(row * C.dim, all.length);
});

Deno.test("collateFeeds: shared ids are renumbered per cloud and 0 stays 0", async () => {
  const clouds = [await cloud(30, 5, 2), await cloud(20, 6, 4)];
  const { feeds, shared } = collateFeeds(clouds, C);
  assert.equal(shared, 6);
  const sp = feeds.sp.data as BigInt64Array;
  const first = clouds[0].feeds.sp.data as BigInt64Array;
  const second = clouds[1].feeds.sp.data as BigInt64Array;
  first.forEach((v, i) => assert.equal(sp[i], v));
  second.forEach((v, i) => assert.equal(sp[30 + i], v === 0n ? 0n : v + 2n));
  const counts = C.grids.map((_, g) => (feeds[`grid${g}_count`].data as BigInt64Array)[0]);
  C.grids.forEach((_, g) => {
    const want = clouds.reduce(
      (s, c) => s + (c.feeds[`grid${g}_count`].data as BigInt64Array)[0],
      0n,
    );
    assert.equal(counts[g], want);
  });
  assert.throws(() => collateFeeds([], C), /Nothing to collate/);
});
