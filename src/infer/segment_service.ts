/**
 * The inference `SegmentService`: serves every model and version of a registry folder,
 * loads the default model at start (not ready until it is loaded and warmed up) and
 * keeps a bounded set of loaded versions. It reads the registry folder at start and on
 * `refresh()` only, never per request: model names and versions resolve from the
 * in-memory catalog of the last read. It does not watch the folder itself: the server's
 * one watcher (`runtime/registry_watch.ts`) calls `refresh()` when the folder changes, so
 * a newly published version is served without a restart once the watcher noticed it.
 *
 * A request for version 0 resolves to the latest version of the last registry read; a
 * loaded version is evicted (least recently used) beyond `maxLoaded`, its sessions
 * released once no request uses it.
 *
 * @module
 */

import { GeoError } from "../kernels/errors.ts";
import type { SessionOptions } from "../onnx/session.ts";
import { decodeCloudInputKeeping } from "../features/cloud_input.ts";
import { expandKept } from "./expand_kept.ts";
import { segmentCloud, summarizeLabels, throwIfAborted } from "./inference.ts";
import { alignToGravity } from "./gravity.ts";
import { LabelEmbedder } from "./label_embeddings.ts";
import { describeRegistry } from "../models/catalog.ts";
import { CLIENT_EMBEDDINGS_ENCODER, type LoadedModel, loadModel } from "../models/bundle.ts";
import { listModels, resolveDefaultModel } from "../models/registry.ts";
import { resolveModel } from "../models/resolve.ts";
import type {
  EmbedInput,
  EmbedOutput,
  ModelInfo,
  ScanInput,
  ScanOutput,
  SegmentInput,
  SegmentOutput,
  SegmentService,
} from "./api.ts";
import { scanFeatures } from "./scan_features.ts";
import { labelledObjects } from "./objects.ts";

/** Options of {@link createSegmentService}. */
export interface SegmentServiceOptions {
  /** Registry folder (`models/`). */
  modelsDir: string;
  /** Default model name ("" or absent: see `resolveDefaultModel`). */
  defaultModel?: string;
  /** Most model versions kept loaded at once (default 3). */
  maxLoaded?: number;
  /** onnxruntime options (threads, provider) of every session. */
  session?: SessionOptions;
  /** Label embedder (default: a new one over the process-wide GloVe). */
  embedder?: LabelEmbedder;
  /** Also load the default model's text encoder at start (default true). */
  preloadText?: boolean;
  /** Called whenever the model list or readiness may have changed (registry read, model loaded). */
  onChange?: () => void;
  /** Log sink. */
  log?: (
    level: "info" | "warn" | "error",
    message: string,
    fields?: Record<string, string | number>,
  ) => void;
}

/** A running inference service. */
export interface SegmentServiceHandle extends SegmentService {
  /** Per-voxel features of one scan (SegmentStream). */
  scan(input: ScanInput, signal: AbortSignal): Promise<ScanOutput>;
  /** Unit label embeddings of a model (SegmentStream). */
  embedLabels(input: EmbedInput, signal: AbortSignal): Promise<EmbedOutput>;
  /** Resolves once the first registry read and default-model load finished (or failed). */
  whenStarted(): Promise<void>;
  /** Re-reads the registry now (what the server's registry watcher calls on a change). */
  refresh(): Promise<void>;
  /** The versions loaded now, as "name@version", least recently used first. */
  loadedVersions(): string[];
  /** Releases every session. */
  close(): Promise<void>;
}

interface Entry {
  key: string;
  model: Promise<LoadedModel>;
  users: number;
  evicted: boolean;
}

/**
 * Starts the inference service over the registry at `options.modelsDir` (see the module
 * doc). Returns at once; `ready()` turns true when the default model is loaded.
 */
