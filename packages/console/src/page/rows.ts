/**
 * The live view's bounded buffer: the newest rows received (messages and gap notices, in the
 * order the tail delivered them) and the subsequence the current filter keeps.
 *
 * Invariants: never more than `capacity` rows (the oldest go first, from both lists at once);
 * `view` is always exactly the rows of `rows` the filter keeps, in order; gap rows are always
 * kept (a filter never hides where messages were lost); a message's data is parsed at most once,
 * and only when a filter or the inspector needs it.
 */
import type { FilterEnvelope } from "./filter.js";

export interface MessageRow {
  kind: "message";
  /** Insertion number (unique within a buffer, increasing). */
  n: number;
  seq: number;
  time: string;
  tags: string[];
  /** The stored JSON text of `data`. */
  text: string;
}

export interface GapRow {
  kind: "gap";
  n: number;
  from: number;
  to: number;
  count: number;
}

export type Row = MessageRow | GapRow;
export type NewRow = Omit<MessageRow, "n"> | Omit<GapRow, "n">;

const parsedData = new WeakMap<MessageRow, unknown>();

/** The row's `data`, parsed once (a string that is no JSON stays the text). */
export function rowData(row: MessageRow): unknown {
  if (parsedData.has(row)) return parsedData.get(row);
  let value: unknown;
  try {
    value = JSON.parse(row.text);
  } catch {
    value = row.text;
  }
  parsedData.set(row, value);
  return value;
}

/** The row as the envelope of spec/http §2.1 (the filter's and the inspector's view). */
export function rowEnvelope(row: MessageRow): FilterEnvelope {
  return { seq: row.seq, time: row.time, meta: { tags: row.tags }, data: rowData(row) };
}

export class RowBuffer {
  readonly capacity: number;
  rows: Row[] = [];
  view: Row[] = [];
  #filter: ((row: MessageRow) => boolean) | undefined;
  #n = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get full(): boolean {
    return this.rows.length >= this.capacity;
  }

  /** Appends rows (oldest first), then drops the oldest beyond the capacity. */
  push(batch: readonly NewRow[]): void {
    for (const item of batch) {
      const row = { ...item, n: this.#n++ } as Row;
      this.rows.push(row);
      if (row.kind === "gap" || this.#filter === undefined || this.#filter(row)) {
        this.view.push(row);
      }
    }
    const excess = this.rows.length - this.capacity;
    if (excess <= 0) return;
    const firstKept = (this.rows[excess] as Row).n;
    this.rows.splice(0, excess);
    let drop = 0;
    while (drop < this.view.length && (this.view[drop] as Row).n < firstKept) drop++;
    if (drop > 0) this.view.splice(0, drop);
  }

  /** Sets the filter (undefined: keep every row) and recomputes the view. */
  setFilter(filter: ((row: MessageRow) => boolean) | undefined): void {
    this.#filter = filter;
    this.view =
      filter === undefined
        ? [...this.rows]
        : this.rows.filter((row) => row.kind === "gap" || filter(row));
  }

  clear(): void {
    this.rows = [];
    this.view = [];
  }

  /** The view's index of the first message row with seq ≥ `seq` (-1 when none). */
  indexOfSeq(seq: number): number {
    return this.view.findIndex((row) => row.kind === "message" && row.seq >= seq);
  }
}
