/**
 * Test doubles and helpers for the server tests. `HeightBandSegmenter` is a
 * TEST DOUBLE of `SegmentService`, not a model: it labels each point by its
 * height band (label i for i ≤ z < i + 1 metres), with score
 * 1 − |z − (i + 0.5)|, so results are exact and easy to recompute.
 *
 * @module
 */

import { GeoError } from "../src/kernels/errors.ts";
import { Rng } from "../src/kernels/random.ts";
import { decodeCloudInput } from "../src/features/cloud_input.ts";
import { bytesToFloat32 } from "../src/io/typed_bytes.ts";
import type { ModelInfo, SegmentInput, SegmentOutput, SegmentService } from "../src/infer/api.ts";
import type {
  TrainEventOutput,
  TrainResult,
  TrainSceneInput,
  TrainService,
} from "../src/train/api.ts";
import { GeoguideClient } from "../src/server/grpc.ts";
import type { GeoguideClientOptions } from "../src/server/grpc_api.ts";
import { Logger } from "../src/server/log.ts";
import { type RunningServer, type StartOptions, startServer } from "../src/server/server.ts";
import type { Services } from "../src/runtime/services.ts";
import {
  createSegmentService,
  type SegmentServiceHandle,
  type SegmentServiceOptions,
} from "../src/infer/segment_service.ts";

/** The height-band labelling of float32 coordinates, N×3: labels Int16Array N and scores Float32Array N. */
export function heightBands(
  coord: Float32Array,
  labelCount: number,
  minScore: number,
): { labels: Int16Array; scores: Float32Array } {
  const n = coord.length / 3;
  const labels = new Int16Array(n), scores = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const z = coord[3 * i + 2];
    const band = Math.min(labelCount - 1, Math.max(0, Math.floor(z)));
    const score = 1 - Math.abs(z - (band + 0.5));
    labels[i] = score < minScore ? -1 : band;
    scores[i] = score;
  }
  return { labels, scores };
}

/** TEST DOUBLE of SegmentService (see the module doc); `hold` makes calls wait until released. */
export class HeightBandSegmenter implements SegmentService {
  isReady = true;
  calls = 0;
  aborted = 0;
  #held: (() => void)[] = [];
  hold = false;
  readonly models: ModelInfo[] = [
    {
      name: "bands",
      versions: [1, 2],
      isDefault: true,
      featureDim: 1,
      textEncoder: "none",
      backbone: "height-bands",
      trainingSummary: "",
      defaultLabels: ["floor", "table", "shelf"],
    },
  ];

  /** Releases every held call. */
  release(): void {
    for (const r of this.#held.splice(0)) r();
  }

  /** Number of calls waiting in `hold`. */
  get holding(): number {
    return this.#held.length;
  }

  async segment(input: SegmentInput, signal: AbortSignal): Promise<SegmentOutput> {
    this.calls++;
    const t0 = performance.now();
    const cloud = await decodeCloudInput(input.cloud, "request", input.limits.maxPoints);
    const decode = performance.now() - t0;
    if (this.hold) {
      await new Promise<void>((resolve, reject) => {
        if (signal.aborted) {
          this.aborted++;
          return reject(signal.reason);
        }
        this.#held.push(resolve);
        signal.addEventListener("abort", () => {
          this.aborted++;
          reject(signal.reason);
        }, { once: true });
      });
    }
    const { labels, scores } = heightBands(cloud.coord, input.labels.length, input.minScore ?? 0);
    const summary = new Map<number, { points: number; sum: number }>();
    labels.forEach((l, i) => {
      const s = summary.get(l) ?? { points: 0, sum: 0 };
      s.points++;
      s.sum += scores[i];
      summary.set(l, s);
    });
    const model = input.model || "bands";
    return {
      labels,
      scores: input.returnScores ? scores : undefined,
      positions: input.returnPositions ? cloud.coord : undefined,
      summary: [...summary].sort((a, b) => a[0] - b[0]).map(([l, s]) => ({
        label: l < 0 ? "unknown" : input.labels[l],
        points: s.points,
        meanScore: s.sum / s.points,
      })),
      model,
      version: input.version || 2,
      timing: { queue: 0, decode, features: 0, adapter: 0, text: 0, total: 0 },
    };
  }

  listModels(): ModelInfo[] {
    return this.models;
  }

  ready(): boolean {
    return this.isReady;
  }
}

/**
 * TEST DOUBLE of TrainService: "trains" a scalar towards the mean of the
 * teacher features by gradient steps (loss = (w − mean)²), reporting
 * progress per step; waits `stepMs` between steps and stops on abort.
 */
export class MeanFitTrainer implements TrainService {
  published = 0;
  aborted = false;
  constructor(readonly stepMs = 0) {}

