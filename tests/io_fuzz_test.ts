/**
 * Hostile-input fuzzing of every decoder: seeded mutants (truncations, bit
 * flips, huge header counts, zero-property and list PLY elements, NaN/Inf,
 * spliced headers) of the shared files and encoded samples must decode to a
 * valid cloud within the point limit or fail with a GeoError of kind
 * invalid_argument or resource_exhausted, each within a time budget, without
 * growing the Draco wasm heap.
 */

import assert from "node:assert/strict";
import { GeoError } from "../src/kernels/errors.ts";
import { validateCloud } from "../src/kernels/point_cloud.ts";
import { Rng } from "../src/kernels/random.ts";
import { dracoHeapBytes, MAX_IDLE_HEAP_BYTES } from "../src/io/draco.ts";
import { decodeCloud } from "../src/io/read_cloud.ts";
import { type Mutant, mutants, seedInputs } from "./hostile_inputs.ts";

const MAX_POINTS = 1_000_000;
/** Worst single case allowed, ms: a valid 3 MB file decodes in ~0.3 s on a slow core. */
const CASE_BUDGET_MS = 2000;

type Outcome = "ok" | "invalid_argument" | "resource_exhausted";

/** Decodes one mutant; asserts a valid cloud within the limit or a GeoError of an allowed kind. */
async function check(m: Mutant): Promise<Outcome> {
  try {
    const cloud = await decodeCloud(m.bytes, m.name, { maxPoints: MAX_POINTS });
    validateCloud(cloud, m.name);
    assert.ok(cloud.count > 0 && cloud.count <= MAX_POINTS, `${m.name}: ${cloud.count} points`);
    return "ok";
  } catch (e) {
    assert.ok(e instanceof GeoError, `${m.name}: threw ${e}`);
    assert.ok(
      e.kind === "invalid_argument" || e.kind === "resource_exhausted",
      `${m.name}: kind ${e.kind}`,
    );
    assert.ok(e.message.startsWith(`${m.name}: `), `${m.name}: message names the source`);
    // Short messages: any quoted payload is capped (~40 characters).
    assert.ok(e.message.length < m.name.length + 260, `${m.name}: long message ${e.message}`);
    return e.kind;
  }
}

Deno.test("2,400 seeded hostile mutants: valid cloud or GeoError, bounded time and memory", async () => {
  const rng = new Rng(20261207);
  const seeds = await seedInputs(rng.fork());
  const tally: Record<string, Record<Outcome, number>> = {};
  let worst = { ms: 0, name: "" };
  let total = 0;
  for (const m of mutants(seeds, rng, 2400)) {
    const t0 = performance.now();
    const outcome = await check(m);
    const ms = performance.now() - t0;
    if (ms > worst.ms) worst = { ms, name: m.name };
    total++;
    const row = tally[m.kind] ??= { ok: 0, invalid_argument: 0, resource_exhausted: 0 };
    row[outcome]++;
  }
  console.log(`mutants: ${total}; worst case ${worst.ms.toFixed(0)} ms (${worst.name})`);
  console.log(JSON.stringify(tally));
  assert.ok(worst.ms < CASE_BUDGET_MS, `worst case ${worst.ms.toFixed(0)} ms: ${worst.name}`);
  // Every class is exercised and detected; harmless mutations still decode.
  for (const kind of ["truncate", "bitflip", "count", "nan", "zero_prop", "splice"]) {
    assert.ok(tally[kind] && tally[kind].invalid_argument > 10, `${kind} detected`);
  }
  assert.ok(Object.values(tally).reduce((a, r) => a + r.ok, 0) > 50, "some mutants decode");
  assert.ok(tally.count.resource_exhausted > 10, "huge counts hit the point limit");
  // One big request may not pin memory: the wasm heap stays below the re-create threshold.
  const heap = await dracoHeapBytes();
  console.log(`Draco decoder heap after the run: ${(heap.decoder / 2 ** 20).toFixed(0)} MiB`);
  assert.ok(heap.decoder <= MAX_IDLE_HEAP_BYTES, `decoder heap ${heap.decoder} bytes`);
});

Deno.test("the Draco decoder still works after garbage", async () => {
  const rng = new Rng(7);
  const good = await Deno.readFile(
    new URL("../../shared/data/draco_testdata/pc_kd_color.drc", import.meta.url),
  );
  const before = await decodeCloud(good, "pc_kd_color.drc");
  for (let r = 0; r < 60; r++) {
    const junk = new Uint8Array(16 + rng.int(400)).map(() => rng.int(256));
    junk.set(good.subarray(0, 5 + rng.int(20)));
    await check({ name: `junk${r}.drc`, kind: "splice", format: "draco", bytes: junk });
  }
  const after = await decodeCloud(good, "pc_kd_color.drc");
  assert.deepEqual(after.coord, before.coord);
  assert.deepEqual(after.color, before.color);
});
