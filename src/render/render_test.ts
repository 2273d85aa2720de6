import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { inflateSync } from "node:zlib";
import { crc32, encodePng } from "./png.ts";
import { classColor, labelColors } from "./palette.ts";
import { renderLabelPanels, renderTopDown } from "./topdown.ts";
import { linePlot, linePlotPng } from "./plot.ts";

/** Minimal PNG reader for the tests: checks chunk CRCs, returns IHDR fields and unfiltered rows. */
function readPng(
  bytes: Uint8Array,
): { width: number; height: number; type: number; pixels: Uint8Array } {
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  let o = 8, width = 0, height = 0, type = 0;
  const idat: Uint8Array[] = [];
  while (o < bytes.length) {
    const len = view.getUint32(o), kind = String.fromCharCode(...bytes.subarray(o + 4, o + 8));
    assert.equal(
      view.getUint32(o + 8 + len),
      crc32(bytes.subarray(o + 4, o + 8 + len)),
      `CRC of ${kind}`,
    );
    const data = bytes.subarray(o + 8, o + 8 + len);
    if (kind === "IHDR") {
      [width, height, type] = [view.getUint32(o + 8), view.getUint32(o + 12), data[9]];
    }
    if (kind === "IDAT") idat.push(data);
    o += 12 + len;
  }
  const raw = new Uint8Array(inflateSync(Buffer.concat(idat)));
  const ch = type === 2 ? 3 : 4, stride = width * ch;
  const pixels = new Uint8Array(width * height * ch);
  for (let y = 0; y < height; y++) {
    assert.equal(raw[y * (stride + 1)], 0, "filter type 0");
    pixels.set(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)), y * stride);
  }
  return { width, height, type, pixels };
}

Deno.test("crc32 matches the standard check value", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
});

Deno.test("encodePng round-trips RGB and RGBA pixels and rejects bad sizes", () => {
  const rgb = Uint8Array.from({ length: 5 * 3 * 3 }, (_, i) => (i * 37) & 255);
  const a = readPng(encodePng(rgb, 5, 3));
  assert.deepEqual([a.width, a.height, a.type], [5, 3, 2]);
  assert.deepEqual(a.pixels, rgb);
  const rgba = Uint8Array.from({ length: 2 * 2 * 4 }, (_, i) => i);
  const b = readPng(encodePng(rgba, 2, 2));
  assert.deepEqual([b.type, ...b.pixels], [6, ...rgba]);
  assert.throws(() => encodePng(new Uint8Array(10), 2, 2), RangeError);
});

Deno.test("renderTopDown draws the highest point of each cell and honours zMax", () => {
  // Two points at the same x, y: the higher one wins; a third above zMax is skipped.
  const coord = Float32Array.from([0, 0, 0.1, 0, 0, 0.9, 1, 1, 0.5, 0.5, 0.5, 3]);
  const colors = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9]);
  const img = renderTopDown(coord, colors, { pxPerMetre: 10, splat: 1, zMax: 2 });
  assert.deepEqual([img.width, img.height], [11, 11]);
  const at = (
    x: number,
    y: number,
  ) => [...img.pixels.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3)];
  assert.deepEqual(at(0, 10), [0, 255, 0]); // (0, 0) is the bottom-left; green (z 0.9) over red
  assert.deepEqual(at(10, 0), [0, 0, 255]); // (1, 1) top-right
  assert.deepEqual(at(5, 5), [255, 255, 255]); // the point above zMax is not drawn
  const empty = renderTopDown(new Float32Array(0), new Uint8Array(0));
  assert.ok(empty.width >= 1 && empty.height >= 1);
});

Deno.test("renderLabelPanels and linePlotPng give valid PNGs; palette colours", () => {
  assert.deepEqual(classColor(0), [174, 199, 232]);
  assert.deepEqual(classColor(-1), [90, 90, 90]);
  assert.notDeepEqual(classColor(25), classColor(26));
  assert.deepEqual([...labelColors([1, -1])], [152, 223, 138, 90, 90, 90]);
  const coord = Float32Array.from([0, 0, 0, 1, 1, 0]);
  const png = readPng(
    renderLabelPanels(coord, [{ title: "gt", labels: [0, 1] }, { title: "t", labels: [1, -1] }], {
      classNames: ["wall", "floor"],
    }),
  );
  assert.ok(png.width > 2 * 60 && png.type === 2);
  // The floor colour appears in the picture.
  let found = false;
  for (let i = 0; i < png.pixels.length; i += 3) {
    if (png.pixels[i] === 152 && png.pixels[i + 1] === 223 && png.pixels[i + 2] === 138) {
      found = true;
    }
  }
  assert.ok(found);
  const plot = linePlot([{ name: "loss", x: [0, 1, 2], y: [3, 1, NaN], color: [255, 0, 0] }], {
    width: 200,
    height: 100,
  });
  let red = 0;
  for (let i = 0; i < plot.pixels.length; i += 3) {
    if (plot.pixels[i] === 255 && plot.pixels[i + 1] === 0) red++;
  }
  assert.ok(red > 50, `the curve is drawn (${red} red pixels)`);
  assert.equal(readPng(linePlotPng([], { title: "empty" })).width, 640);
});