  async train(
    request: {
      config: { site: string; steps?: number; publish: boolean };
      scenes: readonly TrainSceneInput[];
    },
    signal: AbortSignal,
    onEvent: (e: TrainEventOutput) => void,
  ): Promise<TrainResult> {
    let sum = 0, count = 0;
    for (const s of request.scenes) {
      const t = bytesToFloat32(s.teacher!, "teacher");
      for (const v of t) sum += v;
      count += t.length;
    }
    const mean = sum / count;
    const steps = request.config.steps ?? 5;
    let w = 0;
    for (let step = 1; step <= steps; step++) {
      if (signal.aborted) {
        this.aborted = true;
        throw signal.reason;
      }
      w -= 0.5 * 2 * (w - mean);
      const loss = (w - mean) ** 2;
      onEvent({
        type: "progress",
        step,
        totalSteps: steps,
        lossSp: 0,
        lossMask: 0,
        lossSim: loss,
        lossTotal: loss,
        pointsPerSecond: 0,
        elapsedS: 0,
      });
      if (this.stepMs) await new Promise((r) => setTimeout(r, this.stepMs));
    }
    if (request.config.publish) this.published++;
    return {
      model: request.config.site,
      version: request.config.publish ? 1 : 0,
      summary: { w, mean },
    };
  }
}

/** Float32 LE bytes of N×3 coordinates. */
export function xyzBytes(coord: Float32Array): Uint8Array {
  return new Uint8Array(coord.buffer, coord.byteOffset, coord.byteLength);
}

/** `n` seeded random points in [0, 4)×[0, 4)×[0, 3) metres. */
export function randomCoords(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const c = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    c[3 * i] = rng.uniform(0, 4);
    c[3 * i + 1] = rng.uniform(0, 4);
    c[3 * i + 2] = rng.uniform(0, 3);
  }
  return c;
}

/** A server on 127.0.0.1 with ephemeral ports around the doubles, a client, and captured logs. */
export interface TestRig {
  server: RunningServer;
  client: GeoguideClient;
  segmenter: HeightBandSegmenter;
  trainer: MeanFitTrainer;
  logs: string[];
  close(): Promise<void>;
}

/** Starts a `TestRig` (Train open unless `options.allowOpenTraining` is false); `clientOptions` go to the client. */
export async function startRig(
  options: StartOptions = {},
  clientOptions: GeoguideClientOptions = {},
  trainer = new MeanFitTrainer(),
): Promise<TestRig> {
  const segmenter = new HeightBandSegmenter();
  const logs: string[] = [];
  const server = await startServer({
    host: "127.0.0.1",
    grpcPort: 0,
    httpPort: 0,
    shutdownGraceMs: 5000,
    logger: new Logger((l) => logs.push(l)),
    readinessPollMs: 50,
    // Train is closed by default; tests of the doubles open it unless they say otherwise.
    allowOpenTraining: true,
    ...options,
  }, { segment: segmenter, train: trainer });
  const client = new GeoguideClient(`127.0.0.1:${server.grpcPort}`, clientOptions);
  return {
    server,
    client,
    segmenter,
    trainer,
    logs,
    async close() {
      segmenter.release();
      client.close();
      await server.shutdown();
    },
  };
}

/** Asserts that `p` rejects with gRPC `code` and a message matching `re`. */
export async function rejectsWith(p: Promise<unknown>, code: number, re: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    const err = e as { code?: number; message: string };
    if (err.code !== code || !re.test(err.message)) {
      throw new GeoError(
        "internal",
        `expected code ${code} ${re}, got ${err.code} '${err.message}'`,
      );
    }
    return;
  }
  throw new GeoError("internal", `expected code ${code} ${re}, but the call succeeded`);
}

/** A quiet server on 127.0.0.1 (gRPC only, logs dropped) and a client of it. */
export interface QuietServer {
  server: RunningServer;
  client: GeoguideClient;
  /** "127.0.0.1:port" of the gRPC server. */
  address: string;
  /** Closes the client, then shuts the server down. */
  close(): Promise<void>;
}

/** Starts a {@link QuietServer} around `services`; `options` override the settings. */
export async function startQuietServer(
  services: Services,
  options: StartOptions = {},
  clientOptions: GeoguideClientOptions = {},
): Promise<QuietServer> {
  const server = await startServer({
    host: "127.0.0.1",
    grpcPort: 0,
    httpPort: -1,
    shutdownGraceMs: 2000,
    readinessPollMs: 50,
    logger: new Logger(() => {}),
    ...options,
  }, services);
  const address = `127.0.0.1:${server.grpcPort}`;
  const client = new GeoguideClient(address, clientOptions);
  return {
    server,
    client,
    address,
    async close() {
      client.close();
      await server.shutdown();
    },
  };
}

/** A {@link QuietServer} around the real in-process Segment service of a registry. */
export interface ModelServer extends QuietServer {
  service: SegmentServiceHandle;
}

/**
 * Starts a {@link ModelServer} over the registry `modelsDir` (its default model loaded
 * before this resolves); `options` override the server settings, `service` the service's.
 */
export async function startModelServer(
  modelsDir: string,
  options: StartOptions = {},
  service: Partial<SegmentServiceOptions> = {},
): Promise<ModelServer> {
  const segment = createSegmentService({ modelsDir, ...service });
  await segment.whenStarted();
  const quiet = await startQuietServer({ segment }, options);
  return {
    ...quiet,
    service: segment,
    async close() {
      await quiet.close();
      await segment.close();
    },
  };
}
