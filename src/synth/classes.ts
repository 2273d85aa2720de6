/**
 * The 20 ScanNet benchmark classes used by the synthetic world, and which of
 * them a 2D open-vocabulary model tends to confuse.
 *
 * @module
 */

/** ScanNet-20 class names; the index is the class id written to `segment.npy`. */
export const SCANNET20: readonly string[] = [
  "wall",
  "floor",
  "cabinet",
  "bed",
  "chair",
  "sofa",
  "table",
  "door",
  "window",
  "bookshelf",
  "picture",
  "counter",
  "desk",
  "curtain",
  "refrigerator",
  "shower curtain",
  "toilet",
  "sink",
  "bathtub",
  "otherfurniture",
];

/** Class ids of {@link SCANNET20} by name. */
export const C = {
  wall: 0,
  floor: 1,
  cabinet: 2,
  bed: 3,
  chair: 4,
  sofa: 5,
  table: 6,
  door: 7,
  window: 8,
  bookshelf: 9,
  picture: 10,
  counter: 11,
  desk: 12,
  curtain: 13,
  refrigerator: 14,
  showerCurtain: 15,
  toilet: 16,
  sink: 17,
  bathtub: 18,
  otherfurniture: 19,
} as const;

/**
 * For each class id, the classes a 2D model mistakes it for, most likely
 * first. The designed pairs (table/desk, cabinet/counter, curtain/shower
 * curtain, sofa/chair) come first in each list.
 */
export const CONFUSABLE: readonly (readonly number[])[] = [
  [C.door, C.picture], // wall
  [C.wall], // floor
  [C.counter, C.otherfurniture, C.bookshelf, C.refrigerator], // cabinet
  [C.sofa], // bed
  [C.sofa, C.otherfurniture], // chair
  [C.chair, C.bed], // sofa
  [C.desk, C.counter], // table
  [C.wall, C.cabinet], // door
  [C.picture, C.curtain], // window
  [C.cabinet, C.otherfurniture], // bookshelf
  [C.window], // picture
  [C.cabinet, C.table, C.desk], // counter
  [C.table, C.cabinet], // desk
  [C.showerCurtain, C.window], // curtain
  [C.cabinet, C.door], // refrigerator
  [C.curtain], // shower curtain
  [C.sink, C.bathtub], // toilet
  [C.counter, C.toilet], // sink
  [C.sink, C.toilet], // bathtub
  [C.cabinet, C.chair, C.table], // otherfurniture
];

/** Class ids whose confusion is designed in on purpose (higher swap probability). */
export const DESIGNED_CONFUSIONS: ReadonlySet<number> = new Set([
  C.table,
  C.desk,
  C.cabinet,
  C.counter,
  C.curtain,
  C.showerCurtain,
  C.sofa,
  C.chair,
]);
