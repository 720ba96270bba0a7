/**
 * Durable cursors on JetStream pools (spec/api/v0 §3.11, spec/engines/jetstream/v0 §8.1): a
 * cursor is one record in the pool's state stream (state.ts), `{committed, ackMs, createdMs}`,
 * read and written with revision checks; tails with `cursor` read it for their start.
 *
 * Invariants: acks are monotonic — an ack at or below the committed seq writes nothing, and two
 * hosts acking one cursor at once end at the higher seq (a stale write reads again and decides
 * again); an ack past the pool's newest seq is Usage; a reset moves the cursor either way and
 * creates it (never past the pool's next seq); a tail's cursor is created at the tail's start − 1
 * before the first message is delivered, and a cursor that exists keeps its place (a tail that
 * races a creation takes the record that won); an unknown cursor is NotFound; names are checked
 * by core's rules; times are this host's clock, as a file pool's are.
 */
import {
  type CursorInfo,
  checkAckSeq,
  checkConsumerName,
  checkDurability,
  type Durability,
  type EngineCursor,
  formatTime,
  type Instant,
  requireTimeInput,
  SpoolError,
  seqAtOrAfterAsync,
} from "@spool/core";
import type { PoolContext } from "./context.js";
import { decodeName, encodeName } from "./names.js";
import { streamState, timeAt } from "./reads.js";
import {
  dropRecord,
  readRecord,
  recordSubjects,
  stateSubject,
  updateRecord,
  writeRecord,
} from "./state.js";

/** A cursor's record in the state stream. */
interface CursorValue {
  committed: number;
  /** When the last ack was made (ms), null before the first. */
  ackMs: number | null;
  createdMs: number;
}

/** Milliseconds as RFC 3339 text with nanoseconds, as a file pool writes its times. */
export function msText(ms: number): string {
  const sec = Math.floor(ms / 1000);
  return formatTime(sec, (ms - sec * 1000) * 1_000_000);
}

function cursorSubject(ctx: PoolContext, name: string): string {
  return `${stateSubject(ctx.name)}.c.${encodeName(name)}`;
}

function infoOf(name: string, value: CursorValue, newest: number): CursorInfo {
  return {
    name,
    committed: value.committed,
    lag: Math.max(0, newest - value.committed),
    ackTime: value.ackMs === null ? null : msText(value.ackMs),
    createdTime: msText(value.createdMs),
  };
}

function unknownCursor(ctx: PoolContext, name: string): SpoolError {
  return new SpoolError("NotFound", `cursor ${name} not found`, {
    path: ctx.path,
    hint: "a tail with this cursor creates it (`spool follow POOL --cursor NAME`); `spool cursor list POOL` shows the kept ones",
  });
}

/** A durable cursor of a JetStream pool: `pool.cursor(name)`. */
export class JetStreamCursor implements EngineCursor {
  readonly name: string;
  readonly #ctx: PoolContext;

  constructor(ctx: PoolContext, name: string) {
    this.#ctx = ctx;
    this.name = checkConsumerName(name, "cursor");
  }

  async info(): Promise<CursorInfo> {
    const ctx = this.#ctx;
    const [kept, state] = await Promise.all([
      readRecord<CursorValue>(ctx, cursorSubject(ctx, this.name)),
      streamState(ctx),
    ]);
    if (!kept) throw unknownCursor(ctx, this.name);
    return infoOf(this.name, kept.value, state.bounds.newest);
  }

  async ack(seq: number, options: { durability?: Durability } = {}): Promise<CursorInfo> {
    const ctx = this.#ctx;
    const at = checkAckSeq(seq);
    checkDurability(options.durability);
    const { newest } = (await streamState(ctx)).bounds;
    return updateRecord<CursorValue, CursorInfo>(ctx, cursorSubject(ctx, this.name), (kept) => {
      if (!kept) throw unknownCursor(ctx, this.name);
      if (at > newest) {
        throw new SpoolError(
          "Usage",
          `cannot ack seq ${at} on cursor ${this.name}: the pool's newest seq is ${newest}`,
          { path: ctx.path, seq: at, hint: "ack only seqs the tail delivered" },
        );
      }
      if (at <= kept.committed)
        return { value: undefined, result: infoOf(this.name, kept, newest) };
      const value = { ...kept, committed: at, ackMs: Date.now() };
      return { value, result: infoOf(this.name, value, newest) };
    });
  }

