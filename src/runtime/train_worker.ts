/**
 * A `TrainService` whose runs happen off the main thread: each run gets a fresh worker
 * thread (`service_worker.ts`, role "train") running `createTrainService`, which streams
 * events back by message, stops when the call's signal aborts (forwarded) and returns
 * the result; the worker ends with the run, so a finished run leaves no memory behind.
 * Calls run side by side, each in its own thread: limiting them is the job of
 * the Train lane of `admission.ts` (the server's admission).
 *
 * Cancelling reaches the worker's loop within one step: besides the "cancel" message
 * (which a busy worker may read only many steps later), the main thread sets a shared
 * cell that the run reads before every step (`TrainServiceOptions.cancelFlag`). A worker
 * that has not stopped `cancelGraceMs` after the cancel (a long step or scene
 * preparation) is terminated; either way the call settles only once its thread is gone,
 * so a training slot is never given to a new run while the old one still computes.
 *
 * Training yields to Segment: before every optimiser step it waits, at most `yieldMs`,
 * while the shared `SegmentLoad` counts Segment requests in flight.
 *
 * @module
 */

import { Worker } from "node:worker_threads";
import { GeoError } from "../kernels/errors.ts";
import type { SegmentLoad } from "./segment_load.ts";
import type { TrainResult, TrainService } from "../train/api.ts";
import { findPublishedRun } from "../train/publish.ts";
import { abortError } from "./admission.ts";
import {
  errorFromWire,
  errorToWire,
  forTransfer,
  type FromTrainWorker,
  type ToTrainWorker,
  type TrainWorkerData,
} from "./worker_messages.ts";

/** Options of {@link createWorkerTrainService}. */
export interface WorkerTrainServiceOptions {
  /** What the worker's `createTrainService` gets. */
  service: TrainWorkerData["options"];
  /** Segment load to yield to. */
  load: SegmentLoad;
  /** Longest wait for Segment before each optimiser step, ms (default 2000). */
  yieldMs?: number;
  /** Log lines of the runs. */
  log?: (line: string) => void;
  /** Worker entry module (default `service_worker.ts` beside this file; `.mjs` in a Node bundle). */
  workerUrl?: URL;
  /** How long a cancelled worker may take to stop before it is terminated, ms (default 3000). */
  cancelGraceMs?: number;
}

/** A worker-backed training service that can be closed. */
export interface WorkerTrainService extends TrainService {
  /** Stops the running worker, if any (its call fails with `unavailable`). */
  close(): Promise<void>;
}

const cancelled = () => new GeoError("cancelled", "Training was cancelled");

/** Creates the worker-backed training service (see the module doc). */
export function createWorkerTrainService(options: WorkerTrainServiceOptions): WorkerTrainService {
  // Beside this module: the TypeScript source, or in a bundle for Node (tools/bundle_node.ts)
  // the bundled worker `service_worker.mjs`.
  const url = options.workerUrl ??
    (import.meta.url.endsWith(".ts")
      ? new URL("./service_worker.ts", import.meta.url)
      : new URL("./service_worker.mjs", import.meta.url));
  const running = new Set<Worker>();
  const graceMs = options.cancelGraceMs ?? 3000;
  let closed = false;

  const runOnce: TrainService["train"] = (request, signal, onEvent) =>
    new Promise<TrainResult>((resolve, reject) => {
      if (closed) return reject(new GeoError("unavailable", "Training is shutting down"));
      if (signal.aborted) return reject(cancelled());
      const cancelFlag = new Int32Array(new SharedArrayBuffer(4));
      const data: TrainWorkerData = {
        role: "train",
        options: { ...options.service, cancelFlag },
        load: options.load.cells,
        yieldMs: options.yieldMs ?? 2000,
      };
      const worker = new Worker(url, { workerData: data });
      running.add(worker);
      let outcome: (() => void) | null = null;
      let lastError = "";
      let grace: ReturnType<typeof setTimeout> | undefined;
      const finish = (fn: () => void) => {
        outcome ??= fn;
        signal.removeEventListener("abort", cancel);
        void worker.terminate();
      };
      const cancel = () => {
        Atomics.store(cancelFlag, 0, 1);
        worker.postMessage({ type: "cancel", reason: errorToWire(signal.reason) } as ToTrainWorker);
        grace = setTimeout(() => finish(() => reject(abortError(signal))), graceMs);
      };
      signal.addEventListener("abort", cancel, { once: true });
      worker.on("message", (m: FromTrainWorker) => {
        if (m.type === "event") onEvent(m.event);
        else if (m.type === "log") options.log?.(String(m.fields.detail ?? m.message));
        else if (m.type === "done") finish(() => resolve(m.result));
        else finish(() => reject(errorFromWire(m.error)));
      });
      worker.on("error", (e) => lastError = String((e as Error)?.message ?? e));
      // The call settles once the thread is gone, with what it answered (or as a crash).
      worker.once("exit", (code) => {
        running.delete(worker);
        clearTimeout(grace);
        signal.removeEventListener("abort", cancel);
        (outcome ?? (() =>
          reject(
            closed
              ? new GeoError("unavailable", "Training is shutting down")
              : new GeoError("internal", "The training worker stopped unexpectedly", {
                cause: new Error(`exit code ${code}${lastError ? `: ${lastError}` : ""}`),
              }),
          )))();
      });
      const sent = forTransfer(request, false);
      worker.postMessage({ type: "train", request: sent.value } as ToTrainWorker, sent.transfer);
    });

  return {
    train: runOnce,
    replay: (site, requestId) => findPublishedRun(options.service.modelsDir, site, requestId),
    async close() {
      closed = true;
      await Promise.all([...running].map((w) => w.terminate()));
    },
  };
}
