/**
 * An unbounded FIFO of messages that arrive by events and are read with `await`: what
 * turns a gRPC stream's "data" / "end" / error events into an async iterable (server
 * calls in `rpc_context.ts`, client calls in `grpc.ts`). Bounding it is the caller's
 * business (`readStream` pauses the call at a high-water mark).
 *
 * @module
 */

/** See the module doc. */
export class MessageQueue<T> implements AsyncIterable<T> {
  readonly #items: T[] = [];
  #ended = false;
  #failure: { error: unknown } | null = null;
  #wake: (() => void) | null = null;

  /** Messages waiting to be read. */
  get length(): number {
    return this.#items.length;
  }

  /** Adds a message. */
  push(item: T): void {
    this.#items.push(item);
    this.#poke();
  }

  /** No more messages: reading ends once the queue is empty. */
  end(): void {
    this.#ended = true;
    this.#poke();
  }

  /** The stream failed: reading throws `error` once the queue is empty. */
  fail(error: unknown): void {
    this.#failure = { error };
    this.#poke();
  }

  /** The next message, or null at the end; throws the failure once the queue is empty. */
  async next(): Promise<T | null> {
    while (this.#items.length === 0) {
      if (this.#failure) throw this.#failure.error;
      if (this.#ended) return null;
      await new Promise<void>((r) => (this.#wake = r));
    }
    return this.#items.shift()!;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (let m = await this.next(); m !== null; m = await this.next()) yield m;
  }

  #poke(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}