export function createSegmentService(options: SegmentServiceOptions): SegmentServiceHandle {
  const root = options.modelsDir;
  const maxLoaded = Math.max(1, options.maxLoaded ?? 3);
  const embedder = options.embedder ?? new LabelEmbedder({ session: options.session });
  const log = options.log ?? (() => {});
  const entries = new Map<string, Entry>(); // insertion order = LRU order
  let models: ModelInfo[] = [];
  /** Published versions (ascending) of every model, by name, as of the last registry read. */
  let catalog = new Map<string, readonly number[]>();
  let defaultName: string | null = null;
  let readyKey = "";
  let closed = false;
  let chain: Promise<void> = Promise.resolve();

  const releaseEntry = (e: Entry): Promise<void> =>
    e.model.then((m) => m.release(), () => {}).catch(() => {});

  const acquire = (name: string, version: number): { entry: Entry; done: () => void } => {
    const key = `${name}@${version}`;
    let entry = entries.get(key);
    if (entry) {
      entries.delete(key);
    } else {
      const model = loadModel(root, name, version, { session: options.session });
      entry = { key, model, users: 0, evicted: false };
      const e = entry;
      model.catch(() => {
        if (entries.get(key) === e) entries.delete(key);
      });
    }
    entries.set(key, entry);
    entry.users++;
    while (entries.size > maxLoaded) {
      const oldest = entries.values().next().value!;
      entries.delete(oldest.key);
      oldest.evicted = true;
      if (oldest.users === 0) releaseEntry(oldest);
    }
    const e = entry;
    return {
      entry: e,
      done: () => {
        if (--e.users === 0 && e.evicted) releaseEntry(e);
      },
    };
  };

  /** The version `version` (0 = latest) of `name` names; not_found worded by `resolveModel`. */
  const resolveVersion = (name: string, version: number): number =>
    resolveModel([...catalog].map(([n, versions]) => ({ name: n, versions })), name, version)
      .version;

  /** Runs `use` on version `version` (0 = latest) of model `model` ("" = the default). */
  const withModel = async <T>(
    model: string,
    version: number,
    use: (m: LoadedModel) => Promise<T>,
  ): Promise<T> => {
    const name = model || defaultName;
    if (!name) throw new GeoError("unavailable", "No default model is loaded on this server");
    const v = await resolveVersion(name, version);
    const lease = acquire(name, v);
    try {
      return await use(await lease.entry.model);
    } finally {
      lease.done();
    }
  };

  const loadDefault = async () => {
    if (!defaultName) return;
    const name = defaultName;
    const t0 = performance.now();
    await withModel(name, 0, async (m) => {
      if (
        options.preloadText !== false && m.manifest.text_encoder.name !== CLIENT_EMBEDDINGS_ENCODER
      ) {
        await embedder.encoderFor(m);
      }
      readyKey = `${m.name}@${m.version}`;
      options.onChange?.();
      log("info", "model loaded", {
        model: m.name,
        version: m.version,
        ms: Math.round(performance.now() - t0),
      });
    });
  };

  const refreshNow = async () => {
    if (closed) return;
    // The versions first: they stay current even when a manifest below cannot be read.
    catalog = new Map((await listModels(root)).map((m) => [m.name, m.versions]));
    models = await describeRegistry(root, options.defaultModel ?? "");
    defaultName = resolveDefaultModel(models.map((m) => m.name), options.defaultModel ?? "");
    models = models.map((m) => ({ ...m, isDefault: m.name === defaultName }));
    if (!defaultName) readyKey = "";
    options.onChange?.();
    await loadDefault();
  };

  const refresh = () => {
    const run = chain.then(refreshNow);
    chain = run.catch((e) =>
      log("error", "registry reload failed", { detail: String((e as Error)?.message ?? e) })
    );
    return run;
  };

  const started = refresh().catch(() => {});

  return {
    async segment(input: SegmentInput, signal: AbortSignal): Promise<SegmentOutput> {
      const t0 = performance.now();
      throwIfAborted(signal);
      return await withModel(input.model, input.version, async (model) => {
        throwIfAborted(signal);
        const tDecode = performance.now();
        const { cloud, total, kept } = await decodeCloudInputKeeping(
          input.cloud,
          "request",
          input.limits.maxPoints,
        );
        const decode = performance.now() - tDecode;
        throwIfAborted(signal);
        // Embedded even when no point is left, so that bad labels fail alike.
        const tText = performance.now();
        const embeddings = await embedder.embed(model, input);
        const text = performance.now() - tText;
        const minScore = input.minScore ?? model.manifest.calibration?.min_score ?? 0;
        if (cloud.count === 0) {
          // Every point was dropped (a PointCloud2 of NaN points): all unknown, no model run.
          const none = new Float32Array(0);
          return expandKept(
            {
              labels: new Int16Array(0),
              scores: input.returnScores ? none : undefined,
              positions: input.returnPositions ? none : undefined,
              summary: [],
              model: model.name,
              version: model.version,
              minScore,
              timing: {
                queue: 0,
                decode,
                features: 0,
                adapter: 0,
                text,
                total: performance.now() - t0,
              },
            },
            kept ?? new Int32Array(0),
            total,
          );
        }
        // Features assume z up and walls along x / y: turn the cloud (positions returned
        // stay as decoded).
        const tAlign = performance.now();
        const aligned = alignToGravity(cloud, input.up, { heading: true });
        const align = performance.now() - tAlign;
        throwIfAborted(signal);
        const res = await segmentCloud(model, aligned.cloud, embeddings, {
          minScore,
          signal,
          proposals: input.returnObjects,
        });
        const objects = input.returnObjects
          ? labelledObjects({ ...res, positions: cloud.coord })
          : undefined;
        const out: SegmentOutput = {
          labels: res.labels,
          scores: input.returnScores ? res.scores : undefined,
          positions: input.returnPositions ? cloud.coord : undefined,
          summary: summarizeLabels(res.labels, res.scores, input.labels),
          model: model.name,
          version: model.version,
          minScore,
          ...(objects ? { objects } : {}),
          gravity: {
            up: aligned.up,
            source: aligned.source,
            confidence: aligned.estimate?.confidence ?? 1,
          },
          timing: {
            queue: 0,
            decode,
            features: align + res.timing.features,
            adapter: res.timing.adapter,
            text,
            total: performance.now() - t0,
          },
        };
        // A PointCloud2's points without finite coordinates come back in place, as −1.
        return kept ? expandKept(out, kept, total) : out;
      });
    },
    async scan(input: ScanInput, signal: AbortSignal): Promise<ScanOutput> {
      throwIfAborted(signal);
      return await withModel(input.model, input.version, async (model) => {
        const tDecode = performance.now();
        const d = await decodeCloudInputKeeping(input.cloud, "scan", input.limits.maxPoints);
        const decode = performance.now() - tDecode;
        throwIfAborted(signal);
        const f = await scanFeatures(model, d.cloud, {
          pose: input.pose,
          frame: input.frame,
          proposals: input.proposals,
          kept: d.kept,
          total: d.total,
          signal,
        });
        return {
          model: model.name,
          version: model.version,
          count: d.total,
          ...f,
          timing: { decode, ...f.timing },
        };
      });
    },
    async embedLabels(input: EmbedInput, signal: AbortSignal): Promise<EmbedOutput> {
      throwIfAborted(signal);
      return await withModel(input.model, input.version, async (model) => ({
        model: model.name,
        version: model.version,
        embeddings: await embedder.embed(model, input), // unit rows, as every encoder gives them
        ...(model.manifest.calibration
          ? { calibratedMinScore: model.manifest.calibration.min_score }
          : {}),
      }));
    },
    listModels: () => models,
    ready: () =>
      !closed && readyKey !== "" && defaultName !== null && readyKey.startsWith(`${defaultName}@`),
    whenStarted: () => started,
    refresh,
    loadedVersions: () => [...entries.keys()],
    async close() {
      closed = true;
      await chain;
      const pending: Promise<void>[] = [];
      for (const e of entries.values()) {
        e.evicted = true;
        if (e.users === 0) pending.push(releaseEntry(e));
      }
      entries.clear();
      await Promise.all(pending);
    },
  };
}
