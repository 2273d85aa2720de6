import assert from "node:assert/strict";
import { instanceProposals, type ProposalInput, structureMask } from "./instance_proposals.ts";
import { knnSearch } from "./neighbor_search.ts";
import { superpoints } from "./superpoints.ts";

/** Hand-made room: part labels per point so the test knows the truth. */
function room(): { input: ProposalInput; part: string[] } {
  const c: number[] = [], nrm: number[] = [], part: string[] = [];
  const add = (p: number[], n: number[], name: string) => {
    c.push(...p);
    nrm.push(...n);
    part.push(name);
  };
  const grid = (
    lenU: number,
    lenV: number,
    step: number,
    f: (u: number, v: number) => number[],
    n: number[],
    name: string,
  ) => {
    for (let u = 0; u <= lenU + 1e-9; u += step) {
      for (let v = 0; v <= lenV + 1e-9; v += step) add(f(u, v), n, name);
    }
  };
  const box = (x: number, y: number, s: number, name: string) => {
    const st = 0.03;
    grid(s, s, st, (u, v) => [x + u, y + v, s], [0, 0, 1], name);
    grid(s, s - st, st, (u, v) => [x, y + u, v], [-1, 0, 0], name);
    grid(s, s - st, st, (u, v) => [x + s, y + u, v], [1, 0, 0], name);
    grid(s, s - st, st, (u, v) => [x + u, y, v], [0, -1, 0], name);
    grid(s, s - st, st, (u, v) => [x + u, y + s, v], [0, 1, 0], name);
  };
  box(1, 1, 0.4, "boxA");
  grid(3, 3, 0.04, (u, v) => [u, v, 0], [0, 0, 1], "floor");
  grid(3, 2.4, 0.04, (u, v) => [-0.02, u, v + 0.04], [1, 0, 0], "wall");
  grid(3, 3, 0.06, (u, v) => [u, v, 2.6], [0, 0, -1], "ceiling");
  box(2.2, 2.0, 0.3, "boxB");
  grid(1.2, 0.8, 0.03, (u, v) => [1.5 + u, 0.2 + v, 0.75], [0, 0, 1], "table");
  for (let i = 0; i < 10; i++) add([2.5 + 0.01 * i, 0.5, 1.5], [0, 0, 1], "speck");
  const coord = new Float32Array(c), normal = new Float32Array(nrm);
  const neighbors = knnSearch(coord, 16);
  const input: ProposalInput = {
    coord,
    normal,
    curvature: new Float32Array(coord.length / 3),
    neighbors,
    superpoints: superpoints(coord, normal, neighbors),
  };
  return { input, part };
}

Deno.test("instanceProposals: floor, wall and ceiling removed; boxes and table kept apart", () => {
  const { input, part } = room();
  const { ids, count } = instanceProposals(input);
  const byPart = new Map<string, Set<number>>();
  part.forEach((p, i) => {
    if (!byPart.has(p)) byPart.set(p, new Set());
    byPart.get(p)!.add(ids[i]);
  });
  for (const p of ["floor", "wall", "ceiling", "speck"]) {
    assert.deepEqual([...byPart.get(p)!], [-1], p);
  }
  // Boxes: one whole instance each, numbered by first appearance (box A comes first).
  assert.deepEqual([...byPart.get("boxA")!], [0]);
  assert.deepEqual([...byPart.get("boxB")!], [1]);
  // The raised table top is large and horizontal but neither floor nor ceiling.
  assert.deepEqual([...byPart.get("table")!], [2]);
  assert.equal(count, 3);
});

Deno.test("instanceProposals is deterministic and follows its options", () => {
  const { input, part } = room();
  const a = instanceProposals(input);
  const b = instanceProposals(input);
  assert.deepEqual(a, b);
  // A tiny minPoints keeps the speck; a huge one drops everything.
  const speck = part.indexOf("speck");
  assert.equal(a.ids[speck], -1);
  assert.ok(instanceProposals(input, { minPoints: 5 }).ids[speck] >= 0);
  assert.equal(instanceProposals(input, { minPoints: 1e9 }).count, 0);
  // Walls must be taller than the room to survive: then the wall becomes a proposal.
  const tall = instanceProposals(input, { minWallHeight: 10 });
  const wall = part.indexOf("wall");
  assert.ok(tall.ids[wall] >= 0);
  // A gap below the point spacing leaves only sub-minPoints crumbs.
  assert.equal(instanceProposals(input, { gap: 0.001 }).count, 0);
});

Deno.test("structureMask flags exactly the structural parts of the room", () => {
  const { input, part } = room();
  const mask = structureMask(input);
  part.forEach((p, i) => {
    const structural = p === "floor" || p === "wall" || p === "ceiling";
    if (mask[i] !== (structural ? 1 : 0)) assert.fail(`point ${i} (${p}) mask ${mask[i]}`);
  });
});

Deno.test("instanceProposals: empty scene and mismatched inputs", () => {
  const empty = new Float32Array(0);
  const out = instanceProposals({
    coord: empty,
    normal: empty,
    curvature: empty,
    neighbors: { k: 4, index: new Int32Array(0), dist2: new Float32Array(0) },
    superpoints: { ids: new Int32Array(0), count: 0 },
  });
  assert.equal(out.count, 0);
  const { input } = room();
  assert.throws(
    () => instanceProposals({ ...input, curvature: new Float32Array(1) }),
    /curvatures/,
  );
});
