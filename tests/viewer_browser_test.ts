/**
 * The viewer page in a real headless Chromium (driven by playwright-core):
 * upload a Draco fragment through the page's file input, segment it, and
 * check the legend and the pixels of the WebGL canvas.
 *
 * Two servers (`startServer` with a Segment token the page is given, and the
 * viewer's static files): around `HeightBandSegmenter`, a TEST DOUBLE of
 * the inference service (label i for i ≤ z < i + 1 metres) whose labels can
 * be recomputed here exactly, and around the real segment service with the
 * shipped default model, whose legend must match the same service called
 * in-process. Skipped when Chromium is not installed at /usr/bin/chromium
 * (or at $GEOGUIDE_CHROMIUM).
 *
 * @module
 */

import { segmentInput } from "../src/infer/segment_input.ts";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";
import { decodeCloud } from "../src/io/read_cloud.ts";
import { classColor } from "../src/render/palette.ts";
import { Logger } from "../src/server/log.ts";
import { startServer } from "../src/server/server.ts";
import { viewerHandler } from "../src/server/viewer.ts";
import { createSegmentService } from "../src/infer/segment_service.ts";
import type { SegmentService } from "../src/infer/api.ts";
import { heightBands, HeightBandSegmenter } from "./server_fixtures.ts";

const CHROMIUM = Deno.env.get("GEOGUIDE_CHROMIUM") ?? "/usr/bin/chromium";
const FILE =
  new URL("../../shared/data/open3d/derived/frag_115_qp14_cl7.drc", import.meta.url).pathname;
const LABELS = ["wall", "floor", "chair", "table", "sofa", "bed"];
const TOKEN = "viewer-test-token";
const SCREENSHOT = "/tmp/geoguide_viewer_browser_test.png";
const hasChromium = existsSync(CHROMIUM);

/** One legend row as the page shows it. */
interface LegendRow {
  label: string;
  index: number;
  count: number;
  text: string;
}

/** The WebGL canvas's pixels: base64 RGBA bytes, row-major from the top. */
interface CanvasPixels {
  width: number;
  height: number;
  rgba: string;
}

// Page-side scripts (strings: they run in the browser, not in Deno).
const READ_LEGEND = `[...document.querySelectorAll("#legend li")].map((li) => ({
  label: li.dataset.label,
  index: Number(li.dataset.index),
  count: Number(li.dataset.count),
  text: li.textContent,
}))`;
const READ_CANVAS = `(() => {
  const gl = document.getElementById("canvas");
  const c = document.createElement("canvas");
  c.width = gl.width;
  c.height = gl.height;
  const ctx = c.getContext("2d");
  ctx.drawImage(gl, 0, 0);
  const bytes = ctx.getImageData(0, 0, c.width, c.height).data;
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return { width: c.width, height: c.height, rgba: btoa(text) };
})()`;

/** Pixel statistics of a canvas read-back: drawn pixels, distinct colours, pixels per label colour. */
function analyse(canvas: CanvasPixels, labels: readonly number[]) {
  const data = Uint8Array.from(atob(canvas.rgba), (ch) => ch.charCodeAt(0));
  const near = (i: number, rgb: readonly number[], tol: number) =>
    Math.abs(data[i] - rgb[0]) <= tol && Math.abs(data[i + 1] - rgb[1]) <= tol &&
    Math.abs(data[i + 2] - rgb[2]) <= tol;
  const background = [0x20, 0x24, 0x2b]; // the page's clear colour
  let foreground = 0;
  const colours = new Set<number>();
  const perLabel = new Map<number, number>();
  for (let i = 0; i < data.length; i += 4) {
    if (near(i, background, 2)) continue;
    foreground++;
    colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    for (const label of labels) {
      if (near(i, classColor(label), 3)) perLabel.set(label, (perLabel.get(label) ?? 0) + 1);
    }
  }
  return { area: canvas.width * canvas.height, foreground, colours: colours.size, perLabel };
}

/** What a page run gives back: the legend, the status line and the page for more checks. */
interface PageRun {
  rows: LegendRow[];
  status: string;
  page: import("playwright-core").Page;
  pageErrors: string[];
}

/**
 * Serves the viewer around `service` on 127.0.0.1, opens it in Chromium,
 * uploads FILE with LABELS, waits for the result and hands the page to `check`.
 */
