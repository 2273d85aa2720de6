/**
 * Builders for the room shell (walls, floor) and for things fixed to walls or
 * plumbing: door, window, picture, curtain / shower curtain (same pleated build
 * on purpose), toilet, sink, bathtub. Wall-mounted builds have the wall surface
 * at y = 0 of their frame and stick out towards −y.
 *
 * @module
 */

import type { Rng } from "../kernels/random.ts";
import { box, cyl, type Part, type PartStyle } from "./geometry.ts";
import { material } from "./materials.ts";
import type { Built } from "./furniture_seating.ts";

/** Room shell: four wall slabs (outside the W×D interior) and a floor slab, world frame. */
export function buildShell(
  size: { w: number; d: number; h: number },
  styles: { wall: PartStyle; floor: PartStyle },
): { walls: Part[][]; floor: Part[] } {
  const { w, d, h } = size, t = 0.12;
  const walls = [
    [box([-t, d, 0], [w + 2 * t, t, h], styles.wall)], // north (y = d)
    [box([w, -t, 0], [t, d + 2 * t, h], styles.wall)], // east (x = w)
    [box([-t, -t, 0], [w + 2 * t, t, h], styles.wall)], // south (y = 0)
    [box([-t, -t, 0], [t, d + 2 * t, h], styles.wall)], // west (x = 0)
  ].map((ps) => ps.map((p) => ({ ...p, thin: false })));
  const floor = [{
    ...box([-t, -t, -0.06], [w + 2 * t, d + 2 * t, 0.06], styles.floor),
    thin: false,
  }];
  return { walls, floor };
}

/** A door leaf in a frame, closed or opened into the room. */
export function buildDoor(rng: Rng): Built {
  const w = rng.uniform(0.8, 0.95), h = rng.uniform(2.0, 2.1);
  const leaf = material(rng, rng.bernoulli(0.5) ? "wood" : "whitePaint");
  const frame = rng.bernoulli(0.6) ? leaf : material(rng, "whitePaint");
  const handle = material(rng, "metal");
  const parts: Part[] = [
    box([-w / 2 - 0.06, -0.04, 0], [0.06, 0.05, h + 0.06], frame),
    box([w / 2, -0.04, 0], [0.06, 0.05, h + 0.06], frame),
    box([-w / 2, -0.04, h], [w, 0.05, 0.06], frame),
  ];
  const open = rng.bernoulli(0.3);
  if (!open) {
    parts.push(box([-w / 2, -0.035, 0.01], [w, 0.035, h - 0.01], leaf));
    parts.push(box([w / 2 - 0.12, -0.075, 0.95], [0.1, 0.04, 0.025], handle));
  } else {
    const a = rng.uniform(0.3, 1.4);
    const leafPart = box([-w / 2, -0.035, 0.01], [w, 0.035, h - 0.01], leaf);
    // Rotate the leaf about the hinge at x = −w/2 into the room (towards −y).
    const c = Math.cos(-a), s = Math.sin(-a);
    leafPart.center = [-w / 2 + c * (w / 2), s * (w / 2) - 0.02, leafPart.center[2]];
    leafPart.yaw = -a;
    parts.push(leafPart);
  }
  return {
    parts,
    width: w + 0.12,
    depth: open ? w : 0.08,
    height: h + 0.06,
    kind: open ? "door/open" : "door",
  };
}

/** A window: glass pane with frame bars and a sill, bottom at z0. */
export function buildWindow(rng: Rng, width?: number): Built & { z0: number } {
  const w = width ?? rng.uniform(0.8, 2.0), h = rng.uniform(1.0, 1.5), z0 = rng.uniform(0.75, 1.0);
  const frame = material(rng, rng.bernoulli(0.7) ? "whitePaint" : "darkWood");
  const parts: Part[] = [box([-w / 2, -0.02, z0], [w, 0.02, h], material(rng, "glass"))];
  const bar = 0.05;
  parts.push(box([-w / 2 - bar, -0.05, z0 - bar], [bar, 0.05, h + 2 * bar], frame));
  parts.push(box([w / 2, -0.05, z0 - bar], [bar, 0.05, h + 2 * bar], frame));
  parts.push(box([-w / 2, -0.05, z0 + h], [w, 0.05, bar], frame));
  parts.push(box([-w / 2 - 0.08, -0.15, z0 - bar - 0.03], [w + 0.16, 0.15, 0.03], frame));
  const mullions = Math.round(w / 0.7);
  for (let k = 1; k < mullions; k++) {
    parts.push(
      box([-w / 2 + (k * w) / mullions - 0.02, -0.045, z0], [0.04, 0.025, h], {
        ...frame,
        thin: true,
      }),
    );
  }
  return { parts, width: w + 0.16, depth: 0.15, height: z0 + h + bar, kind: "window", z0 };
}

