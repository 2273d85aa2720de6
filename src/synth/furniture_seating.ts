/**
 * Part builders for things people sit or lie on: chair (several styles,
 * including a sofa-like armchair), sofa and bed. Object frame: footprint centred
 * at the origin, back towards +y, z up (see `geometry.ts`).
 *
 * @module
 */

import type { Rng } from "../kernels/random.ts";
import { box, cyl, type Part, type PartStyle } from "./geometry.ts";
import { material } from "./materials.ts";

/** A built object in its own frame: parts plus footprint width (x), depth (y), height (z), metres. */
export interface Built {
  parts: Part[];
  width: number;
  depth: number;
  height: number;
  /** Variant name, e.g. "chair/office". */
  kind: string;
}

/** Four legs under a rectangle of [w, d] at the corners, inset by `inset`, from z0 to z1. */
export function legs(
  [w, d]: [number, number],
  z: [number, number],
  leg: { size: number; inset: number; round: boolean; style: PartStyle },
): Part[] {
  const out: Part[] = [];
  for (const sx of [-1, 1]) {
    for (const sy of [-1, 1]) {
      const x = sx * (w / 2 - leg.inset - leg.size / 2),
        y = sy * (d / 2 - leg.inset - leg.size / 2);
      out.push(
        leg.round ? cyl([x, y, z[0]], [leg.size / 2, z[1] - z[0]], leg.style) : box(
          [x - leg.size / 2, y - leg.size / 2, z[0]],
          [leg.size, leg.size, z[1] - z[0]],
          leg.style,
        ),
      );
    }
  }
  return out;
}

/** A chair: dining (4 legs), office (pedestal + star base) or armchair (sofa-like). */
export function buildChair(rng: Rng, variant?: "dining" | "office" | "armchair"): Built {
  const v = variant ?? (["dining", "office", "dining"] as const)[rng.int(3)];
  if (v === "armchair") {
    const w = rng.uniform(0.7, 0.95), d = rng.uniform(0.75, 0.9);
    const s = upholstered(rng, [w, d], 1);
    return { ...s, kind: "chair/armchair" };
  }
  const w = rng.uniform(0.42, 0.55), d = rng.uniform(0.42, 0.55);
  const seatZ = rng.uniform(0.42, 0.5), seatT = rng.uniform(0.03, 0.08);
  const backH = rng.uniform(0.32, 0.55), backT = rng.uniform(0.025, 0.06);
  const seat = material(rng, rng.bernoulli(0.5) ? "wood" : "fabric");
  const frame = rng.bernoulli(0.5) ? seat : material(rng, "metal");
  const parts: Part[] = [box([-w / 2, -d / 2, seatZ - seatT], [w, d, seatT], seat)];
  parts.push(box([-w / 2, d / 2 - backT, seatZ], [w, backT, backH], seat));
  if (v === "office") {
    parts.push(cyl([0, 0, 0.08], [0.025, seatZ - seatT - 0.08], frame));
    for (let k = 0; k < 5; k++) {
      const a = (k / 5) * 2 * Math.PI + rng.uniform(0, 0.3);
      const len = 0.28;
      parts.push({
        ...box([-len / 2, -0.02, 0.03], [len, 0.04, 0.04], frame),
        center: [Math.cos(a) * len / 2, Math.sin(a) * len / 2, 0.05],
        yaw: a,
        thin: true,
      });
    }
    if (rng.bernoulli(0.5)) {
      for (const sx of [-1, 1]) {
        parts.push(
          box([sx * (w / 2) - 0.025, -d / 2 + 0.05, seatZ + 0.18], [0.05, d * 0.6, 0.03], frame),
        );
      }
    }
    return { parts, width: w, depth: d, height: seatZ + backH, kind: "chair/office" };
  }
  const round = rng.bernoulli(0.4);
  parts.push(
    ...legs([w, d], [0, seatZ - seatT], {
      size: rng.uniform(0.025, 0.045),
      inset: 0.01,
      round,
      style: frame,
    }),
  );
  return { parts, width: w, depth: d, height: seatZ + backH, kind: "chair/dining" };
}

