import assert from "node:assert/strict";
import { Rng } from "../kernels/random.ts";
import { box, cyl, type Part, placeParts, type SceneObject } from "./geometry.ts";
import { castRay, newHit, packScene } from "./raycast.ts";

const style = { color: [0.5, 0.5, 0.5] as [number, number, number] };

function inside(p: Part, [x, y, z]: number[]): boolean {
  const dx = x - p.center[0], dy = y - p.center[1], dz = z - p.center[2];
  if (Math.abs(dz) > p.half[2]) return false;
  if (p.shape === "cyl") return dx * dx + dy * dy <= p.half[0] * p.half[0];
  const c = Math.cos(p.yaw), s = Math.sin(p.yaw);
  return Math.abs(c * dx + s * dy) <= p.half[0] && Math.abs(-s * dx + c * dy) <= p.half[1];
}

/** First t (step 1 mm) at which the ray enters any part, and that part's index. */
function march(parts: Part[], ray: number[], tMax: number): { t: number; part: number } {
  for (let t = 0.001; t < tMax; t += 0.001) {
    const x = ray[0] + t * ray[3], y = ray[1] + t * ray[4], z = ray[2] + t * ray[5];
    for (let p = 0; p < parts.length; p++) if (inside(parts[p], [x, y, z])) return { t, part: p };
  }
  return { t: Infinity, part: -1 };
}

function randomObjects(rng: Rng): SceneObject[] {
  const objects: SceneObject[] = [];
  for (let o = 0; o < 4; o++) {
    const parts: Part[] = [];
    for (let k = 0; k < 3; k++) {
      const at: [number, number, number] = [
        rng.uniform(-0.5, 0.5),
        rng.uniform(-0.5, 0.5),
        rng.uniform(0, 0.5),
      ];
      parts.push(
        rng.bernoulli(0.5)
          ? box(at, [rng.uniform(0.05, 0.4), rng.uniform(0.05, 0.4), rng.uniform(0.05, 0.4)], style)
          : cyl(at, [rng.uniform(0.03, 0.2), rng.uniform(0.05, 0.5)], style),
      );
    }
    objects.push({
      cls: o,
      kind: "test",
      parts: placeParts(
        parts,
        [rng.uniform(-1.5, 1.5), rng.uniform(-1.5, 1.5), 0],
        rng.uniform(-3, 3),
      ),
    });
  }
  return objects;
}

Deno.test("castRay agrees with ray marching on random yawed boxes and cylinders", () => {
  const rng = new Rng(7);
  let hits = 0;
  for (let scene = 0; scene < 6; scene++) {
    const objects = randomObjects(rng);
    const packed = packScene(objects);
    const parts = objects.flatMap((o) => o.parts);
    for (let r = 0; r < 40; r++) {
      const o = [rng.uniform(-3, 3), rng.uniform(-3, 3), rng.uniform(1.2, 2)];
      const aim = parts[rng.int(parts.length)].center;
      const target = [
        aim[0] + rng.uniform(-0.2, 0.2),
        aim[1] + rng.uniform(-0.2, 0.2),
        aim[2] + rng.uniform(-0.2, 0.2),
      ];
      const d = [target[0] - o[0], target[1] - o[1], target[2] - o[2]];
      const len = Math.hypot(d[0], d[1], d[2]);
      const ray = [...o, d[0] / len, d[1] / len, d[2] / len];
      const hit = castRay(packed, ray, { hit: newHit() });
      const ref = march(parts, ray, 8);
      if (ref.part < 0) {
        assert.equal(hit.part, -1);
        continue;
      }
      hits++;
      assert.ok(
        Math.abs(hit.t - ref.t) < 0.0015,
        `scene ${scene} ray ${r}: t ${hit.t} vs ${ref.t}`,
      );
      assert.equal(packed.partObject[hit.part], packed.partObject[ref.part]);
      // The normal is unit length and faces the ray.
      assert.ok(Math.abs(Math.hypot(hit.nx, hit.ny, hit.nz) - 1) < 1e-9);
      assert.ok(hit.nx * ray[3] + hit.ny * ray[4] + hit.nz * ray[5] < 0);
      // Restricting to all objects as candidates changes nothing.
      const all = castRay(packed, ray, {
        hit: newHit(),
        candidates: Int32Array.from(objects.keys()),
      });
      assert.equal(all.t, hit.t);
    }
  }
  assert.ok(hits > 120, `the random rays must hit often enough (${hits})`);
});

Deno.test("castRay hand-made cases: axis box, cylinder side and cap, miss, candidates", () => {
  const objects: SceneObject[] = [
    { cls: 0, kind: "box", parts: [box([1, -0.5, -0.5], [1, 1, 1], style)] },
    { cls: 1, kind: "cyl", parts: [cyl([5, 0, -0.5], [0.5, 1], style)] },
  ];
  const packed = packScene(objects);
  const h = castRay(packed, [0, 0, 0, 1, 0, 0], { hit: newHit() });
  assert.deepEqual([h.t, h.part, h.nx, h.ny, h.nz], [1, 0, -1, 0, 0]);
  const side = castRay(packed, [5, -3, 0, 0, 1, 0], { hit: newHit() });
  assert.ok(Math.abs(side.t - 2.5) < 1e-12 && side.part === 1 && Math.abs(side.ny + 1) < 1e-12);
  const cap = castRay(packed, [5.2, 0, 3, 0, 0, -1], { hit: newHit() });
  assert.deepEqual([cap.t, cap.part, cap.nz], [2.5, 1, 1]);
  assert.equal(castRay(packed, [0, 0, 0, -1, 0, 0], { hit: newHit() }).part, -1);
  // Skipping the box (candidates = cylinder only) lets a +x ray reach the cylinder.
  const through = castRay(packed, [0, 0, 0, 1, 0, 0], {
    hit: newHit(),
    candidates: Int32Array.from([1]),
  });
  assert.deepEqual([through.t, through.part], [4.5, 1]);
  assert.equal(castRay(packScene([]), [0, 0, 0, 1, 0, 0], { hit: newHit() }).part, -1);
});