  async reset(to: { seq: number } | { time: string | Date }): Promise<CursorInfo> {
    const ctx = this.#ctx;
    if (typeof to !== "object" || to === null || ("seq" in to && "time" in to)) {
      throw new SpoolError("Usage", "reset takes { seq } or { time }", {
        hint: "e.g. cursor.reset({ seq: 1 }) or cursor.reset({ time: '2026-12-01T00:00:00Z' })",
      });
    }
    const seq = "seq" in to ? checkAckSeq(to.seq) : undefined;
    const instant = "time" in to ? requireTimeInput(to.time) : undefined;
    if (seq === undefined && instant === undefined) {
      throw new SpoolError("Usage", "reset takes { seq } or { time }", {
        hint: "e.g. cursor.reset({ seq: 1 })",
      });
    }
    const { bounds } = await streamState(ctx);
    const next = bounds.newest + 1;
    const start =
      seq ??
      (await seqAtOrAfterAsync(bounds.oldest, bounds.newest, instant as Instant, (s) =>
        timeAt(ctx, s),
      ));
    if (start > next) {
      throw new SpoolError(
        "Usage",
        `cannot start cursor ${this.name} at seq ${start}: the pool's next seq is ${next}`,
        { path: ctx.path, seq: start, hint: `start at a seq from 1 to ${next}, or at a time` },
      );
    }
    return updateRecord<CursorValue, CursorInfo>(ctx, cursorSubject(ctx, this.name), (kept) => {
      const value: CursorValue = {
        committed: Math.max(0, start - 1),
        ackMs: kept?.ackMs ?? null,
        createdMs: kept?.createdMs ?? Date.now(),
      };
      return { value, result: infoOf(this.name, value, bounds.newest) };
    });
  }

  async delete(): Promise<CursorInfo> {
    const ctx = this.#ctx;
    const subject = cursorSubject(ctx, this.name);
    const [kept, state] = await Promise.all([
      readRecord<CursorValue>(ctx, subject),
      streamState(ctx),
    ]);
    if (!kept) throw unknownCursor(ctx, this.name);
    await dropRecord(ctx, subject);
    return infoOf(this.name, kept.value, state.bounds.newest);
  }
}

/** The cursors pool `ctx` keeps, by name. */
export async function listCursors(ctx: PoolContext): Promise<CursorInfo[]> {
  const prefix = `${stateSubject(ctx.name)}.c.`;
  const [subjects, state] = await Promise.all([
    recordSubjects(ctx, `${prefix}*`),
    streamState(ctx),
  ]);
  const out: CursorInfo[] = [];
  for (const subject of subjects) {
    const name = decodeName(subject.slice(prefix.length));
    const kept = name === undefined ? undefined : await readRecord<CursorValue>(ctx, subject);
    if (name !== undefined && kept) out.push(infoOf(name, kept.value, state.bounds.newest));
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * A tail's cursor: the kept one, or one created at `start` − 1 (written before the tail reads
 * anything). Answers the first seq the tail delivers: committed + 1.
 */
export async function openTailCursor(
  ctx: PoolContext,
  name: string,
  start: () => Promise<number>,
): Promise<number> {
  const subject = cursorSubject(ctx, name);
  for (;;) {
    const kept = await readRecord<CursorValue>(ctx, subject);
    if (kept) return kept.value.committed + 1;
    const first = await start();
    const value: CursorValue = {
      committed: Math.max(0, first - 1),
      ackMs: null,
      createdMs: Date.now(),
    };
    if ((await writeRecord(ctx, subject, value, 0)) !== "stale") return value.committed + 1;
  }
}

/** Acks `seq` on a tail's cursor (autoAck): monotonic, like `ack`, without the newest check. */
export async function autoAck(ctx: PoolContext, name: string, seq: number): Promise<void> {
  await updateRecord<CursorValue, undefined>(ctx, cursorSubject(ctx, name), (kept) => {
    if (!kept) throw unknownCursor(ctx, name);
    if (seq <= kept.committed) return { value: undefined, result: undefined };
    return { value: { ...kept, committed: seq, ackMs: Date.now() }, result: undefined };
  });
}
