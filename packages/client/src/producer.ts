/**
 * `pool.producer(id)`: an idempotent producer over HTTP. It numbers its own messages, sends
 * concurrent appends together as batches and retries each batch until the server acknowledges
 * it; retrying is safe because the server deduplicates by `(id, epoch, seq)`.
 *
 * Invariants:
 * - On first use it reads the producer's state from the server (`GET …/producers/{id}`) and
 *   continues at `last_seq + 1` (1 for a producer the pool does not know); after that the next
 *   seq advances only past batches the server acknowledged (committed or answered as
 *   duplicates), so a batch that failed is resent with the same seqs and the same messages.
 * - One batch is in flight at a time, so seqs never overtake each other and messages are stored
 *   in the order they were appended. An append while nothing is in flight is sent in the same
 *   turn (appends made synchronously together share the batch); appends made while a batch is in
 *   flight wait for it and then go as the next batch, after at most `lingerMs` since the first of
 *   them arrived. A batch holds at most `maxBatchMessages` messages and about `maxBatchBytes`
 *   bytes of JSON (an `appendBatch` larger than that is sent whole, as its own batch; the
 *   messages of one `appendBatch` are never split).
 * - Network failures, 5xx answers (except Corrupt), 408, 429 and Busy are retried with bounded
 *   backoff until acknowledged (or `backoff.maxAttempts`); any other error fails the batch's
 *   appends with that error. A batch that fails with Usage (say, one message too large for the
 *   pool) is retried message by message, so one bad append never fails its batch-mates. After a
 *   Conflict the producer reads its state again before the next batch.
 * - Every append resolves with its own answer: the committed message, the original marked
 *   `duplicate: true`, or a receipt. `close()` (or the `signal`, or closing the pool handle)
 *   stops at once: the request in flight is aborted and every append not yet acknowledged
 *   rejects (the signal's reason, or Usage "closed"); it may still have been committed.
 */
import {
  type AppendInput,
  checkProducer,
  type ProducerClaim,
  type SpoolError,
  usage,
  utf8ByteLength,
} from "@spool/core/shared";
import { getProducerState, postBatch } from "./appends.js";
import { backoffDelay, sleep } from "./backoff.js";
import type { Transport } from "./http.js";
import type { Appended } from "./message.js";
import { checkOptionKeys } from "./options.js";
import { type Entry, takeBatch } from "./producer-batches.js";
import {
  type ProducerSettings,
  producerSettings,
  type RemoteProducerOptions,
  retryable,
} from "./producer-settings.js";
import { dataJson, inputJson, tagsMember } from "./wire.js";

export type { RemoteProducerOptions } from "./producer-settings.js";

/** What a producer needs of its pool handle. */
export interface ProducerTarget {
  transport: Transport;
  pool: string;
  /** Aborted when the pool handle is closed. */
  scope?: AbortSignal | undefined;
}

const now = (): number => (typeof performance === "undefined" ? Date.now() : performance.now());

/**
 * An idempotent producer of one remote pool (see `RemotePool.producer`).
 *
 * @example
 * const ingest = pool.producer("ingest");
 * const msg = await ingest.append({ line: 1 }, { tags: ["log"] });
 * await ingest.flush();
 * ingest.close();
 */
export class RemoteProducer {
  /** The producer's id. */
  readonly id: string;
  /** The producer's epoch. */
  readonly epoch: number;
  readonly #target: ProducerTarget;
  readonly #settings: ProducerSettings;
  readonly #controller = new AbortController();
  readonly #userSignal: AbortSignal | undefined;
  #next: number | undefined;
  #queue: Entry[] = [];
  #running = false;
  #scheduled = false;
  #idle: (() => void)[] = [];

  /** @internal Made by `RemotePool.producer`. */
  constructor(target: ProducerTarget, id: string, options: RemoteProducerOptions = {}) {
    const settings = producerSettings(options);
    const claim = checkProducer({ id, seq: 0, epoch: options.epoch }) as ProducerClaim;
    this.id = claim.id;
    this.epoch = claim.epoch;
    this.#target = target;
    this.#settings = settings;
    this.#userSignal = options.signal;
    const stop = () => this.#controller.abort();
    for (const signal of [options.signal, target.scope]) {
      if (signal === undefined) continue;
      if (signal.aborted) stop();
      else signal.addEventListener("abort", stop, { once: true });
    }
  }

  /** The seq the next batch starts at (undefined until the producer's state was read). */
  get nextSeq(): number | undefined {
    return this.#next;
  }

  /** True once closed (by `close()`, the signal, or closing the pool handle). */
  get closed(): boolean {
    return this.#controller.signal.aborted;
  }

