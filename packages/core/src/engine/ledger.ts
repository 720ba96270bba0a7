/**
 * The pool ledger as this process sees it (format in format/ledger.ts): the table of entries the
 * published state names, read lock-free and cached, and the writes a commit makes to change it.
 *
 * Invariants: `read` returns exactly the table of the state it is given (records replayed up to
 * the state's `len` of the half its `turn` names); a half being rewritten under a reader is
 * detected (its header is checked again after the records were copied) and answered with
 * "retry", never with a mix of two tables; `plan` writes only past the published `len` of the
 * active half, or into the other half (a rewrite of the whole table, when the active half is
 * full), so nothing a reader of the published state may read is overwritten; the cache is
 * advanced only by `committed`, after the publication succeeded.
 */
import { SpoolError } from "../errors.js";
import {
  decodeRecord,
  encodeHalfHeader,
  encodeRecord,
  HALF_HEADER_SIZE,
  isHalfHeader,
  type LedgerLayout,
  type LedgerRecord,
  type LedgerRef,
  recordSize,
} from "../format/ledger.js";
import type { PoolFile } from "../platform/file.js";

/** A table: entry key (`kind:key`) → record (its value). */
export type LedgerTable = ReadonlyMap<string, LedgerRecord>;

/** The key of an entry in a table. */
export function entryKey(kind: number, key: string): string {
  return `${kind}:${key}`;
}

/** One positioned write of a commit's ledger changes. */
export interface LedgerWrite {
  bytes: Buffer;
  position: number;
}

/** What a commit writes to the ledger and what it publishes. */
export interface LedgerPlan {
  writes: LedgerWrite[];
  ref: LedgerRef;
  /** The records the commit adds. */
  records: readonly LedgerRecord[];
  /** The whole new table, when the commit rewrites it into the other half. */
  table?: Map<string, LedgerRecord>;
}

/** The ledger reference a published state carries. */
export function ledgerRef(state: { ledgerTurn: number; ledgerLen: number }): LedgerRef {
  return { turn: state.ledgerTurn, len: state.ledgerLen };
}

/** Thrown by `read` when the bytes changed under it: read the state again and retry. */
export class LedgerMoved extends Error {}

export class LedgerView {
  readonly #file: PoolFile;
  readonly layout: LedgerLayout;
  #turn = -1;
  #len = 0;
  /** The table of (#turn, #len); changed in place, only by `read` and `committed`. */
  #table = new Map<string, LedgerRecord>();

  constructor(file: PoolFile, layout: LedgerLayout) {
    this.#file = file;
    this.layout = layout;
  }

  get path(): string {
    return this.#file.path;
  }

