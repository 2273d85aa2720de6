import assert from "node:assert/strict";
import { Rng } from "../kernels/random.ts";
import { buildRoom, ROOM_TYPES } from "./layout.ts";
import { packScene } from "./raycast.ts";
import { REALISTIC_WORLD } from "./realism.ts";
import { type RobotPath, robotPath, type RobotRoom } from "./robot_path.ts";

/** Distance from (x, y) to the walls and to the footprints of objects below `top` (shell skipped). */
function clearance(room: RobotRoom, [x, y]: [number, number], top: number): number {
  let c = Math.min(x, room.w - x, y, room.d - y);
  for (let o = 30; o < room.bounds.length; o += 6) {
    const b = room.bounds.subarray(o, o + 6);
    if (b[2] >= top) continue;
    c = Math.min(c, Math.hypot(Math.max(b[0] - x, 0, x - b[3]), Math.max(b[1] - y, 0, y - b[4])));
  }
  return c;
}

/** A room from obstacle boxes [x0, y0, x1, y1] (1 m tall), behind five empty shell entries. */
function boxes(w: number, d: number, list: number[][]): RobotRoom {
  return {
    w,
    d,
    bounds: Float64Array.from([
      ...new Array(30).fill(0),
      ...list.flatMap((b) => [b[0], b[1], 0, b[2], b[3], 1]),
    ]),
  };
}

const yawOf = (p: Float64Array) => Math.atan2(p[6], p[2]);

function checkPath(path: RobotPath, room: RobotRoom, what: string): void {
  const period = path.timestamps[1] - path.timestamps[0];
  for (const [i, p] of path.poses.entries()) {
    assert.ok(Math.abs(path.timestamps[i] - i * period) < 1e-9);
    // Orthonormal rotation, sensor at the mast height, looking slightly down.
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        const dot = p[a] * p[b] + p[4 + a] * p[4 + b] + p[8 + a] * p[8 + b];
        assert.ok(Math.abs(dot - (a === b ? 1 : 0)) < 1e-9, `${what}: pose ${i} not orthonormal`);
      }
    }
    assert.equal(p[11], path.height);
    assert.ok(p[10] < -Math.sin(0.08) && p[10] > -Math.sin(0.42), `${what}: pitch of pose ${i}`);
    assert.ok(
      clearance(room, [p[3], p[7]], path.height + 0.3) >= path.clearance - 1e-6,
      `${what}: pose ${i} at (${p[3].toFixed(2)}, ${p[7].toFixed(2)}) is too close to something`,
    );
    if (i > 0) {
      const q = path.poses[i - 1], step = Math.hypot(p[3] - q[3], p[7] - q[7]);
      assert.ok(step <= path.speed * period + 1e-9, `${what}: step ${step} at scan ${i}`);
    }
  }
}

Deno.test("robotPath: every room type of both worlds, a drive in free space at walking speed, sensor looking round", () => {
  for (const [world, realism] of [[1, undefined], [2, REALISTIC_WORLD]] as const) {
    for (const type of ROOM_TYPES) {
      for (const seed of [1, 2]) {
        const room = buildRoom({ type, seed }, realism);
        const r: RobotRoom = { ...room.size, bounds: packScene(room.objects).objectBounds };
        const path = robotPath(r, new Rng(seed), { scans: 300 });
        const what = `world ${world} ${type} ${seed}`;
        assert.ok(
          path.speed >= 0.3 && path.speed <= 0.5 && path.height >= 0.9 && path.height <= 1.3,
        );
        assert.notEqual(path.mode, "stationary", what);
        assert.ok(path.length > 1, `${what}: lap ${path.length} m`);
        checkPath(path, r, what);
        // It moves most of the time and the sensor looks in most directions.
        let moving = 0;
        const octants = new Set<number>();
        path.poses.forEach((p, i) => {
          octants.add(Math.floor(((yawOf(p) + 2 * Math.PI) % (2 * Math.PI)) / (Math.PI / 4)));
          const q = path.poses[Math.max(0, i - 1)];
          if (Math.hypot(p[3] - q[3], p[7] - q[7]) > 0.2 * path.speed * 0.2) moving++;
        });
        assert.ok(moving > 150, `${what}: moving in ${moving} of 300 scans`);
        assert.ok(octants.size >= 6, `${what}: looks into ${octants.size} of 8 directions`);
      }
    }
  }
});

Deno.test("robotPath is deterministic in the seed", () => {
  const room = buildRoom({ type: "living", seed: 5 });
  const r = { ...room.size, bounds: packScene(room.objects).objectBounds };
  const a = robotPath(r, new Rng(9), { scans: 50, period: 0.3 });
  const b = robotPath(r, new Rng(9), { scans: 50, period: 0.3 });
  const c = robotPath(r, new Rng(10), { scans: 50, period: 0.3 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.poses, c.poses);
  assert.ok(Math.abs(a.timestamps[49] - 49 * 0.3) < 1e-9);
});

Deno.test("robotPath: around a pillar in an open room it loops round, lap after lap", () => {
  const room = boxes(5, 4, [[2, 1.5, 3, 2.5]]);
  const path = robotPath(room, new Rng(1), { scans: 400, speed: 0.5 });
  assert.equal(path.mode, "loop");
  checkPath(path, room, "pillar");
  // The winding angle about the pillar grows by a full turn per lap.
  let wind = 0;
  for (let i = 1; i < path.poses.length; i++) {
    const [p, q] = [path.poses[i], path.poses[i - 1]];
    const d = Math.atan2(p[7] - 2, p[3] - 2.5) - Math.atan2(q[7] - 2, q[3] - 2.5);
    wind += d - 2 * Math.PI * Math.round(d / (2 * Math.PI));
  }
  const laps = (400 * 0.2 * 0.5) / path.length;
  assert.ok(
    laps > 1.5 && Math.abs(Math.abs(wind) / (2 * Math.PI) - laps) < 1,
    `${wind} rad over ${laps} laps`,
  );
});

Deno.test("robotPath: in a corridor it goes back and forth, turning on the spot at the ends", () => {
  const room = boxes(1, 5, []);
  const path = robotPath(room, new Rng(3), { scans: 300, speed: 0.4 });
  assert.equal(path.mode, "back-and-forth");
  checkPath(path, room, "corridor");
  const ys = path.poses.map((p) => p[7]);
  let turnsOnSpot = 0;
  for (let i = 1; i < 300; i++) {
    const [p, q] = [path.poses[i], path.poses[i - 1]];
    if (Math.hypot(p[3] - q[3], p[7] - q[7]) < 1e-6 && Math.abs(yawOf(p) - yawOf(q)) > 0.05) {
      turnsOnSpot++;
    }
  }
  assert.ok(turnsOnSpot >= 10, `${turnsOnSpot} scans turning on the spot`);
  assert.ok(Math.max(...ys) - Math.min(...ys) > 3, "it covers the corridor's length");
  // Too small a room: it turns on the spot.
  const tiny = robotPath(boxes(0.5, 0.5, []), new Rng(3), { scans: 20 });
  assert.equal(tiny.mode, "stationary");
  const [x0, y0] = [tiny.poses[0][3], tiny.poses[0][7]];
  assert.ok(Math.hypot(x0 - 0.25, y0 - 0.25) < 0.1);
  assert.ok(tiny.poses.every((p) => p[3] === x0 && p[7] === y0));
  assert.notEqual(yawOf(tiny.poses[0]), yawOf(tiny.poses[19]));
});
