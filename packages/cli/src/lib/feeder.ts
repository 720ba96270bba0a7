/**
 * Appending records to a pool in batches, with Busy retries and per-record error handling.
 *
 * Invariants: records are committed in input order; each batch is one atomic append (one lock);
 * a batch refused with Usage (a bad record inside, or too big for the ring) is retried record by
 * record so every good record before a bad one is stored; a record that is not valid UTF-8 is
 * refused without an append (never stored with U+FFFD in place of its bytes); `stop` ends at the first bad record
 * (its error names the input line), `skip` reports it and goes on; Busy is retried `retry` times
 * `retryDelayMs` apart, any other failure ends the feed. Each record is parsed once, by core.
 * With `ifLastSeq`, every append is conditional on the newest seq the feeder last saw (N, then
 * its own last stored seq), so the records land right after N, contiguous, or a Conflict ends the
 * feed with nothing of the refused batch stored.
 *
 * With a producer, the k-th record the feeder would append (bad records refused by the rules above
 * take no number) is producer seq k: the first `skip` of them (what the pool already committed
 * for the producer) are checked exactly as an append would check them, then left out; every
 * later batch carries the producer seq of its first record, so an append the pool already holds
 * is answered as duplicates instead of being stored twice.
 */
import {
  type Appended,
  type AppendInput,
  type BatchAppendOptions,
  type Durability,
  encodeTags,
  isSpoolError,
  type Message,
  normaliseJsonText,
  SpoolError,
  utf8ByteLength,
} from "@spool/core";
import { toSpoolError, withContext } from "./errors.js";
import type { RawRecord } from "./records.js";
import type { PoolTarget } from "./target.js";

export type ErrorPolicy = "stop" | "skip";

export interface FeederOptions {
  tags: readonly string[];
  durability: Durability;
  retry: number;
  retryDelayMs: number;
  errors: ErrorPolicy;
  /** Upper bound of one batch's JSON text, so a batch never overruns the ring. */
  maxBatchBytes: number;
  /**
   * `--if-last-seq N`: the first append commits only if the pool's newest seq is N, and each
   * later one only if it is still the last seq this feeder stored (Conflict otherwise).
   */
  ifLastSeq?: number | undefined;
  /** `--producer`: who appends, and how many records the pool already committed for it. */
  producer?: FeederProducer | undefined;
  /** The pool's largest message (data plus tags JSON, in bytes): checks the skipped records. */
  maxMessageBytes?: number | undefined;
}

export interface FeederProducer {
  id: string;
  epoch: number;
  /** How many records (from the first) the pool already committed: they are not sent again. */
  skip: number;
}

export interface FeederSink {
  /** The answers of one append, in order: committed messages, or a producer's duplicates. */
  committed(answers: readonly Appended[]): void | Promise<void>;
  /** A record refused under policy `skip`. */
  rejected(record: RawRecord, error: SpoolError): void;
  /** The records already committed for the producer were all left out (called once, if any). */
  skipped?(count: number): void;
}

