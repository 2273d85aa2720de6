/**
 * Part builders for tables, desks, cabinets, counters, bookshelves,
 * refrigerators and other furniture. Table/desk and cabinet/counter are built
 * from the same kinds of parts on purpose, so that they are confusable.
 *
 * @module
 */

import type { Rng } from "../kernels/random.ts";
import { box, cyl, type Part, type PartStyle } from "./geometry.ts";
import { material } from "./materials.ts";
import { type Built, legs } from "./furniture_seating.ts";

/** Door or drawer fronts on the −y face of a w×h body starting at z0, with handles. */
function fronts(
  [w, d]: [number, number],
  z: [number, number],
  layout: { cols: number; rows: number; style: PartStyle; handle: PartStyle },
): Part[] {
  const parts: Part[] = [];
  const cw = w / layout.cols, rh = (z[1] - z[0]) / layout.rows;
  for (let i = 0; i < layout.cols; i++) {
    for (let j = 0; j < layout.rows; j++) {
      const x0 = -w / 2 + i * cw + 0.006, z0 = z[0] + j * rh + 0.006;
      parts.push(box([x0, -d / 2 - 0.015, z0], [cw - 0.012, 0.015, rh - 0.012], layout.style));
      const hx = layout.rows > 1 ? x0 + cw / 2 - 0.06 : (i % 2 === 0 ? x0 + cw - 0.06 : x0 + 0.04);
      const hz = layout.rows > 1 ? z0 + rh * 0.7 : z0 + rh * 0.5;
      parts.push(
        box(
          [hx, -d / 2 - 0.035, hz],
          layout.rows > 1 ? [0.12, 0.02, 0.015] : [0.015, 0.02, 0.12],
          layout.handle,
        ),
      );
    }
  }
  return parts;
}

/** A table: rectangular on 4 legs, round on a pedestal, or a low coffee table. */
export function buildTable(
  rng: Rng,
  variant?: "dining" | "round" | "coffee" | "conference",
): Built {
  const v = variant ?? (["dining", "round", "dining"] as const)[rng.int(3)];
  const top = material(
    rng,
    rng.bernoulli(0.6) ? "wood" : rng.bernoulli(0.5) ? "darkWood" : "whitePaint",
  );
  const legStyle = rng.bernoulli(0.5) ? top : material(rng, "metal");
  const t = rng.uniform(0.025, 0.05);
  if (v === "round") {
    const r = rng.uniform(0.4, 0.6), h = rng.uniform(0.72, 0.76);
    return {
      parts: [
        cyl([0, 0, h - t], [r, t], top),
        cyl([0, 0, 0.03], [0.04, h - t - 0.03], legStyle),
        cyl([0, 0, 0], [rng.uniform(0.2, 0.3), 0.03], legStyle),
      ],
      width: 2 * r,
      depth: 2 * r,
      height: h,
      kind: "table/round",
    };
  }
  const [w, d, h] = v === "coffee"
    ? [rng.uniform(0.8, 1.3), rng.uniform(0.45, 0.7), rng.uniform(0.38, 0.48)]
    : v === "conference"
    ? [rng.uniform(2.0, 3.0), rng.uniform(0.9, 1.3), rng.uniform(0.72, 0.76)]
    : [rng.uniform(0.8, 1.8), rng.uniform(0.7, 1.0), rng.uniform(0.72, 0.77)];
  const parts: Part[] = [box([-w / 2, -d / 2, h - t], [w, d, t], top)];
  parts.push(
    ...legs([w, d], [0, h - t], {
      size: rng.uniform(0.04, 0.07),
      inset: 0.04,
      round: rng.bernoulli(0.3),
      style: legStyle,
    }),
  );
  if (v === "coffee" && rng.bernoulli(0.5)) {
    parts.push(box([-w / 2 + 0.05, -d / 2 + 0.05, 0.12], [w - 0.1, d - 0.1, 0.02], top));
  }
  return { parts, width: w, depth: d, height: h, kind: `table/${v}` };
}

