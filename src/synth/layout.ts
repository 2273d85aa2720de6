/**
 * Procedural rooms: a room type, a seed and an arrangement number give the
 * shell (size, walls, floor, door, windows) and the furniture inventory from
 * the seed, and the furniture placement from the arrangement. Two scans of the
 * same room with different arrangements therefore hold the same things, moved.
 *
 * @module
 */

import { Rng } from "../kernels/random.ts";
import { C } from "./classes.ts";
import { type Part, placeParts, type SceneObject } from "./geometry.ts";
import { material } from "./materials.ts";
import { buildBed, buildChair, buildSofa, type Built } from "./furniture_seating.ts";
import {
  buildBookshelf,
  buildCabinet,
  buildCounter,
  buildDesk,
  buildOther,
  buildRefrigerator,
  buildTable,
} from "./furniture_surfaces.ts";
import {
  buildBathtub,
  buildCurtain,
  buildDoor,
  buildPicture,
  buildShell,
  buildSink,
  buildToilet,
  buildWindow,
} from "./fixtures.ts";
import { Planner, type Pose2 } from "./placement.ts";
import {
  addClutter,
  cornerBlock,
  LEGACY_WORLD,
  type RealismOptions,
  realismRng,
  roomScales,
} from "./realism.ts";

/** Room types of the synthetic world. */
export const ROOM_TYPES = [
  "bedroom",
  "office",
  "kitchen",
  "bathroom",
  "living",
  "conference",
] as const;
/** One of {@link ROOM_TYPES}. */
export type RoomType = typeof ROOM_TYPES[number];

/** What defines a room: its type, its seed (shell + inventory) and an arrangement (placement). */
export interface RoomSpec {
  type: RoomType;
  seed: number;
  /** Furniture arrangement number (default 0); same seed, other arrangement = furniture moved. */
  arrangement?: number;
}

/** A generated room: interior size (metres) and its objects (instance id = index). */
export interface Room {
  spec: RoomSpec;
  size: { w: number; d: number; h: number };
  objects: SceneObject[];
}

const SIZES: Record<RoomType, [number, number, number, number]> = {
  bedroom: [3.2, 4.4, 3.0, 4.0],
  office: [3.4, 4.8, 3.0, 4.2],
  kitchen: [3.0, 4.4, 2.8, 3.8],
  bathroom: [2.3, 3.2, 2.1, 2.8],
  living: [3.8, 5.0, 3.4, 4.4],
  conference: [4.2, 5.6, 3.4, 4.4],
};

/**
 * Generates the room of a spec (deterministic). `realism` (default: all levers off, the
 * world of models 1–3) scales the room, cuts a corner off and adds clutter, from its own
 * random stream.
 */
export function buildRoom(spec: RoomSpec, realism: RealismOptions = LEGACY_WORLD): Room {
  const realRng = realismRng(spec.seed, 1);
  const placeReal = realismRng(spec.seed, 2 + (spec.arrangement ?? 0));
  const shellRng = new Rng(spec.seed);
  const itemRng = shellRng.fork();
  const placeRng = new Rng(
    (spec.seed * 0x9e3779b1) ^ ((spec.arrangement ?? 0) * 0x85ebca6b + 0x2545f491),
  );
  const [w0, w1, d0, d1] = SIZES[spec.type];
  const [sw, sd] = roomScales(realRng, spec.type, realism);
  const w = shellRng.uniform(w0, w1) * sw,
    d = shellRng.uniform(d0, d1) * sd,
    h = shellRng.uniform(2.5, 2.9);
  const wallStyle = material(shellRng, "wallPaint");
  const floorKind = spec.type === "bathroom" || spec.type === "kitchen"
    ? "floorTiles"
    : shellRng.bernoulli(0.3)
    ? "carpet"
    : "floorWood";
  const shell = buildShell({ w, d, h }, { wall: wallStyle, floor: material(shellRng, floorKind) });
  const P = new Planner(w, d, placeRng);
  const objects: SceneObject[] = [
    ...shell.walls.map((parts) => ({ cls: C.wall, kind: "wall", parts })),
    { cls: C.floor, kind: "floor", parts: shell.floor },
  ];
  const block = cornerBlock(P, realRng, { w, d, h, wall: wallStyle }, realism);
  if (block) objects.push(block);
  fixtures(P, shellRng, spec.type);
  RECIPES[spec.type](P, itemRng);
  addClutter(P, placeReal, realism);
  return { spec, size: { w, d, h }, objects: [...objects, ...P.objects] };
}

