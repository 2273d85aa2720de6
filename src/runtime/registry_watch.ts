/**
 * The server's one watcher of the model registry folder. It polls the folder
 * (`watchRegistry`: model names and versions, nothing else is read) and, when what it
 * finds differs from what the services serve, calls `refresh`: the main-thread catalog
 * and every Segment worker re-read the registry (`createSegmentService.refresh`, or the
 * pool's "refresh" message). Nothing else watches the registry: the services are created
 * without watching and resolve names and versions from their in-memory catalog.
 *
 * Refreshes never overlap: a change seen while one runs is refreshed once it ends. The
 * first poll is compared with what the services read at start (once `started` settles),
 * so a version published meanwhile is not missed and an unchanged registry is not read
 * twice.
 *
 * @module
 */

import { type RegistryModel, watchRegistry } from "../models/registry.ts";

/** Options of {@link startRegistryWatch}. */
export interface RegistryWatchOptions {
  /** Registry folder (`models/`). */
  readonly modelsDir: string;
  /** Poll interval, ms (default 5000). */
  readonly intervalMs?: number;
  /** Settles once the services have read the registry at start (default: already). */
  readonly started?: Promise<unknown>;
  /** The models and versions the services serve now. */
  readonly current: () => readonly { name: string; versions: readonly number[] }[];
  /** Makes the main-thread catalog and every worker re-read the registry. */
  readonly refresh: () => Promise<void>;
  /** Called after each successful refresh (e.g. to update readiness and model gauges). */
  readonly onRefreshed?: () => void;
  /** Log sink. */
  readonly log?: (
    level: "info" | "warn" | "error",
    message: string,
    fields?: Record<string, string | number>,
  ) => void;
}

/** A running watcher. */
export interface RegistryWatch {
  /** Stops polling (a refresh in progress finishes). */
  stop(): void;
  /** Resolves once no refresh is running or due (for tests). */
  idle(): Promise<void>;
}

const keyOf = (models: readonly { name: string; versions: readonly number[] }[]) =>
  JSON.stringify(models.map((m) => [m.name, [...m.versions]]));

/** Starts the server's registry watcher (see the module doc). */
export function startRegistryWatch(options: RegistryWatchOptions): RegistryWatch {
  const log = options.log ?? (() => {});
  let stopped = false;
  let due: RegistryModel[] | null = null;
  let running: Promise<void> | null = null;
  let watcher: { stop(): void } | null = null;

  const drain = async () => {
    while (due && !stopped) {
      const seen = due;
      due = null;
      if (keyOf(seen) === keyOf(options.current())) continue;
      try {
        await options.refresh();
        options.onRefreshed?.();
        log("info", "registry changed", { models: options.current().length });
      } catch (e) {
        log("error", "registry reload failed", { detail: String((e as Error)?.message ?? e) });
      }
    }
  };

  const kick = () => {
    if (running || stopped) return;
    running = drain().finally(() => {
      running = null;
      if (due) kick(); // seen after the loop ended
    });
  };

  const onChange = (models: RegistryModel[]) => {
    due = models;
    kick();
  };

  Promise.resolve(options.started).catch(() => {}).then(() => {
    if (stopped) return;
    watcher = watchRegistry(options.modelsDir, onChange, {
      intervalMs: options.intervalMs ?? 5000,
      onError: (e) => log("warn", "registry poll failed", { detail: String(e) }),
    });
  });

  return {
    stop() {
      stopped = true;
      watcher?.stop();
    },
    async idle() {
      while (running) await running;
    },
  };
}
