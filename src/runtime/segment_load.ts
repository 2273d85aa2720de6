/**
 * The Segment load, shared between threads: how many Segment requests the worker pool
 * holds (running or waiting for a worker), in an `Int32Array` over a `SharedArrayBuffer`
 * that the training worker reads. Training yields to Segment with
 * {@link SegmentLoad.waitWhileBusy} between optimiser steps: it waits while requests are
 * in flight, but never longer than a bound per step, so it still progresses under a
 * constant load.
 *
 * Layout of the shared `Int32Array` (length {@link SEGMENT_LOAD_SLOTS}): [0] Segment
 * requests in flight; [1] training steps waiting in `waitWhileBusy` now.
 *
 * @module
 */

/** Length of the shared `Int32Array` of a {@link SegmentLoad}. */
export const SEGMENT_LOAD_SLOTS = 2;

const IN_FLIGHT = 0;
const WAITING = 1;
/** Longest single wait between re-checks, ms (a missed wake-up costs at most this). */
const RECHECK_MS = 50;

/** The shared Segment request counter (see the module doc). */
export class SegmentLoad {
  /** The shared cells: Int32Array of {@link SEGMENT_LOAD_SLOTS}, over a SharedArrayBuffer. */
  readonly cells: Int32Array;

  /** @param cells cells from another thread's `SegmentLoad` (default: new shared ones) */
  constructor(cells?: Int32Array) {
    this.cells = cells ?? new Int32Array(new SharedArrayBuffer(4 * SEGMENT_LOAD_SLOTS));
    if (this.cells.length < SEGMENT_LOAD_SLOTS) {
      throw new RangeError(`Expected ${SEGMENT_LOAD_SLOTS} cells but found ${this.cells.length}`);
    }
  }

  /** Segment requests in flight now. */
  get inFlight(): number {
    return Atomics.load(this.cells, IN_FLIGHT);
  }

  /** Training steps waiting in {@link waitWhileBusy} now. */
  get waiting(): number {
    return Atomics.load(this.cells, WAITING);
  }

  /** Counts one more Segment request in flight. */
  enter(): void {
    Atomics.add(this.cells, IN_FLIGHT, 1);
    Atomics.notify(this.cells, IN_FLIGHT);
  }

  /** Counts one Segment request less (after {@link enter}). */
  leave(): void {
    Atomics.sub(this.cells, IN_FLIGHT, 1);
    Atomics.notify(this.cells, IN_FLIGHT);
  }

  /**
   * Resolves once no Segment request is in flight, after `maxMs` milliseconds at the
   * latest, or at once when `signal` aborts (the caller then sees the abort). Never
   * blocks the calling thread: it waits with `Atomics.waitAsync` where the runtime has
   * it, else by short timers.
   *
   * @param maxMs longest wait, ms (≥ 0)
   * @param signal ends the wait early
   */
  async waitWhileBusy(maxMs: number, signal?: AbortSignal): Promise<void> {
    if (this.inFlight <= 0 || maxMs <= 0 || signal?.aborted) return;
    const deadline = performance.now() + maxMs;
    Atomics.add(this.cells, WAITING, 1);
    try {
      for (;;) {
        const seen = this.inFlight;
        const left = deadline - performance.now();
        if (seen <= 0 || left <= 0 || signal?.aborted) return;
        await waitForChange(this.cells, seen, Math.min(left, RECHECK_MS));
      }
    } finally {
      Atomics.sub(this.cells, WAITING, 1);
    }
  }
}

type WaitAsync = (
  a: Int32Array,
  index: number,
  value: number,
  timeoutMs: number,
) => { async: boolean; value: Promise<string> | string };

/**
 * Waits until cell 0 of `cells` differs from `seen`, or `ms` pass. The timer also keeps
 * the event loop alive: some runtimes do not count a pending `Atomics.waitAsync`.
 */
async function waitForChange(cells: Int32Array, seen: number, ms: number): Promise<void> {
  const waitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const elapsed = new Promise<void>((resolve) => timer = setTimeout(resolve, ms));
  try {
    const r = waitAsync?.(cells, IN_FLIGHT, seen, ms);
    await (r?.async ? Promise.race([r.value, elapsed]) : r ? undefined : elapsed);
  } finally {
    clearTimeout(timer);
  }
}
