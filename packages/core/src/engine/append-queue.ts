/**
 * Group commit for one pool handle's asynchronous appends: the queued appends are committed
 * together — one lock, one write of their frames, one publication of the state and, under
 * `flush`, one pair of fdatasyncs for all of them. `flush` appends always queue and commit at
 * the end of the event loop's turn (`setImmediate`), so the requests a server reads in one
 * turn (and those that arrived while the last fdatasync ran) share the next one. A fast append
 * queues only when it cannot commit at once (the lock is held elsewhere, or appends are queued
 * before it: the pool commits it then, measured cheaper than any bookkeeping), and the queue
 * drains after the current synchronous run (a microtask). No timer, no linger.
 *
 * Invariants:
 * - Appends commit in call order, so their seqs follow it.
 * - Only plain appends (no condition, no producer) of the same durability share a commit, at
 *   most GROUP_APPENDS of them and GROUP_BYTES of frames; a conditional or producer append
 *   commits alone, in its place in the order.
 * - A shared commit is tried only while the lock is free at once. If another process holds it,
 *   or the shared commit is refused before anything of it is written (Usage: too large for the
 *   ring together; Busy: its eviction would pass a `block` group), its appends are committed
 *   one by one exactly as they would have been alone (each waits with its own signal and gets
 *   its own answer or error). Any other failure (Io, Corrupt) is every append's error, as it
 *   would have been for each: nothing is retried that may have been written.
 * - Each queued append owns a copy of its encoded bytes; an append whose signal aborted before
 *   its commit started is rejected and appends nothing.
 */
import type { AppendCondition } from "../append-condition.js";
import { isSpoolError } from "../errors.js";
import type { PoolFile } from "../platform/file.js";
import { tryLockFile } from "../platform/lock.js";
import type { ProducerClaim } from "../producer.js";
import type { Durability } from "../validate.js";
import type { EncodedFrame } from "./encoder.js";
import { whenLocked } from "./lock-wait.js";
import type { CommitResult } from "./writer.js";

/** Most appends in one shared commit. */
export const GROUP_APPENDS = 1024;
/** Most frame bytes in one shared commit. */
export const GROUP_BYTES = 1024 * 1024;

/** What an append asks for, besides its frames. */
export interface AppendRequest {
  durability: Durability;
  condition: AppendCondition | undefined;
  producer: ProducerClaim | undefined;
  signal: AbortSignal | undefined;
}

/** One queued append: its own encoded bytes (frames from offset 0) and what it asks for. */
interface QueuedAppend extends AppendRequest {
  bytes: Buffer;
  frames: readonly EncodedFrame[];
}

/** What an append's answer is built from: the bytes its frames were sealed in, and its part. */
export interface CommittedAppend {
  bytes: Buffer;
  frames: readonly EncodedFrame[];
  result: CommitResult;
}

/** Commits `frames` of `bytes` with the writer lock held by the caller (commitLocked). */
export type LockedCommit = (
  bytes: Buffer,
  frames: readonly EncodedFrame[],
  durability: Durability,
  condition: AppendCondition | undefined,
  producer: ProducerClaim | undefined,
) => CommitResult;

interface Entry extends QueuedAppend {
  size: number;
  resolve: (done: CommittedAppend) => void;
  reject: (error: unknown) => void;
}

/** Thrown by `beforeWait` to give a shared commit up when the lock is not free at once. */
const LOCK_HELD = Symbol("lock held elsewhere");

function plain(e: Entry): boolean {
  return e.condition === undefined && e.producer === undefined;
}

export class AppendQueue {
  readonly #file: PoolFile;
  readonly #lockTimeoutMs: number;
  readonly #commit: LockedCommit;
  #queue: Entry[] = [];
  #soon = false;
  #turnEnd = false;
  #draining = false;

  constructor(file: PoolFile, lockTimeoutMs: number, commit: LockedCommit) {
    this.#file = file;
    this.#lockTimeoutMs = lockTimeoutMs;
    this.#commit = commit;
  }

  /** Nothing queued nor committing: an append may commit at once without passing another. */
  private get idle(): boolean {
    return this.#queue.length === 0 && !this.#draining;
  }

