/**
 * Committing encoded frames to a pool under the writer lock, in the order that keeps every
 * crash point safe:
 *   1. lock, read the published state; check the append's condition (expected newest seq);
 *   2. plan placements; if old frames are evicted, publish the shrunken bounds first, so no
 *      reader is ever pointed at bytes about to be overwritten (damaged old frames are evicted
 *      with the room they take, up to the next readable one, so damage never blocks appends);
 *   3. write wrap markers, then the frames, sealed Committed in the same positioned write (no
 *      reader looks past the published state, the commit point, so a separate Writing →
 *      Committed flip would cost a write per frame and buy nothing; the format allows it); a
 *      `fast` append stores its frames through the file's mapping instead (no system call);
 *   4. write the index slots; with `flush`, fdatasync;
 *   5. publish the new state (the commit point); with `flush`, fdatasync again; unlock.
 * Invariants: seqs are assigned under the lock, contiguous, never reused; commit times never go
 * backwards within a pool; a failure before step 5 leaves the previously published state intact;
 * nothing is written to a file shorter than its layout (cut short since it was opened); a
 * conditional append that finds another newest seq writes nothing (Conflict); a producer's
 * duplicates are never written again, and its new state (ledger records, written past what the
 * published state names) is published by the same state write as its frames, so a crash leaves
 * both or neither.
 */
import { type AppendCondition, checkCondition } from "../append-condition.js";
import { SpoolError } from "../errors.js";
import { writeU64 } from "../format/bytes.js";
import {
  encodeWrapMarker,
  FRAME_HEADER_SIZE,
  readFrameHead,
  sealFrame,
  WRAP_MARKER_SIZE,
} from "../format/frame.js";
import {
  encodeState,
  INDEX_SLOT_SIZE,
  type PoolLayout,
  type PoolState,
  STATE_SLOT_SIZE,
  slotFor,
} from "../format/header.js";
import type { LedgerRecord } from "../format/ledger.js";
import type { PoolFile } from "../platform/file.js";
import { lockFile, unlockFile } from "../platform/lock.js";
import { decideProducer, type ProducerClaim, poolSeqOf } from "../producer.js";
import { compareInstants, now } from "../time.js";
import type { Durability } from "../validate.js";
import { type ProbeResult, planAppend } from "./append-plan.js";
import { blockingFloor } from "./consumer-ops.js";
import type { EncodedFrame } from "./encoder.js";
import {
  LedgerMoved,
  type LedgerPlan,
  type LedgerView,
  ledgerRef,
  ledgerTurnLost,
} from "./ledger.js";
import { keptProducer, producerRecords } from "./producer-table.js";
import type { FrameReader } from "./reader.js";
import { indexSlot } from "./reader.js";
import { assessDamagedState } from "./recover.js";
import type { StateView } from "./state-view.js";

/** What each committed frame got. */
export interface Committed {
  seq: number;
  timeSec: number;
  timeNanos: number;
}

export interface WriterContext {
  file: PoolFile;
  layout: PoolLayout;
  lockTimeoutMs: number;
  /** The published state; when a slot is damaged, unpublished committed frames are adopted. */
  state: StateView;
  /** Reads frames, for that recovery. */
  reader: FrameReader;
  /** Frame heads seen near the tail, keyed by ring offset (valid while their seq is live). */
  tailCache: Map<number, { seq: number; length: number }>;
  /** The pool's ledger, or the error a producer append gets on a pool without a usable one. */
  ledger: LedgerView | (() => SpoolError);
}

/** What a commit did: the frames it committed, and a producer's duplicates it skipped. */
export interface CommitResult {
  /** Seqs and times of the committed frames: the input's frames after the duplicates. */
  committed: Committed[];
  /** Per duplicate (the input's first frames), the pool seq it was stored at, when known. */
  duplicates: (number | undefined)[];
}

/** Bytes read at once when probing the oldest frames. */
const PROBE_READ = 64 * 1024;

/** Extra bytes an evicting append frees ahead: up to 64 KiB, at most 1/16 of the ring. */
export function evictionReserve(ringSize: number): number {
  return Math.min(64 * 1024, Math.floor(ringSize / 16 / 8) * 8);
}

const stateBuf = Buffer.alloc(STATE_SLOT_SIZE);
const wrapBuf = Buffer.alloc(WRAP_MARKER_SIZE);
encodeWrapMarker(wrapBuf, 0);
const probeBuf = Buffer.alloc(PROBE_READ);

function publish(ctx: WriterContext, state: PoolState): void {
  encodeState(stateBuf, 0, state);
  const offset = slotFor(state.generation);
  ctx.file.write(stateBuf, 0, STATE_SLOT_SIZE, offset);
  ctx.state.published(offset, stateBuf, state);
}

