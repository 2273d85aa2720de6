import assert from "node:assert/strict";
import { join } from "node:path";
import { GeoError } from "../kernels/errors.ts";
import { encodeDraco } from "./draco.ts";
import { encodeNpy } from "./npy.ts";
import { encodePly } from "./ply.ts";
import { decodeCloud, detectFormat, readCloudFile } from "./read_cloud.ts";

const DATA = new URL("../../../shared/data/", import.meta.url);
const cloud = {
  count: 2,
  coord: new Float32Array([0, 1, 2, 3, 4, 5]),
  color: new Uint8Array([1, 2, 3, 4, 5, 6]),
};

Deno.test("decodeCloud dispatches by extension, then by magic bytes", async () => {
  const files: Record<string, Uint8Array> = {
    drc: await encodeDraco(cloud, { speed: 10, quantizationBits: 0 }),
    ply: encodePly(cloud),
    npy: encodeNpy(cloud.coord, [2, 3]),
    pcd: new TextEncoder().encode(
      "VERSION 0.7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nCOUNT 1 1 1\nWIDTH 2\nHEIGHT 1\nPOINTS 2\nDATA ascii\n0 1 2\n3 4 5\n",
    ),
  };
  for (const [ext, bytes] of Object.entries(files)) {
    for (const name of [`scan.${ext}`, `SCAN.${ext.toUpperCase()}`, "upload", "upload.bin"]) {
      const c = await decodeCloud(bytes, name, { maxPoints: 2 });
      assert.deepEqual(c.coord, cloud.coord, `${name}`);
      if (ext === "drc" || ext === "ply") assert.deepEqual(c.color, cloud.color);
      // Every format enforces maxPoints from its header.
      await assert.rejects(decodeCloud(bytes, name, { maxPoints: 1 }), (e: GeoError) => {
        assert.equal(e.kind, "resource_exhausted", `${name}: ${e.message}`);
        assert.match(e.message, /declares 2 points, over the limit of 1$/);
        return true;
      });
    }
  }
  for (const maxPoints of [0, -1, 1.5, NaN]) {
    await assert.rejects(
      decodeCloud(files.ply, "a.ply", { maxPoints }),
      (e: GeoError) => e.kind === "invalid_argument" && /maxPoints/.test(e.message),
    );
  }
  assert.equal(detectFormat(new TextEncoder().encode("# .PCD v0.7"), "x"), "pcd");
  // The extension wins over the content: a PLY named .pcd fails as a PCD.
  await assert.rejects(
    decodeCloud(files.ply, "scan.pcd"),
    /scan\.pcd: PCD header has no DATA line/,
  );
  await assert.rejects(
    decodeCloud(new TextEncoder().encode("hello"), "notes.txt"),
    (e: GeoError) => {
      assert.equal(e.kind, "invalid_argument");
      assert.match(e.message, /notes\.txt: unknown point-cloud format/);
      return true;
    },
  );
});

Deno.test("readCloudFile reads shared files and Pointcept coord.npy with its siblings", async () => {
  const pcd = await readCloudFile(new URL("open3d/fragment.pcd", DATA).pathname);
  assert.equal(pcd.count, 113662);
  assert.equal(pcd.npy, undefined);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(join(dir, "coord.npy"), encodeNpy(cloud.coord, [2, 3]));
    await Deno.writeFile(join(dir, "color.npy"), encodeNpy(cloud.color, [2, 3]));
    const c = await readCloudFile(join(dir, "coord.npy"));
    assert.deepEqual(c.color, cloud.color);
    assert.deepEqual(c.npy, { dtype: "float32", shape: [2, 3] });
    await assert.rejects(
      readCloudFile(join(dir, "missing.ply")),
      (e: GeoError) => e.kind === "not_found",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
