import assert from "node:assert/strict";
import { objectiveReference } from "./reference.ts";
import type { ObjectiveParams, ObjectiveScene } from "./types.ts";
import { Rng } from "../../kernels/random.ts";

const SHIFT = 10;

/** Adapter with F = G exactly for G > −10 (Dg = H = C = d); reliability R ≡ 0 logit. */
function identityParams(d: number, scale: number[] = Array(d).fill(1)): ObjectiveParams {
  const eye = (s: number[]) => {
    const m = new Float64Array(d * d);
    for (let i = 0; i < d; i++) m[i * d + i] = s[i];
    return m;
  };
  return {
    adapter: {
      w1: eye(Array(d).fill(1)),
      b1: new Float64Array(d).fill(SHIFT),
      w2: eye(scale),
      b2: Float64Array.from(scale, (s) => -SHIFT * s),
    },
    reliability: {
      w1: new Float64Array(2 * d * 2),
      b1: new Float64Array(2),
      w2: new Float64Array(2),
      b2: new Float64Array(1),
    },
  };
}

function scene(
  g: number[][],
  cols: { t?: number[][]; v?: number[]; sp?: number[]; inst?: number[]; vis?: number[] },
): ObjectiveScene {
  const n = g.length;
  return {
    count: n,
    geometric: Float64Array.from(g.flat()),
    teacher: Float64Array.from((cols.t ?? g).flat()),
    valid: cols.v ?? Array(n).fill(1),
    superpoint: cols.sp ?? Array(n).fill(0),
    instance: cols.inst ?? Array(n).fill(-1),
    visible: cols.vis ?? Array(n).fill(1),
  };
}

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol, `expected ${b}, found ${a}`);

Deno.test("objectiveReference: F = T gives zero naive loss and zero USD loss", () => {
  const s = scene([[1, 2], [3, -1], [0.5, 0.5]], { sp: [4, 4, 9] });
  const p = identityParams(2);
  close(objectiveReference(s, p, { config: { objective: "naive" } }).sp, 0);
  // Every point equal to its teacher, but the superpoint target is a mean: not zero.
  const usd = objectiveReference(s, p, { config: { lambda: [1, 0, 0] } });
  assert.ok(usd.sp > 0.01);
  assert.equal(usd.total, usd.sp);
});

Deno.test("objectiveReference: USD superpoint target by hand, r uniform = r ≡ 1", () => {
  // One superpoint, F = (1,0) at both points, T = (1,0) and (0,1): target ∝ (½,½).
  const s = scene([[1, 0], [1, 0]], { t: [[1, 0], [0, 1]] });
  const p = identityParams(2);
  const want = 2 * (1 - Math.SQRT1_2);
  close(objectiveReference(s, p, { config: { useReliability: false } }).sp, want);
  // Zero reliability weights: r = sigmoid(0) = ½ for every point, same target direction.
  close(objectiveReference(s, p).sp, want);
  // Unseen second point: the target is T of the first point only; point level has one point.
  const s2 = { ...s, valid: [1, 0] };
  close(objectiveReference(s2, p).sp, 0);
});

Deno.test("objectiveReference: no valid point gives L_sp = 0 and L_naive = 0", () => {
  const s = scene([[1, 0], [0, 1]], { v: [0, 0], sp: [0, 1] });
  const p = identityParams(2);
  assert.equal(objectiveReference(s, p).sp, 0);
  assert.equal(objectiveReference(s, p, { config: { objective: "naive" } }).total, 0);
});

Deno.test("objectiveReference: balanced IMR by hand, empty half dropped", () => {
  const p = identityParams(2);
  const tau = 10, beta = 0.5;
  const sp5 = Math.log1p(Math.exp(-5));
  // inst [0, −1]: positive logit 5, negative logit −5; both BCEs are softplus(−5).
  const s = scene([[1, 0], [0, 1]], { inst: [0, -1] });
  const cfg = { maskTemperature: tau, maskBias: beta };
  close(objectiveReference(s, p, { config: cfg }).mask, sp5);
  // Every point in the instance: the negative half is empty, positives get weight 1.
  const all = scene([[1, 0], [0, 1]], { inst: [3, 3], vis: [1, 0] });
  const l = objectiveReference(all, p, { config: cfg }).mask;
  close(l, (sp5 + Math.log1p(Math.exp(5))) / 2);
  // Candidate sampling restricted to the unseen member: only that positive.
  const one = objectiveReference(all, p, { config: cfg, sampling: { candidates: [1] } }).mask;
  close(one, Math.log1p(Math.exp(5)));
});

