/**
 * A `TrainService` whose runs happen off the main thread: each run gets a fresh worker
 * thread (`service_worker.ts`, role "train") running `createTrainService`, which streams
 * events back by message, stops when the call's signal aborts (forwarded) and returns
 * the result; the worker ends with the run, so a finished run leaves no memory behind.
 * Runs are served one at a time, as in-process (later ones wait).
 *
 * Training yields to Segment: before every optimiser step it waits, at most `yieldMs`,
 * while the shared `SegmentLoad` counts Segment requests in flight.
 *
 * @module
 */

import { Worker } from "node:worker_threads";
import { GeoError } from "../kernels/errors.ts";
import type { SegmentLoad } from "./segment_load.ts";
import type { TrainResult, TrainService } from "./service_api.ts";
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
  /** Worker entry module (default `service_worker.ts` beside this file). */
  workerUrl?: URL;
}

/** A worker-backed training service that can be closed. */
export interface WorkerTrainService extends TrainService {
  /** Stops the running worker, if any (its call fails with `unavailable`). */
  close(): Promise<void>;
}

const cancelled = () => new GeoError("cancelled", "Training was cancelled");

/** Creates the worker-backed training service (see the module doc). */
export function createWorkerTrainService(options: WorkerTrainServiceOptions): WorkerTrainService {
  const url = options.workerUrl ?? new URL("./service_worker.ts", import.meta.url);
  const running = new Set<Worker>();
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;

  const runOnce: TrainService["train"] = (request, signal, onEvent) =>
    new Promise<TrainResult>((resolve, reject) => {
      if (closed) return reject(new GeoError("unavailable", "Training is shutting down"));
      if (signal.aborted) return reject(cancelled());
      const data: TrainWorkerData = {
        role: "train",
        options: options.service,
        load: options.load.cells,
        yieldMs: options.yieldMs ?? 2000,
      };
      const worker = new Worker(url, { workerData: data });
      running.add(worker);
      let outcome: (() => void) | null = null;
      let lastError = "";
      const finish = (fn: () => void) => {
        outcome ??= fn;
        signal.removeEventListener("abort", cancel);
        void worker.terminate();
      };
      const cancel = () =>
        worker.postMessage({ type: "cancel", reason: errorToWire(signal.reason) } as ToTrainWorker);
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
    train(request, signal, onEvent) {
      const run = queue.then(() => runOnce(request, signal, onEvent));
      queue = run.catch(() => undefined);
      return run;
    },
    async close() {
      closed = true;
      await Promise.all([...running].map((w) => w.terminate()));
    },
  };
}
