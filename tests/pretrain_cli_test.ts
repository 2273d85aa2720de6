/**
 * `cli pretrain` end to end on a tiny dataset: the backbone folder and its hybrid export
 * are written, load as backbones, and `train --backbone` takes the hybrid.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { main } from "../src/cli.ts";
import { loadBackbone } from "../src/features/backbones/load.ts";
import { writeTinyDataset } from "./fixtures/tiny_dataset.ts";

Deno.test("cli pretrain writes a backbone folder, its hybrid export and the curve", async () => {
  const root = await Deno.makeTempDir();
  try {
    const data = join(root, "data"), out = join(root, "geonet");
    await writeTinyDataset(data, { scenes: 2, spacing: 0.05, seed: 3 });
    const lines: string[] = [];
    const log = console.log, err = console.error;
    console.log = (s: string) => lines.push(s);
    console.error = () => {};
    let code: number;
    try {
      code = await main([
        "pretrain",
        "--data",
        data,
        "--out",
        out,
        "--steps",
        "2",
        "--batch",
        "1",
        "--points",
        "2000",
        "--width",
        "8",
        "--dim",
        "6",
      ]);
    } finally {
      console.log = log, console.error = err;
    }
    assert.equal(code, 0);
    const result = JSON.parse(lines[lines.length - 1]);
    const plain = await loadBackbone(out), hybrid = await loadBackbone(join(out, "hybrid"));
    assert.equal(plain.dim, 6);
    assert.equal(hybrid.dim, 71 + 6);
    assert.equal(plain.version, result.version);
    assert.equal(hybrid.version, result.hybrid.version);
    const json = JSON.parse(await readFile(join(out, "backbone.json"), "utf8"));
    assert.equal(json.pretraining.objective.kind, "complete");
    assert.equal(json.pretraining.sources.length, 2);
    const png = await readFile(join(out, "loss_curve.png"));
    assert.equal(new TextDecoder().decode(png.subarray(1, 4)), "PNG");
    await plain.release?.();
    await hybrid.release?.();
    const bad = await main(["pretrain", "--data", data, "--out", out, "--objective", "nope"]);
    assert.equal(bad, 2);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
