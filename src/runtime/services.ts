/**
 * The services a server serves: inference, and training when offered.
 *
 * @module
 */

import type { SegmentService } from "../infer/api.ts";
import type { TrainService } from "../train/api.ts";

/** The services the transport serves. */
export interface Services {
  /** Inference. */
  readonly segment: SegmentService;
  /** Training; when absent, Train answers UNAVAILABLE. */
  readonly train?: TrainService;
}
