import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { GeoError } from "../kernels/errors.ts";
import { Rng } from "../kernels/random.ts";
import { type BidiHandler, readStream, wrapBidi } from "./rpc_context.ts";

/** A server duplex call as @grpc/grpc-js hands it over, with what was done to it. */
class FakeCall extends EventEmitter {
  readonly metadata = { get: (_key: string): unknown[] => [] };
  paused = false;
  pauses = 0;
  resumes = 0;
  /** What `write` returns (false: the outgoing buffer is full). */
  accept = true;
  readonly written: unknown[] = [];
  ended = false;
  status: { code: number; details: string } | null = null;

  constructor() {
    super();
    this.on("error", (s) => (this.status = s));
  }
  getDeadline(): number {
    return Infinity;
  }
  getPeer(): string {
    return "test";
  }
  pause(): void {
    this.paused = true;
    this.pauses++;
  }
  resume(): void {
    this.paused = false;
    this.resumes++;
  }
  write(m: unknown): boolean {
    this.written.push(m);
    return this.accept;
  }
  end(): void {
    this.ended = true;
  }
}

/** Lets timers and pending promise callbacks run. */
const settle = () => new Promise((r) => setTimeout(r, 0));

/** Lets `n` turns of the microtask queue go by. */
async function hops(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await null;
}

/** Whether `p` has settled by now (after a turn of the event loop). */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(() => (done = true), () => (done = true));
  await settle();
  return done;
}

Deno.test("readStream pauses at the high-water mark and resumes once drained below it", async () => {
  const call = new FakeCall();
  const it = readStream<number>(call, 3)[Symbol.asyncIterator]();
  call.emit("data", 1);
  call.emit("data", 2);
  assert.equal(call.pauses, 0);
  call.emit("data", 3);
  assert.equal(call.pauses, 1);
  assert.ok(call.paused);
  call.emit("data", 4); // already on its way when the call paused: kept, no second pause
  assert.equal(call.pauses, 1);
  assert.deepEqual(await it.next(), { value: 1, done: false });
  assert.ok(call.paused, "3 unread: still at the mark");
  assert.deepEqual(await it.next(), { value: 2, done: false });
  assert.equal(call.resumes, 1);
  assert.ok(!call.paused);
  call.emit("data", 5);
  assert.equal(call.pauses, 2, "3 unread again");
  for (const v of [3, 4, 5]) assert.deepEqual(await it.next(), { value: v, done: false });
  assert.equal(call.resumes, 2);
  // Waiting for a message: "end" finishes the iteration.
  const waiting = it.next();
  assert.equal(await settled(waiting), false);
  call.emit("end");
  assert.deepEqual(await waiting, { value: undefined, done: true });
});

Deno.test("readStream delivers what came before the end or cancellation, then ends or throws", async () => {
  const ended = new FakeCall();
  const a = readStream<string>(ended);
  ended.emit("data", "x");
  ended.emit("data", "y");
  ended.emit("end");
  const got: string[] = [];
  for await (const m of a) got.push(m);
  assert.deepEqual(got, ["x", "y"]);

  const cancelled = new FakeCall();
  const it = readStream<string>(cancelled)[Symbol.asyncIterator]();
  cancelled.emit("data", "x");
  assert.deepEqual(await it.next(), { value: "x", done: false });
  const waiting = it.next();
  assert.equal(await settled(waiting), false);
  cancelled.emit("cancelled");
  await assert.rejects(waiting, (e: unknown) => (e as DOMException).name === "AbortError");
});

Deno.test("readStream under seeded bursts and stalls: every message in order, never far past the mark", async () => {
  const rng = new Rng(11);
  for (const mark of [1, 2, 4, 7]) {
    const call = new FakeCall();
    const total = 300;
    let sent = 0, read = 0, most = 0;
    const send = () => {
      call.emit("data", sent++);
      most = Math.max(most, sent - read);
    };
    const messages = readStream<number>(call, mark);
    const producer = (async () => {
      while (sent < total) {
        // Flow control: a paused call sends nothing more but what was already in flight.
        const burst = call.paused ? 0 : 1 + rng.int(5);
        for (let k = 0; k < burst && sent < total; k++) {
          send();
          if (call.paused) {
            if (rng.bernoulli(0.5) && sent < total) send();
            break;
          }
        }
        await hops(1 + rng.int(4));
      }
      call.emit("end");
    })();
    for await (const m of messages) {
      assert.equal(m, read++);
      await hops(rng.int(6));
    }
    await producer;
    assert.equal(read, total);
    // Past the mark: one message in flight, one handed out but not yet counted here.
    assert.ok(most <= mark + 2, `mark ${mark}: ${most} unread`);
    assert.ok(call.pauses > 0);
    assert.equal(call.resumes, call.pauses, "drained: resumed after every pause");
    assert.ok(!call.paused);
  }
});

/** Runs `handler` on a fake call through wrapBidi; resolves when it has finished. */
function runBidi(
  call: FakeCall,
  handler: BidiHandler<unknown, string>,
  shutdown = new AbortController().signal,
): Promise<void> {
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  wrapBidi<unknown, string>(async (input, ctx, write) => {
    try {
      await handler(input, ctx, write);
    } finally {
      setTimeout(finish, 0);
    }
  }, shutdown)(call);
  return finished;
}

Deno.test("wrapBidi's write waits for drain when the call's buffer is full", async () => {
  const call = new FakeCall();
  const steps: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const finished = runBidi(call, async (_input, _ctx, write) => {
    await write("a");
    steps.push("a");
    call.accept = false;
    const b = write("b");
    assert.equal(await settled(b), false, "a full buffer holds the writer back");
    steps.push("b waiting");
    release();
    await b;
    steps.push("b");
    call.accept = true;
    await write("c");
    steps.push("c");
  });
  await gate;
  assert.deepEqual(steps, ["a", "b waiting"]);
  call.emit("drain");
  await finished;
  assert.deepEqual(steps, ["a", "b waiting", "b", "c"]);
  assert.deepEqual(call.written, ["a", "b", "c"]);
  assert.ok(call.ended);
  assert.equal(call.status, null);
  assert.equal(call.listenerCount("drain"), 0);
});

Deno.test("wrapBidi's pending write resolves on cancellation or shutdown; errors become a status", async () => {
  for (const how of ["cancelled", "shutdown"]) {
    const call = new FakeCall();
    const stop = new AbortController();
    let aborted = false;
    const finished = runBidi(call, async (_input, ctx, write) => {
      call.accept = false;
      const w = write("x");
      assert.equal(await settled(w), false);
      if (how === "cancelled") call.emit("cancelled");
      else stop.abort();
      await w;
      aborted = ctx.signal.aborted;
      await write("after"); // an aborted call writes nothing more
    }, stop.signal);
    await finished;
    assert.ok(aborted, how);
    assert.deepEqual(call.written, ["x"], how);
  }
  const failing = new FakeCall();
  await runBidi(failing, () => Promise.reject(new GeoError("invalid_argument", "bad message")));
  assert.deepEqual(failing.status, { code: 3, details: "bad message" });
  assert.equal(failing.ended, false);
});
