import assert from "node:assert/strict";
import { mkdir, readdir, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GeoError } from "../kernels/errors.ts";
import { cleanRegistryTemps, cleanStaleTemps } from "./registry_temps.ts";
import {
  listModels,
  listVersions,
  loadVersion,
  type ManifestDraft,
  publishVersion,
  resolveDefaultModel,
  watchRegistry,
} from "./registry.ts";

const draft: ManifestDraft = {
  backbone: { kind: "descriptor" },
  dims: { feature: 8, geometric: 48, hidden: 4 },
  text_encoder: { name: "glove-100d" },
  default_labels: ["wall", "floor"],
  training: { config: { steps: 3 }, metrics: { miou: 0.5 } },
};

/** The files the manifest names (adapter graph and weights, dummy bytes) plus two more. */
async function writeWeights(dir: string, tag: string): Promise<void> {
  await writeFile(join(dir, "adapter.onnx"), "graph");
  await writeFile(join(dir, "adapter.bin"), new Uint8Array([4, 5, 6]));
  await writeFile(join(dir, "weights.bin"), new Uint8Array([1, 2, 3, tag.length]));
  await mkdir(join(dir, "sub"));
  await writeFile(join(dir, "sub", "note.txt"), `version ${tag}`);
}

function geoKind(kind: string, re: RegExp) {
  return (e: unknown) => e instanceof GeoError && e.kind === kind && re.test(e.message);
}

