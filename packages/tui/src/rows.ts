/**
 * The live view's bounded memory: the newest rows the tail delivered (messages and gap notices,
 * in delivery order) and the subsequence the current filter keeps.
 *
 * Invariants: never more than `capacity` rows (the oldest leave first, from both lists at
 * once), whatever the message rate; `view` is exactly the rows of `rows` the filter keeps, in
 * order; gap rows are always kept (a filter never hides where messages were lost); a row keeps
 * the stored envelope text as the tail gave it (the inspector shows it, nothing re-encoded) and
 * a one-line preview of its data cut to `PREVIEW_CHARS`.
 */
import type { Gap, Message } from "@spool/core/shared";
import { oneLine } from "./format.js";

/** Characters of a message's data kept for its list line (wider than any terminal row). */
export const PREVIEW_CHARS = 400;

export interface MessageRow {
  kind: "message";
  /** Insertion number: unique within a buffer, increasing. */
  n: number;
  seq: number;
  time: string;
  tags: readonly string[];
  /** The stored envelope, one JSON text without the newline. */
  line: string;
  /** The data's JSON text, on one line, cut to PREVIEW_CHARS. */
  preview: string;
}

export interface GapRow {
  kind: "gap";
  n: number;
  from: number;
  to: number;
  count: number;
}

export type Row = MessageRow | GapRow;

const decoder = new TextDecoder();

/** The row fields of a message (the buffer numbers it). */
export function messageRow(message: Message): Omit<MessageRow, "n"> {
  const line = decoder.decode(message.toJsonLine()).replace(/\n$/, "");
  const bytes = message.dataBytes;
  const head = decoder.decode(bytes.subarray(0, Math.min(bytes.length, PREVIEW_CHARS * 4)));
  return {
    kind: "message",
    seq: message.seq,
    time: message.time,
    tags: message.tags,
    line,
    preview: oneLine(head.slice(0, PREVIEW_CHARS)),
  };
}

/** The row fields of a gap the tail reported. */
export function gapRow(gap: Gap): Omit<GapRow, "n"> {
  return { kind: "gap", from: gap.from, to: gap.to, count: gap.count };
}

export type NewRow = Omit<MessageRow, "n"> | Omit<GapRow, "n">;

export class RowBuffer {
  readonly capacity: number;
  rows: Row[] = [];
  view: Row[] = [];
  #keep: ((row: MessageRow) => boolean) | undefined;
  #n = 0;

  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be a whole number ≥ 1, got ${capacity}`);
    }
    this.capacity = capacity;
  }

  /** Appends rows (oldest first), then drops the oldest beyond the capacity. */
  push(batch: readonly NewRow[]): void {
    for (const item of batch) {
      const row = { ...item, n: this.#n++ } as Row;
      this.rows.push(row);
      if (row.kind === "gap" || this.#keep === undefined || this.#keep(row)) this.view.push(row);
    }
    const excess = this.rows.length - this.capacity;
    if (excess <= 0) return;
    this.rows.splice(0, excess);
    const firstKept = (this.rows[0] as Row).n;
    let drop = 0;
    while (drop < this.view.length && (this.view[drop] as Row).n < firstKept) drop++;
    if (drop > 0) this.view.splice(0, drop);
  }

  /** Sets what the view keeps (undefined: every row) and recomputes it. */
  setFilter(keep: ((row: MessageRow) => boolean) | undefined): void {
    this.#keep = keep;
    this.view =
      keep === undefined ? [...this.rows] : this.rows.filter((r) => r.kind === "gap" || keep(r));
  }

  clear(): void {
    this.rows = [];
    this.view = [];
  }

  /** The newest message seq received (0 when none). */
  get lastSeq(): number {
    for (let i = this.rows.length - 1; i >= 0; i--) {
      const row = this.rows[i] as Row;
      if (row.kind === "message") return row.seq;
    }
    return 0;
  }
}
