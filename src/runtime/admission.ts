/**
 * Admission: the one place that decides when a Segment or Train call may start. Both
 * transports (gRPC and HTTP /api/*) go through it; nothing behind it queues again.
 *
 * - {@link SegmentLane}: at most `concurrency` Segment calls run at once, at most
 *   `maxQueued` wait (FIFO); a call arriving when the queue is full fails at once with
 *   resource_exhausted; a waiting call whose signal aborts is rejected at once (it never
 *   runs); the time a call waited is measured and handed to it. When Segment runs on an
 *   executor with a fixed number of places (the worker pool, see
 *   {@link SegmentExecutorSlots}), a call starts only while the executor has a free place
 *   too, so the executor never holds a waiting list of its own.
 * - {@link TrainLane}: at most `slots` training runs at once. A run beyond that fails at
 *   once with resource_exhausted instead of waiting: a run lasts minutes to hours and its
 *   uploaded scenes stay in memory while it waits, so the client is told at once to retry
 *   later or elsewhere. One run at a time per idempotency key (`config.site` +
 *   `config.requestId`): a twin waits (without a slot, cancellable at once) and then gets
 *   the version the first attempt published instead of a second one.
 *
 * @module
 */

import { GeoError } from "../kernels/errors.ts";
import type { TrainResult, TrainService } from "../train/api.ts";

/**
 * An executor with a fixed number of places (the Segment worker pool): admission starts a
 * Segment call only while `running < capacity()`, and the executor calls the listeners of
 * `onCapacity` whenever its capacity may have grown (a worker started or became ready).
 */
export interface SegmentExecutorSlots {
  /** Calls the executor can run at once now (e.g. its workers able to take one). */
  capacity(): number;
  /** Registers `listener`, called whenever `capacity()` may have changed. */
  onCapacity(listener: () => void): void;
}

/** Sizing of a {@link SegmentLane}. */
export interface SegmentLaneOptions {
  /** Calls running at once (≥ 1). */
  readonly concurrency: number;
  /** Calls waiting at most (≥ 0). */
  readonly maxQueued: number;
  /** The executor's places, when it has a fixed number of them (the worker pool). */
  readonly executor?: SegmentExecutorSlots;
}

interface Waiter {
  start: () => void;
  fail: (reason: unknown) => void;
}

/** The Segment lane; see the module doc. */
export class SegmentLane {
  readonly #concurrency: number;
  readonly #maxQueued: number;
  readonly #executor?: SegmentExecutorSlots;
  #running = 0;
  readonly #waiting: Waiter[] = [];

  /** @param options concurrency, queue bound and executor places */
  constructor(options: SegmentLaneOptions) {
    this.#concurrency = Math.max(1, Math.floor(options.concurrency));
    this.#maxQueued = Math.max(0, Math.floor(options.maxQueued));
    this.#executor = options.executor;
    this.#executor?.onCapacity(() => this.#pump());
  }

  /** Calls running now (started by this lane and not yet settled). */
  get running(): number {
    return this.#running;
  }

  /** Calls waiting now. */
  get queued(): number {
    return this.#waiting.length;
  }

  /** True when a call arriving now would be refused (no free place and the queue full). */
  get full(): boolean {
    return !this.#canStart() && this.#waiting.length >= this.#maxQueued;
  }

  #limit(): number {
    const e = this.#executor;
    return e ? Math.min(this.#concurrency, e.capacity()) : this.#concurrency;
  }

