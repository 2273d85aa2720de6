/**
 * A `SegmentService` computed off the main thread: a pool of `node:worker_threads`
 * workers (`service_worker.ts`), each running `createSegmentService` over the same
 * registry and serving one request at a time, so the main thread only does transport
 * (it keeps receiving calls, and admission's queue time counts the wait).
 *
 * - The pool is an executor without a queue: the server's admission (`admission.ts`)
 *   hands it a request only while `running < capacity()` (it implements
 *   `SegmentExecutorSlots`), so an idle worker is always there. A request goes to an idle
 *   worker at once (typed arrays copied once into fresh buffers that are transferred;
 *   the results are transferred back without a copy); one handed to a pool with no idle
 *   worker (used without admission) fails at once with `resource_exhausted`.
 * - Cancellation is forwarded: the worker aborts its own request and answers with the
 *   error it stopped with. A `GeoError` keeps its kind and message across the thread.
 * - `ready()` is true when AT LEAST ONE worker has the default model loaded (so a
 *   worker being replaced or reloading does not take the server out of service); while
 *   one is ready, only ready workers count in `capacity()` and get requests.
 *   `listModels()` answers from the state the workers push (the most recent one).
 * - `refresh()` makes every worker re-read the registry (sent by the server's one
 *   registry watcher, `registry_watch.ts`; workers never watch it themselves).
 * - A worker that dies fails its request (`internal`) and is replaced; replacements that
 *   die before reading the registry are retried with a growing delay (up to 30 s).
 *
 * `load` counts requests running in the pool, for training to yield to (see
 * `segment_load.ts`).
 *
 * @module
 */

import { Worker } from "node:worker_threads";
import { GeoError } from "../kernels/errors.ts";
import { throwIfAborted } from "../infer/inference.ts";
import { SegmentLoad } from "./segment_load.ts";
import type { SegmentExecutorSlots } from "./admission.ts";
import type { ModelInfo, SegmentService } from "../infer/api.ts";
import {
  errorFromWire,
  errorToWire,
  forTransfer,
  type FromSegmentWorker,
  fromTransfer,
  type JobMessage,
  type Packed,
  type SegmentJobs,
  type SegmentWorkerData,
  type TestAction,
  type ToSegmentWorker,
} from "./worker_messages.ts";

/** Log sink of the pool and its workers. */
export type PoolLog = (
  level: "info" | "warn" | "error",
  message: string,
  fields?: Record<string, string | number>,
) => void;

/** Options of {@link startSegmentWorkers}. */
export interface SegmentWorkersOptions {
  /** Number of workers (≥ 1). */
  workers: number;
  /** What each worker's `createSegmentService` gets (the registry is not watched there). */
  service: SegmentWorkerData["options"];
  /** Shared Segment load to count requests in (default a new one). */
  load?: SegmentLoad;
  /** Log sink (worker logs are forwarded to it). */
  log?: PoolLog;
  /** Worker entry module (default `service_worker.ts` beside this file; `.mjs` in a Node bundle). */
  workerUrl?: URL;
  /** Test hooks: workers honour `test(...)`; `onHeld` hears of a held request. */
  testHooks?: { onHeld?: (id: number) => void };
}

/** A running pool; see the module doc. */
export interface SegmentWorkersHandle extends SegmentService, SegmentExecutorSlots {
  /** The shared Segment load the pool counts its requests in. */
  readonly load: SegmentLoad;
  /** Makes every worker re-read the registry; resolves when all did (rejects on a failure). */
  refresh(): Promise<void>;
  /** Workers alive now. */
  workerCount(): number;
  /** Sends a test action to worker `index` (default 0); only with `testHooks`. */
  test(action: TestAction, index?: number): void;
  /** Closes every worker (their sessions released). */
  close(): Promise<void>;
}

interface Reply {
  resolve: (m: FromSegmentWorker & { type: "done" }) => void;
  reject: (e: GeoError) => void;
}

