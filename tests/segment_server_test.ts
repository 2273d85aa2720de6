import assert from "node:assert/strict";
import { decodePly } from "../src/io/ply.ts";
import { run as segmentCommand } from "../src/commands/segment.ts";
import { createSegmentService } from "../src/infer/segment_service.ts";
import { bytesToFloat32, bytesToInt16 } from "../src/io/typed_bytes.ts";
import { GeoguideClient } from "../src/server/grpc.ts";
import { Logger } from "../src/server/log.ts";
import { startServer } from "../src/server/server.ts";
import { createTinyModel } from "./fixtures/tiny_model.ts";

const KD = new URL("../../shared/data/draco_testdata/pc_kd_color.drc", import.meta.url).pathname;

Deno.test("the real segment service behind the gRPC server: same labels as in-process, CLI --server", async () => {
  const tiny = await createTinyModel({ name: "default" });
  const service = createSegmentService({ modelsDir: tiny.root });
  await service.whenStarted();
  const server = await startServer({
    host: "127.0.0.1",
    grpcPort: 0,
    httpPort: 0,
    shutdownGraceMs: 2000,
    readinessPollMs: 50,
    logger: new Logger(() => {}),
  }, { segment: service });
  const client = new GeoguideClient(`127.0.0.1:${server.grpcPort}`);
  try {
    const bytes = await Deno.readFile(KD);
    const vec = (seed: number) => {
      const v = new Float32Array(100).map((_, i) => Math.sin(seed * 3 + i * (seed + 1)));
      return new Uint8Array(v.buffer);
    };
    const labels = ["a", "b", "c"];
    const res = await client.segment({
      cloud: { data: "draco", draco: bytes },
      labels,
      label_embeddings: labels.map((label, i) => ({ label, vector: vec(i) })),
      min_score: -1,
      return_positions: true,
      return_scores: true,
    });
    assert.equal(res.point_count, 7733);
    assert.equal(res.model, "default");
    assert.equal(Number(res.model_version), 1);
    const local = await service.segment({
      cloud: { kind: "draco", bytes },
      labels,
      model: "",
      version: 0,
      minScore: -1,
      returnScores: true,
      returnPositions: true,
      labelEmbeddings: labels.map((label, i) => ({
        label,
        vector: new Float32Array(vec(i).buffer),
      })),
      promptTemplate: "",
      limits: { maxPoints: 1e6 },
    }, new AbortController().signal);
    assert.deepEqual(bytesToInt16(res.labels, "labels"), local.labels);
    assert.deepEqual(bytesToFloat32(res.positions, "positions"), local.positions);
    const list = await client.listModels();
    assert.deepEqual(list.models.map((m) => [m.name, m.feature_dim, m.text_encoder]), [[
      "default",
      100,
      "glove-sg-100d@1",
    ]]);
    await assert.rejects(
      client.segment({
        cloud: { data: "draco", draco: bytes },
        labels,
        model: "default",
        model_version: 9,
      }),
      (e: unknown) => (e as { code: number }).code === 5,
    );
    // the CLI against the server (GloVe label embeddings), with a coloured PLY
    const out = await Deno.makeTempFile({ suffix: ".ply" });
    const printed: string[] = [];
    const [log, err] = [console.log, console.error];
    console.log = (s: string) => printed.push(s);
    console.error = () => {};
    let code: number;
    try {
      code = await segmentCommand([
        KD,
        "--labels",
        "wall,chair",
        "--server",
        `127.0.0.1:${server.grpcPort}`,
        "--out",
        out,
      ]);
    } finally {
      [console.log, console.error] = [log, err];
    }
    assert.equal(code, 0);
    assert.match(printed.join("\n"), /^label\s+points/);
    assert.equal(decodePly(await Deno.readFile(out), out).count, 7733);
  } finally {
    client.close();
    await server.shutdown();
    await service.close();
  }
});
