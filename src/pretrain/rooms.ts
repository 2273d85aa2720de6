/**
 * Rooms for pre-training, from dataset folders (only each scene's `coord.npy` and
 * `color.npy` are read: never labels, instances or teacher features) and from plain cloud
 * files (PLY, PCD, Draco, .npy; z up, metres). Each is voxelised like the served model
 * sees it and segmented once into superpoints from its geometry; for the `complete`
 * objective, each superpoint also gets targets from the whole room's descriptor.
 *
 * @module
 */

import { join } from "node:path";
import {
  analyzeScene,
  type SceneGeometry,
  sceneInstanceProposals,
} from "../features/scene_geometry.ts";
import { floatRoles } from "../features/backbones/onnx.ts";
import { segmentMean } from "../kernels/segment_pool.ts";
import { orderedVoxelGrid, voxelCloud } from "../infer/inference.ts";
import { readDatasets, unionScenes } from "../io/dataset.ts";
import { readCloudFile } from "../io/read_cloud.ts";
import { invalid } from "../kernels/errors.ts";
import type { PretrainRoom } from "./views.ts";

/** Where rooms come from. */
export interface RoomSources {
  /** dataset folders: every scene */
  data: string[];
  /** extra cloud files */
  clouds: string[];
}

/** The files of every room, in order: dataset scenes first (folder order), then clouds. */
export async function listRooms(s: RoomSources): Promise<{ name: string; path: string }[]> {
  const out: { name: string; path: string }[] = [];
  if (s.data.length > 0) {
    const union = await readDatasets(s.data);
    for (const { dir, name } of unionScenes(union)) {
      out.push({ name: join(dir, name), path: join(dir, name, "coord.npy") });
    }
  }
  for (const path of s.clouds) out.push({ name: path, path });
  if (out.length === 0) throw invalid("No rooms to pre-train on: give --data or --clouds");
  return out;
}

/**
 * Reads, voxelises and segments one room.
 *
 * @param path cloud file (a scene's coord.npy picks up its color.npy)
 * @param voxelSize voxel side, metres (the served model's, 0.02)
 */
export async function loadRoom(
  name: string,
  path: string,
  voxelSize: number,
  options: { targets?: string } = {},
): Promise<PretrainRoom> {
  const raw = await readCloudFile(path);
  const grid = orderedVoxelGrid(raw.coord, voxelSize);
  const full = voxelCloud({ count: raw.count, coord: raw.coord, color: raw.color }, grid);
  const geometry = analyzeScene(full);
  const room: PretrainRoom = {
    name,
    cloud: { count: full.count, coord: full.coord, color: full.color },
    superpoint: geometry.superpoints.ids,
    superpointCount: geometry.superpoints.count,
  };
  if (options.targets) room.targets = await roomTargets(geometry, options.targets);
  return room;
}

/** Width T of {@link roomTargets} for a descriptor of width D: 2·D. */
export function targetWidth(descriptorDim: number): number {
  return 2 * descriptorDim;
}

/**
 * What the whole room says of each superpoint (targets of the `complete` objective): the
 * mean descriptor of its points, and the mean descriptor of the instance proposal holding
 * most of its points (its own mean when none), both computed on the complete room.
 *
 * @param geometry the room's geometry (`analyzeScene` of its voxel cloud)
 * @param version descriptor version, e.g. "geodesc-4"
 * @returns Float32Array S×2D
 */
export async function roomTargets(geometry: SceneGeometry, version: string): Promise<Float32Array> {
  const { data, dim } = await floatRoles.descriptor(geometry, version);
  const sp = geometry.superpoints;
  const prop = sceneInstanceProposals(geometry);
  const spMean = segmentMean(data, dim, sp.ids, sp.count);
  const propMean = segmentMean(data, dim, prop.ids, prop.count);
  const votes = Array.from({ length: sp.count }, () => new Map<number, number>());
  for (let i = 0; i < sp.ids.length; i++) {
    const v = votes[sp.ids[i]], p = prop.ids[i];
    if (p >= 0) v.set(p, (v.get(p) ?? 0) + 1);
  }
  const out = new Float32Array(sp.count * 2 * dim);
  for (let s = 0; s < sp.count; s++) {
    out.set(spMean.subarray(s * dim, (s + 1) * dim), s * 2 * dim);
    // the proposal holding most of the superpoint's points (lowest id on ties)
    const best = [...votes[s]].sort((x, y) => y[1] - x[1] || x[0] - y[0])[0];
    const src = best
      ? propMean.subarray(best[0] * dim, (best[0] + 1) * dim)
      : spMean.subarray(s * dim, (s + 1) * dim);
    out.set(src, s * 2 * dim + dim);
  }
  return out;
}
