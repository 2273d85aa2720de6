/**
 * Rooms for pre-training, from dataset folders (only each scene's `coord.npy` and
 * `color.npy` are read: never labels, instances or teacher features) and from plain cloud
 * files (PLY, PCD, Draco, .npy; z up, metres). Each is voxelised like the served model
 * sees it and segmented once into superpoints from its geometry.
 *
 * @module
 */

import { join } from "node:path";
import { analyzeScene } from "../features/scene_geometry.ts";
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
): Promise<PretrainRoom> {
  const raw = await readCloudFile(path);
  const grid = orderedVoxelGrid(raw.coord, voxelSize);
  const full = voxelCloud({ count: raw.count, coord: raw.coord, color: raw.color }, grid);
  const geometry = analyzeScene(full);
  return {
    name,
    cloud: { count: full.count, coord: full.coord, color: full.color },
    superpoint: geometry.superpoints.ids,
    superpointCount: geometry.superpoints.count,
  };
}
