/**
 * Entry module of the pipeline worker threads (`node:worker_threads`), started by
 * `segment_workers.ts` (role "segment": one `createSegmentService` per worker, serving
 * requests one at a time) and `train_worker.ts` (role "train": one training run, which
 * yields to Segment between optimiser steps through the shared `SegmentLoad`). The
 * protocol is in `worker_messages.ts`. Started as a module of its own, never imported.
 *
 * @module
 */

import { parentPort, workerData } from "node:worker_threads";
import { GeoError } from "../kernels/errors.ts";
import { SegmentLoad } from "./segment_load.ts";
import { createSegmentService } from "../infer/segment_service.ts";
import type { TrainEventOutput } from "../train/api.ts";
import { createTrainService } from "../train/service.ts";
import {
  errorFromWire,
  errorToWire,
  forTransfer,
  type FromSegmentWorker,
  type FromTrainWorker,
  fromTransfer,
  type JobMessage,
  type LogMessage,
  type SegmentWorkerData,
  type ToSegmentWorker,
  type ToTrainWorker,
  type TrainWorkerData,
} from "./worker_messages.ts";

if (!parentPort) throw new Error("service_worker.ts runs only as a worker thread");
const port = parentPort;

const log = (
  level: "info" | "warn" | "error",
  message: string,
  fields: Record<string, string | number> = {},
) => port.postMessage({ type: "log", level, message, fields } satisfies LogMessage);

/** Serves Segment requests of the main thread's pool. */
function serveSegment(data: SegmentWorkerData): void {
  const post = (m: FromSegmentWorker, transfer: ArrayBuffer[] = []) =>
    port.postMessage(m, transfer);
  const service = createSegmentService({
    ...data.options, // never watches the registry: the main thread's watcher sends "refresh"
    onChange: () => pushState(),
    log,
  });
  const running = new Map<number, AbortController>();
  let sent = "";
  const pushState = () => {
    const state = { ready: service.ready(), models: service.listModels() };
    const text = JSON.stringify(state);
    if (text !== sent) post({ type: "state", ...state });
    sent = text;
  };
  // The first state goes out once the registry was read (onChange), or when the start
  // failed before that (an unreadable registry still answers, with no model).
  service.whenStarted().then(pushState);
  // Test hooks: hold the next request until "release" or its cancellation; crash the thread.
  let holdNext = false;
  let released: (() => void) | null = null;
  const hold = (id: number, signal: AbortSignal): Promise<void> | undefined => {
    if (!holdNext) return undefined;
    holdNext = false;
    return new Promise<void>((resolve) => {
      released = resolve;
      signal.addEventListener("abort", () => resolve(), { once: true });
      post({ type: "held", id });
    });
  };
  const runJob = async (job: JobMessage) => {
    const { id } = job;
    const ac = new AbortController();
    running.set(id, ac);
    try {
      await hold(id, ac.signal);
      const output = job.type === "segment"
        ? await service.segment(fromTransfer(job.input), ac.signal)
        : job.type === "scan"
        ? await service.scan(fromTransfer(job.input), ac.signal)
        : await service.embedLabels(fromTransfer(job.input), ac.signal);
      const moved = forTransfer(output, true);
      post({ type: "done", id, output: moved.value }, moved.transfer);
    } catch (e) {
      post({ type: "failed", id, error: errorToWire(e) });
    } finally {
      running.delete(id);
    }
  };
  const answer = (id: number, work: Promise<unknown>) =>
    work.then(
      () => post({ type: "done", id }),
      (e) => post({ type: "failed", id, error: errorToWire(e) }),
    );
  port.on("message", (m: ToSegmentWorker) => {
    switch (m.type) {
      case "segment":
      case "scan":
      case "embed":
        return void runJob(m);
      case "cancel":
        return running.get(m.id)?.abort(errorFromWire(m.reason));
      case "refresh":
        return void answer(m.id, service.refresh().finally(pushState));
      case "close":
        return void answer(m.id, service.close()); // the pool then terminates the thread
      case "test":
        if (!data.testHooks) return;
        if (m.action === "hold") holdNext = true;
        if (m.action === "release") released?.();
        if (m.action === "crash") {
          setTimeout(() => {
            throw new Error("Segment worker crash requested by a test");
          });
        }
    }
  });
}

/** Runs one training request. */
function serveTrain(data: TrainWorkerData): void {
  const post = (m: FromTrainWorker) => port.postMessage(m);
  const load = new SegmentLoad(data.load);
  const ac = new AbortController();
  const service = createTrainService({
    ...data.options,
    log: (line) => log("info", "train", { detail: line }),
    beforeStep: () => load.waitWhileBusy(data.yieldMs, ac.signal),
  });
  port.on("message", (m: ToTrainWorker) => {
    if (m.type === "cancel") return ac.abort(errorFromWire(m.reason));
    const onEvent = (event: TrainEventOutput) => post({ type: "event", event });
    Promise.resolve().then(() => service.train(fromTransfer(m.request), ac.signal, onEvent)).then(
      (result) => post({ type: "done", result }),
      (e) => post({ type: "failed", error: errorToWire(e) }),
    ); // the main thread terminates the thread once it has the answer
  });
}

const data = workerData as SegmentWorkerData | TrainWorkerData | undefined;
if (data?.role === "segment") serveSegment(data);
else if (data?.role === "train") serveTrain(data);
else throw new GeoError("internal", "A pipeline worker was started without a known role");
