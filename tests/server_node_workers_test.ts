/**
 * The whole server bundled for Node (tools/bundle_node.ts), run under Node 20 on the
 * shipped default model with one Segment worker: its worker threads start (no main
 * thread fallback), a real Segment over gRPC gives the labels the Deno in-process
 * service gives, a SegmentStream fuses two scans through the worker, a short Train runs in a training worker, and SIGTERM stops it (exit 0).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { createSegmentService } from "../src/infer/segment_service.ts";
import { segmentInput } from "../src/infer/segment_input.ts";
import { GeoguideClient } from "../src/server/grpc.ts";
import type { TrainEventMsg, TrainRequestMsg } from "../src/server/wire.ts";
import { typedToBytes } from "../src/io/typed_bytes.ts";
import { bundleNode } from "../tools/bundle_node.ts";
import { tinyTrainScenes } from "./fixtures/tiny_train_scenes.ts";
import { ROOT } from "./interop_helpers.ts";

const DRC = `${ROOT}../shared/data/draco_testdata/pc_color.drc`;
const LABELS = ["wall", "floor", "chair"];
/** Bound of each wait (start, readiness, Segment, Train). */
const WAIT_MS = 60_000;

function hasNode(): boolean {
  try {
    return execFileSync("node", ["--version"], { encoding: "utf8" }).startsWith("v");
  } catch {
    return false;
  }
}