/** Door and windows (with curtains) from the shell seed, so they stay put between arrangements. */
function fixtures(P: Planner, rng: Rng, type: RoomType): void {
  const doorWall = rng.int(4);
  const door = buildDoor(rng);
  const len = P.wallLength(doorWall);
  const along = rng.uniform(door.width / 2 + 0.1, len - door.width / 2 - 0.1);
  const pose = P.wallPose(doorWall, along, 0);
  P.add(door, C.door, pose, { mounted: true });
  P.reserve(P.footprint({ ...door, depth: 1.0, height: 2.2 }, pose, { mounted: true }));
  const nWin = type === "bathroom"
    ? 1
    : 1 + rng.int(type === "living" || type === "conference" ? 3 : 2);
  const curtains = type !== "kitchen" && type !== "bathroom" ? rng.bernoulli(0.8) : false;
  const cloth = material(rng, rng.bernoulli(0.3) ? "whitePaint" : "fabric");
  for (let i = 0; i < nWin; i++) {
    const k = (doorWall + 1 + rng.int(3)) % 4;
    const win = buildWindow(rng, type === "bathroom" ? rng.uniform(0.5, 0.8) : undefined);
    const wl = P.wallLength(k);
    if (wl < win.width + 1.2) continue;
    const s = rng.uniform(win.width / 2 + 0.5, wl - win.width / 2 - 0.5);
    const wp = P.wallPose(k, s, 0);
    if (!P.fits(P.footprint(win, wp, { mounted: true }))) continue;
    P.add(win, C.window, wp, { mounted: true });
    if (!curtains) continue;
    const pw = rng.uniform(0.3, 0.6), z1 = win.height + rng.uniform(0.05, 0.2);
    const z0 = rng.bernoulli(0.6) ? 0.03 : win.z0 - 0.15;
    for (const side of [-1, 1]) {
      const a = s + side * (win.width / 2 + pw / 2 - 0.15);
      if (a - pw / 2 < 0.05 || a + pw / 2 > wl - 0.05) continue;
      const cur = buildCurtain(rng, { width: pw, z0, z1, offset: 0.12 }, cloth);
      const cp = P.wallPose(k, a, 0);
      P.add(cur, C.curtain, cp, { mounted: true });
    }
    // Keep the floor under windows free of tall furniture only where curtains hang.
  }
  if (type !== "bathroom") {
    const n = rng.int(3) + (type === "living" || type === "office" ? 1 : 0);
    for (let i = 0; i < n; i++) {
      P.onWall(buildPicture(rng), C.picture, { mounted: true, tries: 20 });
    }
  }
}

type Recipe = (P: Planner, rng: Rng) => void;

/** Front direction (unit) of an object at a pose: its local −y in the world. */
function front(p: Pose2): [number, number] {
  return [Math.sin(p.yaw), -Math.cos(p.yaw)];
}

/** A chair in front of a desk/counter at `pose` (depth `depth`), facing it. */
function chairAt(P: Planner, at: { pose: Pose2; depth: number }, chair: Built): void {
  const { pose, depth } = at;
  const rng = P.rng;
  const [fx, fy] = front(pose);
  for (let t = 0; t < 6; t++) {
    const dist = depth / 2 + chair.depth * 0.72 + rng.uniform(0.02, 0.35);
    const lat = rng.uniform(-0.15, 0.15);
    const x = pose.x + fx * dist - fy * lat, y = pose.y + fy * dist + fx * lat;
    const tx = pose.x + rng.uniform(-0.2, 0.2), ty = pose.y + rng.uniform(-0.2, 0.2);
    if (P.facing(chair, C.chair, { x, y, tx, ty })) return;
  }
}