/**
 * What is stored at a ring offset near the tail. Reads 64 KiB at once and remembers the frame
 * heads it finds. Only live frames are remembered (a run of consecutive seqs within the
 * published bounds), and an entry is used only while its seq is still live: a live frame does
 * not move or change until it is evicted, but the bytes past the head (older laps, a crashed
 * writer's leftovers) and evicted frames (overwritten since, by any process) are not trusted.
 */
function probe(ctx: WriterContext, offset: number, state: PoolState): ProbeResult {
  const cached = ctx.tailCache.get(offset);
  if (cached && cached.seq >= state.oldest && cached.seq <= state.newest)
    return { wrap: false, ...cached };
  ctx.tailCache.clear();
  const room = Math.min(PROBE_READ, ctx.layout.ringSize - offset);
  const n = ctx.file.readSome(probeBuf, 0, room, ctx.layout.ringOffset + offset);
  if (n < WRAP_MARKER_SIZE) return { wrap: true };
  let first: ProbeResult | undefined;
  let next = -1;
  for (
    let at = 0;
    at + FRAME_HEADER_SIZE <= n || (first === undefined && at + WRAP_MARKER_SIZE <= n);
  ) {
    const head = readFrameHead(probeBuf, at);
    const result: ProbeResult =
      head === "wrap"
        ? { wrap: true }
        : typeof head === "string"
          ? { wrap: false, seq: -1, length: 0 }
          : { wrap: false, seq: head.seq, length: head.length };
    first ??= result;
    if (result.wrap || result.length <= 0) break;
    if (
      result.seq < state.oldest ||
      result.seq > state.newest ||
      (next >= 0 && result.seq !== next)
    )
      break;
    ctx.tailCache.set(offset + at, { seq: result.seq, length: result.length });
    next = result.seq + 1;
    at += result.length;
  }
  return first ?? { wrap: true };
}

/**
 * The state to append to when a state slot is damaged: the lost publication's committed frames
 * adopted, or Corrupt when the damage may hide published seqs that cannot be verified (handing
 * them out again would give a seq that readers may have seen a second, different message). A
 * claim read from a damaged slot is unverified: at worst this refuses a pool that was safe to
 * append to, never the other way round.
 */
function recoverState(ctx: WriterContext, state: PoolState): PoolState {
  const assessed = assessDamagedState(ctx.reader, state, ctx.state.claims);
  if (!assessed.refuse) return assessed.state;
  throw new SpoolError("Corrupt", assessed.refuse.message, {
    path: ctx.file.path,
    seq: assessed.refuse.seq,
    offset: assessed.refuse.offset,
    hint: "run `spool doctor` on the pool; copy out the messages that can still be read and recreate it",
  });
}

/** Commits `frames` (encoded at the start of `scratch`) and returns their seqs and times. */
export function commitFrames(
  ctx: WriterContext,
  scratch: Buffer,
  frames: readonly EncodedFrame[],
  durability: Durability,
  condition?: AppendCondition,
  producer?: ProducerClaim,
): CommitResult {
  ctx.file.assertWritable();
  lockFile(ctx.file.fd, ctx.lockTimeoutMs, ctx.file.path);
  return commitLocked(ctx, scratch, frames, durability, condition, producer);
}

function ledgerOf(ctx: WriterContext): LedgerView {
  if (typeof ctx.ledger === "function") throw ctx.ledger();
  return ctx.ledger;
}

/**
 * `commitFrames` for a caller that took the writer lock itself (without waiting: see
 * lock-wait.ts) in the same synchronous turn; the lock is released when the commit ends.
 */