  /** Whether a call arriving now may start at once (FIFO: nobody waits before it). */
  #canStart(): boolean {
    return this.#waiting.length === 0 && this.#running < this.#limit();
  }

  /**
   * Runs `job` when a place is free, passing the milliseconds it waited. Rejects with
   * resource_exhausted when the queue is full, and with the signal's reason when `signal`
   * aborts while waiting (the job never runs). The place is taken until `job` settles.
   */
  async run<T>(job: (queueMs: number) => Promise<T>, signal: AbortSignal): Promise<T> {
    signal.throwIfAborted();
    const t0 = performance.now();
    if (this.#canStart()) {
      this.#running++;
    } else {
      if (this.#waiting.length >= this.#maxQueued) {
        throw new GeoError(
          "resource_exhausted",
          `The server is busy: ${this.#running} requests running and ${this.#waiting.length} queued; retry later`,
        );
      }
      await this.#wait(signal); // the place was taken for it (#pump)
    }
    try {
      return await job(performance.now() - t0);
    } finally {
      this.#running--;
      this.#pump();
    }
  }

  #wait(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.#waiting.indexOf(waiter);
        if (i >= 0) this.#waiting.splice(i, 1);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        start: () => {
          signal.removeEventListener("abort", onAbort);
          resolve();
        },
        fail: reject,
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#waiting.push(waiter);
    });
  }

  /** Starts waiting calls while places are free; the place is counted before the call resumes. */
  #pump(): void {
    while (this.#waiting.length > 0 && this.#running < this.#limit()) {
      this.#running++;
      this.#waiting.shift()!.start();
    }
  }
}

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

/** The Train lane; see the module doc. */
export class TrainLane {
  readonly #slots: number;
  #active = 0;
  readonly #running = new Map<string, Promise<void>>();

  /** @param slots concurrent runs allowed, integer ≥ 1 */
  constructor(slots: number) {
    if (!Number.isInteger(slots) || slots < 1) {
      throw new RangeError(`Expected slots to be an integer ≥ 1 but found ${slots}`);
    }
    this.#slots = slots;
  }

  /** Runs holding a slot now. */
  get active(): number {
    return this.#active;
  }

  /**
   * `service` behind this lane: at most `slots` Train calls run at once, a call beyond
   * that fails at once with `resource_exhausted`. A call whose `config.requestId` is set
   * first waits (without a slot) while another call with the same site and request id
   * runs, then gets `service.replay`'s answer when that version was published, else runs
   * itself. A call whose signal aborts while it waits is rejected at once.
   *
   * @param service the training service to guard (it must not limit runs itself)
   */
  guard(service: TrainService): TrainService {
    const replay = service.replay?.bind(service);
    const guarded: TrainService = {
      train: async (request, signal, onEvent): Promise<TrainResult> => {
        if (signal.aborted) throw abortError(signal);
        const { site, requestId } = request.config;
        const key = requestId ? JSON.stringify([site, requestId]) : "";
        for (let other = this.#running.get(key); key && other; other = this.#running.get(key)) {
          await settledOrAborted(other, signal);
        }
        let release = () => {};
        if (key) this.#running.set(key, new Promise<void>((r) => (release = r)));
        try {
          if (key && replay) {
            const done = await replay(site, requestId!);
            if (done) return done;
            if (signal.aborted) throw abortError(signal);
          }
          if (this.#active >= this.#slots) {
            throw new GeoError(
              "resource_exhausted",
              `All ${this.#slots} training slot(s) of this server are busy (--training-slots); ` +
                `try again later`,
            );
          }
          this.#active++;
          try {
            return await service.train(request, signal, onEvent);
          } finally {
            this.#active--;
          }
        } finally {
          if (key) this.#running.delete(key);
          release();
        }
      },
    };
    return replay ? { ...guarded, replay } : guarded;
  }
}

/** Options of {@link createAdmission} (the `ServerConfig` fields of the same names). */
export interface AdmissionOptions {
  /** Segment calls running at once. */
  readonly concurrency: number;
  /** Segment calls waiting at most. */
  readonly maxQueued: number;
  /** Training runs at once; 0 = training is not admitted at all. */
  readonly trainingSlots: number;
  /** The Segment executor's places, when it has a fixed number of them. */
  readonly segmentExecutor?: SegmentExecutorSlots;
}

/** The server's admission: one Segment lane, and a Train lane when training is offered. */
export interface Admission {
  /** The Segment lane (gRPC and HTTP alike). */
  readonly segment: SegmentLane;
  /** The Train lane; null when `trainingSlots` is 0. */
  readonly train: TrainLane | null;
}

/** Creates the server's admission (see the module doc). */
export function createAdmission(options: AdmissionOptions): Admission {
  return {
    segment: new SegmentLane({
      concurrency: options.concurrency,
      maxQueued: options.maxQueued,
      executor: options.segmentExecutor,
    }),
    train: options.trainingSlots > 0 ? new TrainLane(options.trainingSlots) : null,
  };
}
