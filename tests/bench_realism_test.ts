import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  columnNames,
  DEFAULT_REAL,
  formatReport,
  readRealCloud,
  type RealCloud,
  realismReport,
  turnUp,
} from "../bench/realism.ts";
import { shiftTable } from "../bench/realism_shift.ts";
import { readScene } from "../src/io/dataset.ts";
import { loadModel } from "../src/models/bundle.ts";
import { Rng } from "../src/kernels/random.ts";
import type { PointCloud } from "../src/kernels/point_cloud.ts";
import { writeTinyDataset } from "./fixtures/tiny_dataset.ts";

Deno.test("shiftTable: identical samples give 0, a shift of one σ gives 1, sorted by distance", () => {
  const a = Float64Array.from([0, 1, 2, 3]); // σ = √1.25
  const sigma = Math.sqrt(1.25);
  const rows = shiftTable(
    ["same", "shifted"],
    [a.slice(), a.slice()],
    [[a.slice(), a.map((x) => x + sigma)]],
  );
  assert.deepEqual(rows.map((r) => r.column), ["shifted", "same"]);
  assert.ok(Math.abs(rows[0].real[0].distance - 1) < 1e-12);
  assert.equal(rows[1].real[0].distance, 0);
  assert.equal(rows[1].synthMean, 1.5);
});

Deno.test("turnUp: a proper rotation taking the named axis to +z", () => {
  const cloud: PointCloud = { count: 1, coord: Float32Array.from([1, 2, 3]) };
  assert.deepEqual(Array.from(turnUp(cloud, "-z").coord), [1, -2, -3]);
  assert.deepEqual(Array.from(turnUp(cloud, "-y").coord), [1, 3, -2]);
  assert.deepEqual(Array.from(turnUp(cloud, "+x").coord), [2, 3, 1]);
});

const real = DEFAULT_REAL[0];

Deno.test({
  name: "realismReport on a tiny dataset and a real crop: every column, distances ≥ 0, PNGs",
  ignore: !existsSync(real),
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "realism_" });
    try {
      await writeTinyDataset(join(dir, "data"), { scenes: 1 });
      const model = await loadModel("models", "default", 0, { skipWarmUp: true });
      try {
        const rng = new Rng(3), C = model.dims.dim;
        const embeddings = Float32Array.from({ length: 20 * C }, () => rng.normal());
        const full = (await readRealCloud(real)).cloud;
        const keep: number[] = [];
        for (let i = 0; i < full.count; i++) {
          const x = full.coord[3 * i], y = full.coord[3 * i + 1];
          if (x > 1.8 && x < 2.4 && y > 1.4 && y < 2.0) keep.push(i);
        }
        const pick = <T extends Float32Array | Uint8Array>(v: T) =>
          v.constructor === Float32Array
            ? Float32Array.from(keep.flatMap((i) => [v[3 * i], v[3 * i + 1], v[3 * i + 2]])) as T
            : Uint8Array.from(keep.flatMap((i) => [v[3 * i], v[3 * i + 1], v[3 * i + 2]])) as T;
        const crop: RealCloud = {
          name: "crop",
          cloud: { count: keep.length, coord: pick(full.coord), color: pick(full.color!) },
        };
        const s = await readScene(join(dir, "data"), "scene0");
        const same: RealCloud = {
          name: "same",
          cloud: { count: s.count, coord: s.coord, color: s.color },
        };
        const report = await realismReport({
          model,
          data: join(dir, "data"),
          real: [crop, same],
          out: join(dir, "out"),
          embeddings,
          rows: 1e9,
        });
        const names = columnNames(model.backbone);
        assert.equal(names.length, model.backbone.dim);
        assert.deepEqual(report.columns.map((r) => r.column).sort(), [...names].sort());
        for (const row of report.columns) {
          assert.ok(row.real[0].distance >= 0 && Number.isFinite(row.real[0].distance));
          assert.equal(row.real[1].distance, 0, `${row.column}: identical input`);
        }
        assert.equal(report.clouds[1].mean, 0);
        const shares = report.clouds[0].shares.reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(shares - 1) < 1e-9);
        for (const png of report.clouds.flatMap((c) => c.pngs)) {
          const head = (await readFile(png)).subarray(0, 4);
          assert.deepEqual(Array.from(head), [0x89, 0x50, 0x4e, 0x47]);
        }
        const md = formatReport(report);
        for (const n of names) assert.ok(md.includes(`| ${n} |`) || md.includes(`**${n}**`), n);
      } finally {
        await model.release();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