/** Seat base + cushions + back + arms, `seats` cushions wide (sofa and armchair). */
function upholstered(rng: Rng, [w, d]: [number, number], seats: number): Built {
  const cloth = material(rng, rng.bernoulli(0.3) ? "leather" : "fabric");
  const footH = rng.uniform(0.04, 0.12), baseH = rng.uniform(0.18, 0.28);
  const armW = rng.uniform(0.1, 0.22), armH = rng.uniform(0.55, 0.68);
  const backD = rng.uniform(0.15, 0.25), backH = rng.uniform(0.75, 0.95);
  const cushionH = rng.uniform(0.1, 0.16);
  const foot = material(rng, "darkWood");
  const parts: Part[] = legs([w, d], [0, footH], {
    size: 0.05,
    inset: 0.04,
    round: false,
    style: foot,
  });
  parts.push(box([-w / 2, -d / 2, footH], [w, d, baseH], cloth));
  parts.push(
    box(
      [-w / 2 + armW, d / 2 - backD, footH + baseH],
      [w - 2 * armW, backD, backH - footH - baseH],
      cloth,
    ),
  );
  for (const sx of [-1, 1]) {
    const x0 = sx < 0 ? -w / 2 : w / 2 - armW;
    parts.push(box([x0, -d / 2, footH + baseH], [armW, d, armH - footH - baseH], cloth));
  }
  const inner = w - 2 * armW, cw = inner / seats;
  for (let k = 0; k < seats; k++) {
    parts.push(
      box([-w / 2 + armW + k * cw + 0.005, -d / 2 + 0.02, footH + baseH], [
        cw - 0.01,
        d - backD - 0.02,
        cushionH,
      ], cloth),
    );
  }
  return { parts, width: w, depth: d, height: backH, kind: "sofa" };
}

/** A sofa of 2–4 seat cushions. */
export function buildSofa(rng: Rng): Built {
  const seats = 2 + rng.int(3);
  const w = seats * rng.uniform(0.55, 0.7) + 0.3, d = rng.uniform(0.8, 1.0);
  return { ...upholstered(rng, [w, d], seats), kind: `sofa/${seats}` };
}

/** A bed: frame on legs, mattress, headboard, pillows and a blanket. */
export function buildBed(rng: Rng): Built {
  const w = rng.bernoulli(0.4) ? rng.uniform(0.9, 1.1) : rng.uniform(1.4, 1.8);
  const d = rng.uniform(1.95, 2.15);
  const frame = material(rng, rng.bernoulli(0.6) ? "wood" : "darkWood");
  const legH = rng.uniform(0.05, 0.15),
    frameH = rng.uniform(0.15, 0.25),
    mattH = rng.uniform(0.18, 0.26);
  const headH = rng.uniform(0.8, 1.15);
  const parts: Part[] = legs([w, d], [0, legH], {
    size: 0.06,
    inset: 0.02,
    round: false,
    style: frame,
  });
  parts.push(box([-w / 2, -d / 2, legH], [w, d - 0.06, frameH], frame));
  parts.push(box([-w / 2, d / 2 - 0.06, 0], [w, 0.06, headH], frame));
  const top = legH + frameH;
  parts.push(
    box(
      [-w / 2 + 0.03, -d / 2 + 0.03, top],
      [w - 0.06, d - 0.12, mattH],
      material(rng, "whitePaint"),
    ),
  );
  const blanket = material(rng, "fabric");
  const cover = rng.uniform(0.5, 0.8) * d;
  parts.push(box([-w / 2 + 0.01, -d / 2 + 0.01, top + 0.02], [w - 0.02, cover, mattH], blanket));
  const pillows = w > 1.2 ? 2 : 1, pw = (w - 0.2) / pillows;
  const pillow = material(rng, rng.bernoulli(0.5) ? "whitePaint" : "fabric");
  for (let k = 0; k < pillows; k++) {
    parts.push(
      box(
        [-w / 2 + 0.1 + k * pw + 0.02, d / 2 - 0.5, top + mattH],
        [pw - 0.04, 0.38, 0.12],
        pillow,
      ),
    );
  }
  return { parts, width: w, depth: d, height: headH, kind: w > 1.2 ? "bed/double" : "bed/single" };
}
