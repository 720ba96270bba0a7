/**
 * A producer bound to one local pool (`pool.producer(id)`): it numbers its own appends, so a
 * caller gets exactly-once appends without keeping seqs itself.
 *
 * Invariants: the next seq advances only past messages the pool committed (or answered as
 * duplicates), so an append that failed is retried with the same seqs; asynchronous appends are
 * committed in call order (one at a time), so their seqs never overtake each other.
 */
import type { AppendInput } from "./engine/encoder.js";
import type { Appended } from "./message.js";
import type { AppendOptions, AsyncAppendOptions, BatchAppendOptions, Pool } from "./pool.js";

export class PoolProducer {
  readonly pool: Pool;
  readonly id: string;
  readonly epoch: number;
  #next: number;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(pool: Pool, id: string, epoch: number, next: number) {
    this.pool = pool;
    this.id = id;
    this.epoch = epoch;
    this.#next = next;
  }

  /** The seq the next message gets. */
  get nextSeq(): number {
    return this.#next;
  }

  #producer() {
    return { id: this.id, epoch: this.epoch, seq: this.#next };
  }

  append<T>(data: T, options: Omit<AppendOptions, "producer"> = {}): Appended<T> {
    return this.appendBatch<T>([{ data, tags: options.tags }], options)[0] as Appended<T>;
  }

  appendBatch<T = unknown>(
    inputs: readonly AppendInput[],
    options: Omit<BatchAppendOptions, "producer"> = {},
  ): Appended<T>[] {
    const answers = this.pool.appendBatch<T>(inputs, { ...options, producer: this.#producer() });
    this.#next += answers.length;
    return answers;
  }

  appendAsync<T>(
    data: T,
    options: Omit<AppendOptions, "producer"> & AsyncAppendOptions = {},
  ): Promise<Appended<T>> {
    return this.appendBatchAsync<T>([{ data, tags: options.tags }], options).then(
      (answers) => answers[0] as Appended<T>,
    );
  }

  appendBatchAsync<T = unknown>(
    inputs: readonly AppendInput[],
    options: Omit<BatchAppendOptions, "producer"> & AsyncAppendOptions = {},
  ): Promise<Appended<T>[]> {
    const run = async () => {
      const answers = await this.pool.appendBatchAsync<T>(inputs, {
        ...options,
        producer: this.#producer(),
      });
      this.#next += answers.length;
      return answers;
    };
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }
}