/** Polls `check` every 50 ms until it returns a value; throws `what` after WAIT_MS. */
async function waitFor<T>(
  what: () => string,
  check: () => T | Promise<T>,
): Promise<NonNullable<T>> {
  const end = Date.now() + WAIT_MS;
  for (;;) {
    const got = await check();
    if (got) return got;
    if (Date.now() > end) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The tiny seeded dataset as a Train stream: config, then its scenes. */
async function trainStream(dir: string): Promise<TrainRequestMsg[]> {
  const scenes = await tinyTrainScenes(dir, { scenes: 2, spacing: 0.06, seed: 4, dim: 100 });
  return [
    { config: { site: "node-smoke", steps: 2, seed: 2, objective: "GEOGUIDE", publish: false } },
    ...scenes.map((s) => {
      if (s.cloud.kind !== "raw") throw new Error("the tiny scenes are raw clouds");
      return {
        scene: {
          name: s.name,
          cloud: { raw: { xyz: s.cloud.xyz, rgb: s.cloud.rgb } },
          teacher: s.teacher,
          teacher_dtype: "FLOAT32" as const,
          dim: s.dim,
          valid: s.valid,
          instances: s.instances && typedToBytes(s.instances),
          gt_labels: s.gtLabels && typedToBytes(s.gtLabels),
          gt_label_names: [...s.gtLabelNames],
        },
      };
    }),
  ];
}

Deno.test({
  name: "node: the bundled server starts Segment and training workers, segments, trains, stops",
  ignore: !hasNode(),
  async fn() {
    await mkdir(join(ROOT, "dist"), { recursive: true });
    // Two folders below the root, as tools/bundle_node.ts requires; seen node_modules.
    const dir = await Deno.makeTempDir({ dir: join(ROOT, "dist"), prefix: "node-test-" });
    const data = await Deno.makeTempDir({ prefix: "geoguide-node-train-" });
    let child: Deno.ChildProcess | null = null;
    let client: GeoguideClient | null = null;
    let log = "";
    try {
      const bundle = await bundleNode(dir);
      const train = await trainStream(data);
      child = new Deno.Command("node", {
        args: [
          ...[bundle.cli, "serve", "--host", "127.0.0.1", "--grpc-port", "0", "--http-port=0"],
          ...["--models", join(ROOT, "models"), "--segment-workers", "1", "--concurrency", "1"],
          ...["--training-slots", "1", "--allow-open-training"],
        ],
        cwd: ROOT,
        stdout: "null",
        stderr: "piped",
      }).spawn();
      const status = child.status;
      let exited = false;
      status.then(() => exited = true);
      const pump = (async () => {
        for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) log += chunk;
      })();
      const lines = () =>
        log.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
      const listening = await waitFor(() => `no "listening" line: ${log}`, () => {
        if (exited) throw new Error(`serve exited early: ${log}`);
        return lines().find((l) => l.msg === "listening");
      });
      assert.ok(lines().some((l) => l.msg === "segment workers started" && l.workers === 1), log);
      assert.doesNotMatch(log, /segment workers unavailable/);
      client = new GeoguideClient(`127.0.0.1:${listening.grpc_port}`);
      const c = client;
      await waitFor(
        () => `never SERVING: ${log}`,
        async () => (await c.health("", { timeoutMs: 2000 }).catch(() => "")) === "SERVING",
      );
      // The viewer's files are found beside the bundle, proto/ at the checkout root.
      const page = await fetch(`http://127.0.0.1:${listening.http_port}/`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<html/i);

      const drc = new Uint8Array(await readFile(DRC));
      const res = await c.segment({ cloud: { draco: drc }, labels: LABELS }, {
        timeoutMs: WAIT_MS,
      });
      assert.equal(res.point_count, 7733);
      assert.equal(res.model, "default");
      const got = new Int16Array(new Uint8Array(res.labels).buffer);
      assert.equal(got.length, 7733);
      assert.ok(got.every((l) => l >= -1 && l < LABELS.length));
      // The same request in process (Deno, main thread) labels the same.
      const local = createSegmentService({ modelsDir: join(ROOT, "models") });
      try {
        await local.whenStarted();
        const out = await local.segment(
          // No min_score, like the gRPC request: both take the model's calibrated one.
          segmentInput({ kind: "draco", bytes: drc }, LABELS, { minScore: undefined }),
          new AbortController().signal,
        );
        let same = 0;
        for (let i = 0; i < got.length; i++) same += got[i] === out.labels[i] ? 1 : 0;
        assert.ok(same >= 0.99 * got.length, `${same} of ${got.length} labels agree`);
      } finally {
        await local.close();
      }

      // SegmentStream through the worker: two posed scans fused into one map, then a query.
      const stream = c.segmentStream({ timeoutMs: WAIT_MS });
      const answers = stream.responses[Symbol.asyncIterator]();
      await stream.send({ open: { labels: LABELS, return_objects: true } });
      assert.ok((await answers.next()).value?.opened?.session_id);
      for (const [k, x] of [0, 0.02].entries()) {
        const pose = [1, 0, 0, x, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
        await stream.send({ scan: { cloud: { draco: drc }, sensor_to_map: pose, timestamp: k } });
        const scan = (await answers.next()).value?.scan;
        assert.equal(scan?.scan_index, k);
        assert.equal(scan?.point_count, 7733);
        assert.ok(scan?.fused && scan.map_voxels > 0, scan?.warning);
      }
      await stream.send({ query: { labels: ["chair"] } });
      assert.ok(Array.isArray((await answers.next()).value?.query?.objects));
      stream.end();
      assert.ok((await answers.next()).done);

      const events: TrainEventMsg[] = [];
      await c.train(train, (e) => events.push(e), { timeoutMs: WAIT_MS });
      assert.deepEqual(events.flatMap((e) => e.progress ? [e.progress.step] : []), [1, 2]);
      assert.ok(events.at(-1)?.done, "the run ends with done");
      assert.doesNotMatch(log, /worker stopped|stopped unexpectedly/);

      c.close();
      client = null;
      child.kill("SIGTERM");
      assert.equal((await status).code, 0, log);
      await pump;
      assert.ok(lines().some((l) => l.msg === "stopped"), log);
      child = null;
    } finally {
      client?.close();
      if (child) {
        try {
          child.kill("SIGKILL");
        } catch { /* already gone */ }
        await child.status;
        await child.stderr.cancel().catch(() => {});
      }
      await rm(dir, { recursive: true, force: true });
      await rm(data, { recursive: true, force: true });
    }
  },
});