Deno.test("versions are numbered 1, 2, … and load with verified sha256", async () => {
  const root = await Deno.makeTempDir();
  try {
    assert.deepEqual(await listVersions(root, "site"), []);
    const m1 = await publishVersion(root, "site", (d) => writeWeights(d, "a"), draft);
    const m2 = await publishVersion(root, "site", (d) => writeWeights(d, "bb"), draft);
    assert.equal(m1.version, 1);
    assert.equal(m2.version, 2);
    assert.deepEqual(Object.keys(m1.files), [
      "adapter.bin",
      "adapter.onnx",
      "sub/note.txt",
      "weights.bin",
    ]);
    assert.deepEqual(await listVersions(root, "site"), [1, 2]);
    assert.deepEqual(await listModels(root), [{ name: "site", versions: [1, 2] }]);
    const latest = await loadVersion(root, "site");
    assert.equal(latest.manifest.version, 2);
    assert.equal(await Deno.readTextFile(latest.file("sub/note.txt")), "version bb");
    const first = await loadVersion(root, "site", 1);
    assert.equal(first.manifest.name, "site");
    assert.equal(first.manifest.dims.feature, 8);
    await assert.rejects(
      loadVersion(root, "site", 3),
      geoKind("not_found", /^Model "site" has no version 3; versions: 1, 2$/),
    );
    await assert.rejects(
      loadVersion(root, "other"),
      geoKind("not_found", /^Unknown model "other"; available: site$/),
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a failing writer publishes nothing and leaves no folder behind", async () => {
  const root = await Deno.makeTempDir();
  try {
    await publishVersion(root, "site", (d) => writeWeights(d, "a"), draft);
    await assert.rejects(
      publishVersion(root, "site", async (d) => {
        await writeFile(join(d, "weights.bin"), new Uint8Array(10));
        throw new Error("killed mid-write");
      }, draft),
      /killed mid-write/,
    );
    assert.deepEqual(await listVersions(root, "site"), [1]);
    assert.deepEqual((await readdir(join(root, "site"))).sort(), ["1"]);
    const m = await publishVersion(root, "site", (d) => writeWeights(d, "c"), draft);
    assert.equal(m.version, 2);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a crashed publisher's temp folder is ignored, then cleaned", async () => {
  const root = await Deno.makeTempDir();
  try {
    const tmp = join(root, "site", ".tmp-crashed");
    await mkdir(tmp, { recursive: true });
    await writeFile(join(tmp, "weights.bin"), new Uint8Array(4));
    assert.deepEqual(await listModels(root), []);
    assert.equal(
      await cleanStaleTemps(root, "site"),
      0,
      "a fresh temp folder may belong to a live publisher",
    );
    const old = new Date(Date.now() - 2 * 3_600_000);
    await utimes(tmp, old, old);
    await publishVersion(root, "site", (d) => writeWeights(d, "a"), draft);
    assert.deepEqual((await readdir(join(root, "site"))).sort(), ["1"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("concurrent publishers get distinct versions", async () => {
  const root = await Deno.makeTempDir();
  try {
    const ms = await Promise.all(
      [0, 1, 2, 3, 4].map((i) =>
        publishVersion(root, "site", (d) => writeWeights(d, "x".repeat(i + 1)), draft)
      ),
    );
    assert.deepEqual(ms.map((m) => m.version).sort(), [1, 2, 3, 4, 5]);
    for (const m of ms) {
      const loaded = await loadVersion(root, "site", m.version);
      assert.equal(loaded.manifest.files["weights.bin"], m.files["weights.bin"]);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("an empty version folder (another publisher's claim) is never taken over; a stale one is removed", async () => {
  const root = await Deno.makeTempDir();
  try {
    const claim = join(root, "site", "1");
    await mkdir(claim, { recursive: true });
    const m = await publishVersion(root, "site", (d) => writeWeights(d, "a"), draft);
    assert.equal(m.version, 2, "version 1 is claimed by a publisher in flight");
    assert.deepEqual(await readdir(claim), []);
    assert.deepEqual(await listVersions(root, "site"), [2]);
    const old = new Date(Date.now() - 2 * 3_600_000);
    await utimes(claim, old, old);
    await utimes(join(root, "site", "2"), old, old);
    assert.equal(await cleanStaleTemps(root, "site"), 1, "the dead claim goes, version 2 stays");
    assert.deepEqual((await readdir(join(root, "site"))).sort(), ["2"]);
    assert.equal((await loadVersion(root, "site", 2)).manifest.version, 2);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a modified, missing or extra file fails the sha256 check", async () => {
  const root = await Deno.makeTempDir();
  try {
    await publishVersion(root, "site", (d) => writeWeights(d, "a"), draft);
    const dir = join(root, "site", "1");
    await writeFile(join(dir, "weights.bin"), new Uint8Array([9, 9, 9, 9]));
    await assert.rejects(
      loadVersion(root, "site"),
      geoKind("failed_precondition", /weights\.bin has sha256/),
    );
    await Deno.remove(join(dir, "weights.bin"));
    await assert.rejects(
      loadVersion(root, "site"),
      geoKind("failed_precondition", /weights\.bin is missing/),
    );
    await publishVersion(root, "site", (d) => writeWeights(d, "b"), draft);
    await writeFile(join(root, "site", "2", "extra.bin"), "x");
    await assert.rejects(
      loadVersion(root, "site", 2),
      geoKind("failed_precondition", /extra\.bin is not in/),
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a manifest with a missing field is refused, naming the field", async () => {
  const root = await Deno.makeTempDir();
  try {
    await publishVersion(root, "site", (d) => writeWeights(d, "a"), draft);
    const path = join(root, "site", "1", "manifest.json");
    const m = JSON.parse(await Deno.readTextFile(path));
    delete m.dims.hidden;
    await Deno.writeTextFile(path, JSON.stringify(m));
    await assert.rejects(
      loadVersion(root, "site"),
      geoKind("failed_precondition", /^model "site" version 1: field 'dims\.hidden' must be/),
    );
    await assert.rejects(
      publishVersion(root, "bad/name", (d) => writeWeights(d, "a"), draft),
      geoKind("invalid_argument", /bad\/name/),
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("default model resolution", () => {
  assert.equal(resolveDefaultModel([]), null);
  assert.equal(resolveDefaultModel(["b"]), "b");
  assert.equal(resolveDefaultModel(["b", "default", "a"]), "default");
  assert.equal(resolveDefaultModel(["b", "a"]), "a");
  assert.equal(resolveDefaultModel(["b", "a"], "b"), "b");
  assert.throws(
    () => resolveDefaultModel(["a"], "z"),
    geoKind("not_found", /^Unknown default model "z"; available: a$/),
  );
});

Deno.test("the watcher reports new versions", async () => {
  const root = await Deno.makeTempDir();
  const seen: string[] = [];
  const w = watchRegistry(root, (models) => seen.push(JSON.stringify(models)), { intervalMs: 10 });
  const waitFor = async (n: number) => {
    const t0 = Date.now();
    while (seen.length < n && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 5));
  };
  try {
    await waitFor(1);
    await publishVersion(root, "site", (d) => writeWeights(d, "a"), draft);
    await waitFor(2);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(seen, ["[]", JSON.stringify([{ name: "site", versions: [1] }])]);
  } finally {
    w.stop();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("cleanRegistryTemps removes the temporary folders of every model, or only old ones", async () => {
  const root = await Deno.makeTempDir();
  try {
    await publishVersion(root, "a", (d) => writeWeights(d, "a"), draft);
    for (const p of ["a/.tmp-1", "b/.tmp-2", "b/.tmp-3/sub"]) {
      await mkdir(join(root, p), { recursive: true });
    }
    const old = new Date(Date.now() - 2 * 3_600_000);
    await utimes(join(root, "b/.tmp-2"), old, old);
    assert.deepEqual(await cleanRegistryTemps(root, 3_600_000), ["b/.tmp-2"]);
    assert.deepEqual(await cleanRegistryTemps(root), ["a/.tmp-1", "b/.tmp-3"]);
    assert.deepEqual(await readdir(join(root, "b")), []);
    assert.deepEqual(await listVersions(root, "a"), [1]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