/** A table placed freely with chairs around it. */
function tableWithChairs(P: Planner, table: Built, chairs: Built[]): void {
  const rng = P.rng;
  const pose = P.free(table, C.table, { margin: 0.8, jitter: 0.08 });
  if (!pose) return;
  const slots: [number, number][] = [];
  const alongX = Math.max(1, Math.floor(table.width / 0.65)),
    alongY = Math.max(1, Math.floor(table.depth / 0.65));
  for (let i = 0; i < alongX; i++) {
    const x = -table.width / 2 + (i + 0.5) * (table.width / alongX);
    slots.push([x, -1], [x, 1]);
  }
  if (table.depth < 1.6) { for (let j = 0; j < alongY; j++) slots.push([-2, 0], [2, 0]); }
  rng.shuffle(slots);
  const c = Math.cos(pose.yaw), s = Math.sin(pose.yaw);
  const trySlot = (chair: Built, slot: [number, number]): boolean => {
    const push = rng.uniform(0.03, 0.3), end = Math.abs(slot[0]) === 2;
    const lx = end
      ? Math.sign(slot[0]) * (table.width / 2 + chair.depth / 2 + push)
      : slot[0] + rng.uniform(-0.08, 0.08);
    const ly = end ? rng.uniform(-0.1, 0.1) : slot[1] * (table.depth / 2 + chair.depth / 2 + push);
    const x = pose.x + c * lx - s * ly, y = pose.y + s * lx + c * ly;
    // Face the table edge squarely (up to a small turn): aim at the edge's foot point.
    const turn = rng.uniform(-0.15, 0.15);
    const tlx = end ? 0 : lx + turn, tly = end ? ly + turn : 0;
    const at = { x, y, tx: pose.x + c * tlx - s * tly, ty: pose.y + s * tlx + c * tly };
    return P.facing(chair, C.chair, at) !== null;
  };
  for (const chair of chairs) {
    for (let slot = slots.pop(); slot; slot = slots.pop()) if (trySlot(chair, slot)) break;
  }
}

function some(rng: Rng, lo: number, hi: number): number {
  return lo + rng.int(hi - lo + 1);
}

