/**
 * What the transport and runtime hand to training and get back: a Train
 * request's config and scenes as plain TypeScript types with typed arrays,
 * its events and result, and the `TrainService` interface.
 *
 * @module
 */

import type { CloudInput } from "../features/cloud_input.ts";

/** Element type of a dense tensor sent as bytes. */
export type TensorDtype = "float32" | "float16";

/** One camera view for teacher fusion. */
export interface ViewFrameInput {
  /** Depth, Float32Array height×width, metres (0 = none). */
  readonly depth: Float32Array;
  /** Depth image width in pixels. */
  readonly width: number;
  /** Depth image height in pixels. */
  readonly height: number;
  /** fx, fy, cx, cy in pixels. */
  readonly intrinsics: readonly number[];
  /** Camera-to-world 4×4, row-major, 16 values. */
  readonly pose: readonly number[];
  /** Feature map bytes, featureHeight×featureWidth×featureDim of `featuresDtype`, LE. */
  readonly features: Uint8Array;
  /** Element type of `features`. */
  readonly featuresDtype: TensorDtype;
  /** Channels of the feature map. */
  readonly featureDim: number;
  /** Feature map width. */
  readonly featureWidth: number;
  /** Feature map height. */
  readonly featureHeight: number;
}

/** One training scene as sent by the client. */
export interface TrainSceneInput {
  /** Scene name, for logs. */
  readonly name: string;
  /** The cloud, still encoded. */
  readonly cloud: CloudInput;
  /** Teacher features N×dim, raw LE bytes of `teacherDtype`; undefined when frames are sent instead. */
  readonly teacher?: Uint8Array;
  /** Element type of `teacher`. */
  readonly teacherDtype: TensorDtype;
  /** Teacher feature dimension (0 when no teacher). */
  readonly dim: number;
  /** Uint8Array N, 1 = teacher row valid, when sent. */
  readonly valid?: Uint8Array;
  /** Int32Array N superpoint ids, when sent. */
  readonly superpoints?: Int32Array;
  /** Int32Array N instance ids (−1 = none), when sent. */
  readonly instances?: Int32Array;
  /** Int16Array N ground-truth class (−1 = ignore), when sent. */
  readonly gtLabels?: Int16Array;
  /** Class names that `gtLabels` index. */
  readonly gtLabelNames: readonly string[];
  /** Camera views to fuse into teacher features. */
  readonly frames: readonly ViewFrameInput[];
}

/** Training settings; undefined numbers take the trainer's defaults. */
export interface TrainConfigInput {
  /** Model name to publish under. */
  readonly site: string;
  /** Model to fine-tune from; "" = from scratch. */
  readonly baseModel: string;
  /** Version of `baseModel`; 0 = latest. */
  readonly baseVersion: number;
  /** Optimiser steps. */
  readonly steps?: number;
  /** Learning rate. */
  readonly learningRate?: number;
  /** Loss weights λsp, λmask, λsim. */
  readonly lambdaSp?: number;
  /** See `lambdaSp`. */
  readonly lambdaMask?: number;
  /** See `lambdaSp`. */
  readonly lambdaSim?: number;
  /** Fraction of masked points in the mask objective. */
  readonly maskRatio?: number;
  /** Random seed. */
  readonly seed: number;
  /** Whether to weight by teacher reliability (undefined = default). */
  readonly useReliability?: boolean;
  /** Objective. */
  readonly objective: "geoguide" | "naive";
  /** Whether to publish a new registry version at the end. */
  readonly publish: boolean;
  /**
   * Client-chosen idempotency key ("" or absent = none): recorded in the published
   * manifest; a run whose key was already published for `site` is replayed, not retrained.
   */
  readonly requestId?: string;
}

/** A training event streamed back to the client. */
export type TrainEventOutput =
  | {
    readonly type: "progress";
    readonly step: number;
    readonly totalSteps: number;
    readonly lossSp: number;
    readonly lossMask: number;
    readonly lossSim: number;
    readonly lossTotal: number;
    readonly pointsPerSecond: number;
    readonly elapsedS: number;
  }
  | {
    readonly type: "validation";
    readonly step: number;
    /** Mean IoU in [0, 1]. */
    readonly miou: number;
    /** Mean accuracy in [0, 1]. */
    readonly macc: number;
    readonly perClass: readonly { label: string; iou: number; acc: number }[];
  };

/** The result of a finished training run. */
export interface TrainResult {
  /** Model name published under (or that would have been). */
  readonly model: string;
  /** Published version, 0 when not published. */
  readonly version: number;
  /** JSON-serialisable summary: steps, seconds, final losses, metrics. */
  readonly summary: Record<string, unknown>;
}

/** The training side, as the transport sees it. */
export interface TrainService {
  /**
   * Trains on the scenes, calling `onEvent` for progress and validation;
   * stops and publishes nothing when `signal` aborts.
   */
  train(
    request: { config: TrainConfigInput; scenes: readonly TrainSceneInput[] },
    signal: AbortSignal,
    onEvent: (event: TrainEventOutput) => void,
  ): Promise<TrainResult>;
  /**
   * The result of the published version of `site` whose manifest records `requestId`
   * (summary with `replay: true`), or null when none; absent = no replay lookup.
   */
  replay?(site: string, requestId: string): Promise<TrainResult | null>;
}
