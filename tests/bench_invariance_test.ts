import assert from "node:assert/strict";
import { CHANGES } from "../bench/invariance.ts";
import type { PointCloud } from "../src/kernels/point_cloud.ts";
import { Rng } from "../src/kernels/random.ts";

function cloud(n: number, seed: number): { cloud: PointCloud; gt: Int16Array } {
  const rng = new Rng(seed);
  const coord = new Float32Array(3 * n), color = new Uint8Array(3 * n), gt = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    // Every other point on the floor plane: the flat surface "flat thinned" thins.
    coord.set([rng.uniform(0, 4), rng.uniform(0, 3), i % 2 ? 0 : rng.uniform(0.8, 2.5)], 3 * i);
    color.set([rng.int(256), rng.int(256), rng.int(256)], 3 * i);
    gt[i] = i % 7; // a label that names the point, to check rows stay together
  }
  return { cloud: { count: n, coord, color }, gt };
}

const change = (name: string) => CHANGES.find(([n]) => n === name)![1];
const dist = (c: Float32Array, i: number, j: number) =>
  Math.hypot(c[3 * i] - c[3 * j], c[3 * i + 1] - c[3 * j + 1], c[3 * i + 2] - c[3 * j + 2]);

Deno.test("invariance changes: rigid moves keep distances, colours change as named", () => {
  const { cloud: c, gt } = cloud(200, 3);
  const rng = new Rng(1);
  assert.equal(CHANGES[0][0], "as is");
  const turned = change("turned 37°")(c, gt, rng);
  for (let i = 0; i < 50; i++) {
    assert.ok(Math.abs(dist(turned.cloud.coord, i, i + 1) - dist(c.coord, i, i + 1)) < 1e-5);
    assert.ok(Math.abs(turned.cloud.coord[3 * i + 2] - c.coord[3 * i + 2]) < 1e-6); // z kept
  }
  assert.notEqual(turned.cloud.coord[0], c.coord[0]);
  const up = change("floor +0.4 m")(c, gt, rng).cloud.coord;
  assert.ok(Math.abs(up[2] - c.coord[2] - 0.4) < 1e-6 && up[0] === c.coord[0]);
  const grey = change("grey")(c, gt, rng).cloud.color!;
  const dark = change("dark")(c, gt, rng).cloud.color!;
  const channels = change("channels")(c, gt, rng).cloud.color!;
  const rgb = c.color!;
  for (let i = 0; i < 200; i++) {
    const [r, g, b] = rgb.subarray(3 * i, 3 * i + 3);
    assert.deepEqual(
      Array.from(grey.subarray(3 * i, 3 * i + 3)),
      Array(3).fill(Math.round((r + g + b) / 3)),
    );
    assert.deepEqual(Array.from(channels.subarray(3 * i, 3 * i + 3)), [b, r, g]);
    assert.equal(dark[3 * i], Math.round(r * 0.6));
  }
});

Deno.test("invariance changes: subsets keep each point's label with it and are seeded", () => {
  const { cloud: c, gt } = cloud(1000, 4);
  for (const name of ["half density", "flat thinned", "part"]) {
    const a = change(name)(c, gt, new Rng(9)), b = change(name)(c, gt, new Rng(9));
    assert.deepEqual(a, b);
    assert.equal(a.gt.length, a.cloud.count);
    assert.ok(a.cloud.count > 300 && a.cloud.count < 900, `${name}: ${a.cloud.count}`);
    // Every kept row is the input row `kept` names (increasing), with its own label.
    assert.equal(a.kept!.length, a.cloud.count);
    for (let j = 0; j < a.cloud.count; j++) {
      const i = a.kept![j];
      assert.ok(j === 0 || i > a.kept![j - 1]);
      assert.deepEqual(
        a.cloud.coord.subarray(3 * j, 3 * j + 3),
        c.coord.subarray(3 * i, 3 * i + 3),
      );
      assert.equal(a.gt[j], gt[i]);
      assert.deepEqual(
        a.cloud.color!.subarray(3 * j, 3 * j + 3),
        c.color!.subarray(3 * i, 3 * i + 3),
      );
    }
  }
  const part = change("part")(c, gt, new Rng(1)).cloud;
  const xs = Array.from({ length: part.count }, (_, j) => part.coord[3 * j]);
  assert.ok(Math.max(...xs) < 3.5, "the far side of the room is cut away");
  const empty = change("half density")(
    { count: 0, coord: new Float32Array(0) },
    new Int16Array(0),
    new Rng(1),
  );
  assert.equal(empty.cloud.count, 0);
  // Changes that keep every point name none.
  assert.equal(change("dark")(c, gt, new Rng(1)).kept, undefined);
});

Deno.test("invariance 'sensor view' keeps what one sensor in the room sees, seeded, labels in step", () => {
  // A 4 × 4 m room, 5 cm apart: floor (label 0) and four 2.4 m walls (label 1).
  const xyz: number[] = [], lab: number[] = [];
  for (let x = 0; x <= 4; x += 0.05) {
    for (let y = 0; y <= 4; y += 0.05) xyz.push(x, y, 0), lab.push(0);
  }
  for (let t = 0; t <= 4; t += 0.05) {
    for (let z = 0.05; z <= 2.4; z += 0.05) {
      xyz.push(t, 0, z, t, 4, z, 0, t, z, 4, t, z), lab.push(1, 1, 1, 1);
    }
  }
  const room: PointCloud = { count: lab.length, coord: Float32Array.from(xyz) };
  const gt = Int16Array.from(lab);
  const view = change("sensor view");
  const a = view(room, gt, new Rng(2)), b = view(room, gt, new Rng(2));
  assert.deepEqual(a, b);
  assert.ok(a.cloud.count > 2000 && a.cloud.count < 0.6 * room.count, `${a.cloud.count}`);
  for (let j = 0; j < a.cloud.count; j++) {
    assert.equal(a.gt[j], gt[a.kept![j]]);
    assert.equal(a.cloud.coord[3 * j + 2], room.coord[3 * a.kept![j] + 2]);
  }
  // Some wall is always out of view: no view keeps all four.
  const walls = new Set<string>();
  for (let j = 0; j < a.cloud.count; j++) {
    const [x, y] = [a.cloud.coord[3 * j], a.cloud.coord[3 * j + 1]];
    if (a.gt[j] === 1) walls.add(x < 0.01 ? "W" : x > 3.99 ? "E" : y < 0.01 ? "S" : "N");
  }
  assert.ok(walls.size >= 1 && walls.size <= 3, [...walls].join());
});
