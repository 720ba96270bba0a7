/**
 * The corruption fuzz harness: makes one damaged copy of a base pool (bit flips aimed at a region,
 * or a truncation), predicts from the undamaged bytes what an honest reader must do, then runs
 * every operation on the damaged file and lists each violation.
 *
 * Rules checked for every file: open, info, get (every seq of the original bounds and a few
 * outside), tail and tailJsonl (follow: false, since 1), verify, append, then get and verify
 * again, each either returns correct data or throws a SpoolError of an allowed kind with a hint;
 * never another exception, never a message that differs from what was written for its seq, never
 * a step that outlives its time bound. Where the damage is fully predictable (header, both state
 * slots, truncation, bytes no reader needs, one damaged frame or wrap marker) the exact outcome
 * is checked too: which seqs are readable, where a tail stops, what verify reports.
 */
import { writeFileSync } from "node:fs";
import {
  type ErrorKind,
  isSpoolError,
  type Message,
  Pool,
  type VerifyReport,
  verifyPool,
} from "../../src/index.js";
import {
  byteAt,
  LEDGER_DESCRIPTOR,
  type OracleSlot,
  type Range,
  rangeBytes,
  SLOT_A,
  SLOT_B,
  SLOT_BYTES,
  STATIC_BLOCK,
  touches,
  UNUSED_HEADER,
} from "./corrupt-format.js";
import { type BasePool, lineOf, mismatch, type Original, originalOf } from "./corrupt-pools.js";
import type { Prng } from "./prng.js";

export const CATEGORIES = [
  "bits-anywhere",
  "header-static",
  "header-unused",
  "state-current",
  "state-other",
  "state-both",
  "index",
  "ring",
  "ring-dead",
  "frame",
  "frame-header-oldest",
  "wrap-marker",
  "truncate",
] as const;
export type Category = (typeof CATEGORIES)[number];

export interface Mutation {
  category: Category;
  baseId: string;
  /** Flipped bits: [file offset, bit 0-7]. */
  flips: [number, number][];
  truncateTo?: number;
}

export interface Prediction {
  /** Damage open must detect (Corrupt). */
  openFails: boolean;
  /** Damage no reader may notice: everything behaves as on the undamaged file. */
  pristine: boolean;
  /**
   * The ledger descriptor is damaged: messages are unaffected, but verify must report it (and
   * only it) as an error, since producer appends are refused.
   */
  ledgerDamaged?: boolean;
  /** The current state slot is damaged: readers fall back to this (older) state. */
  fallback?: OracleSlot;
  /** The first damaged thing a reader walking from the tail meets, with the seq it blocks. */
  firstDamaged?: { seq: number; offset: number };
  /**
   * The first damaged frame. A tail stops exactly there; it gets past a damaged wrap marker
   * before it (reads resume at the next readable frame), but never past a damaged frame.
   */
  firstBadFrame?: number;
  /** Seqs whose own frame is damaged (get must throw Corrupt). */
  damagedSeqs: Set<number>;
}

export function describeMutation(m: Mutation): string {
  if (m.truncateTo !== undefined) return `${m.category} of ${m.baseId} to ${m.truncateTo} bytes`;
  return `${m.category} of ${m.baseId}: ${m.flips.length} bit(s) at ${m.flips.map(([o, b]) => `${o}.${b}`).join(",")}`;
}

function slotRange(offset: number): Range {
  return { start: offset, end: offset + SLOT_BYTES };
}

function flipsIn(prng: Prng, ranges: readonly Range[], count: number): [number, number][] {
  const total = rangeBytes(ranges) * 8;
  if (total === 0) return [];
  return prng.distinct(count, total).map((bit) => [byteAt(ranges, bit >>> 3), bit & 7]);
}

