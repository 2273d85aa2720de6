/**
 * The backbone folder of a pre-trained geonet: `backbone.onnx` (weights as initializers,
 * inputs by role) and `backbone.json` (version, width, declared inputs, and how it was
 * pre-trained), written atomically.
 *
 * @module
 */

import { encodeModel } from "../onnx/onnx_proto.ts";
import {
  buildGeonetGraph,
  GEONET_OUTPUT,
  type GeonetConfig,
  geonetDim,
  geonetInputs,
  geonetParamShapes,
  type GeonetWeights,
} from "../features/backbones/geonet_graph.ts";
import { contentVersion, writeBackboneFolder } from "../features/backbones/folder.ts";

/** Family name of our learned backbones (the version adds a content hash). */
export const GEONET_NAME = "geonet-1";

/** What a geonet export records. */
export interface GeonetExport {
  /** the run's settings (recorded under `pretraining`) */
  config: { geonet: GeonetConfig };
  /** trained weights (expander rows are ignored) */
  weights: GeonetWeights;
  /** loss curve (recorded, thinned to ≤ 200 points) */
  curve: readonly { step: number }[];
  /** names of the pre-training rooms' sources */
  sources: string[];
  /** export with the hybrid output ([descriptor | learned]) */
  hybrid?: boolean;
}

/**
 * The ONNX bytes and `backbone.json` of a geonet.
 *
 * @returns the bytes, the JSON object and the version it trains under
 *   (`geonet-1@<contentHash12>`, see folder.ts)
 */
export function geonetBackbone(e: GeonetExport): {
  onnx: Uint8Array;
  json: Record<string, unknown>;
  version: string;
} {
  const c = { ...e.config.geonet, hybrid: e.hybrid ?? e.config.geonet.hybrid };
  const weights = Object.fromEntries(geonetParamShapes(c).map(([n]) => [n, e.weights[n]]));
  const onnx = encodeModel(buildGeonetGraph(c, weights));
  const name = `${GEONET_NAME}${c.hybrid ? "-hybrid" : ""}`;
  const inputs = geonetInputs(c);
  const version = contentVersion(name, onnx, { inputs, output: GEONET_OUTPUT });
  const every = Math.max(1, Math.ceil(e.curve.length / 200));
  const json = {
    kind: "onnx",
    version: name,
    dim: geonetDim(c),
    inputs,
    output: GEONET_OUTPUT,
    pretraining: {
      ...e.config,
      geonet: c,
      sources: e.sources,
      curve: e.curve.filter((_, i) => i % every === every - 1 || i === e.curve.length - 1),
    },
  };
  return { onnx, json, version };
}

/** Writes the backbone folder of a geonet (atomically) and returns its version. */
export async function writeGeonetFolder(dir: string, e: GeonetExport): Promise<string> {
  const b = geonetBackbone(e);
  await writeBackboneFolder(dir, { json: b.json, onnx: b.onnx });
  return b.version;
}
