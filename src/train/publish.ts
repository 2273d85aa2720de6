/**
 * Publishing a trained adapter as a model version (`models/bundle.ts` layout, atomic
 * `publishVersion`): the manifest records the config, the metrics, the (binned) loss
 * curve and the reject threshold when one was measured, and `loss_curve.png` pictures the
 * curve; an ONNX backbone travels with the version as `backbone.onnx`.
 *
 * Output folder convention: `--out MODEL_DIR` names the model folder of a registry, e.g.
 * `models/default`; the new version is published under it as the next number
 * (`models/default/3/`), i.e. registry root = dirname, model name = basename.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { GeoError } from "../kernels/errors.ts";
import type { SegmentationMetrics } from "../kernels/segmentation_metrics.ts";
import type { AdapterDims } from "../features/adapter_graph.ts";
import type { Backbone, OnnxBackboneBundle } from "../features/backbones/backbone.ts";
import { bundleManifestDraft, writeBundleFiles } from "../models/bundle.ts";
import type { ManifestCalibration } from "../models/manifest.ts";
import { listVersions, type ModelManifest, publishVersion } from "../models/registry.ts";
import type { TrainResult } from "./api.ts";
import { configRecord, type TrainConfig } from "./config.ts";
import type { TrainOutcome } from "./loop.ts";
import { binLossCurve, lossCurvePng } from "./plot.ts";

/** Most loss-curve points written into a manifest. */
export const MANIFEST_CURVE_POINTS = 200;

/** Registry root and model name of an `--out` model folder. */
export function registryTarget(out: string): { root: string; name: string } {
  const full = resolve(out);
  return { root: dirname(full), name: basename(full) };
}

/** Options of {@link publishTrained}. */
export interface PublishTrainedOptions {
  /** registry root */
  root: string;
  /** model name */
  name: string;
  /** the finished run */
  outcome: TrainOutcome;
  /** its config */
  config: TrainConfig;
  /** adapter sizes */
  dims: AdapterDims;
  /** the backbone the features came from */
  backbone: Backbone;
  /** class names (the model's default labels) */
  classNames: string[];
  /** text encoder name (GloVe id or "client-embeddings") */
  textEncoder: string;
  /** where the run came from (base model, data folder, scene names…) */
  provenance?: Record<string, unknown>;
  /** publishing stops (nothing published) when this aborts first */
  signal?: AbortSignal;
  /** the reject threshold measured on validation data (manifest `calibration`; default none) */
  calibration?: ManifestCalibration | null;
}

/** Metric fields of the manifest: `<split>_miou`, `<split>_macc`, teacher_* and per-class IoU. */
export function metricsRecord(
  final: TrainOutcome["final"],
  split: "test" | "train",
): Record<string, unknown> {
  if (!final) return {};
  const r2 = (x: number) => (Number.isNaN(x) ? null : Math.round(x * 1e4) / 1e4);
  const m: SegmentationMetrics = final.student;
  const out: Record<string, unknown> = {
    [`${split}_miou`]: r2(m.mIoU),
    [`${split}_macc`]: r2(m.mAcc),
    per_class_iou: Object.fromEntries(m.classNames.map((n, c) => [n, r2(m.iou[c])])),
  };
  if (final.teacher) {
    out.teacher_miou = r2(final.teacher.mIoU);
    out.teacher_macc = r2(final.teacher.mAcc);
  }
  return out;
}

/**
 * What a version needs to carry an ONNX backbone (its bytes and manifest entry); null for
 * the descriptor.
 *
 * @throws GeoError failed_precondition for an ONNX backbone without bytes (opened from a
 *   path: nothing to publish)
 */
function publishedOnnx(backbone: Backbone): OnnxBackboneBundle | null {
  if (backbone.kind === "descriptor") return null;
  if (!backbone.bundle || backbone.bundle.entry.version !== backbone.version) {
    throw new GeoError(
      "failed_precondition",
      `The ${backbone.kind} backbone '${backbone.version}' has no network to publish`,
    );
  }
  return backbone.bundle;
}

/**
 * Publishes the trained adapter as the next version; returns the written manifest. An
 * ONNX backbone (a backbone folder, or a fine-tuned base's) is written into the version
 * as `backbone.onnx` with its manifest entry (version, dim, inputs, output), so the
 * version serves with it.
 */
export async function publishTrained(
  o: PublishTrainedOptions,
  metrics: Record<string, unknown>,
): Promise<ModelManifest> {
  const check = () => {
    if (o.signal?.aborted) throw new GeoError("cancelled", "Training was cancelled");
  };
  check();
  const { outcome } = o;
  const last = outcome.lossCurve[outcome.lossCurve.length - 1];
  const onnx = publishedOnnx(o.backbone);
  const draft = bundleManifestDraft({
    dims: o.dims,
    backbone: onnx ? onnx.entry : { kind: "descriptor", version: o.backbone.version },
    textEncoder: o.textEncoder,
    defaultLabels: o.classNames,
    voxelSize: o.config.voxelSize,
    training: {
      config: { ...configRecord(o.config), ...o.provenance },
      metrics: {
        ...metrics,
        final_loss: last ?? null,
        steps: o.config.steps,
        seconds: Math.round(outcome.seconds * 10) / 10,
        points_per_second: Math.round(outcome.pointsPerSecond),
      },
      loss_curve: binLossCurve(outcome.lossCurve, MANIFEST_CURVE_POINTS),
    },
  });
  if (o.calibration) draft.calibration = o.calibration;
  return await publishVersion(o.root, o.name, async (dir) => {
    check();
    await writeBundleFiles(dir, {
      dims: o.dims,
      weights: outcome.adapter,
      ...(onnx ? { backbone: onnx.onnx } : {}),
      extraFiles: { "loss_curve.png": lossCurvePng(outcome.lossCurve) },
    });
    check();
  }, draft);
}

/** The manifest field of a published run's idempotency key (in `training.config`). */
export const REQUEST_ID_FIELD = "request_id";

/**
 * The published version of `name` whose manifest records `requestId` (newest first) as a
 * Train result: its model and version, and its training metrics with `replay: true`;
 * null when no version has it. Unreadable manifests are skipped (loading reports them).
 *
 * @param root registry root
 * @param name model name (the Train `site`)
 * @param requestId the client's idempotency key (non-empty)
 */
export async function findPublishedRun(
  root: string,
  name: string,
  requestId: string,
): Promise<TrainResult | null> {
  const versions = await listVersions(root, name);
  for (const version of versions.reverse()) {
    let m: Partial<ModelManifest>;
    try {
      m = JSON.parse(await readFile(join(root, name, String(version), "manifest.json"), "utf8"));
    } catch {
      continue;
    }
    if (m?.training?.config?.[REQUEST_ID_FIELD] !== requestId) continue;
    return {
      model: name,
      version,
      summary: { ...m.training.metrics, replay: true, [REQUEST_ID_FIELD]: requestId },
    };
  }
  return null;
}