export function commitLocked(
  ctx: WriterContext,
  scratch: Buffer,
  input: readonly EncodedFrame[],
  durability: Durability,
  condition?: AppendCondition,
  producer?: ProducerClaim,
): CommitResult {
  const { file, layout } = ctx;
  try {
    // A file cut short under this handle would be re-extended by the writes below into one no
    // fresh open accepts: refuse before writing anything, so nothing unreadable is acknowledged.
    file.assertLength(layout.fileSize);
    let state = ctx.state.read();
    if (ctx.state.damaged) state = recoverState(ctx, state);
    const duplicates: (number | undefined)[] = [];
    let frames = input;
    let ledger: { view: LedgerView; table: ReturnType<LedgerView["read"]> } | undefined;
    if (producer) {
      const view = ledgerOf(ctx);
      ledger = { view, table: readLocked(view, state) };
      const kept = keptProducer(ledger.table, producer.id, file.path);
      const decision = decideProducer(kept, producer, frames.length, file.path);
      for (let i = 0; i < decision.duplicates; i++)
        duplicates.push(kept && poolSeqOf(kept, producer.seq + i));
      if (decision.duplicates > 0) frames = frames.slice(decision.duplicates);
      // Every message is a duplicate: nothing to write, and the condition was met when they were.
      if (frames.length === 0) return { committed: [], duplicates };
    }
    checkCondition(state, condition, file.path);
    const plan = planAppend(
      state,
      layout.ringSize,
      frames.map((f) => f.length),
      (offset) => probe(ctx, offset, state),
      {
        path: file.path,
        reserve: evictionReserve(layout.ringSize),
        ringOffset: layout.ringOffset,
        // Eviction passes damaged frames: they go with the room they take (see append-plan.ts).
        resync: (seq, offset) => ctx.reader.nextReadable(seq, offset, state),
      },
    );
    if (plan.evicted > 0) refuseBlockedEviction(ctx, state, plan.oldest);
    let generation = state.generation;
    if (plan.evicted > 0) {
      generation++;
      publish(ctx, { ...state, generation, tail: plan.tail, oldest: plan.oldest });
      // Under `flush`, the shrunken bounds must be durable before old frames are overwritten.
      if (durability === "flush") file.datasync();
    }

    // Stamp seqs and monotonic times.
    const committed: Committed[] = [];
    let last = { sec: state.newestTimeSec, nanos: state.newestTimeNanos };
    let clock = now();
    if (compareInstants(clock, last) <= 0) {
      clock =
        last.nanos === 999_999_999
          ? { sec: last.sec + 1, nanos: 0 }
          : { sec: last.sec, nanos: last.nanos + 1 };
    }
    for (let i = 0; i < frames.length; i++) {
      const frame = frames[i] as EncodedFrame;
      const stamp = { seq: state.newest + 1 + i, timeSec: clock.sec, timeNanos: clock.nanos };
      sealFrame(scratch, frame.at, frame.tagsLen, frame.dataLen, stamp);
      committed.push(stamp);
      last = clock;
    }

    for (const marker of plan.wrapMarkers)
      file.write(wrapBuf, 0, WRAP_MARKER_SIZE, layout.ringOffset + marker);

    // Frames are contiguous in scratch; write each run that is contiguous in the ring at once.
    let runStart = 0;
    for (let i = 1; i <= frames.length; i++) {
      const prev = frames[i - 1] as EncodedFrame;
      const contiguous =
        i < frames.length &&
        plan.placements[i] === (plan.placements[i - 1] as number) + prev.length;
      if (contiguous) continue;
      const first = frames[runStart] as EncodedFrame;
      const bytes = prev.at + prev.length - first.at;
      file.writeFrames(
        scratch,
        first.at,
        bytes,
        layout.ringOffset + (plan.placements[runStart] as number),
        durability !== "flush",
      );
      runStart = i;
    }
    writeIndex(ctx, committed, plan.placements);
    let ledgerPlan: LedgerPlan | undefined;
    if (producer && ledger) {
      const next = {
        id: producer.id,
        epoch: producer.epoch,
        lastSeq: producer.seq + duplicates.length + frames.length - 1,
        lastPoolSeq: plan.newest,
        batchFirstSeq: producer.seq + duplicates.length,
        timeSec: last.sec,
        timeNanos: last.nanos,
      };
      const records = producerRecords(
        ledger.table,
        next,
        ledger.view.layout.producerCapacity,
        file.path,
      );
      ledgerPlan = ledger.view.plan(ledgerRef(state), records);
      for (const write of ledgerPlan.writes)
        file.writeMeta(write.bytes, 0, write.bytes.length, write.position);
    }
    if (durability === "flush") file.datasync();

    publish(ctx, {
      generation: generation + 1,
      head: plan.head,
      tail: plan.tail,
      oldest: plan.oldest,
      newest: plan.newest,
      newestTimeSec: last.sec,
      newestTimeNanos: last.nanos,
      ledgerTurn: ledgerPlan ? ledgerPlan.ref.turn : state.ledgerTurn,
      ledgerLen: ledgerPlan ? ledgerPlan.ref.len : state.ledgerLen,
    });
    if (ledgerPlan && ledger) ledger.view.committed(ledgerPlan);
    if (durability === "flush") file.datasync();
    return { committed, duplicates };
  } finally {
    unlockFile(file.fd);
  }
}

/** The blocking floor of a ledger's table, per published (turn, len): a table never changes under one. */
const floors = new WeakMap<
  LedgerView,
  { turn: number; len: number; floor: ReturnType<typeof blockingFloor> }
>();

/**
 * Busy when evicting up to `oldest` would overwrite a message a group with retention `block`
 * has not finished (spec/api/v0 §3.12); nothing has been written yet.
 */