/** A random mutation of `category` for `base`; undefined when the base has no such region. */
export function makeMutation(prng: Prng, base: BasePool, category: Category): Mutation | undefined {
  const { view } = base;
  const { layout } = view;
  const k = (): number => prng.int(1, 20);
  const make = (flips: [number, number][]): Mutation | undefined =>
    flips.length > 0 ? { category, baseId: base.spec.id, flips } : undefined;
  switch (category) {
    case "bits-anywhere":
      return make(flipsIn(prng, [{ start: 0, end: layout.fileSize }], k()));
    case "header-static":
      return make(flipsIn(prng, [STATIC_BLOCK], k()));
    case "header-unused":
      return make(flipsIn(prng, [UNUSED_HEADER], k()));
    case "state-current":
      return make(flipsIn(prng, [slotRange(view.currentSlot)], k()));
    case "state-other":
      return make(flipsIn(prng, [slotRange(view.otherSlot)], k()));
    case "state-both":
      return make([
        ...flipsIn(prng, [slotRange(SLOT_A)], prng.int(1, 10)),
        ...flipsIn(prng, [slotRange(SLOT_B)], prng.int(1, 10)),
      ]);
    case "index":
      return make(flipsIn(prng, [{ start: layout.indexOffset, end: layout.ringOffset }], k()));
    case "ring":
      return make(flipsIn(prng, [{ start: layout.ringOffset, end: layout.fileSize }], k()));
    case "ring-dead":
      return make(flipsIn(prng, view.dead, k()));
    case "frame": {
      if (view.frames.length === 0) return undefined;
      const frame = prng.pick(view.frames);
      return make(flipsIn(prng, frame.checked, k()));
    }
    case "frame-header-oldest": {
      const frame = view.frames[0];
      if (!frame) return undefined;
      return make(flipsIn(prng, [{ start: frame.offset, end: frame.offset + 48 }], prng.int(1, 4)));
    }
    case "wrap-marker": {
      if (view.liveMarkers.length === 0) return undefined;
      const marker = prng.pick(view.liveMarkers);
      return make(
        flipsIn(prng, [{ start: marker.offset, end: marker.offset + 8 }], prng.int(1, 6)),
      );
    }
    case "truncate": {
      const truncateTo = prng.chance(0.3) ? prng.int(0, 4095) : prng.int(4096, layout.fileSize - 1);
      return { category, baseId: base.spec.id, flips: [], truncateTo };
    }
  }
}

export function applyMutation(bytes: Buffer, m: Mutation): Buffer {
  if (m.truncateTo !== undefined) return Buffer.from(bytes.subarray(0, m.truncateTo));
  const out = Buffer.from(bytes);
  for (const [offset, bit] of m.flips) out[offset] = (out[offset] as number) ^ (1 << bit);
  return out;
}

/** What an honest reader must do with the damaged file, derived from the undamaged bytes. */
export function predict(base: BasePool, m: Mutation): Prediction {
  const offsets = [...new Set(m.flips.map(([o]) => o))];
  const none: Prediction = {
    openFails: false,
    pristine: false,
    damagedSeqs: new Set(),
    ...(touches(offsets, [LEDGER_DESCRIPTOR]) ? { ledgerDamaged: true } : {}),
  };
  if (m.truncateTo !== undefined) return { ...none, openFails: true };
  const { view } = base;
  if (touches(offsets, [STATIC_BLOCK])) return { ...none, openFails: true };
  const current = touches(offsets, [slotRange(view.currentSlot)]);
  const other = touches(offsets, [slotRange(view.otherSlot)]);
  const damagedSeqs = new Set<number>();
  for (const frame of view.frames) if (touches(offsets, frame.checked)) damagedSeqs.add(frame.seq);
  if (current) {
    const fallback = view.slots[view.otherSlot === SLOT_A ? 0 : 1];
    if (!fallback || other) return { ...none, openFails: true };
    return { ...none, fallback, damagedSeqs };
  }
  const blocked: { seq: number; offset: number; marker: boolean }[] = [];
  for (const frame of view.frames) {
    if (damagedSeqs.has(frame.seq))
      blocked.push({ seq: frame.seq, offset: frame.offset, marker: false });
  }
  for (const marker of view.liveMarkers) {
    if (touches(offsets, [{ start: marker.offset, end: marker.offset + 8 }]))
      blocked.push({ seq: marker.nextSeq, offset: marker.offset, marker: true });
  }
  // A marker sits before the frame it leads to, so on a tie the walk meets the marker first.
  blocked.sort((a, b) => a.seq - b.seq || Number(b.marker) - Number(a.marker));
  const first = blocked[0];
  if (!first) return { ...none, pristine: true };
  const badFrame = blocked.find((b) => !b.marker)?.seq;
  return {
    ...none,
    firstDamaged: { seq: first.seq, offset: first.offset },
    damagedSeqs,
    ...(badFrame === undefined ? {} : { firstBadFrame: badFrame }),
  };
}