async function withSegmentedPage(
  service: SegmentService,
  check: (run: PageRun) => Promise<void>,
): Promise<void> {
  const viewer = viewerHandler();
  const server = await startServer({
    host: "127.0.0.1",
    grpcPort: 0,
    httpPort: 0,
    segmentToken: TOKEN,
    logger: new Logger(() => {}),
    httpFallback: async (req) =>
      (await viewer(req)) ?? new Response("not found\n", { status: 404 }),
  }, { segment: service });
  const userDataDir = await Deno.makeTempDir({ prefix: "geoguide-chromium-" });
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1000, height: 700 },
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--use-gl=angle",
      "--use-angle=swiftshader",
      "--enable-unsafe-swiftshader",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    const page = context.pages()[0] ?? await context.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.goto(`http://127.0.0.1:${server.httpPort}/`);
    await page.fill("#token", TOKEN);
    await page.setInputFiles("#file", FILE);
    await page.fill("#labels", LABELS.join(", "));
    await page.click("#segment");
    await page.waitForSelector("body[data-state=done], body[data-state=error]", {
      timeout: 60_000,
    });
    const status = (await page.textContent("#status")) ?? "";
    assert.equal(await page.getAttribute("body", "data-state"), "done", `status: ${status}`);
    const rows = await page.evaluate<LegendRow[]>(READ_LEGEND);
    await check({ rows, status, page, pageErrors });
  } finally {
    await context.close();
    await server.shutdown();
    await Deno.remove(userDataDir, { recursive: true });
  }
}

/** Checks the legend against expected per-label counts and the canvas against the label colours. */
async function checkLegendAndPixels(run: PageRun, counts: Map<number, number>, total: number) {
  assert.deepEqual(run.rows.map((r) => r.label), [...LABELS, "unknown"]);
  for (const row of run.rows) {
    assert.equal(row.count, counts.get(row.index) ?? 0, `legend count of ${row.label}`);
    assert.ok(row.text.includes(row.count.toLocaleString("en-US")), `legend text of ${row.label}`);
  }
  assert.equal(run.rows.reduce((s, r) => s + r.count, 0), total);
  assert.match(run.status, new RegExp(`${total.toLocaleString("en-US")} points`));
  // Pixels: each label with enough points shows up in its own colour; the rest is background.
  const shown = analyse(await run.page.evaluate<CanvasPixels>(READ_CANVAS), [...counts.keys()]);
  assert.ok(shown.foreground > 0.02 * shown.area, `only ${shown.foreground} pixels drawn`);
  assert.ok(shown.colours > 2, `only ${shown.colours} distinct foreground colours`);
  for (const [label, n] of counts) {
    if (n < 0.05 * total) continue; // a handful of scattered points may hide behind others
    const px = shown.perLabel.get(label) ?? 0;
    assert.ok(px > 100, `label ${label}: ${px} pixels`);
  }
  return shown;
}

Deno.test({
  name: hasChromium
    ? "viewer page in Chromium: segments a Draco upload, draws coloured points and a legend"
    : `viewer page in Chromium (SKIPPED: no Chromium at ${CHROMIUM})`,
  ignore: !hasChromium,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withSegmentedPage(new HeightBandSegmenter(), async (run) => {
      await run.page.screenshot({ path: SCREENSHOT });
      // Expected labels, recomputed from an independent decode of the file.
      const cloud = await decodeCloud(await Deno.readFile(FILE), FILE);
      const expected = heightBands(cloud.coord, LABELS.length, 0).labels;
      const counts = new Map<number, number>();
      for (const l of expected) counts.set(l, (counts.get(l) ?? 0) + 1);
      assert.ok(counts.size >= 2, "the fragment should span at least two height bands");
      await checkLegendAndPixels(run, counts, cloud.count);

      // Clicking a legend row hides that label's points and only those.
      const [gone, kept] = [...counts.keys()].sort((x, y) => x - y);
      await run.page.click(`#legend li[data-index="${gone}"]`);
      const after = analyse(await run.page.evaluate<CanvasPixels>(READ_CANVAS), [gone, kept]);
      assert.equal(after.perLabel.get(gone) ?? 0, 0);
      assert.ok((after.perLabel.get(kept) ?? 0) > 100);
      assert.deepEqual(run.pageErrors, []);
    });
  },
});

Deno.test({
  name: hasChromium
    ? "viewer page in Chromium with the shipped default model: legend matches in-process segmentation"
    : `viewer page in Chromium with the default model (SKIPPED: no Chromium at ${CHROMIUM})`,
  ignore: !hasChromium,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const modelsDir = new URL("../models/", import.meta.url).pathname;
    const service = createSegmentService({ modelsDir });
    try {
      await service.whenStarted();
      assert.ok(service.ready(), "the default model loads");
      const bytes = await Deno.readFile(FILE);
      const direct = await service.segment(
        segmentInput({ kind: "draco", bytes }, LABELS),
        new AbortController().signal,
      );
      const counts = new Map<number, number>(); // the legend's unknown row has index −1
      for (const l of direct.labels) counts.set(l, (counts.get(l) ?? 0) + 1);
      await withSegmentedPage(service, async (run) => {
        await run.page.screenshot({ path: SCREENSHOT.replace(".png", "_default_model.png") });
        assert.ok([...counts.values()].filter((n) => n > 0).length >= 2, "at least two labels");
        await checkLegendAndPixels(run, counts, direct.labels.length);
        assert.deepEqual(run.pageErrors, []);
      });
    } finally {
      await service.close();
    }
  },
});