/** A desk: top with a drawer pedestal, with side panels, or on legs with a modesty panel. */
export function buildDesk(rng: Rng): Built {
  const w = rng.uniform(1.0, 1.7), d = rng.uniform(0.55, 0.8), h = rng.uniform(0.72, 0.77);
  const top = material(
    rng,
    rng.bernoulli(0.5) ? "wood" : rng.bernoulli(0.5) ? "whitePaint" : "darkWood",
  );
  const body = rng.bernoulli(0.6) ? top : material(rng, "whitePaint");
  const t = rng.uniform(0.025, 0.04);
  const parts: Part[] = [box([-w / 2, -d / 2, h - t], [w, d, t], top)];
  const v = rng.int(3);
  if (v === 0) {
    const pw = rng.uniform(0.38, 0.45), side = rng.bernoulli(0.5) ? -1 : 1;
    const x0 = side < 0 ? -w / 2 : w / 2 - pw;
    parts.push(box([x0, -d / 2 + 0.02, 0], [pw, d - 0.04, h - t], body));
    const handle = material(rng, "metal");
    for (
      const p of fronts([pw, d - 0.04], [0.02, h - t], { cols: 1, rows: 3, style: body, handle })
    ) {
      parts.push({ ...p, center: [p.center[0] + x0 + pw / 2, p.center[1], p.center[2]] });
    }
    const ox = side < 0 ? w / 2 - 0.03 : -w / 2;
    parts.push(box([ox, -d / 2 + 0.02, 0], [0.03, d - 0.04, h - t], body));
  } else if (v === 1) {
    for (const sx of [-1, 1]) {
      parts.push(box([sx < 0 ? -w / 2 : w / 2 - 0.03, -d / 2, 0], [0.03, d, h - t], body));
    }
    parts.push(box([-w / 2 + 0.03, d / 2 - 0.04, 0.3], [w - 0.06, 0.02, h - t - 0.3], body));
  } else {
    parts.push(
      ...legs([w, d], [0, h - t], {
        size: 0.04,
        inset: 0.02,
        round: false,
        style: material(rng, "metal"),
      }),
    );
    parts.push(box([-w / 2 + 0.06, d / 2 - 0.05, 0.35], [w - 0.12, 0.015, h - t - 0.35], body));
  }
  return {
    parts,
    width: w,
    depth: d,
    height: h,
    kind: ["desk/drawers", "desk/panels", "desk/legs"][v],
  };
}

/** A cabinet: nightstand, low sideboard, tall wardrobe or file cabinet; `wall` gives an upper wall cabinet. */
export function buildCabinet(rng: Rng, variant?: "low" | "tall" | "wall" | "nightstand"): Built {
  const v = variant ?? (["low", "tall", "nightstand", "low"] as const)[rng.int(4)];
  const [w, d, h] = v === "tall"
    ? [rng.uniform(0.6, 1.2), rng.uniform(0.4, 0.6), rng.uniform(1.6, 2.1)]
    : v === "nightstand"
    ? [rng.uniform(0.4, 0.55), rng.uniform(0.35, 0.45), rng.uniform(0.45, 0.6)]
    : v === "wall"
    ? [rng.uniform(0.6, 1.6), rng.uniform(0.3, 0.38), rng.uniform(0.55, 0.8)]
    : [rng.uniform(0.8, 1.6), rng.uniform(0.4, 0.55), rng.uniform(0.7, 0.95)];
  const body = material(
    rng,
    rng.bernoulli(0.5) ? "wood" : rng.bernoulli(0.5) ? "whitePaint" : "darkWood",
  );
  const plinth = v === "wall" ? 0 : rng.uniform(0, 0.1);
  const parts: Part[] = [box([-w / 2, -d / 2, plinth], [w, d, h - plinth], body)];
  if (plinth > 0) {
    parts.push(box([-w / 2 + 0.03, -d / 2 + 0.03, 0], [w - 0.06, d - 0.06, plinth], body));
  }
  const cols = Math.max(1, Math.round(w / 0.5)),
    rows = v === "nightstand" ? 2 : rng.bernoulli(0.3) ? 3 : 1;
  parts.push(
    ...fronts([w, d], [plinth, h], { cols, rows, style: body, handle: material(rng, "metal") }),
  );
  return { parts, width: w, depth: d + 0.035, height: h, kind: `cabinet/${v}` };
}

/** A kitchen counter: base cabinets under an overhanging stone or wood worktop. */
export function buildCounter(rng: Rng, width?: number): Built {
  const w = width ?? rng.uniform(1.2, 2.8),
    d = rng.uniform(0.58, 0.65),
    h = rng.uniform(0.88, 0.93);
  const body = material(rng, rng.bernoulli(0.5) ? "whitePaint" : "wood");
  const worktop = material(rng, rng.bernoulli(0.6) ? "stone" : "darkWood");
  const t = rng.uniform(0.03, 0.045), over = rng.uniform(0.02, 0.05);
  const parts: Part[] = [
    box([-w / 2, -d / 2 + over, 0.1], [w, d - over, h - t - 0.1], body),
    box(
      [-w / 2 + 0.02, -d / 2 + over + 0.05, 0],
      [w - 0.04, d - over - 0.05, 0.1],
      material(rng, "darkWood"),
    ),
    box([-w / 2, -d / 2 - 0.02, h - t], [w, d + 0.02, t], worktop),
  ];
  const cols = Math.max(1, Math.round(w / 0.55));
  for (
    const p of fronts([w, d - over], [0.1, h - t], {
      cols,
      rows: 1,
      style: body,
      handle: material(rng, "metal"),
    })
  ) {
    parts.push({ ...p, center: [p.center[0], p.center[1] + over / 2, p.center[2]] });
  }
  return { parts, width: w, depth: d + 0.02, height: h, kind: "counter" };
}

