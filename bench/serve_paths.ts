/**
 * What the serving benchmarks share: the model to serve, the labels of every request
 * and the gRPC request path.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { listVersions } from "../src/models/registry.ts";
import { GeoguideClient } from "../src/server/grpc.ts";
import { createTinyModel } from "../tests/fixtures/tiny_model.ts";
import type { BenchInput } from "./serve_clouds.ts";
import type { RequestPath } from "./serve_load.ts";

/** Labels sent with every request. */
export const LABELS = [
  "wall",
  "floor",
  "ceiling",
  "chair",
  "table",
  "door",
  "window",
  "sofa",
  "bed",
  "cabinet",
];
/** Client deadline of one request, ms. */
export const REQUEST_TIMEOUT_MS = 600_000;
/**
 * The model to serve: `given` when set, else models/default when published in this
 * checkout, else a tiny one.
 */
export async function pickModel(given?: { modelsDir: string; name: string }): Promise<
  { modelsDir: string; name: string; describe: string; cleanup: () => Promise<void> }
> {
  if (given) {
    const versions = await listVersions(given.modelsDir, given.name);
    return {
      ...given,
      describe: `${given.name} version ${versions.at(-1)} in ${given.modelsDir}`,
      cleanup: () => Promise.resolve(),
    };
  }
  const repoModels = fileURLToPath(new URL("../models/", import.meta.url));
  const versions = await listVersions(repoModels, "default");
  if (versions.length) {
    return {
      modelsDir: repoModels,
      name: "default",
      describe: `models/default version ${versions.at(-1)} (the product's default model)`,
      cleanup: () => Promise.resolve(),
    };
  }
  const tiny = await createTinyModel({ name: "tiny", seed: 1 });
  return {
    modelsDir: tiny.root,
    name: tiny.name,
    describe: `no models/default in this checkout: seeded tiny model (tests/fixtures/` +
      `tiny_model.ts: descriptor backbone, hidden ${tiny.dims.hidden}, dim ${tiny.dims.dim}, ` +
      `GloVe text, voxel ${tiny.manifest.voxel_size} m) version ${tiny.version}`,
    cleanup: () => Deno.remove(tiny.root, { recursive: true }),
  };
}

/** Segment of `input` over gRPC, client `c` using `clients[c]`; checks the point count. */
export function grpcPath(clients: GeoguideClient[], input: BenchInput): RequestPath {
  return async (c) => {
    const res = await clients[c].segment({ cloud: { draco: input.draco }, labels: LABELS }, {
      timeoutMs: REQUEST_TIMEOUT_MS,
    });
    if (res.point_count !== input.points || !res.timing) {
      throw new Error(`Expected ${input.points} labelled points, got ${res.point_count}`);
    }
    return res.timing;
  };
}