/** Result of draining an async iterable under a time bound. */
interface Drained<T> {
  items: T[];
  error: unknown;
  timedOut: boolean;
  overCap: boolean;
}

async function drain<T>(
  make: (signal: AbortSignal) => AsyncIterable<T>,
  limitMs: number,
  cap: number,
): Promise<Drained<T>> {
  const ac = new AbortController();
  const out: Drained<T> = { items: [], error: undefined, timedOut: false, overCap: false };
  const soft = setTimeout(() => {
    out.timedOut = true;
    ac.abort();
  }, limitMs);
  let hard: NodeJS.Timeout | undefined;
  const run = (async () => {
    try {
      for await (const item of make(ac.signal)) {
        out.items.push(item);
        if (out.items.length > cap) {
          out.overCap = true;
          break;
        }
      }
    } catch (error) {
      out.error = error;
    }
  })();
  const deadline = new Promise<void>((resolve) => {
    hard = setTimeout(() => {
      out.timedOut = true;
      resolve();
    }, limitMs * 2);
  });
  await Promise.race([run, deadline]);
  clearTimeout(soft);
  clearTimeout(hard);
  return out;
}

export interface CaseStats {
  openFailed: boolean;
  messagesRead: number;
  corruptReads: number;
  seqReused: boolean;
  verifyOk: boolean | undefined;
  appendOk: boolean;
  ms: number;
}

export interface CaseContext {
  path: string;
  base: BasePool;
  mutation: Mutation;
  /** Called before each step, with its name (for the hang watchdog). */
  step: (name: string) => void;
  /** Time bound for each tail drain, in ms. */
  tailLimitMs: number;
  /** Appends after the first one (enough to wrap the ring and the index over the damage). */
  extraAppends: number;
}

