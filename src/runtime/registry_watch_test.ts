import assert from "node:assert/strict";
import { createTinyModel } from "../../tests/fixtures/tiny_model.ts";
import { listModels } from "../models/registry.ts";
import { startRegistryWatch } from "./registry_watch.ts";

const until = async (check: () => boolean, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
};

Deno.test("registry watch: refreshes once per change, never for the state read at start, never overlapping", async () => {
  const tiny = await createTinyModel({ name: "default" });
  let served = await listModels(tiny.root); // what "the services" read at start
  let refreshes = 0;
  let inFlight = 0;
  let overlap = false;
  let refreshed = 0;
  const watch = startRegistryWatch({
    modelsDir: tiny.root,
    intervalMs: 20,
    current: () => served,
    refresh: async () => {
      overlap ||= inFlight > 0;
      inFlight++;
      refreshes++;
      await new Promise((r) => setTimeout(r, 60)); // slower than the poll
      served = await listModels(tiny.root);
      inFlight--;
    },
    onRefreshed: () => refreshed++,
  });
  try {
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(refreshes, 0, "the state read at start is not read again");
    await createTinyModel({ root: tiny.root, name: "default", seed: 2 });
    await createTinyModel({ root: tiny.root, name: "site", seed: 3 });
    await until(() => served.length === 2 && served[0].versions.length === 2);
    await watch.idle();
    assert.ok(refreshes >= 1 && refreshes <= 2, `${refreshes} refreshes`);
    assert.equal(refreshed, refreshes);
    assert.equal(overlap, false);
    const before = refreshes;
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(refreshes, before, "no change, no refresh");
  } finally {
    watch.stop();
    await watch.idle();
  }
});

Deno.test("registry watch: a version published before the first poll is not missed; a failed refresh is logged", async () => {
  const tiny = await createTinyModel({ name: "default" });
  const served = await listModels(tiny.root);
  await createTinyModel({ root: tiny.root, name: "default", seed: 2 }); // before the first poll
  const logs: string[] = [];
  let release!: () => void;
  const started = new Promise<void>((r) => (release = r));
  let refreshes = 0;
  const watch = startRegistryWatch({
    modelsDir: tiny.root,
    intervalMs: 20,
    started,
    current: () => served,
    refresh: () => {
      refreshes++;
      return Promise.reject(new Error("worker gone"));
    },
    log: (level, message, fields) => logs.push(`${level} ${message} ${fields?.detail ?? ""}`),
  });
  try {
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(refreshes, 0, "no poll before the services have started");
    release();
    await until(() => refreshes === 1);
    await watch.idle();
    assert.deepEqual(logs, ["error registry reload failed worker gone"]);
  } finally {
    watch.stop();
  }
});
