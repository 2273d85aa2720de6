/**
 * A bound on concurrent training runs, so that training never takes more of
 * a server than its operator allows and Segment keeps its share of the CPU.
 *
 * @module
 */

import { GeoError } from "../kernels/errors.ts";
import type { TrainService } from "./service_api.ts";

/**
 * Wraps `service` so that at most `slots` Train calls run at once; a call
 * beyond that fails at once with `resource_exhausted` (the client retries
 * later or elsewhere) instead of queueing behind hours of training.
 *
 * @param service the training service to guard
 * @param slots concurrent runs allowed, integer ≥ 1
 */
export function withTrainingSlots(service: TrainService, slots: number): TrainService {
  if (!Number.isInteger(slots) || slots < 1) {
    throw new RangeError(`Expected slots to be an integer ≥ 1 but found ${slots}`);
  }
  let active = 0;
  return {
    async train(request, signal, onEvent) {
      if (active >= slots) {
        throw new GeoError(
          "resource_exhausted",
          `All ${slots} training slot(s) of this server are busy; try again later`,
        );
      }
      active++;
      try {
        return await service.train(request, signal, onEvent);
      } finally {
        active--;
      }
    },
  };
}
