import assert from "node:assert/strict";
import { Rng } from "../kernels/random.ts";
import { C, CONFUSABLE } from "./classes.ts";
import { planTeacher, simulateTeacher, type TeacherInput, type TeacherOptions } from "./teacher.ts";
import { randomEmbeddings } from "./teacher_quality.ts";

const W = 40, H = 30;
const OFF: Partial<TeacherOptions> = {
  featureScale: 1,
  boundaryRate: 0,
  thinRate: 0,
  confuseRate: 0,
  confuseRateOther: 0,
  hardRate: 0,
  weakRate: 0,
  mix: 0,
  pixelNoise: 0,
  blockNoise: 0,
};

/** Wall (instance 0) at 3 m, a table (1) at 2 m in x 10..29 × y 8..21, a thin chair leg (2) at 1.5 m in column 34. */
function scene(): TeacherInput & { cls: number[] } {
  const instance = new Int32Array(W * H),
    depth = new Float32Array(W * H).fill(3),
    thin = new Uint8Array(W * H);
  for (let v = 0; v < H; v++) {
    for (let u = 0; u < W; u++) {
      const i = v * W + u;
      if (u >= 10 && u < 30 && v >= 8 && v < 22) {
        instance[i] = 1;
        depth[i] = 2;
      }
      if (u === 34) {
        instance[i] = 2;
        depth[i] = 1.5;
        thin[i] = 1;
      }
    }
  }
  const cls = [C.wall, C.table, C.chair];
  const plan = planTeacher(cls, 16, { rng: new Rng(1), options: OFF });
  return { width: W, height: H, instance, depth, thin, instanceClass: cls, plan, cls };
}

function argmax(
  features: Float32Array,
  j: number,
  { emb, dim }: { emb: Float32Array; dim: number },
): number {
  let best = -1, bv = -Infinity;
  for (let c = 0; c < emb.length / dim; c++) {
    let d = 0;
    for (let k = 0; k < dim; k++) d += features[j * dim + k] * emb[c * dim + k];
    if (d > bv) [bv, best] = [d, c];
  }
  return best;
}

Deno.test("simulateTeacher with every failure mode off reproduces the true classes", () => {
  const s = scene(), emb = randomEmbeddings(20, 16, new Rng(2));
  const m = simulateTeacher(s, emb, { rng: new Rng(3), options: OFF, classes: 20 });
  assert.deepEqual([m.width, m.height], [W, H]);
  for (let j = 0; j < W * H; j++) {
    const truth = s.cls[s.instance[j]];
    assert.equal(m.label[j], truth);
    assert.equal(argmax(m.features, j, { emb: emb, dim: 16 }), truth);
    let n = 0;
    for (let k = 0; k < 16; k++) n += m.features[j * 16 + k] ** 2;
    assert.ok(Math.abs(n - 1) < 1e-5);
  }
  const half = simulateTeacher(s, emb, {
    rng: new Rng(3),
    options: { ...OFF, featureScale: 0.5 },
    classes: 20,
  });
  assert.deepEqual([half.width, half.height, half.features.length], [20, 15, 20 * 15 * 16]);
});

Deno.test("boundary bleed only touches pixels near an object edge, mostly from the nearer object", () => {
  const s = scene(), emb = randomEmbeddings(20, 16, new Rng(2));
  const m = simulateTeacher(s, emb, {
    rng: new Rng(4),
    options: { ...OFF, boundaryRate: 1, boundaryWidth: 2, foregroundBias: 1 },
    classes: 20,
  });
  let wrong = 0;
  for (let j = 0; j < W * H; j++) {
    const truth = s.cls[s.instance[j]];
    if (m.label[j] === truth) continue;
    wrong++;
    // Brute force: some pixel of another instance within Chebyshev distance 2, nearer to the camera.
    const u = j % W, v = Math.floor(j / W);
    let near = false;
    for (let dv = -2; dv <= 2; dv++) {
      for (let du = -2; du <= 2; du++) {
        const q = (v + dv) * W + u + du;
        if (v + dv < 0 || v + dv >= H || u + du < 0 || u + du >= W) continue;
        if (s.instance[q] !== s.instance[j] && s.depth[q] < s.depth[j]) near = true;
      }
    }
    assert.ok(near, `pixel (${u}, ${v}) changed away from any nearer edge`);
  }
  assert.ok(wrong > 20, `some edge pixels must bleed (${wrong})`);
  // The table interior is untouched.
  assert.equal(m.label[15 * W + 20], C.table);
});

Deno.test("thin parts take the class of the surface behind them", () => {
  const s = scene(), emb = randomEmbeddings(20, 16, new Rng(2));
  const m = simulateTeacher(s, emb, {
    rng: new Rng(5),
    options: { ...OFF, thinRate: 1 },
    classes: 20,
  });
  for (let v = 0; v < H; v++) assert.equal(m.label[v * W + 34], C.wall);
  assert.equal(m.label[15 * W + 20], C.table);
});

Deno.test("planTeacher marks hard instances with a look-alike class, never walls or floors", () => {
  const cls = [C.wall, C.floor, C.table, C.desk, C.curtain, C.toilet];
  const plan = planTeacher(cls, 8, { rng: new Rng(6), options: { hardRate: 1 } });
  assert.deepEqual([plan.hard[0], plan.hard[1]], [-1, -1]);
  for (let i = 2; i < 5; i++) assert.ok(CONFUSABLE[cls[i]].includes(plan.hard[i]), `instance ${i}`);
  assert.equal(plan.noiseBank.length, 2048 * 8);
  // A hard table with swap rate 1 is labelled as its look-alike everywhere (partial swaps off).
  const s = scene();
  const hardPlan = { ...s.plan, hard: Int16Array.from([-1, C.desk, -1]) };
  const emb = randomEmbeddings(20, 16, new Rng(2));
  const m = simulateTeacher({ ...s, plan: hardPlan }, emb, {
    rng: new Rng(7),
    options: { ...OFF, hardSwapRate: 1, partialRate: 0 },
    classes: 20,
  });
  assert.equal(m.label[15 * W + 20], C.desk);
  assert.equal(m.label[2 * W + 2], C.wall);
});

Deno.test("simulateTeacher is deterministic in its rng and noisy with the defaults", () => {
  const s = scene(), emb = randomEmbeddings(20, 16, new Rng(2));
  const a = simulateTeacher(s, emb, { rng: new Rng(8), classes: 20 });
  const b = simulateTeacher(s, emb, { rng: new Rng(8), classes: 20 });
  assert.deepEqual(a.features, b.features);
  const c = simulateTeacher(s, emb, { rng: new Rng(9), classes: 20 });
  assert.notDeepEqual(a.features, c.features);
});