/** A bookshelf: sides, top, back, shelves, with rows of books. */
export function buildBookshelf(rng: Rng): Built {
  const w = rng.uniform(0.6, 1.2), d = rng.uniform(0.28, 0.4), h = rng.uniform(1.0, 2.1);
  const wood = material(
    rng,
    rng.bernoulli(0.5) ? "wood" : rng.bernoulli(0.5) ? "whitePaint" : "darkWood",
  );
  const t = 0.02;
  const parts: Part[] = [
    box([-w / 2, -d / 2, 0], [t, d, h], wood),
    box([w / 2 - t, -d / 2, 0], [t, d, h], wood),
    box([-w / 2, d / 2 - 0.01, 0], [w, 0.01, h], wood),
    box([-w / 2, -d / 2, h - t], [w, d, t], wood),
    box([-w / 2 + t, -d / 2, 0], [w - 2 * t, d, 0.06], wood),
  ];
  const shelves = Math.max(1, Math.round(h / 0.36));
  const step = (h - 0.06) / shelves;
  for (let k = 1; k <= shelves; k++) {
    const z = 0.06 + k * step - t;
    if (k < shelves) parts.push(box([-w / 2 + t, -d / 2, z], [w - 2 * t, d - 0.01, t], wood));
    let x = -w / 2 + t + rng.uniform(0, 0.1);
    const zb = 0.06 + (k - 1) * step;
    while (x < w / 2 - t - 0.05 && rng.bernoulli(0.93)) {
      const bw = rng.uniform(0.02, 0.06), bh = Math.min(step - t - 0.02, rng.uniform(0.16, 0.3));
      if (x + bw > w / 2 - t) break;
      parts.push(
        box([x, -d / 2 + 0.04, zb], [bw, d - 0.08, bh], { ...material(rng, "paper"), thin: false }),
      );
      x += bw + (rng.bernoulli(0.1) ? rng.uniform(0.05, 0.2) : 0.002);
    }
  }
  return { parts, width: w, depth: d, height: h, kind: "bookshelf" };
}

/** A refrigerator: body, two doors with vertical handles. */
export function buildRefrigerator(rng: Rng): Built {
  const w = rng.uniform(0.6, 0.9), d = rng.uniform(0.62, 0.75), h = rng.uniform(1.5, 1.95);
  const shell = material(rng, rng.bernoulli(0.6) ? "whitePaint" : "metal");
  const split = h * rng.uniform(0.55, 0.7);
  const handle = material(rng, "metal");
  const parts: Part[] = [box([-w / 2, -d / 2 + 0.04, 0], [w, d - 0.04, h], shell)];
  for (const [z0, z1] of [[0.02, split - 0.01], [split + 0.01, h - 0.01]]) {
    parts.push(box([-w / 2 + 0.005, -d / 2, z0], [w - 0.01, 0.04, z1 - z0], shell));
    parts.push(
      box(
        [w / 2 - 0.08, -d / 2 - 0.04, z0 + 0.1],
        [0.025, 0.04, Math.min(0.5, z1 - z0 - 0.2)],
        handle,
      ),
    );
  }
  return { parts, width: w, depth: d, height: h, kind: "refrigerator" };
}

/** Other furniture: a dresser, trash bin, floor lamp, ottoman or small side shelf. */
export function buildOther(rng: Rng): Built {
  const v = rng.int(5);
  if (v === 0) {
    const c = buildCabinet(rng, "low");
    return { ...c, kind: "otherfurniture/dresser" };
  }
  if (v === 1) {
    const r = rng.uniform(0.12, 0.2), h = rng.uniform(0.3, 0.5);
    return {
      parts: [cyl([0, 0, 0], [r, h], material(rng, "plastic"))],
      width: 2 * r,
      depth: 2 * r,
      height: h,
      kind: "otherfurniture/bin",
    };
  }
  if (v === 2) {
    const h = rng.uniform(1.4, 1.8), metal = material(rng, "metal");
    return {
      parts: [
        cyl([0, 0, 0], [0.15, 0.03], metal),
        cyl([0, 0, 0.03], [0.015, h - 0.3], metal),
        cyl([0, 0, h - 0.3], [rng.uniform(0.15, 0.22), 0.3], material(rng, "fabric")),
      ],
      width: 0.44,
      depth: 0.44,
      height: h,
      kind: "otherfurniture/lamp",
    };
  }
  if (v === 3) {
    const w = rng.uniform(0.45, 0.8), d = rng.uniform(0.45, 0.8), h = rng.uniform(0.35, 0.45);
    return {
      parts: [box([-w / 2, -d / 2, 0], [w, d, h], material(rng, "fabric"))],
      width: w,
      depth: d,
      height: h,
      kind: "otherfurniture/ottoman",
    };
  }
  const w = rng.uniform(0.5, 0.9), d = rng.uniform(0.4, 0.6), h = rng.uniform(0.8, 1.1);
  const st = material(rng, "plastic");
  return {
    parts: [
      box([-w / 2, -d / 2, 0.7 * h], [w, d, 0.3 * h], st),
      ...legs([w, d], [0, 0.7 * h], {
        size: 0.03,
        inset: 0.01,
        round: false,
        style: material(rng, "metal"),
      }),
      box([-w / 2 + 0.02, -d / 2 + 0.02, 0.1], [w - 0.04, d - 0.04, 0.02], st),
    ],
    width: w,
    depth: d,
    height: h,
    kind: "otherfurniture/printer",
  };
}