function refuseBlockedEviction(ctx: WriterContext, state: PoolState, oldest: number): void {
  if (typeof ctx.ledger === "function" || state.ledgerLen === 0) return;
  const view = ctx.ledger;
  let memo = floors.get(view);
  if (!memo || memo.turn !== state.ledgerTurn || memo.len !== state.ledgerLen) {
    memo = {
      turn: state.ledgerTurn,
      len: state.ledgerLen,
      floor: blockingFloor(readLocked(view, state), ctx.file.path),
    };
    floors.set(view, memo);
  }
  const { floor } = memo;
  if (!floor || floor.seq >= oldest || floor.seq > state.newest) return;
  throw new SpoolError(
    "Busy",
    `the append would overwrite message ${floor.seq}, which ${floor.cursor ? `retaining cursor ${floor.group} has not acked` : `group ${floor.group} (retention block) has not finished`}: nothing was appended`,
    {
      path: ctx.file.path,
      seq: floor.seq,
      hint: floor.cursor
        ? `let the cursor's reader catch up (an archive with policy required: start its archiver), or delete the cursor (spool cursor delete POOL ${floor.group})`
        : "let the group's members catch up (ack), or set the group's retention to lost",
    },
  );
}

/** What a commit of ledger records alone (no frames) is given, to plan the records. */
export interface LedgerCommitScene {
  table: ReturnType<LedgerView["read"]>;
  state: PoolState;
}

/**
 * Commits ledger records without frames (a cursor's ack, a group's claim): under the writer lock,
 * `change` plans the records from the table and state read under it, and they are published by
 * one state write (the bounds unchanged, the generation advanced), so the change is all or
 * nothing. No records: nothing is written. Takes the lock itself unless `locked` (see
 * lock-wait.ts).
 */
export function commitLedger<R>(
  ctx: WriterContext,
  durability: Durability,
  change: (scene: LedgerCommitScene) => { records: readonly LedgerRecord[]; result: R },
  locked = false,
): R {
  const { file } = ctx;
  if (!locked) {
    file.assertWritable();
    lockFile(file.fd, ctx.lockTimeoutMs, file.path);
  }
  try {
    file.assertLength(ctx.layout.fileSize);
    const view = ledgerOf(ctx);
    let state = ctx.state.read();
    if (ctx.state.damaged) state = recoverState(ctx, state);
    const { records, result } = change({ table: readLocked(view, state), state });
    if (records.length === 0) return result;
    const plan = view.plan(ledgerRef(state), records);
    for (const write of plan.writes)
      file.writeMeta(write.bytes, 0, write.bytes.length, write.position);
    if (durability === "flush") file.datasync();
    publish(ctx, {
      ...state,
      generation: state.generation + 1,
      ledgerTurn: plan.ref.turn,
      ledgerLen: plan.ref.len,
    });
    view.committed(plan);
    if (durability === "flush") file.datasync();
    return result;
  } finally {
    unlockFile(file.fd);
  }
}

/** The table under the writer lock: no other writer can change it, so a moved half is damage. */
function readLocked(view: LedgerView, state: PoolState) {
  try {
    return view.read(ledgerRef(state));
  } catch (error) {
    if (!(error instanceof LedgerMoved)) throw error;
    throw ledgerTurnLost(view);
  }
}

let indexBuf = Buffer.alloc(INDEX_SLOT_SIZE * 64);

/** Writes index slots for the committed frames, one write per contiguous run of slots. */
function writeIndex(
  ctx: WriterContext,
  committed: readonly Committed[],
  placements: readonly number[],
): void {
  const { indexCapacity, indexOffset, indexStride } = ctx.layout;
  // Only seqs that are multiples of the stride get a slot; a batch's slots are consecutive.
  const indexed: number[] = [];
  for (let i = 0; i < committed.length; i++) {
    if ((committed[i] as Committed).seq % indexStride === 0) indexed.push(i);
  }
  const keep = indexed.slice(-indexCapacity); // only the newest `capacity` keep a slot
  if (keep.length === 0) return;
  if (indexBuf.length < keep.length * INDEX_SLOT_SIZE)
    indexBuf = Buffer.alloc(keep.length * INDEX_SLOT_SIZE * 2);
  let runStart = 0;
  for (let k = 0; k < keep.length; k++) {
    const i = keep[k] as number;
    const seq = (committed[i] as Committed).seq;
    writeU64(indexBuf, k * INDEX_SLOT_SIZE, seq);
    writeU64(indexBuf, k * INDEX_SLOT_SIZE + 8, placements[i] as number);
    const slot = indexSlot(seq, indexStride, indexCapacity);
    if (k + 1 === keep.length || slot + 1 === indexCapacity) {
      const firstSeq = (committed[keep[runStart] as number] as Committed).seq;
      ctx.file.writeMeta(
        indexBuf,
        runStart * INDEX_SLOT_SIZE,
        (k + 1 - runStart) * INDEX_SLOT_SIZE,
        indexOffset + indexSlot(firstSeq, indexStride, indexCapacity) * INDEX_SLOT_SIZE,
      );
      runStart = k + 1;
    }
  }
}