Deno.test("objectiveReference: no instance with a visible point gives L_mask = 0", () => {
  const s = scene([[1, 0], [0, 1], [1, 1]], { inst: [0, 1, -1], vis: [0, 0, 1] });
  assert.equal(objectiveReference(s, identityParams(2)).mask, 0);
  const none = scene([[1, 0], [0, 1]], {});
  assert.equal(objectiveReference(none, identityParams(2)).mask, 0);
});

Deno.test("objectiveReference: IIRC by hand, levels with < 2 members give 0", () => {
  // F = (g0, 0): instance B's semantic mean is the zero vector → norm gives 0.
  const p = identityParams(2, [1, 0]);
  const s = scene([[1, 0], [0, 1]], { inst: [0, 1], sp: [7, 7] });
  close(objectiveReference(s, p, { config: { lambda: [0, 0, 1] } }).sim, 0.25);
  const s2 = scene([[1, 0], [0, 1]], { inst: [0, 1], sp: [7, 2] });
  close(objectiveReference(s2, p).sim, 0.5);
  // Only the superpoint level with two members, sampled down to one → 0.
  const s3 = scene([[1, 0], [0, 1]], { inst: [5, 5], sp: [7, 2] });
  close(objectiveReference(s3, p).sim, 0.25);
  close(objectiveReference(s3, p, { sampling: { simSuperpoints: [2] } }).sim, 0);
  // F = G: the matrices agree.
  close(objectiveReference(s2, identityParams(2)).sim, 0);
});

Deno.test("objectiveReference: empty scene gives zeros", () => {
  const s = scene([], {});
  s.geometric = new Float64Array(0);
  const l = objectiveReference(s, identityParams(2));
  assert.deepEqual(l, { sp: 0, mask: 0, sim: 0, total: 0 });
});

Deno.test("objectiveReference: invariant to relabelling ids; λ weights the total", () => {
  const rng = new Rng(5);
  const n = 40, d = 3;
  const g = Array.from({ length: n }, () => [rng.normal(), rng.normal(), rng.normal()]);
  const t = Array.from({ length: n }, () => [rng.normal(), rng.normal(), rng.normal()]);
  const sp = Array.from({ length: n }, () => rng.int(5));
  const inst = Array.from({ length: n }, () => rng.int(4) - 1);
  const v = Array.from({ length: n }, () => (rng.bernoulli(0.7) ? 1 : 0));
  const vis = Array.from({ length: n }, () => (rng.bernoulli(0.5) ? 1 : 0));
  const p = identityParams(d);
  p.reliability.w1 = Float64Array.from({ length: 2 * d * 2 }, () => rng.normal());
  p.reliability.b1 = Float64Array.from([0.3, -0.2]);
  p.reliability.w2 = Float64Array.from([1.5, -0.7]);
  const a = objectiveReference(scene(g, { t, v, sp, inst, vis }), p, {
    config: { lambda: [0.5, 2, 3] },
  });
  const b = objectiveReference(
    scene(g, {
      t,
      v,
      sp: sp.map((x) => 100 - 7 * x),
      inst: inst.map((x) => (x < 0 ? -1 : 3 * x + 11)),
      vis,
    }),
    p,
    { config: { lambda: [0.5, 2, 3] } },
  );
  for (const k of ["sp", "mask", "sim", "total"] as const) close(a[k], b[k]);
  close(a.total, 0.5 * a.sp + 2 * a.mask + 3 * a.sim);
  assert.ok(a.sp > 0 && a.mask > 0 && a.sim > 0);
});
