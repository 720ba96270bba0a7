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
 */
import {
  type AppendInput,
  type Durability,
  isSpoolError,
  type Message,
  SpoolError,
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
}

export interface FeederSink {
  /** Messages committed, in order. */
  committed(messages: readonly Message[]): void | Promise<void>;
  /** A record refused under policy `skip`. */
  rejected(record: RawRecord, error: SpoolError): void;
}

const MAX_BATCH_RECORDS = 4096;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class Feeder {
  readonly #target: PoolTarget;
  readonly #options: FeederOptions;
  readonly #sink: FeederSink;
  stored = 0;
  rejected = 0;
  /** The newest seq the next append expects (`--if-last-seq`), else undefined. */
  #expectedLastSeq: number | undefined;

  constructor(target: PoolTarget, options: FeederOptions, sink: FeederSink) {
    this.#target = target;
    this.#options = options;
    this.#sink = sink;
    this.#expectedLastSeq = options.ifLastSeq;
  }

  /** Appends `records` (in batches); resolves once all are committed or handled. */
  async feed(records: readonly RawRecord[]): Promise<void> {
    let start = 0;
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

  #inputs(records: readonly RawRecord[]): AppendInput[] {
    const tags = this.#options.tags;
    return records.map((r) => ({ json: r.text, tags }));
  }

  async #append(records: readonly RawRecord[]): Promise<Message[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#target.append(this.#inputs(records), {
          durability: this.#options.durability,
          ...(this.#expectedLastSeq === undefined
            ? {}
            : { expectedLastSeq: this.#expectedLastSeq }),
        });
      } catch (error) {
        if (isSpoolError(error, "Busy") && attempt < this.#options.retry) {
          await sleep(this.#options.retryDelayMs);
          continue;
        }
        throw error;
      }
    }
  }

  async #commit(messages: Message[]): Promise<void> {
    this.stored += messages.length;
    const last = messages[messages.length - 1];
    if (this.#expectedLastSeq !== undefined && last !== undefined) this.#expectedLastSeq = last.seq;
    await this.#sink.committed(messages);
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
