/**
 * The admission of training runs, the only place that limits them: at most `slots` runs
 * at once, so that training never takes more of a server than its operator allows and
 * Segment keeps its share of the CPU; and one run at a time per idempotency key
 * (`config.site` + `config.requestId`), so that a client retrying a Train it lost the
 * answer of gets the version the first attempt published instead of a second one.
 *
 * @module
 */

import { GeoError } from "../kernels/errors.ts";
import type { TrainResult, TrainService } from "../train/api.ts";

/** The error a call aborted by `signal` fails with (its reason when that is a GeoError). */
export function abortError(signal: AbortSignal): GeoError {
  const reason = signal.reason;
  if (reason instanceof GeoError) return reason;
  const e = GeoError.from(reason);
  return e.kind === "internal" ? new GeoError("cancelled", "Training was cancelled") : e;
}

/** Resolves when `p` settles (whatever its outcome); rejects at once when `signal` aborts. */
function settledOrAborted(p: Promise<unknown>, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(abortError(signal));
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(() => {}, () => {}).then(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    });
  });
}

/**
 * Wraps `service` so that at most `slots` Train calls run at once; a call beyond that
 * fails at once with `resource_exhausted` (the client retries later or elsewhere) instead
 * of queueing behind hours of training. A call whose `config.requestId` is set first
 * waits (without a slot) while another call with the same site and request id runs,
 * then gets `service.replay`'s answer when that version was published, else runs
 * itself. A call whose signal aborts while it waits is rejected at once.
 *
 * @param service the training service to guard (it must not limit runs itself)
 * @param slots concurrent runs allowed, integer ≥ 1
 */
export function withTrainingSlots(service: TrainService, slots: number): TrainService {
  if (!Number.isInteger(slots) || slots < 1) {
    throw new RangeError(`Expected slots to be an integer ≥ 1 but found ${slots}`);
  }
  let active = 0;
  const running = new Map<string, Promise<void>>();
  const replay = service.replay?.bind(service);
  const guarded: TrainService = {
    async train(request, signal, onEvent): Promise<TrainResult> {
      if (signal.aborted) throw abortError(signal);
      const { site, requestId } = request.config;
      const key = requestId ? JSON.stringify([site, requestId]) : "";
      for (let other = running.get(key); key && other; other = running.get(key)) {
        await settledOrAborted(other, signal);
      }
      let release = () => {};
      if (key) running.set(key, new Promise<void>((r) => (release = r)));
      try {
        if (key && replay) {
          const done = await replay(site, requestId!);
          if (done) return done;
          if (signal.aborted) throw abortError(signal);
        }
        if (active >= slots) {
          throw new GeoError(
            "resource_exhausted",
            `All ${slots} training slot(s) of this server are busy (--training-slots); ` +
              `try again later`,
          );
        }
        active++;
        try {
          return await service.train(request, signal, onEvent);
        } finally {
          active--;
        }
      } finally {
        if (key) running.delete(key);
        release();
      }
    },
  };
  return replay ? { ...guarded, replay } : guarded;
}
