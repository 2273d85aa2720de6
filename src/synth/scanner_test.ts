import assert from "node:assert/strict";
import { Rng } from "../kernels/random.ts";
import { box, type SceneObject } from "./geometry.ts";
import { packScene } from "./raycast.ts";
import { backProject, DEPTH_640, lookPose, renderView, scaleIntrinsics } from "./scanner.ts";

const style = { color: [0.4, 0.5, 0.6] as [number, number, number] };
const objects: SceneObject[] = [
  { cls: 1, kind: "floor", parts: [box([-10, -10, -0.1], [20, 20, 0.1], style)] },
  { cls: 6, kind: "block", parts: [box([-0.2, -0.2, 0], [0.4, 0.4, 0.5], style)] },
];
const world = { scene: packScene(objects), objects };

Deno.test("scaleIntrinsics keeps the principal point on the same pixel centre", () => {
  const k = scaleIntrinsics(DEPTH_640, 0.5);
  assert.deepEqual(k, { fx: 288.935, fy: 288.935, cx: 159.5, cy: 119.5, width: 320, height: 240 });
  assert.deepEqual(scaleIntrinsics(DEPTH_640, 1), DEPTH_640);
});

Deno.test("lookPose gives an orthonormal camera with z along the heading", () => {
  const p = lookPose([1, 2, 3], 0.7, -0.4);
  const col = (c: number) => [p[c], p[4 + c], p[8 + c]];
  for (let a = 0; a < 3; a++) {
    for (let b = 0; b < 3; b++) {
      const d = col(a).reduce((s, v, i) => s + v * col(b)[i], 0);
      assert.ok(Math.abs(d - (a === b ? 1 : 0)) < 1e-12);
    }
  }
  const f = col(2);
  assert.ok(
    Math.abs(f[0] - Math.cos(-0.4) * Math.cos(0.7)) < 1e-12 &&
      Math.abs(f[2] - Math.sin(-0.4)) < 1e-12,
  );
  assert.ok(col(1)[2] < 0, "image y (down) points downwards in the world");
  assert.deepEqual([p[3], p[7], p[11], p[15]], [1, 2, 3, 1]);
});

Deno.test("renderView: exact depth of the floor from above, block instance in the centre, back-projection on the surfaces", () => {
  const k = scaleIntrinsics(DEPTH_640, 0.1);
  const pose = lookPose([0, 0, 2], 0, -Math.PI / 2);
  const view = renderView(world, { pose, k }, {
    rng: new Rng(1),
    options: { noise: false, dropout: 0, glassDropout: 0 },
  });
  const centre = Math.round(k.cy) * k.width + Math.round(k.cx);
  assert.equal(view.instance[centre], 1);
  assert.ok(Math.abs(view.depth[centre] - 1.5) < 1e-6);
  assert.ok(Math.abs(view.depth[0] - 2) < 1e-6 && view.instance[0] === 0);
  const { coord, pixel } = backProject(view, k);
  assert.equal(pixel.length, view.depth.filter((d) => d > 0).length);
  for (let j = 0; j < pixel.length; j++) {
    const z = coord[j * 3 + 2];
    const want = view.instance[pixel[j]] === 1 ? 0.5 : 0;
    assert.ok(Math.abs(z - want) < 1e-5, `point ${j} at height ${z}`);
  }
  // Colours are shaded albedo: never brighter than the albedo × 1.2 pattern cap.
  assert.ok(view.color[centre * 3 + 2] <= Math.ceil(255 * 0.6 * 1.2));
});

Deno.test("renderView sensor noise grows like the structured-light model and drops returns", () => {
  const k = scaleIntrinsics(DEPTH_640, 0.2);
  const pose = lookPose([3, 3, 2.5], 0, -Math.PI / 2);
  const view = renderView(world, { pose, k }, { rng: new Rng(2), options: { dropout: 0.1 } });
  let n = 0, s2 = 0, missing = 0;
  for (let i = 0; i < view.depth.length; i++) {
    if (view.depth[i] === 0) {
      missing++;
      continue;
    }
    n++;
    s2 += (view.depth[i] - 2.5) ** 2;
  }
  const sigma = 0.0012 + 0.0019 * 2.1 * 2.1;
  const std = Math.sqrt(s2 / n);
  assert.ok(Math.abs(std - sigma) / sigma < 0.15, `std ${std} vs model ${sigma}`);
  const frac = missing / view.depth.length;
  assert.ok(frac > 0.07 && frac < 0.14, `missing fraction ${frac}`);
});