  /**
   * Commits `frames` (encoded in `scratch`, from offset 0): at once, synchronously, for a fast
   * append with nothing queued before it while the lock is free (the bookkeeping of a group
   * costs more than the few syscalls it would share); else queued with a copy of its bytes
   * (`scratch` is the handle's shared encoder buffer), resolving once it committed.
   */
  append(
    scratch: Buffer,
    frames: readonly EncodedFrame[],
    request: AppendRequest,
  ): CommittedAppend | Promise<CommittedAppend> {
    const { durability, condition, producer } = request;
    if (durability === "fast" && this.idle && tryLockFile(this.#file.fd, this.#file.path)) {
      return {
        bytes: scratch,
        frames,
        result: this.#commit(scratch, frames, durability, condition, producer),
      };
    }
    const last = frames[frames.length - 1] as EncodedFrame;
    const bytes = Buffer.from(scratch.subarray(0, last.at + last.length));
    return this.#submit({ ...request, bytes, frames });
  }

  /** Queues `append`; resolves once it committed (or rejects with its own error). */
  #submit(append: QueuedAppend): Promise<CommittedAppend> {
    return new Promise<CommittedAppend>((resolve, reject) => {
      const last = append.frames[append.frames.length - 1] as EncodedFrame;
      this.#queue.push({ ...append, size: last.at + last.length, resolve, reject });
      this.#schedule(append.durability === "flush");
    });
  }

  /** Drains after this synchronous run (a microtask), or at the turn's end for `flush`. */
  #schedule(atTurnEnd: boolean): void {
    if (this.#draining) return;
    if (atTurnEnd) {
      if (this.#turnEnd) return;
      this.#turnEnd = true;
      setImmediate(() => {
        this.#turnEnd = false;
        void this.#drain();
      });
    } else {
      if (this.#soon) return;
      this.#soon = true;
      queueMicrotask(() => {
        this.#soon = false;
        void this.#drain();
      });
    }
  }

  async #drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (this.#queue.length > 0) {
        const group = this.#nextGroup();
        if (group.length === 1) await this.#commitAlone(group[0] as Entry);
        else if (group.length > 1) await this.#commitShared(group);
      }
    } finally {
      this.#draining = false;
      if (this.#queue.length > 0) this.#schedule(false);
    }
  }

  /** The appends at the head of the queue that commit next (aborted ones are rejected). */
  #nextGroup(): Entry[] {
    const group: Entry[] = [];
    let bytes = 0;
    while (this.#queue.length > 0) {
      const next = this.#queue[0] as Entry;
      if (next.signal?.aborted) {
        this.#queue.shift();
        // whenLocked answers an aborted wait with the append's own error, before any lock.
        this.#commitAlone(next).catch(() => {});
        continue;
      }
      const first = group[0];
      if (first !== undefined) {
        const joins =
          plain(first) &&
          plain(next) &&
          next.durability === first.durability &&
          group.length < GROUP_APPENDS &&
          bytes + next.size <= GROUP_BYTES;
        if (!joins) break;
      }
      this.#queue.shift();
      group.push(next);
      bytes += next.size;
      if (!plain(next)) break;
    }
    return group;
  }

  async #commitAlone(e: Entry): Promise<void> {
    try {
      const result = await whenLocked(
        this.#file,
        this.#lockTimeoutMs,
        () => this.#commit(e.bytes, e.frames, e.durability, e.condition, e.producer),
        { signal: e.signal },
      );
      e.resolve({ bytes: e.bytes, frames: e.frames, result });
    } catch (error) {
      e.reject(error);
    }
  }

  async #commitShared(group: Entry[]): Promise<void> {
    let total = 0;
    for (const e of group) total += e.size;
    const bytes = Buffer.allocUnsafe(total);
    const frames: EncodedFrame[] = [];
    const parts: { from: number; frames: EncodedFrame[] }[] = [];
    let at = 0;
    for (const e of group) {
      e.bytes.copy(bytes, at, 0, e.size);
      const own = e.frames.map((f) => ({ ...f, at: at + f.at }));
      parts.push({ from: frames.length, frames: own });
      frames.push(...own);
      at += e.size;
    }
    const durability = (group[0] as Entry).durability;
    let result: CommitResult;
    try {
      result = await whenLocked(
        this.#file,
        this.#lockTimeoutMs,
        () => this.#commit(bytes, frames, durability, undefined, undefined),
        {
          beforeWait: () => {
            throw LOCK_HELD;
          },
        },
      );
    } catch (error) {
      const refused =
        error === LOCK_HELD ||
        (isSpoolError(error) && (error.kind === "Usage" || error.kind === "Busy"));
      if (!refused) {
        for (const e of group) e.reject(error);
        return;
      }
      // Held elsewhere, or refused before anything was written: each append on its own, with
      // its own wait, answer and error.
      for (const e of group) await this.#commitAlone(e);
      return;
    }
    group.forEach((e, i) => {
      const part = parts[i] as (typeof parts)[number];
      e.resolve({
        bytes,
        frames: part.frames,
        result: {
          committed: result.committed.slice(part.from, part.from + part.frames.length),
          duplicates: [],
        },
      });
    });
  }
}