const MAX_BATCH_RECORDS = 4096;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class Feeder {
  readonly #target: PoolTarget;
  readonly #options: FeederOptions;
  readonly #sink: FeederSink;
  stored = 0;
  rejected = 0;
  /** Records left out as already committed for the producer. */
  skipped = 0;
  /** Records the pool answered as a producer's duplicates (stored before, not again). */
  duplicates = 0;
  /** The newest seq the next append expects (`--if-last-seq`), else undefined. */
  #expectedLastSeq: number | undefined;
  /** The producer seq of the next record appended (with a producer). */
  #nextSeq: number;
  /** Records still to leave out as already committed. */
  #toSkip: number;
  #skipReported = false;

  constructor(target: PoolTarget, options: FeederOptions, sink: FeederSink) {
    this.#target = target;
    this.#options = options;
    this.#sink = sink;
    this.#expectedLastSeq = options.ifLastSeq;
    this.#toSkip = options.producer?.skip ?? 0;
    this.#nextSeq = this.#toSkip + 1;
  }

  /** Appends `records` (in batches); resolves once all are committed or handled. */
  async feed(records: readonly RawRecord[]): Promise<void> {
    let start = this.#skip(records);
    if (this.#toSkip === 0 || start < records.length) this.#reportSkipped();
    while (start < records.length) {
      const first = records[start] as RawRecord;
      if (first.invalidUtf8) {
        this.#refuse(first, invalidUtf8Error());
        start++;
        continue;
      }
      let end = start;
      let bytes = 0;
      while (end < records.length && end - start < MAX_BATCH_RECORDS) {
        const record = records[end] as RawRecord;
        if (record.invalidUtf8) break;
        const size = record.text.length + 64;
        if (end > start && bytes + size > this.#options.maxBatchBytes) break;
        bytes += size;
        end++;
      }
      await this.#feedBatch(records.slice(start, end));
      start = end;
    }
  }

  /** The input has ended: reports the records left out, if that was not done yet. */
  finish(): void {
    this.#reportSkipped();
  }

  #reportSkipped(): void {
    if (this.#skipReported || this.#options.producer === undefined) return;
    this.#skipReported = true;
    if (this.skipped > 0) this.#sink.skipped?.(this.skipped);
  }

  /**
   * Leaves out the records at the start of `records` that the pool already committed for the
   * producer, checking each as an append would (a bad one is refused, and takes no number);
   * returns the index of the first record to append.
   */
  #skip(records: readonly RawRecord[]): number {
    let i = 0;
    for (; i < records.length && this.#toSkip > 0; i++) {
      const record = records[i] as RawRecord;
      const error = this.#check(record);
      if (error) {
        this.#refuse(record, error);
        continue;
      }
      this.#toSkip--;
      this.skipped++;
    }
    return i;
  }

  /** Why an append would refuse `record` (Usage), or undefined: the checks a pool makes. */
  #check(record: RawRecord): SpoolError | undefined {
    if (record.invalidUtf8) return invalidUtf8Error();
    let text: string;
    try {
      text = normaliseJsonText(record.text);
    } catch (error) {
      if (isSpoolError(error, "Usage")) return error;
      throw error;
    }
    const max = this.#options.maxMessageBytes;
    if (max === undefined) return undefined;
    const bytes = utf8ByteLength(text) + utf8ByteLength(encodeTags(this.#options.tags));
    if (bytes <= max) return undefined;
    return new SpoolError(
      "Usage",
      `message is ${bytes} bytes (data plus tags); this pool holds at most ${max} bytes per message`,
      {
        path: this.#target.location,
        hint: "create a larger pool (--size) or send a smaller message",
      },
    );
  }

  #inputs(records: readonly RawRecord[]): AppendInput[] {
    const tags = this.#options.tags;
    return records.map((r) => ({ json: r.text, tags }));
  }

  #appendOptions(): BatchAppendOptions {
    const producer = this.#options.producer;
    return {
      durability: this.#options.durability,
      ...(this.#expectedLastSeq === undefined ? {} : { expectedLastSeq: this.#expectedLastSeq }),
      ...(producer === undefined
        ? {}
        : { producer: { id: producer.id, epoch: producer.epoch, seq: this.#nextSeq } }),
    };
  }

  async #append(records: readonly RawRecord[]): Promise<Appended[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#target.append(this.#inputs(records), this.#appendOptions());
      } catch (error) {
        if (isSpoolError(error, "Busy") && attempt < this.#options.retry) {
          await sleep(this.#options.retryDelayMs);
          continue;
        }
        throw error;
      }
    }
  }

  async #commit(answers: Appended[]): Promise<void> {
    this.#nextSeq += answers.length;
    let last: Message | undefined;
    for (const answer of answers) {
      if (answer.duplicate) this.duplicates++;
      else {
        this.stored++;
        last = answer as Message;
      }
    }
    if (this.#expectedLastSeq !== undefined && last !== undefined) this.#expectedLastSeq = last.seq;
    await this.#sink.committed(answers);
  }

  async #feedBatch(records: readonly RawRecord[]): Promise<void> {
    try {
      await this.#commit(await this.#append(records));
      return;
    } catch (error) {
      if (!isSpoolError(error, "Usage")) throw error;
      if (records.length === 1) return this.#refuse(records[0] as RawRecord, error);
    }
    for (const record of records) {
      try {
        await this.#commit(await this.#append([record]));
      } catch (error) {
        if (!isSpoolError(error, "Usage")) throw error;
        this.#refuse(record, error);
      }
    }
  }

  #refuse(record: RawRecord, error: unknown): void {
    const spoolError =
      record.line > 0
        ? withContext(toSpoolError(error), `line ${record.line}`)
        : toSpoolError(error);
    if (this.#options.errors === "stop") throw spoolError;
    this.rejected++;
    this.#sink.rejected(record, spoolError);
  }
}

function invalidUtf8Error(): SpoolError {
  return new SpoolError("Usage", "the record is not valid UTF-8", {
    hint: "convert the input to UTF-8 first, for example with iconv -f LATIN1 -t UTF-8",
  });
}
