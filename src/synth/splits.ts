/**
 * The fixed scene lists of the synthetic benchmark (`synth --split NAME`), from
 * `splits.json`: each entry is a room spec (room type, seed of the room shell and
 * furniture inventory, furniture arrangement) with its folder name. The same spec
 * always generates the same bytes. bench/ reads them from here too.
 *
 * @module
 */

import data from "./splits.json" with { type: "json" };
import type { SceneSpec } from "./generate_dataset.ts";
import { ROOM_TYPES, type RoomType } from "./layout.ts";

/** Names of the fixed splits. */
export const SPLIT_NAMES = ["standard", "site"] as const;

/** A fixed split's name. */
export type SplitName = typeof SPLIT_NAMES[number];

/** One fixed split: train and test scene specs (arrangement default 0). */
export interface SceneSplit {
  description: string;
  train: SceneSpec[];
  test: SceneSpec[];
}

type Entry = { name: string; type: string; seed: number; arrangement?: number };

function specsOf(list: Entry[]): SceneSpec[] {
  return list.map((e) => {
    if (!(ROOM_TYPES as readonly string[]).includes(e.type)) {
      throw new Error(`splits.json: ${e.name} has unknown room type '${e.type}'`);
    }
    return {
      name: e.name,
      type: e.type as RoomType,
      seed: e.seed,
      arrangement: e.arrangement ?? 0,
    };
  });
}

/** Whether `name` names a fixed split. */
export function isSplitName(name: string): name is SplitName {
  return (SPLIT_NAMES as readonly string[]).includes(name);
}

/** The fixed splits by name. */
export const SPLITS: Readonly<Record<SplitName, SceneSplit>> = Object.fromEntries(
  SPLIT_NAMES.map((n) => {
    const s =
      (data as unknown as Record<string, { description: string; train: Entry[]; test: Entry[] }>)[
        n
      ];
    return [n, { description: s.description, train: specsOf(s.train), test: specsOf(s.test) }];
  }),
) as Record<SplitName, SceneSplit>;