/** Runs every operation on the damaged file; returns the violations (empty when all is well). */
export async function runCase(
  ctx: CaseContext,
): Promise<{ violations: string[]; stats: CaseStats }> {
  const started = performance.now();
  const { base, mutation, path } = ctx;
  const prediction = predict(base, mutation);
  writeFileSync(path, applyMutation(base.bytes, mutation));
  const violations: string[] = [];
  const fail = (text: string): void => {
    violations.push(text);
  };
  const stats: CaseStats = {
    openFailed: false,
    messagesRead: 0,
    corruptReads: 0,
    seqReused: false,
    verifyOk: undefined,
    appendOk: false,
    ms: 0,
  };
  const checkError = (
    op: string,
    error: unknown,
    allowed: readonly ErrorKind[],
  ): ErrorKind | undefined => {
    if (!isSpoolError(error)) {
      const e = error as { name?: string; message?: string; stack?: string } | undefined;
      fail(
        `${op}: threw a non-SpoolError ${e?.name ?? typeof error}: ${e?.message ?? String(error)}\n${e?.stack ?? ""}`,
      );
      return undefined;
    }
    if (!allowed.includes(error.kind))
      fail(
        `${op}: threw ${error.kind} (${error.message}); allowed: ${allowed.join(", ") || "none"}`,
      );
    if (!error.hint) fail(`${op}: ${error.kind} error has no hint`);
    return error.kind;
  };
  const check = (op: string, message: Message): boolean => {
    const problem = mismatch(message, base.originals);
    if (problem) fail(`${op}: WRONG PAYLOAD: ${problem}`);
    return problem === undefined;
  };

  const origOldest = base.bounds?.oldest ?? base.nextSeq;
  const origNewest = base.nextSeq - 1;
  const expected = prediction.fallback ?? (prediction.openFails ? undefined : base.view.current);
  const expectedBounds =
    expected && expected.oldest <= expected.newest
      ? { oldest: expected.oldest, newest: expected.newest }
      : null;

  ctx.step("open");
  let pool: Pool | undefined;
  try {
    pool = Pool.open(path);
  } catch (error) {
    stats.openFailed = true;
    checkError("open", error, ["Corrupt"]);
  }
  if (prediction.openFails && pool)
    fail(
      "open succeeded, but the damage (header, both state slots or truncation) must be detected",
    );
  if (!prediction.openFails && !pool) fail("open failed although a valid header and state remain");

  let verify1: VerifyReport | undefined;
  if (!pool) {
    ctx.step("verify (unopenable)");
    verify1 = runVerify("verify", path, fail);
    if (verify1?.ok) fail("verify says ok for a file open refuses");
    if (
      verify1 &&
      !verify1.issues.some((i) => i.severity === "error" && typeof i.offset === "number")
    ) {
      fail("verify of an unopenable file reports no error issue with an offset");
    }
    stats.verifyOk = verify1?.ok;
    stats.ms = performance.now() - started;
    return { violations, stats };
  }

  try {
    ctx.step("info");
    let bounds: { oldest: number; newest: number } | null = expectedBounds;
    try {
      const info = pool.info();
      bounds = info.bounds;
      if (JSON.stringify(info.bounds) !== JSON.stringify(expectedBounds)) {
        fail(
          `info: bounds ${JSON.stringify(info.bounds)}, expected ${JSON.stringify(expectedBounds)}`,
        );
      }
      const count = info.bounds ? info.bounds.newest - info.bounds.oldest + 1 : 0;
      if (info.messageCount !== count)
        fail(`info: messageCount ${info.messageCount} for bounds ${JSON.stringify(info.bounds)}`);
      if (info.bytesUsed + info.bytesFree !== info.ringSize || info.bytesUsed < 0)
        fail("info: bytesUsed + bytesFree != ringSize");
      if (info.bounds) {
        const oldestTime = base.originals.get(info.bounds.oldest)?.time;
        if (info.oldestTime !== null && info.oldestTime !== oldestTime)
          fail(`info: oldestTime ${info.oldestTime}, written ${oldestTime}`);
        if (prediction.pristine && info.oldestTime !== oldestTime)
          fail(`info: oldestTime ${info.oldestTime} on an intact oldest frame`);
        const newestTime = base.originals.get(info.bounds.newest)?.time;
        if (info.newestTime !== newestTime)
          fail(`info: newestTime ${info.newestTime}, written ${newestTime}`);
      }
    } catch (error) {
      checkError("info", error, []);
    }

    ctx.step("get");
    const inBounds = (s: number): boolean =>
      bounds !== null && s >= bounds.oldest && s <= bounds.newest;
    const probes = new Set<number>();
    for (let s = origOldest; s <= origNewest; s++) probes.add(s);
    for (const s of [1, origOldest - 1, origNewest + 1]) if (s >= 1) probes.add(s);
    const readable = new Set<number>();
    for (const s of [...probes].sort((a, b) => a - b)) {
      try {
        const message = pool.get(s);
        if (message.seq !== s) fail(`get(${s}) returned seq ${message.seq}`);
        else if (check(`get(${s})`, message)) readable.add(s);
      } catch (error) {
        const kind = checkError(`get(${s})`, error, ["Corrupt", "NotFound"]);
        const seq = (error as { seq?: unknown }).seq;
        if (kind === "NotFound" && (inBounds(s) || seq !== s))
          fail(
            `get(${s}): NotFound (seq ${String(seq)}) for a seq within bounds ${JSON.stringify(bounds)}`,
          );
        if (kind === "Corrupt") {
          stats.corruptReads++;
          if (!inBounds(s) || seq !== s)
            fail(
              `get(${s}): Corrupt (seq ${String(seq)}) outside bounds ${JSON.stringify(bounds)}`,
            );
        }
      }
    }
    try {
      pool.get(origNewest + 1);
      fail(`get(${origNewest + 1}) past the newest returned a message`);
    } catch (error) {
      if (
        checkError(`get(${origNewest + 1})`, error, ["NotFound"]) === "NotFound" &&
        (error as { seq?: unknown }).seq !== origNewest + 1
      ) {
        fail("NotFound past the newest does not carry the seq");
      }
    }
    const count = bounds ? bounds.newest - bounds.oldest + 1 : 0;
    if (prediction.pristine && bounds) {
      for (let s = bounds.oldest; s <= bounds.newest; s++)
        if (!readable.has(s)) fail(`get(${s}) failed on intact data`);
    }
    for (const s of prediction.damagedSeqs)
      if (readable.has(s)) fail(`get(${s}) returned a message whose frame is damaged`);
    // Lookups resume past damage: only a damaged message's own reads fail.
    if (prediction.firstDamaged && bounds) {
      for (let s = bounds.oldest; s <= bounds.newest; s++)
        if (!readable.has(s) && !prediction.damagedSeqs.has(s))
          fail(`get(${s}) failed although only other messages are damaged`);
    }
    stats.messagesRead = readable.size;

    ctx.step("tail");
    const open = pool;
    const gaps: { from: number; to: number; count: number }[] = [];
    const tail = await drain(
      (signal) => open.tail({ since: 1, follow: false, signal, onGap: (g) => gaps.push(g) }),
      ctx.tailLimitMs,
      count + 10,
    );
    ctx.step("tailJsonl");
    const jsonl = await drain(
      (signal) => open.tailJsonl({ since: 1, follow: false, signal }),
      ctx.tailLimitMs,
      count + 10,
    );
    let tailComplete = false;
    for (const [name, drained] of [
      ["tail", tail],
      ["tailJsonl", jsonl],
    ] as const) {
      if (drained.timedOut) fail(`${name}: did not finish within ${ctx.tailLimitMs} ms`);
      if (drained.overCap) fail(`${name}: delivered more messages than the pool holds`);
      if (drained.error !== undefined) {
        if (checkError(name, drained.error, ["Corrupt"]) === "Corrupt") stats.corruptReads++;
      }
    }
    const seqs = tail.items.map((m) => m.seq);
    for (const m of tail.items) check("tail", m);
    const startSeq = bounds?.oldest ?? 1;
    seqs.forEach((s, i) => {
      if (s !== startSeq + i)
        fail(
          `tail: delivered seq ${s} at position ${i}, expected ${startSeq + i} (seqs ${seqs.slice(0, 8).join(",")}...)`,
        );
    });
    if (seqs.length < count) {
      const errSeq = (tail.error as { seq?: unknown } | undefined)?.seq;
      if (!isSpoolError(tail.error, "Corrupt"))
        fail(`tail: stopped after ${seqs.length} of ${count} messages without a Corrupt error`);
      else if (errSeq !== startSeq + seqs.length)
        fail(
          `tail: Corrupt names seq ${String(errSeq)}, the first unread is ${startSeq + seqs.length}`,
        );
    } else {
      tailComplete = tail.error === undefined;
    }
    const wantGaps =
      bounds && bounds.oldest > 1
        ? [{ from: 1, to: bounds.oldest - 1, count: bounds.oldest - 1 }]
        : [];
    if (JSON.stringify(gaps) !== JSON.stringify(wantGaps))
      fail(`tail: gaps ${JSON.stringify(gaps)}, expected ${JSON.stringify(wantGaps)}`);
    if (prediction.pristine && !tailComplete) fail("tail: incomplete on intact data");
    if (prediction.firstDamaged) {
      // Reads resume past a damaged wrap marker, so a tail stops exactly at the first bad frame.
      const most =
        prediction.firstBadFrame === undefined ? count : prediction.firstBadFrame - startSeq;
      if (seqs.length !== most) {
        fail(
          `tail: delivered ${seqs.length} messages; damage starts at seq ${prediction.firstDamaged.seq} (first bad frame ${prediction.firstBadFrame}), so ${most} were readable`,
        );
      }
    }
    const lines = Buffer.concat(jsonl.items).toString("utf8");
    const wantLines = seqs.map((s) => base.originals.get(s)?.line.toString("utf8") ?? "").join("");
    if (lines !== wantLines)
      fail(`tailJsonl: lines differ from the written envelopes of seqs ${seqs[0]}..${seqs.at(-1)}`);
    if ((jsonl.error === undefined) !== (tail.error === undefined))
      fail("tailJsonl and tail disagree about failing");

    ctx.step("verify");
    verify1 = runVerify("verify", path, fail);
    stats.verifyOk = verify1?.ok;
    if (verify1) {
      if (prediction.pristine && !okButLedger(verify1, prediction))
        fail(`verify: not ok on intact data: ${JSON.stringify(verify1.issues)}`);
      if (prediction.ledgerDamaged && !verify1.issues.some(isLedgerIssue))
        fail(
          `verify: the damaged ledger descriptor went unreported: ${JSON.stringify(verify1.issues)}`,
        );
      if (prediction.pristine && verify1.messages !== count)
        fail(`verify: ${verify1.messages} messages, expected ${count}`);
      if (stats.corruptReads > 0 && verify1.ok)
        fail("verify: ok although reads failed with Corrupt");
      if (verify1.ok && (readable.size < count || !tailComplete))
        fail("verify: ok although not every message could be read");
      // The walk goes on past damage, so it counts at least every message `get` could read.
      if (verify1.messages < readable.size)
        fail(`verify: counted ${verify1.messages} messages, but get read ${readable.size}`);
      if (prediction.firstDamaged) {
        // The first issue in the ring is the first damaged thing a walk meets (an error for a
        // damaged frame, a warning for a damaged wrap marker before an intact frame); the walk
        // goes on past it, so later damaged ranges are reported too.
        const ringIssues = verify1.issues.filter(
          (i) => i.seq !== undefined && (i.offset ?? 0) >= base.view.layout.ringOffset,
        );
        const first = ringIssues[0];
        if (!first) {
          fail(
            `verify: expected an issue for the damaged frame, got ${JSON.stringify(verify1.issues)}`,
          );
        } else if (
          first.seq !== prediction.firstDamaged.seq ||
          first.offset !== prediction.firstDamaged.offset
        ) {
          fail(
            `verify: issue at seq ${first.seq} offset ${first.offset}, expected seq ${prediction.firstDamaged.seq} offset ${prediction.firstDamaged.offset}`,
          );
        }
        if (prediction.firstBadFrame !== undefined && verify1.ok)
          fail(`verify: ok although message ${prediction.firstBadFrame} is damaged`);
      }
    }

    ctx.step("append");
    let appended: Message | undefined;
    try {
      appended = pool.append({ seq: "appended", at: Date.now() });
      stats.appendOk = true;
    } catch (error) {
      checkError("append", error, ["Corrupt"]);
      if (prediction.pristine) fail("append failed on intact data");
    }
    if (appended) {
      // A writer that finds the newest state slot damaged adopts the committed frames of the
      // lost publication first (engine/recover.ts), so it continues after the original newest.
      const expectedSeq = prediction.fallback ? origNewest + 1 : base.view.current.newest + 1;
      if (appended.seq !== expectedSeq)
        fail(`append: got seq ${appended.seq}, expected ${expectedSeq}`);
      if (appended.seq <= origNewest) {
        stats.seqReused = true;
        fail(`append: reused seq ${appended.seq} (the file held up to ${origNewest})`);
      }
      ctx.step("get appended");
      try {
        const back = pool.get(appended.seq);
        if (!Buffer.from(back.dataBytes).equals(Buffer.from(appended.dataBytes)))
          fail("get of the appended message returned other data");
      } catch (error) {
        checkError(`get(${appended.seq}) after append`, error, []);
      }
    }
    ctx.step("verify after append");
    const verify2 = runVerify("verify after append", path, fail);
    if (verify1?.ok && appended && verify2 && !verify2.ok)
      fail(
        `verify: a healthy pool became unhealthy after an append: ${JSON.stringify(verify2.issues)}`,
      );
    if (appended) {
      await appendsAfterDamage({
        ...ctx,
        pool,
        prediction,
        first: appended,
        origNewest,
        fail,
        checkError,
      });
    }
  } finally {
    pool.close();
  }
  stats.ms = performance.now() - started;
  return { violations, stats };
}

