/**
 * What cursors and groups share of a pool handle: the host they run on (`ConsumerHost`), the
 * default member name, and `LedgerCommits`, which plans a ledger change on the published
 * consumer table and commits it under the pool's writer lock.
 *
 * Invariants: every cursor or group change is one ledger commit under the writer lock (one
 * state publication), planned on the table the commit replaces, so processes coordinate
 * through the file and a process killed at any instant leaves the change whole or absent;
 * reads (info, lists) never take the lock.
 */
import { hostname } from "node:os";
import type { LedgerChange, LedgerScene } from "./engine/consumer-ops.js";
import { consumerRoom } from "./engine/consumer-table.js";
import { ledgerRef, readPublishedTable } from "./engine/ledger.js";
import { whenLocked } from "./engine/lock-wait.js";
import { seqAtOrAfter } from "./engine/seek.js";
import { commitLedger, type LedgerCommitScene, type WriterContext } from "./engine/writer.js";
import type { PoolState } from "./format/header.js";
import type { Message } from "./message.js";
import type { PoolLedger } from "./pool-producers.js";
import { PRODUCER_ID_PATTERN } from "./producer.js";
import { requireTimeInput } from "./time.js";
import type { Durability } from "./validate.js";

/** What the consumer handles need of their pool handle. */
export interface ConsumerHost {
  readonly path: string;
  readonly name: string;
  readonly writer: WriterContext;
  readonly ledger: PoolLedger;
  readState(): PoolState;
  /** The message at `seq` (throws NotFound, Corrupt). */
  get(seq: number): Message;
  /** Opens a pool of the same directory by name (the dead-letter pool). */
  openSibling(name: string): DeadLetterTarget;
  /** Throws Permission on a read-only handle. */
  assertWritable(): void;
}

/** What a dead-letter pool must do: a producer's batch append. */
export interface DeadLetterTarget {
  appendBatch(
    inputs: { json: string; tags: string[]; trusted: boolean }[],
    options: { producer: { id: string; epoch: number; seq: number } },
  ): unknown;
  close(): void;
}

let memberOfThisProcess: string | undefined;

/** The default member name: this host and process, in the member alphabet (computed once). */
export function defaultMember(): string {
  if (memberOfThisProcess !== undefined) return memberOfThisProcess;
  const host =
    hostname()
      .replace(/[^A-Za-z0-9._\-@]/g, "-")
      .slice(0, 40) || "host";
  const member = `${host}:${process.pid}`;
  memberOfThisProcess = PRODUCER_ID_PATTERN.test(member) ? member : `member:${process.pid}`;
  return memberOfThisProcess;
}

/** Runs ledger planners for one pool handle. */
export class LedgerCommits {
  readonly #host: ConsumerHost;

  constructor(host: ConsumerHost) {
    this.#host = host;
  }

  #view() {
    const ledger = this.#host.ledger;
    if (typeof ledger === "function") throw ledger();
    return ledger;
  }

  #scene(base: LedgerCommitScene): LedgerScene {
    return {
      table: base.table,
      state: base.state,
      nowMs: Date.now(),
      path: this.#host.path,
      room: consumerRoom(this.#view().layout),
    };
  }

  /** Commits the records `plan` makes (sync: waits for the lock by blocking). */
  run<R>(plan: (scene: LedgerScene) => LedgerChange<R>, durability: Durability = "fast"): R {
    this.#view();
    this.#host.assertWritable();
    return commitLedger(this.#host.writer, durability, (base) => plan(this.#scene(base)));
  }

  /** `run` waiting for the lock without blocking the event loop. */
  async runAsync<R>(
    plan: (scene: LedgerScene) => LedgerChange<R>,
    options: { durability?: Durability | undefined; signal?: AbortSignal | undefined } = {},
  ): Promise<R> {
    this.#view();
    this.#host.assertWritable();
    const { writer } = this.#host;
    return whenLocked(
      writer.file,
      writer.lockTimeoutMs,
      () =>
        commitLedger(writer, options.durability ?? "fast", (base) => plan(this.#scene(base)), true),
      { signal: options.signal },
    );
  }

  /** A read of the published table, without the lock (empty without a ledger). */
  read<R>(reader: (scene: LedgerScene) => R): R {
    const ledger = this.#host.ledger;
    const state = this.#host.readState();
    if (typeof ledger === "function") {
      return reader({ table: new Map(), state, nowMs: Date.now(), path: this.#host.path, room: 0 });
    }
    let read = state;
    const table = readPublishedTable(ledger, () => {
      read = this.#host.readState();
      return ledgerRef(read);
    });
    return reader({
      table,
      state: read,
      nowMs: Date.now(),
      path: this.#host.path,
      room: consumerRoom(ledger.layout),
    });
  }

  /** The seq a start at `time` names (the first message at or after it, else the next new). */
  seqAt(time: string | Date, state: PoolState): number {
    const t = requireTimeInput(time);
    return seqAtOrAfter(state.oldest, state.newest, t, (seq) => {
      try {
        const m = this.#host.get(seq);
        return { sec: m.timeSec, nanos: m.timeNanos };
      } catch {
        return undefined;
      }
    });
  }
}
