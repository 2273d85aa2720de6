import assert from "node:assert/strict";
import { Rng } from "../kernels/random.ts";
import { fuseViews, type FusionView, ViewFusion } from "./fuse_views.ts";

/** Camera at `pos` looking along +x (camera z = world x, camera x = −world y, camera y = −world z). */
function poseLookingX(pos: [number, number, number]): number[] {
  return [0, 0, 1, pos[0], -1, 0, 0, pos[1], 0, -1, 0, pos[2], 0, 0, 0, 1];
}

function view(opts: Partial<FusionView> & { dim: number; depthValue?: number }): FusionView {
  const W = opts.width ?? 8, H = opts.height ?? 6;
  const fw = opts.featureWidth ?? W, fh = opts.featureHeight ?? H;
  const features = opts.features ?? new Float32Array(fw * fh * opts.dim);
  if (!opts.features) { for (let i = 0; i < features.length; i++) features[i] = i; }
  return {
    depth: opts.depth ?? new Float32Array(W * H).fill(opts.depthValue ?? 2),
    width: W,
    height: H,
    fx: opts.fx ?? 4,
    fy: opts.fy ?? 4,
    cx: opts.cx ?? 3.5,
    cy: opts.cy ?? 2.5,
    pose: opts.pose ?? poseLookingX([0, 0, 0]),
    features,
    featureWidth: fw,
    featureHeight: fh,
  };
}

/** Straightforward per-point, per-view reference of the documented rule. */
function bruteForce(
  coord: Float32Array,
  views: FusionView[],
  { dim, tol, border }: { dim: number; tol: number; border: number },
) {
  const n = coord.length / 3;
  const sum = new Float64Array(n * dim), cnt = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (const v of views) {
      const P = v.pose;
      const d = [coord[i * 3] - P[3], coord[i * 3 + 1] - P[7], coord[i * 3 + 2] - P[11]];
      // R^T d, with R the upper-left 3×3 of the pose.
      const cam = [0, 1, 2].map((c) => P[c] * d[0] + P[4 + c] * d[1] + P[8 + c] * d[2]);
      if (cam[2] < 0.05) continue;
      const u = Math.round(v.fx * cam[0] / cam[2] + v.cx),
        vv = Math.round(v.fy * cam[1] / cam[2] + v.cy);
      if (u < border || vv < border || u >= v.width - border || vv >= v.height - border) continue;
      const z = v.depth[vv * v.width + u];
      if (!(z > 0) || Math.abs(z - cam[2]) > tol) continue;
      const fu = Math.floor((u + 0.5) * v.featureWidth / v.width),
        fv = Math.floor((vv + 0.5) * v.featureHeight / v.height);
      for (let k = 0; k < dim; k++) {
        sum[i * dim + k] += v.features[(fv * v.featureWidth + fu) * dim + k];
      }
      cnt[i]++;
    }
  }
  return { sum, cnt };
}

Deno.test("fuseViews matches a brute-force loop on random points and views", () => {
  const rng = new Rng(42), dim = 5, n = 400;
  const coord = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    coord[i * 3] = rng.uniform(1, 4);
    coord[i * 3 + 1] = rng.uniform(-2, 2);
    coord[i * 3 + 2] = rng.uniform(-1.5, 1.5);
  }
  const views: FusionView[] = [];
  for (let v = 0; v < 4; v++) {
    const W = 32, H = 24, depth = new Float32Array(W * H);
    for (let i = 0; i < depth.length; i++) depth[i] = rng.bernoulli(0.1) ? 0 : rng.uniform(1, 4);
    const fw = v % 2 ? 16 : 32, fh = v % 2 ? 12 : 24;
    const features = new Float32Array(fw * fh * dim);
    for (let i = 0; i < features.length; i++) features[i] = rng.normal();
    views.push(view({
      dim,
      width: W,
      height: H,
      fx: 20,
      fy: 20,
      cx: 15.5,
      cy: 11.5,
      depth,
      features,
      featureWidth: fw,
      featureHeight: fh,
      pose: poseLookingX([rng.uniform(-0.5, 0), rng.uniform(-0.3, 0.3), rng.uniform(-0.3, 0.3)]),
    }));
  }
  const tol = 0.8, border = 2;
  const got = fuseViews(coord, views, { dim, depthTolerance: tol, border });
  const ref = bruteForce(coord, views, { dim, tol, border });
  let seen = 0;
  for (let i = 0; i < n; i++) {
    assert.equal(got.views[i], ref.cnt[i], `view count of point ${i}`);
    assert.equal(got.valid[i], ref.cnt[i] > 0 ? 1 : 0);
    if (ref.cnt[i] > 0) seen++;
    for (let k = 0; k < dim; k++) {
      const want = ref.cnt[i] ? ref.sum[i * dim + k] / ref.cnt[i] : 0;
      assert.ok(Math.abs(got.teacher[i * dim + k] - want) < 1e-5, `point ${i} dim ${k}`);
    }
  }
  assert.ok(seen > 20 && seen < n, `the case must mix seen and unseen points (${seen})`);
});

