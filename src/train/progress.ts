/**
 * Rate and ETA bookkeeping for training progress lines and events.
 *
 * @module
 */

/** "1h02m", "3m05s", "12s" or "?" for a non-finite number of seconds. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m${String(r).padStart(2, "0")}s`;
  return `${r}s`;
}

/** Counts steps, points and seconds of a run of `total` steps. */
export class ProgressMeter {
  readonly #total: number;
  readonly #start = performance.now();
  #steps = 0;
  #points = 0;
  #busy = 0;

  /** @param total steps this process will run */
  constructor(total: number) {
    this.#total = total;
  }

  /** Seconds since construction. */
  get elapsed(): number {
    return (performance.now() - this.#start) / 1000;
  }

  /** Points per second over the steps so far (step time only). */
  get pointsPerSecond(): number {
    return this.#busy > 0 ? this.#points / this.#busy : 0;
  }

  /**
   * Records one step.
   *
   * @param points points the step processed
   * @param seconds the step's duration
   * @returns the mean rate, seconds elapsed and the estimated seconds left
   */
  tick(points: number, seconds: number): { pointsPerSecond: number; elapsed: number; eta: number } {
    this.#steps++;
    this.#points += points;
    this.#busy += seconds;
    const elapsed = this.elapsed;
    const eta = (elapsed / this.#steps) * (this.#total - this.#steps);
    return { pointsPerSecond: this.pointsPerSecond, elapsed, eta };
  }
}