interface AfterDamage extends CaseContext {
  pool: Pool;
  prediction: Prediction;
  /** The first append after the damage (already checked). */
  first: Message;
  origNewest: number;
  fail: (text: string) => void;
  checkError: (op: string, error: unknown, allowed: readonly ErrorKind[]) => ErrorKind | undefined;
}

/**
 * Damage followed by many appends (wrapping the ring and the index over the damaged bytes):
 * every append gets the next seq and none reuses one; a writer may refuse only with Corrupt
 * (and then keeps refusing); afterwards every open (the long-lived handle and a fresh one)
 * reads every committed, undamaged message byte for byte; a damaged message is never returned;
 * tails stop exactly at a damaged message and go on from the next; verify reports every
 * damaged message still within the bounds.
 */
async function appendsAfterDamage(c: AfterDamage): Promise<void> {
  const { pool, fail, checkError, prediction } = c;
  const written = new Map<number, Original>(c.base.originals);
  const record = (m: Message): void => {
    written.set(m.seq, originalOf(m));
  };
  record(c.first);
  c.step("appends after damage");
  let next = c.first.seq + 1;
  for (let i = 0; i < c.extraAppends; i++) {
    try {
      const m = pool.append({ seq: next, after: "damage", i });
      if (m.seq !== next) {
        fail(`append ${i} after damage: got seq ${m.seq}, expected ${next}`);
        return;
      }
      record(m);
      next++;
    } catch (error) {
      checkError(`append ${i} after damage`, error, ["Corrupt"]);
      break;
    }
  }
  c.step("reads after appends");
  let fresh: Pool | undefined;
  try {
    fresh = Pool.open(c.path);
  } catch (error) {
    checkError("open after appends", error, []);
    return;
  }
  try {
    const bounds = fresh.info().bounds;
    const live = pool.info().bounds;
    if (JSON.stringify(bounds) !== JSON.stringify(live))
      fail(
        `after appends: a fresh open sees ${JSON.stringify(bounds)}, the writer ${JSON.stringify(live)}`,
      );
    if (!bounds) return;
    if (bounds.newest !== next - 1)
      fail(`after appends: newest is ${bounds.newest}, the last acknowledged seq ${next - 1}`);
    const damaged = new Set(
      [...prediction.damagedSeqs].filter((s) => s >= bounds.oldest && s <= bounds.newest),
    );
    for (const reader of [pool, fresh]) {
      const who = reader === pool ? "writer" : "fresh open";
      for (let s = bounds.oldest; s <= bounds.newest; s++) {
        const want = written.get(s);
        try {
          const m = reader.get(s);
          if (damaged.has(s)) fail(`${who}: get(${s}) after appends returned a damaged message`);
          else if (!want || !lineOf(m).equals(want.line))
            fail(`${who}: get(${s}) after appends: WRONG PAYLOAD`);
        } catch (error) {
          checkError(`${who}: get(${s}) after appends`, error, ["Corrupt"]);
          if (!damaged.has(s))
            fail(
              `${who}: get(${s}) after appends failed for an undamaged message: ${String(error)}`,
            );
        }
      }
    }
    const firstDamaged = [...damaged].sort((a, b) => a - b)[0];
    for (const since of [
      bounds.oldest,
      ...(firstDamaged === undefined ? [] : [firstDamaged + 1]),
    ]) {
      if (since > bounds.newest || damaged.has(since)) continue;
      const stopAt = [...damaged].filter((s) => s >= since).sort((a, b) => a - b)[0];
      const drained = await drain(
        (signal) => fresh?.tail({ since, follow: false, signal }) ?? [],
        c.tailLimitMs,
        bounds.newest - bounds.oldest + 10,
      );
      const seqs = drained.items.map((m) => m.seq);
      const end = stopAt === undefined ? bounds.newest : stopAt - 1;
      const want = Array.from({ length: end - since + 1 }, (_, i) => since + i);
      if (JSON.stringify(seqs) !== JSON.stringify(want))
        fail(
          `tail since ${since} after appends: seqs ${seqs[0]}..${seqs.at(-1)}, expected ${since}..${end}`,
        );
      for (const m of drained.items) {
        const w = written.get(m.seq);
        if (!w || !lineOf(m).equals(w.line)) fail(`tail after appends: WRONG PAYLOAD at ${m.seq}`);
      }
      if (
        stopAt === undefined ? drained.error !== undefined : !isSpoolError(drained.error, "Corrupt")
      )
        fail(`tail since ${since} after appends ended with ${String(drained.error)}`);
    }
    c.step("verify after appends");
    const report = runVerify("verify after appends", c.path, fail);
    if (report) {
      const errorSeqs = new Set(
        report.issues.filter((i) => i.severity === "error").map((i) => i.seq),
      );
      for (const s of damaged) {
        if (!damaged.has(s - 1) && !errorSeqs.has(s))
          fail(
            `verify after appends: no error for damaged message ${s}: ${JSON.stringify(report.issues)}`,
          );
      }
      if (damaged.size === 0 && !okButLedger(report, prediction))
        fail(`verify after appends: not ok with no damage left: ${JSON.stringify(report.issues)}`);
      const count = bounds.newest - bounds.oldest + 1;
      if (report.messages !== count - damaged.size)
        fail(`verify after appends: ${report.messages} messages, expected ${count - damaged.size}`);
    }
  } finally {
    fresh.close();
  }
}