/** A framed picture hung on the wall, centre height 1.2–1.7 m. */
export function buildPicture(rng: Rng): Built {
  const w = rng.uniform(0.3, 1.2), h = rng.uniform(0.3, Math.min(0.9, w * 1.3));
  const zc = rng.uniform(1.25, 1.7), z0 = zc - h / 2;
  const frame = material(
    rng,
    rng.bernoulli(0.5) ? "darkWood" : rng.bernoulli(0.5) ? "metal" : "wood",
  );
  const f = rng.uniform(0.02, 0.05);
  const parts: Part[] = [
    box([-w / 2 + f, -0.02, z0 + f], [w - 2 * f, 0.015, h - 2 * f], material(rng, "paper")),
    box([-w / 2, -0.03, z0], [f, 0.03, h], frame),
    box([w / 2 - f, -0.03, z0], [f, 0.03, h], frame),
    box([-w / 2 + f, -0.03, z0], [w - 2 * f, 0.03, f], frame),
    box([-w / 2 + f, -0.03, z0 + h - f], [w - 2 * f, 0.03, f], frame),
  ];
  return { parts, width: w, depth: 0.03, height: z0 + h, kind: "picture" };
}

/**
 * A pleated hanging cloth with a rod: window curtain or shower curtain (same
 * build, different class). Hangs from z1 down to z0, `offset` metres off the wall.
 */
export function buildCurtain(
  rng: Rng,
  size: { width: number; z0: number; z1: number; offset: number },
  cloth?: PartStyle,
): Built {
  const style = cloth ?? material(rng, rng.bernoulli(0.3) ? "whitePaint" : "fabric");
  const { width, z0, z1, offset } = size;
  const pleat = rng.uniform(0.06, 0.1), n = Math.max(1, Math.round(width / pleat)), pw = width / n;
  const parts: Part[] = [];
  for (let k = 0; k < n; k++) {
    const y = -offset - (k % 2 === 0 ? 0 : 0.035);
    parts.push({
      ...box([-width / 2 + k * pw, y - 0.015, z0], [pw + 0.01, 0.015, z1 - z0], style),
      thin: false,
    });
  }
  parts.push(
    box(
      [-width / 2 - 0.05, -offset - 0.03, z1],
      [width + 0.1, 0.025, 0.025],
      material(rng, "metal"),
    ),
  );
  return { parts, width: width + 0.1, depth: offset + 0.05, height: z1 + 0.03, kind: "curtain" };
}

/** A toilet: bowl, seat, tank against the wall. */
export function buildToilet(rng: Rng): Built {
  const w = rng.uniform(0.36, 0.44), d = rng.uniform(0.62, 0.74);
  const ceramic = material(rng, "ceramic");
  const r = w / 2;
  const parts: Part[] = [
    box([-w / 2, d / 2 - 0.2, 0.38], [w, 0.2, rng.uniform(0.3, 0.4)], ceramic),
    cyl([0, d / 2 - 0.2 - r * 0.8, 0], [r * 0.6, 0.2], ceramic),
    cyl([0, d / 2 - 0.2 - r * 0.8, 0.2], [r, 0.18], ceramic),
    cyl(
      [0, d / 2 - 0.2 - r * 0.8, 0.38],
      [r * 1.02, 0.03],
      material(rng, rng.bernoulli(0.7) ? "whitePaint" : "plastic"),
    ),
    box([-0.12, d / 2 - 0.25, 0], [0.24, 0.25, 0.38], ceramic),
  ];
  return { parts, width: w, depth: d, height: 0.8, kind: "toilet" };
}

/** A sink: pedestal washbasin, or (with `onTop`) a basin sitting on a counter top at that height. */
export function buildSink(rng: Rng, onTop?: number): Built {
  const ceramic = material(rng, rng.bernoulli(0.7) ? "ceramic" : "metal");
  const w = rng.uniform(0.45, 0.7), d = rng.uniform(0.35, 0.45), bh = rng.uniform(0.1, 0.17);
  const z = onTop ?? rng.uniform(0.68, 0.75);
  const parts: Part[] = [
    box([-w / 2, -d / 2, z], [w, d, bh], ceramic),
    cyl([0, d / 2 - 0.06, z], [0.015, bh + 0.18], material(rng, "metal")),
  ];
  if (onTop === undefined) parts.push(cyl([0, d / 2 - 0.12, 0], [0.08, z], ceramic));
  return {
    parts,
    width: w,
    depth: d,
    height: z + bh + 0.18,
    kind: onTop === undefined ? "sink/pedestal" : "sink/counter",
  };
}

/** A hollow bathtub: bottom and four rim walls. */
export function buildBathtub(rng: Rng): Built {
  const w = rng.uniform(1.5, 1.8), d = rng.uniform(0.7, 0.8), h = rng.uniform(0.5, 0.6);
  const ceramic = material(rng, "ceramic"), t = rng.uniform(0.06, 0.1);
  const parts: Part[] = [
    box([-w / 2, -d / 2, 0], [w, d, 0.12], ceramic),
    box([-w / 2, -d / 2, 0.12], [w, t, h - 0.12], ceramic),
    box([-w / 2, d / 2 - t, 0.12], [w, t, h - 0.12], ceramic),
    box([-w / 2, -d / 2 + t, 0.12], [t, d - 2 * t, h - 0.12], ceramic),
    box([w / 2 - t, -d / 2 + t, 0.12], [t, d - 2 * t, h - 0.12], ceramic),
  ].map((p) => ({ ...p, thin: false }));
  return { parts, width: w, depth: d, height: h, kind: "bathtub" };
}
