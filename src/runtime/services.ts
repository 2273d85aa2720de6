/**
 * The services a server serves: inference, and training when offered.
 *
 * @module
 */

import type { SegmentService } from "../infer/api.ts";
import type { TrainService } from "../train/api.ts";
import type { SegmentExecutorSlots } from "./admission.ts";

/** The services the transport serves. */
export interface Services {
  /** Inference. */
  readonly segment: SegmentService;
  /**
   * Training, not limited by itself (the server's admission gives it `trainingSlots`
   * slots); when absent, Train answers UNAVAILABLE.
   */
  readonly train?: TrainService;
  /**
   * The places of `segment` when it has a fixed number of them (the worker pool): the
   * server's admission then never hands it more requests than it can run at once.
   */
  readonly segmentSlots?: SegmentExecutorSlots;
}