interface Slot {
  worker: Worker;
  /** Pushed state; null until the worker read the registry. */
  state: { ready: boolean; models: ModelInfo[] } | null;
  busy: boolean;
  replies: Map<number, Reply>;
  exited: Promise<void>;
}

const MAX_RESPAWN_DELAY_MS = 30_000;
/** How long a closing worker may take to release its sessions before it is terminated, ms. */
const CLOSE_GRACE_MS = 5_000;

/**
 * Starts `options.workers` Segment workers; resolves once every one has read the
 * registry (the default model may still be loading: see `ready()`), rejects when one
 * cannot start (e.g. the worker module cannot run here), with every worker stopped.
 */
export async function startSegmentWorkers(
  options: SegmentWorkersOptions,
): Promise<SegmentWorkersHandle> {
  if (!Number.isInteger(options.workers) || options.workers < 1) {
    throw new RangeError(`Expected workers to be an integer ≥ 1 but found ${options.workers}`);
  }
  const log: PoolLog = options.log ?? (() => {});
  const load = options.load ?? new SegmentLoad();
  // Beside this module: the TypeScript source, or in a bundle for Node (tools/bundle_node.ts)
  // the bundled worker `service_worker.mjs`.
  const url = options.workerUrl ??
    (import.meta.url.endsWith(".ts")
      ? new URL("./service_worker.ts", import.meta.url)
      : new URL("./service_worker.mjs", import.meta.url));
  const slots: (Slot | null)[] = new Array(options.workers).fill(null);
  const capacityListeners: (() => void)[] = [];
  let models: ModelInfo[] = [];
  let nextId = 1;
  let closed = false;
  let failures = 0;
  let serving = false;
  const timers = new Set<ReturnType<typeof setTimeout>>();

  const live = () => slots.filter((s): s is Slot => s !== null);
  const anyReady = () => live().some((s) => s.state?.ready);
  /** Workers that may take a request: the ready ones while one is ready, else the started ones. */
  const usable = () => {
    const ready = anyReady();
    return live().filter((s) => s.state && (s.state.ready || !ready));
  };
  const capacityMayHaveChanged = () => {
    for (const l of capacityListeners) l();
  };

  const spawn = (index: number): Promise<void> => {
    const data: SegmentWorkerData = {
      role: "segment",
      options: options.service,
      testHooks: Boolean(options.testHooks),
    };
    let started: () => void = () => {};
    let failed: (e: Error) => void = () => {};
    const first = new Promise<void>((res, rej) => [started, failed] = [res, rej]);
    let worker: Worker;
    try {
      worker = new Worker(url, { workerData: data });
    } catch (e) {
      return Promise.reject(e);
    }
    let lastError = "";
    const slot: Slot = {
      worker,
      state: null,
      busy: false,
      replies: new Map(),
      exited: new Promise((res) => worker.once("exit", () => res())),
    };
    slots[index] = slot;
    worker.on("message", (m: FromSegmentWorker) => {
      if (m.type === "state") {
        if (!slot.state) {
          failures = 0;
          started();
        }
        slot.state = { ready: m.ready, models: m.models };
        models = m.models;
        capacityMayHaveChanged();
      } else if (m.type === "log") log(m.level, m.message, { ...m.fields, worker: index });
      else if (m.type === "held") options.testHooks?.onHeld?.(m.id);
      else {
        const reply = slot.replies.get(m.id);
        slot.replies.delete(m.id);
        if (m.type === "done") reply?.resolve(m);
        else reply?.reject(errorFromWire(m.error));
      }
    });
    worker.on("error", (e) => lastError = String((e as Error)?.message ?? e));
    worker.once("exit", (code) => {
      if (slots[index] === slot) slots[index] = null;
      const why = `exit code ${code}${lastError ? `: ${lastError}` : ""}`;
      failed(new Error(`The Segment worker could not start (${why})`));
      const lost = closed
        ? new GeoError("unavailable", "The Segment workers are closed")
        : new GeoError(
          "internal",
          "The Segment worker computing this request stopped unexpectedly; it is being replaced",
          { cause: new Error(why) },
        );
      for (const r of slot.replies.values()) r.reject(lost);
      slot.replies.clear();
      if (closed || !serving) return; // a failed start rejects startSegmentWorkers instead
      log("error", "segment worker stopped", { worker: index, detail: why });
      if (!slot.state) failures++;
      const delay = failures === 0 ? 0 : Math.min(MAX_RESPAWN_DELAY_MS, 250 * 2 ** failures);
      const t = setTimeout(() => {
        timers.delete(t);
        if (!closed) spawn(index).catch(() => {}); // a failed start exits, which retries
      }, delay);
      timers.add(t);
    });
    return first;
  };

  /** Sends `m` to `slot` and resolves with the worker's "done" reply. */
  const call = (
    slot: Slot,
    m: ToSegmentWorker & { id: number },
    transfer: ArrayBuffer[] = [],
  ) =>
    new Promise<FromSegmentWorker & { type: "done" }>((resolve, reject) => {
      if (!slots.includes(slot)) {
        return reject(new GeoError("unavailable", "The Segment worker has stopped; retry"));
      }
      slot.replies.set(m.id, { resolve, reject });
      slot.worker.postMessage(m, transfer);
    });

  /** An idle usable worker, marked busy; throws when there is none (the pool never queues). */
  const take = (): Slot => {
    if (closed) throw new GeoError("unavailable", "The Segment workers are closed");
    const slot = usable().find((s) => !s.busy);
    if (!slot) {
      throw new GeoError(
        "resource_exhausted",
        `All ${live().length} Segment workers are busy; retry later`,
      );
    }
    slot.busy = true;
    return slot;
  };

  /** Runs one job on an idle worker (cancellation forwarded). */
  const run = async <K extends keyof SegmentJobs>(
    type: K,
    input: SegmentJobs[K]["input"],
    signal: AbortSignal,
  ): Promise<SegmentJobs[K]["output"]> => {
    throwIfAborted(signal);
    const slot = take();
    load.enter();
    try {
      const id = nextId++;
      const cancel = () =>
        slot.worker.postMessage({ type: "cancel", id, reason: errorToWire(signal.reason) });
      signal.addEventListener("abort", cancel, { once: true });
      try {
        const sent = forTransfer(input, false);
        const job = { type, id, input: sent.value } as JobMessage;
        const reply = await call(slot, job, sent.transfer);
        if (!reply.output) throw new GeoError("internal", "The Segment worker returned nothing");
        return fromTransfer(reply.output as Packed<SegmentJobs[K]["output"]>);
      } finally {
        signal.removeEventListener("abort", cancel);
      }
    } finally {
      slot.busy = false;
      load.leave();
    }
  };

  try {
    await Promise.all(slots.map((_, i) => spawn(i)));
    serving = true;
  } catch (e) {
    closed = true;
    await Promise.all(live().map((s) => s.worker.terminate()));
    throw e;
  }

  return {
    load,
    segment: (input, signal) => run("segment", input, signal),
    scan: (input, signal) => run("scan", input, signal),
    embedLabels: (input, signal) => run("embed", input, signal),
    listModels: () => models,
    ready: () => !closed && anyReady(),
    workerCount: () => live().length,
    capacity: () => (closed ? 0 : usable().length),
    onCapacity: (listener) => void capacityListeners.push(listener),
    async refresh() {
      const ready = live().filter((s) => s.state);
      await Promise.all(ready.map((s) => call(s, { type: "refresh", id: nextId++ })));
    },
    test(action, index = 0) {
      if (!options.testHooks) throw new Error("test() needs the testHooks option");
      slots[index]?.worker.postMessage({ type: "test", action } satisfies ToSegmentWorker);
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.all(
        live().map(async (s) => {
          let timer: ReturnType<typeof setTimeout> | undefined;
          const grace = new Promise<void>((res) => timer = setTimeout(res, CLOSE_GRACE_MS));
          await Promise.race([call(s, { type: "close", id: nextId++ }).catch(() => {}), grace]);
          clearTimeout(timer);
          await s.worker.terminate();
          await s.exited;
        }),
      );
    },
  };
}