  #halfOffset(turn: number): number {
    return this.layout.offset + (turn % 2) * this.layout.halfSize;
  }

  /**
   * The table of the state `ref`. Throws LedgerMoved when the half changed while it was read (a
   * reader without the lock retries with a fresh state) and Corrupt when the published bytes do
   * not decode.
   */
  read(ref: LedgerRef): LedgerTable {
    if (ref.len === 0) {
      // Nothing recorded (or emptied by a writer that predates the ledger): the cache starts empty.
      if (this.#len !== 0 || this.#table.size > 0) this.#table = new Map();
      this.#turn = ref.turn;
      this.#len = 0;
      return this.#table;
    }
    if (ref.len < HALF_HEADER_SIZE || ref.len > this.layout.halfSize) {
      throw this.#damage(
        `the state names ${ref.len} ledger bytes; a half holds ${this.layout.halfSize}`,
        this.#halfOffset(ref.turn),
      );
    }
    if (ref.turn === this.#turn && ref.len === this.#len) return this.#table;
    const half = this.#halfOffset(ref.turn);
    // Only records follow a cached length: a cache of an empty half (len 0) has not read its header.
    const incremental = ref.turn === this.#turn && this.#len > 0 && ref.len > this.#len;
    const from = incremental ? this.#len : 0;
    const bytes = Buffer.alloc(ref.len - from);
    this.#file.readMetaExact(bytes, 0, bytes.length, half + from);
    let at = 0;
    if (!incremental) {
      if (!isHalfHeader(bytes, 0, ref.turn))
        throw this.#movedOr("ledger half header", half, ref.turn, half);
      at = HALF_HEADER_SIZE;
    }
    const records: LedgerRecord[] = [];
    while (at < bytes.length) {
      const decoded = decodeRecord(bytes, at, bytes.length);
      if (!decoded) throw this.#movedOr("ledger record", half + from + at, ref.turn, half);
      records.push(decoded.record);
      at += decoded.size;
    }
    // Copied whole: if the half was being rewritten for a later turn meanwhile, its header (written
    // first) says so now. Only then does the cache change (in place: no copy per append).
    if (!this.#headerIs(half, ref.turn)) throw new LedgerMoved();
    if (!incremental) this.#table = new Map();
    for (const record of records) apply(this.#table, record);
    this.#turn = ref.turn;
    this.#len = ref.len;
    return this.#table;
  }

  #headerIs(half: number, turn: number): boolean {
    const head = Buffer.alloc(HALF_HEADER_SIZE);
    this.#file.readMetaExact(head, 0, HALF_HEADER_SIZE, half);
    return isHalfHeader(head, 0, turn);
  }

  /**
   * LedgerMoved when the half no longer holds `turn` (rewritten for a later turn since the state
   * was read), else Corrupt for `what` at `offset`: published bytes of a live turn never change.
   */
  #movedOr(what: string, offset: number, turn: number, half: number): Error {
    if (!this.#headerIs(half, turn)) return new LedgerMoved();
    return this.#damage(`${what} is damaged`, offset);
  }

  #damage(message: string, offset: number): SpoolError {
    return new SpoolError("Corrupt", `pool ledger: ${message}`, {
      path: this.#file.path,
      offset,
      hint: LEDGER_DAMAGE_HINT,
    });
  }

  /**
   * The writes that change the table of `ref` (read under the writer lock) by `records`: appended
   * past the active half's `len`, or the whole new table into the other half when they do not fit.
   */
  plan(ref: LedgerRef, records: readonly LedgerRecord[]): LedgerPlan {
    const current = this.read(ref);
    const size = records.reduce((sum, r) => sum + recordSize(r), 0);
    const start = ref.len === 0 ? HALF_HEADER_SIZE : ref.len;
    if (start + size <= this.layout.halfSize) {
      // Every byte is written below (encodeRecord zero-fills its padding).
      const bytes = Buffer.allocUnsafe(start - ref.len + size);
      let at = 0;
      if (ref.len === 0) {
        encodeHalfHeader(bytes, 0, ref.turn);
        at = HALF_HEADER_SIZE;
      }
      for (const record of records) at = encodeRecord(bytes, at, record);
      return {
        writes: [{ bytes, position: this.#halfOffset(ref.turn) + ref.len }],
        ref: { turn: ref.turn, len: start + size },
        records,
      };
    }
    const table = new Map(current);
    for (const record of records) apply(table, record);
    const turn = (ref.turn + 1) >>> 0;
    const entries = [...table.values()];
    const total = HALF_HEADER_SIZE + entries.reduce((sum, r) => sum + recordSize(r), 0);
    if (total > this.layout.halfSize) {
      throw new SpoolError("Internal", "the pool ledger's table does not fit one half", {
        path: this.#file.path,
        hint: "this is a bug in Spool's producer bookkeeping; please report it",
      });
    }
    // The header goes first, in its own write: a reader still copying this half's previous turn
    // sees the new turn when it checks the header again, and retries.
    const header = Buffer.alloc(HALF_HEADER_SIZE);
    encodeHalfHeader(header, 0, turn);
    const body = Buffer.alloc(total - HALF_HEADER_SIZE);
    let at = 0;
    for (const record of entries) at = encodeRecord(body, at, record);
    const half = this.#halfOffset(turn);
    return {
      writes: [
        { bytes: header, position: half },
        { bytes: body, position: half + HALF_HEADER_SIZE },
      ],
      ref: { turn, len: total },
      records,
      table,
    };
  }

  /**
   * Records that `plan` was published: the cache now describes `plan.ref`. It still holds the
   * table `plan` was made from (a commit runs in one synchronous turn), so the plan's records
   * applied to it in place give the new table.
   */
  committed(plan: LedgerPlan): void {
    if (plan.table) this.#table = plan.table;
    else for (const record of plan.records) apply(this.#table, record);
    this.#turn = plan.ref.turn;
    this.#len = plan.ref.len;
  }
}

function apply(table: Map<string, LedgerRecord>, record: LedgerRecord): void {
  const key = entryKey(record.kind, record.key);
  if (record.value === undefined) table.delete(key);
  else table.set(key, record);
}

/** How many times a lock-free read of the table retries a half rewritten under it. */
const READ_ATTEMPTS = 8;

/**
 * The table of the published state, read without the lock: retried with a fresh state when the
 * half was rewritten under the read; Corrupt when it keeps failing.
 */
export function readPublishedTable(view: LedgerView, readState: () => LedgerRef): LedgerTable {
  for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
    try {
      return view.read(readState());
    } catch (error) {
      if (!(error instanceof LedgerMoved)) throw error;
    }
  }
  throw ledgerTurnLost(view);
}

/** Corrupt: the active half does not hold the turn the published state names. */
export function ledgerTurnLost(view: LedgerView): SpoolError {
  return new SpoolError(
    "Corrupt",
    "pool ledger: its active half does not hold the published turn",
    {
      path: view.path,
      offset: view.layout.offset,
      hint: LEDGER_DAMAGE_HINT,
    },
  );
}

export const LEDGER_DAMAGE_HINT =
  "the pool's producer and consumer state is damaged; run `spool doctor`; the messages themselves are unaffected";