function runVerify(
  op: string,
  path: string,
  fail: (text: string) => void,
): VerifyReport | undefined {
  let report: VerifyReport;
  try {
    report = verifyPool(path);
  } catch (error) {
    const e = error as { name?: string; message?: string };
    fail(`${op}: threw ${e?.name}: ${e?.message} (verify must report damage, not throw)`);
    return undefined;
  }
  if (report.ok !== !report.issues.some((i) => i.severity === "error"))
    fail(`${op}: ok disagrees with the issues' severities`);
  for (const issue of report.issues) {
    if (issue.kind !== "Corrupt") fail(`${op}: issue of kind ${issue.kind}: ${issue.message}`);
    if (typeof issue.offset !== "number") fail(`${op}: issue without an offset: ${issue.message}`);
    if (!issue.message) fail(`${op}: issue without a message`);
  }
  return report;
}

function isLedgerIssue(issue: { message: string }): boolean {
  return issue.message.startsWith("pool ledger:");
}

/** True when the report is ok, or its only errors are the ledger damage the prediction expects. */
function okButLedger(
  report: { ok: boolean; issues: { severity: string; message: string }[] },
  prediction: Prediction,
): boolean {
  if (report.ok) return true;
  if (!prediction.ledgerDamaged) return false;
  return report.issues.filter((i) => i.severity === "error").every(isLedgerIssue);
}
