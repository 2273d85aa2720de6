/**
 * A bounded FIFO work queue with a concurrency limit: at most `concurrency`
 * jobs run at once, at most `maxQueued` wait; a job arriving when the queue
 * is full fails at once with resource_exhausted. Time spent waiting is
 * measured and handed to the job.
 *
 * @module
 */

import { GeoError } from "../kernels/errors.ts";

/** Queue sizing. */
export interface WorkQueueOptions {
  /** Jobs running at once (≥ 1). */
  readonly concurrency: number;
  /** Jobs waiting at most (≥ 0). */
  readonly maxQueued: number;
}

interface Waiter {
  start: () => void;
  fail: (reason: unknown) => void;
}

/** Bounded work queue; see the module doc. */
export class WorkQueue {
  readonly #concurrency: number;
  readonly #maxQueued: number;
  #running = 0;
  readonly #waiting: Waiter[] = [];

  /** @param options concurrency and queue bound */
  constructor(options: WorkQueueOptions) {
    this.#concurrency = Math.max(1, Math.floor(options.concurrency));
    this.#maxQueued = Math.max(0, Math.floor(options.maxQueued));
  }

  /** Jobs running now. */
  get running(): number {
    return this.#running;
  }

  /** Jobs waiting now. */
  get queued(): number {
    return this.#waiting.length;
  }

  /** True when a job arriving now would be refused (every slot busy and the queue full). */
  get full(): boolean {
    return this.#running >= this.#concurrency && this.#waiting.length >= this.#maxQueued;
  }

  /**
   * Runs `job` when a slot is free, passing the milliseconds it waited.
   * Rejects with resource_exhausted when the queue is full, and with the
   * signal's reason when `signal` aborts while waiting (the job never runs).
   */
  async run<T>(job: (queueMs: number) => Promise<T>, signal: AbortSignal): Promise<T> {
    signal.throwIfAborted();
    const t0 = performance.now();
    if (this.#running >= this.#concurrency) {
      if (this.#waiting.length >= this.#maxQueued) {
        throw new GeoError(
          "resource_exhausted",
          `The server is busy: ${this.#running} requests running and ${this.#waiting.length} queued; retry later`,
        );
      }
      await this.#wait(signal);
    }
    this.#running++;
    try {
      return await job(performance.now() - t0);
    } finally {
      this.#running--;
      this.#next();
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

  #next(): void {
    if (this.#running < this.#concurrency) this.#waiting.shift()?.start();
  }
}