const RECIPES: Record<RoomType, Recipe> = {
  bedroom(P, rng) {
    const bed = buildBed(rng);
    const nights = [buildCabinet(rng, "nightstand"), buildCabinet(rng, "nightstand")];
    const wardrobe = buildCabinet(rng, "tall"),
      desk = buildDesk(rng),
      chair = buildChair(rng, "office");
    const extras = [buildBookshelf(rng), buildOther(rng), buildOther(rng)];
    const bp = P.onWall(bed, C.bed, { gap: 0.01 });
    if (bp) {
      const c = Math.cos(bp.yaw), s = Math.sin(bp.yaw);
      for (const [k, n] of nights.entries()) {
        const lx = (k === 0 ? -1 : 1) * (bed.width / 2 + n.width / 2 + 0.05);
        const ly = bed.depth / 2 - n.depth / 2 - 0.02;
        const pose = { x: bp.x + c * lx - s * ly, y: bp.y + s * lx + c * ly, yaw: bp.yaw };
        if (P.fits(P.footprint(n, pose))) P.add(n, C.cabinet, pose);
      }
    }
    P.onWall(wardrobe, C.cabinet);
    const dp = P.onWall(desk, C.desk);
    if (dp) chairAt(P, { pose: dp, depth: desk.depth }, chair);
    if (rng.bernoulli(0.6)) P.onWall(extras[0], C.bookshelf);
    for (const e of extras.slice(1)) if (rng.bernoulli(0.6)) P.onWall(e, C.otherfurniture);
  },
  office(P, rng) {
    const n = some(rng, 2, 4);
    const desks = Array.from({ length: n }, () => buildDesk(rng));
    const chairs = Array.from({ length: n }, () => buildChair(rng, "office"));
    for (let i = 0; i < n; i++) {
      const dp = P.onWall(desks[i], C.desk);
      if (dp) chairAt(P, { pose: dp, depth: desks[i].depth }, chairs[i]);
    }
    for (let i = some(rng, 1, 2); i > 0; i--) P.onWall(buildBookshelf(rng), C.bookshelf);
    for (let i = some(rng, 1, 2); i > 0; i--) P.onWall(buildCabinet(rng), C.cabinet);
    if (rng.bernoulli(0.6)) {
      tableWithChairs(P, buildTable(rng, rng.bernoulli(0.5) ? "round" : "dining"), [
        buildChair(rng, "dining"),
        buildChair(rng, "dining"),
      ]);
    }
    for (let i = some(rng, 1, 3); i > 0; i--) {
      P.onWall(buildOther(rng), C.otherfurniture, { tries: 20 });
    }
  },
  kitchen(P, rng) {
    const counter = buildCounter(rng, rng.uniform(1.6, 2.8));
    const cp = P.onWall(counter, C.counter, { gap: 0 });
    if (cp) {
      const sink = buildSink(rng, counter.height);
      const c = Math.cos(cp.yaw), s = Math.sin(cp.yaw), lx = rng.uniform(-0.3, 0.3) * counter.width;
      P.objects.push({
        cls: C.sink,
        kind: sink.kind,
        parts: partsAt(sink, { x: cp.x + c * lx, y: cp.y + s * lx, yaw: cp.yaw }),
      });
      const upper = buildCabinet(rng, "wall");
      const k = wallOf(P, cp);
      const along = k % 2 === 0 ? cp.x : cp.y;
      P.onWall(upper, C.cabinet, {
        walls: [k],
        along,
        lift: rng.uniform(1.45, 1.6),
        gap: 0,
        tries: 1,
      });
    }
    if (rng.bernoulli(0.6)) {
      P.onWall(buildCounter(rng, rng.uniform(1.0, 2.0)), C.counter, { gap: 0 });
    }
    P.onWall(buildRefrigerator(rng), C.refrigerator, { gap: 0.03 });
    P.onWall(buildCabinet(rng, rng.bernoulli(0.5) ? "tall" : "low"), C.cabinet);
    const chairs = Array.from({ length: some(rng, 2, 4) }, () => buildChair(rng, "dining"));
    tableWithChairs(P, buildTable(rng, rng.bernoulli(0.4) ? "round" : "dining"), chairs);
    if (rng.bernoulli(0.7)) P.onWall(buildOther(rng), C.otherfurniture, { tries: 20 });
  },
  bathroom(P, rng) {
    const tub = buildBathtub(rng);
    const tp = P.onWall(tub, C.bathtub, { gap: 0, tries: 80 });
    if (tp) {
      const curtainW = tub.width * rng.uniform(0.4, 1.0);
      const cur = buildCurtain(rng, {
        width: curtainW,
        z0: rng.uniform(0.35, 0.6),
        z1: rng.uniform(1.9, 2.05),
        offset: 0,
      });
      const [fx, fy] = front(tp);
      const c = Math.cos(tp.yaw),
        s = Math.sin(tp.yaw),
        lx = (tub.width - curtainW) / 2 * (rng.bernoulli(0.5) ? 1 : -1);
      const off = tub.depth / 2 - 0.03;
      P.objects.push({
        cls: C.showerCurtain,
        kind: "shower curtain",
        parts: partsAt(cur, {
          x: tp.x + c * lx + fx * off,
          y: tp.y + s * lx + fy * off,
          yaw: tp.yaw,
        }),
      });
    }
    P.onWall(buildToilet(rng), C.toilet, { gap: 0, clearance: 0.3 });
    if (rng.bernoulli(0.5)) {
      P.onWall(buildSink(rng), C.sink, { gap: 0.01, clearance: 0.3 });
    } else {
      const vanity = buildCabinet(rng, "nightstand");
      const wide = { ...vanity, width: Math.max(vanity.width, 0.6) };
      const vp = P.onWall(wide, C.cabinet, { gap: 0, clearance: 0.3 });
      if (vp) {
        const sink = buildSink(rng, vanity.height);
        P.objects.push({ cls: C.sink, kind: sink.kind, parts: partsAt(sink, vp) });
      }
    }
    if (rng.bernoulli(0.6)) {
      P.onWall(buildCabinet(rng, "wall"), C.cabinet, { lift: 1.5, tries: 20 });
    }
    if (rng.bernoulli(0.4)) P.onWall(buildOther(rng), C.otherfurniture, { tries: 20 });
  },
  living(P, rng) {
    const sofa = buildSofa(rng);
    const sp = P.onWall(sofa, C.sofa, { gap: 0.05 });
    const table = buildTable(rng, "coffee");
    if (sp) {
      const [fx, fy] = front(sp), dist = sofa.depth / 2 + table.depth / 2 + rng.uniform(0.3, 0.5);
      const pose = { x: sp.x + fx * dist, y: sp.y + fy * dist, yaw: sp.yaw };
      if (P.fits(P.footprint(table, pose))) {
        P.add(table, C.table, pose);
        for (let i = some(rng, 1, 2); i > 0; i--) {
          const arm = buildChair(rng, "armchair");
          const side = i === 1 ? 1 : -1, c = Math.cos(sp.yaw), s = Math.sin(sp.yaw);
          const lx = side * (table.width / 2 + arm.width / 2 + 0.3);
          P.facing(arm, C.chair, {
            x: pose.x + c * lx,
            y: pose.y + s * lx,
            tx: pose.x,
            ty: pose.y,
          });
        }
      }
    }
    if (rng.bernoulli(0.5)) P.onWall(buildSofa(rng), C.sofa);
    P.onWall(buildCabinet(rng, "low"), C.cabinet);
    for (let i = some(rng, 1, 2); i > 0; i--) P.onWall(buildBookshelf(rng), C.bookshelf);
    for (let i = some(rng, 1, 3); i > 0; i--) {
      P.onWall(buildOther(rng), C.otherfurniture, { tries: 20 });
    }
    if (rng.bernoulli(0.4)) P.onWall(buildDesk(rng), C.desk);
  },
  conference(P, rng) {
    const table = buildTable(rng, "conference");
    const chairs = Array.from(
      { length: some(rng, 6, 12) },
      () => buildChair(rng, rng.bernoulli(0.7) ? "office" : "dining"),
    );
    tableWithChairs(P, table, chairs);
    for (let i = some(rng, 1, 2); i > 0; i--) P.onWall(buildCabinet(rng, "low"), C.cabinet);
    if (rng.bernoulli(0.5)) P.onWall(buildTable(rng, "dining"), C.table);
    if (rng.bernoulli(0.5)) P.onWall(buildBookshelf(rng), C.bookshelf);
    for (let i = some(rng, 2, 4); i > 0; i--) {
      P.onWall(buildChair(rng, "dining"), C.chair, { tries: 10 });
    }
    for (let i = some(rng, 1, 2); i > 0; i--) {
      P.onWall(buildOther(rng), C.otherfurniture, { tries: 20 });
    }
  },
};

/** A build's parts moved to a floor pose. */
function partsAt(b: Built, pose: Pose2): Part[] {
  return placeParts(b.parts, [pose.x, pose.y, 0], pose.yaw);
}

/** Which wall a wall-placed pose is on. */
function wallOf(P: Planner, p: Pose2): number {
  const dist = [P.d - p.y, P.w - p.x, p.y, p.x];
  return dist.indexOf(Math.min(...dist));
}
