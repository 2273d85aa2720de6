/**
 * Primitive parts of the synthetic world: yawed boxes and vertical cylinders,
 * grouped into objects (one object = one instance of one class).
 *
 * Frames: world is metres, z up, floor at z = 0. An object is built in its own
 * frame (origin at the centre of its footprint on the floor, x across its
 * width, its back towards +y, its front towards −y) and then placed with a
 * position and a yaw about z.
 *
 * @module
 */

/** Surface pattern of a part, modulating its albedo (see `materials.ts`). */
export type Texture =
  | "plain"
  | "wood"
  | "fabric"
  | "tiles"
  | "carpet"
  | "glass"
  | "metal"
  | "paper";

/** One primitive: a box (half extents along its yawed axes) or a vertical cylinder. */
export interface Part {
  /** "box" or "cyl" (vertical axis). */
  shape: "box" | "cyl";
  /** Centre, metres [x, y, z]. */
  center: [number, number, number];
  /** Box: half extents [hx, hy, hz]; cylinder: [radius, radius, half height], metres. */
  half: [number, number, number];
  /** Rotation about z, radians (boxes only). */
  yaw: number;
  /** Albedo RGB in 0..1. */
  color: [number, number, number];
  /** Surface pattern. */
  texture: Texture;
  /** True for thin structures (legs, frames, rods) that a 2D model smears into the background. */
  thin: boolean;
}

/** An object instance: a class id (index into SCANNET20) and its parts. */
export interface SceneObject {
  /** Class id. */
  cls: number;
  /** Parts in world coordinates (after placement). */
  parts: Part[];
  /** Short description for scene.json (e.g. "desk/drawers"). */
  kind: string;
}

/** Options of {@link box} and {@link cyl}. */
export interface PartStyle {
  /** Albedo RGB 0..1. */
  color: [number, number, number];
  /** Surface pattern (default "plain"). */
  texture?: Texture;
  /** Thin structure flag (default: smallest extent < 6 cm). */
  thin?: boolean;
}

/**
 * A box part from its minimum corner and size in the object frame (metres).
 *
 * @param min [x, y, z] minimum corner
 * @param size [sx, sy, sz] full extents (> 0)
 * @param style colour, texture, thin flag
 */
export function box(
  min: [number, number, number],
  size: [number, number, number],
  style: PartStyle,
): Part {
  return {
    shape: "box",
    center: [min[0] + size[0] / 2, min[1] + size[1] / 2, min[2] + size[2] / 2],
    half: [size[0] / 2, size[1] / 2, size[2] / 2],
    yaw: 0,
    color: style.color,
    texture: style.texture ?? "plain",
    thin: style.thin ?? Math.min(size[0], size[1], size[2]) < 0.06,
  };
}

/**
 * A vertical cylinder part from its bottom centre, radius and height (metres).
 *
 * @param base [x, y, z] centre of the bottom disc
 * @param size [radius, height] (> 0)
 * @param style colour, texture, thin flag (default: radius < 4 cm)
 */
export function cyl(
  base: [number, number, number],
  [radius, height]: [number, number],
  style: PartStyle,
): Part {
  return {
    shape: "cyl",
    center: [base[0], base[1], base[2] + height / 2],
    half: [radius, radius, height / 2],
    yaw: 0,
    color: style.color,
    texture: style.texture ?? "plain",
    thin: style.thin ?? radius < 0.04,
  };
}

/**
 * Moves parts from an object frame into the world: rotate by `yaw` about z,
 * then translate by (x, y, z). Returns new parts.
 */
export function placeParts(parts: Part[], at: [number, number, number], yaw: number): Part[] {
  const c = Math.cos(yaw), s = Math.sin(yaw);
  return parts.map((p) => ({
    ...p,
    center: [
      at[0] + c * p.center[0] - s * p.center[1],
      at[1] + s * p.center[0] + c * p.center[1],
      at[2] + p.center[2],
    ],
    half: [...p.half],
    yaw: p.shape === "box" ? p.yaw + yaw : 0,
  }));
}

/** Axis-aligned bounds of a part: [minX, minY, minZ, maxX, maxY, maxZ] metres. */
export function partBounds(p: Part): [number, number, number, number, number, number] {
  let ex: number, ey: number;
  if (p.shape === "cyl") {
    ex = ey = p.half[0];
  } else {
    const c = Math.abs(Math.cos(p.yaw)), s = Math.abs(Math.sin(p.yaw));
    ex = c * p.half[0] + s * p.half[1];
    ey = s * p.half[0] + c * p.half[1];
  }
  return [
    p.center[0] - ex,
    p.center[1] - ey,
    p.center[2] - p.half[2],
    p.center[0] + ex,
    p.center[1] + ey,
    p.center[2] + p.half[2],
  ];
}

/** Axis-aligned bounds of several parts (union), metres. */
export function partsBounds(parts: Part[]): [number, number, number, number, number, number] {
  const b: [number, number, number, number, number, number] = [
    Infinity,
    Infinity,
    Infinity,
    -Infinity,
    -Infinity,
    -Infinity,
  ];
  for (const p of parts) {
    const q = partBounds(p);
    for (let k = 0; k < 3; k++) {
      b[k] = Math.min(b[k], q[k]);
      b[k + 3] = Math.max(b[k + 3], q[k + 3]);
    }
  }
  return b;
}
