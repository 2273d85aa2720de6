/**
 * Learning-rate schedules: linear warmup then cosine decay, and polynomial decay.
 * Each returns `lr(step)` for step = 0, 1, … (clamped to the last step afterwards).
 *
 * @module
 */

/** Options shared by the schedules. */
export interface ScheduleOptions {
  /** peak learning rate */
  base: number;
  /** total number of steps (≥ 1) */
  total: number;
  /** linear warmup steps from base/warmup to base (default 0) */
  warmup?: number;
  /** final learning rate (default 0) */
  min?: number;
}

function warm(o: ScheduleOptions, step: number): number | undefined {
  const w = o.warmup ?? 0;
  return step < w ? (o.base * (step + 1)) / w : undefined;
}

/** Warmup, then min + (base − min)·(1 + cos(π·progress))/2 over the remaining steps. */
export function cosineSchedule(o: ScheduleOptions): (step: number) => number {
  return (step) => {
    const w = warm(o, step);
    if (w !== undefined) return w;
    const span = Math.max(1, o.total - (o.warmup ?? 0) - 1);
    const p = Math.min(1, (step - (o.warmup ?? 0)) / span);
    const min = o.min ?? 0;
    return min + ((o.base - min) * (1 + Math.cos(Math.PI * p))) / 2;
  };
}

/** Warmup, then min + (base − min)·(1 − progress)^power (default power 0.9). */
export function polySchedule(o: ScheduleOptions & { power?: number }): (step: number) => number {
  return (step) => {
    const w = warm(o, step);
    if (w !== undefined) return w;
    const span = Math.max(1, o.total - (o.warmup ?? 0));
    const p = Math.min(1, (step - (o.warmup ?? 0)) / span);
    const min = o.min ?? 0;
    return min + (o.base - min) * (1 - p) ** (o.power ?? 0.9);
  };
}