  /**
   * Appends one JSON value; resolves once the server acknowledged it, with the committed message
   * (or the original marked `duplicate: true`, or a receipt).
   *
   * @example
   * const msg = await ingest.append({ line: 1 }, { tags: ["log"] });
   */
  append<T>(data: T, options: { tags?: readonly string[] } = {}): Promise<Appended<T>> {
    return this.#one<T>(() => {
      checkOptionKeys(options, ["tags"], "producer.append()");
      return `{"data":${dataJson(data)}${tagsMember(options.tags)}}`;
    });
  }

  /**
   * Appends JSON text (or UTF-8 bytes) as it is (see `pool.appendJson`).
   *
   * @example
   * await ingest.appendJson('{"big": 12345678901234567890}');
   */
  appendJson(
    json: string | Uint8Array,
    options: { tags?: readonly string[]; trusted?: boolean } = {},
  ): Promise<Appended> {
    return this.#one(() => {
      checkOptionKeys(options, ["tags", "trusted"], "producer.appendJson()");
      const text = inputJson({ json, trusted: options.trusted === true });
      return `{"data":${text}${tagsMember(options.tags)}}`;
    });
  }

  /**
   * Appends many messages, kept together in one batch (one commit); resolves with their answers
   * in order.
   *
   * @example
   * const [a, b] = await ingest.appendBatch([{ data: 1 }, { data: 2, tags: ["x"] }]);
   */
  appendBatch<T = unknown>(inputs: readonly AppendInput[]): Promise<Appended<T>[]> {
    let items: string[];
    try {
      this.#checkOpen();
      if (!Array.isArray(inputs)) {
        throw usage(
          "a batch must be an array of messages",
          "pass a list such as [{ data: 1 }, { data: 2, tags: ['x'] }]",
        );
      }
      items = inputs.map((input, i) => {
        checkOptionKeys(
          input,
          ["data", "json", "trusted", "tags"],
          `producer.appendBatch() (message ${i})`,
        );
        return `{"data":${inputJson(input)}${tagsMember(input.tags)}}`;
      });
    } catch (error) {
      return Promise.reject(error);
    }
    if (items.length === 0) return Promise.resolve([]);
    return this.#enqueue(items) as Promise<Appended<T>[]>;
  }

  /**
   * Resolves once every append made so far was acknowledged or failed (it never rejects: each
   * append's own promise says how it went).
   *
   * @example
   * await ingest.flush();
   */
  flush(): Promise<void> {
    if (!this.#running && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /**
   * Stops at once: the request in flight is aborted and appends not yet acknowledged reject
   * (they may have been committed; a new producer with the same id continues after them). Call
   * `flush()` first to wait for them. Closing twice is harmless.
   *
   * @example
   * await ingest.flush();
   * ingest.close();
   */
  close(): void {
    this.#controller.abort();
    this.#rejectQueued();
  }

  #checkOpen(): void {
    if (this.closed) throw this.#stopError();
  }

  /** Why appends stop: the user's signal's reason, else Usage "closed". */
  #stopError(): unknown {
    if (this.#userSignal?.aborted && this.#userSignal.reason !== undefined) {
      return this.#userSignal.reason;
    }
    return usage(
      `the producer ${this.id} is closed: nothing more is sent`,
      "create a new one with pool.producer(id); it continues after the last message the server committed",
    );
  }

  #one<T>(item: () => string): Promise<Appended<T>> {
    let text: string;
    try {
      this.#checkOpen();
      text = item();
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#enqueue([text]).then((answers) => answers[0] as Appended<T>);
  }

  #enqueue(items: string[]): Promise<Appended<unknown>[]> {
    return new Promise((resolve, reject) => {
      let bytes = 0;
      for (const item of items) bytes += utf8ByteLength(item);
      this.#queue.push({
        items,
        bytes,
        arrived: now(),
        lingers: this.#running,
        solo: false,
        resolve,
        reject,
      });
      this.#schedule();
    });
  }

  /** Starts the sender in a microtask (appends of the same turn share its first batch). */
  #schedule(): void {
    if (this.#scheduled || this.#running) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      void this.#run();
    });
  }

  /** Sends batches, one at a time, until the queue is empty or the producer stops. */
  async #run(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    const signal = this.#controller.signal;
    try {
      while (this.#queue.length > 0 && !signal.aborted) {
        const head = this.#queue[0] as Entry;
        if (head.lingers && this.#settings.lingerMs > 0) {
          const wait = head.arrived + this.#settings.lingerMs - now();
          if (wait > 0) await sleep(wait, signal);
          if (signal.aborted) break;
        }
        await this.#send(takeBatch(this.#queue, this.#settings));
      }
    } finally {
      this.#running = false;
      if (signal.aborted) this.#rejectQueued();
      if (this.#queue.length > 0) this.#schedule();
      else for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  /** Sends one batch until it is acknowledged, fails for good, or the producer stops. */
  async #send(batch: Entry[]): Promise<void> {
    const signal = this.#controller.signal;
    const items = batch.flatMap((entry) => entry.items);
    const { transport, pool } = this.#target;
    for (let attempt = 0; ; ) {
      try {
        if (this.#next === undefined) {
          const state = await getProducerState(transport, pool, this.id, signal);
          this.#next = (state?.lastSeq ?? 0) + 1;
        }
        const producer = `,"producer_id":"${this.id}","producer_epoch":${this.epoch},"producer_seq":${this.#next}`;
        const body = `{"messages":[${items.join(",")}]${this.#settings.durability}${producer}}`;
        const answers = await postBatch(transport, pool, body, items.length, signal);
        this.#next += items.length;
        let at = 0;
        for (const entry of batch) {
          entry.resolve(answers.slice(at, at + entry.items.length));
          at += entry.items.length;
        }
        return;
      } catch (error) {
        if (signal.aborted) {
          const stop = this.#stopError();
          for (const entry of batch) entry.reject(stop);
          return;
        }
        const spool = error as SpoolError;
        if (retryable(spool) && attempt < this.#settings.backoff.maxAttempts) {
          attempt++;
          this.#settings.onRetry?.(spool, attempt);
          await sleep(backoffDelay(attempt, this.#settings.backoff), signal);
          continue;
        }
        // The server disagrees about where the producer is: read its state before the next batch.
        if (spool.kind === "Conflict") this.#next = undefined;
        if (spool.kind === "Usage" && batch.length > 1) {
          for (const entry of batch) entry.solo = true;
          this.#queue.unshift(...batch);
          return;
        }
        for (const entry of batch) entry.reject(error);
        return;
      }
    }
  }

  #rejectQueued(): void {
    if (this.#queue.length === 0) return;
    const stop = this.#stopError();
    for (const entry of this.#queue.splice(0)) entry.reject(stop);
  }
}
