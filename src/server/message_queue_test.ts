import assert from "node:assert/strict";
import { MessageQueue } from "./message_queue.ts";

Deno.test("MessageQueue: FIFO, waits for a push, ends after the buffered messages", async () => {
  const q = new MessageQueue<number>();
  q.push(1);
  q.push(2);
  assert.equal(q.length, 2);
  assert.equal(await q.next(), 1);
  assert.equal(await q.next(), 2);
  const waiting = q.next();
  setTimeout(() => q.push(3), 5);
  assert.equal(await waiting, 3);
  q.push(4);
  q.end();
  const rest: number[] = [];
  for await (const m of q) rest.push(m);
  assert.deepEqual(rest, [4]);
  assert.equal(await q.next(), null);
});

Deno.test("MessageQueue: a failure is thrown after what was buffered, also to a waiting reader", async () => {
  const q = new MessageQueue<string>();
  q.push("a");
  q.fail(new Error("boom"));
  assert.equal(await q.next(), "a");
  await assert.rejects(q.next(), /boom/);
  const r = new MessageQueue<string>();
  const waiting = r.next();
  r.fail(new Error("late"));
  await assert.rejects(waiting, /late/);
});