Deno.test("fuseViews rejects a point hidden behind the surface in the depth image", () => {
  // Depth image says the surface is 2 m away; one point at 2 m (seen), one at 3 m (occluded).
  const coord = Float32Array.from([2, 0, 0, 3, 0, 0]);
  const r = fuseViews(coord, [view({ dim: 2, depthValue: 2 })], { dim: 2, depthTolerance: 0.25 });
  assert.deepEqual([...r.valid], [1, 0]);
  assert.deepEqual([...r.teacher.subarray(2)], [0, 0]);
  // A loose tolerance lets the occluder's feature leak onto the hidden point.
  const loose = fuseViews(coord, [view({ dim: 2, depthValue: 2 })], {
    dim: 2,
    depthTolerance: 1.5,
  });
  assert.deepEqual([...loose.valid], [1, 1]);
});

Deno.test("fuseViews takes the nearest pixel, scales to the feature map and cuts the border", () => {
  // Point straight ahead projects to (u, v) = round(3.5), round(2.5) = (4, 3) (round half up).
  const coord = Float32Array.from([2, 0, 0]);
  const dim = 1;
  const full = fuseViews(coord, [view({ dim })], { dim });
  assert.equal(full.teacher[0], 3 * 8 + 4); // features[i] = i, pixel index 28
  const half = fuseViews(coord, [view({ dim, featureWidth: 4, featureHeight: 3 })], { dim });
  assert.equal(half.teacher[0], 1 * 4 + 2); // ⌊4.5·4/8⌋ = 2, ⌊3.5·3/6⌋ = 1
  // A point at the image edge (u = 7) is kept without a border and cut with border 1.
  const edge = Float32Array.from([2, -1.75, 0]); // x_cam = 1.75 → u = 4·1.75/2 + 3.5 = 7
  assert.equal(fuseViews(edge, [view({ dim })], { dim }).valid[0], 1);
  assert.equal(fuseViews(edge, [view({ dim })], { dim, border: 1 }).valid[0], 0);
});

Deno.test("fuseViews averages over views and leaves unseen points at zero", () => {
  const coord = Float32Array.from([2, 0, 0, -2, 0, 0]); // the second point is behind the camera
  const a = view({ dim: 1, features: new Float32Array(48).fill(1) });
  const b = view({ dim: 1, features: new Float32Array(48).fill(4) });
  const r = fuseViews(coord, [a, b], { dim: 1 });
  assert.equal(r.teacher[0], 2.5);
  assert.equal(r.views[0], 2);
  assert.deepEqual([r.valid[1], r.teacher[1], r.views[1]], [0, 0, 0]);
  // Missing depth (0) at the pixel rejects the point.
  const hole = view({ dim: 1, depth: new Float32Array(48) });
  assert.equal(fuseViews(coord, [hole], { dim: 1 }).valid[0], 0);
  // No views and no points are fine.
  assert.equal(fuseViews(new Float32Array(0), [a], { dim: 1 }).valid.length, 0);
  assert.deepEqual([...fuseViews(coord, [], { dim: 1 }).valid], [0, 0]);
});

Deno.test("ViewFusion reports malformed views", () => {
  const f = new ViewFusion(Float32Array.from([1, 0, 0]), 3);
  assert.throws(() => f.add(view({ dim: 2 })), /feature map has 96 values, expected 8×6×3/);
  assert.throws(
    () => f.add({ ...view({ dim: 3 }), depth: new Float32Array(5) }),
    /depth has 5 values/,
  );
  assert.throws(() => f.add({ ...view({ dim: 3 }), pose: [1, 2] }), /pose must have 16 numbers/);
  assert.throws(() => new ViewFusion(new Float32Array(4), 3), /N×3/);
  assert.throws(() => new ViewFusion(new Float32Array(3), 0), /positive integer/);
});
