/**
 * Change notification for followers: one fs.watch (inotify) watcher per pool file per process,
 * shared by every waiter, with a bounded poll as the fallback; and a per-event memo so the
 * followers of one pool can share a read (the published state) instead of each repeating it.
 *
 * Invariants: correctness never depends on an event (a waiter always wakes by its poll deadline
 * and re-reads the pool state); a waiter can be cancelled by an AbortSignal; the watcher closes
 * when its last waiter leaves, so no handle or timer outlives the tails that needed it.
 * The version counter moves on every event, at once: a waiter whose mark predates an event
 * never sleeps (it returns at once, or the wake scheduled by that event wakes it). Wakes are
 * coalesced: a burst of events delivered in one event-loop turn wakes each waiter once, in the
 * check phase of that same turn (setImmediate), so no wake is lost or delayed by more than the
 * turn. Versions are unique in the process (one counter for every watch), so a mark taken on
 * one watcher never equals a mark of another. A memoised value is reused only while the
 * watcher is alive, no event arrived since the value was read, and for at most MEMO_MS.
 * A subscription's waits end on its signal's abort (one listener per subscription) or on its
 * release.
 */
import { type FSWatcher, watch } from "node:fs";
import { performance } from "node:perf_hooks";

/** Longest a memoised read is reused, even with no event (below the tail's 2 ms poll floor). */
export const MEMO_MS = 1;

interface Memo {
  version: number;
  at: number;
  value: unknown;
}

interface Watch {
  watcher: FSWatcher | undefined;
  waiters: Set<() => void>;
  users: number;
  /** Moves on every change event, so a waiter can tell that one arrived before it waited. */
  version: number;
  /** A wake of every waiter is scheduled for the check phase of this turn. */
  wakeScheduled: boolean;
  /** Shared reads, per key (e.g. per open pool file), valid for one version. */
  memos: WeakMap<object, Memo>;
}

/** Source of versions: unique across every watch of the process, strictly increasing. */
let versionClock = 0;

/** A follower's handle on a pool file's changes. */
export interface Subscription {
  /** The change counter now: read it before reading the pool state. */
  mark(): number;
  /** Resolves on a change after `seen`, after `ms`, or on abort, whichever comes first. */
  wait(ms: number, seen: number, signal?: AbortSignal): Promise<void>;
  /** Ends interest and any wait in progress; the last release closes the watcher. */
  release(): void;
  /**
   * `read()`, or the value it returned for `key` to any subscriber of this file since the last
   * change event, at most `maxAgeMs` (default MEMO_MS) ago. Without a live watcher it always
   * calls `read()`. Call it right after `mark()` (same synchronous step): then a change the
   * shared value misses is always announced by a later event, which wakes a `wait(…, mark)`.
   */
  shared<T>(key: object, read: () => T, maxAgeMs?: number): T;
}

const watches = new Map<string, Watch>();

/** Set SPOOL_NO_WATCH=1 to rely on polling alone (used by tests that prove the fallback). */
function watchingDisabled(): boolean {
  return process.env.SPOOL_NO_WATCH === "1";
}

/** Registers interest in `path`; returns a function that waits for a change and a release. */
export function subscribe(path: string): Subscription {
  let entry = watches.get(path);
  if (!entry) {
    const created: Watch = {
      watcher: undefined,
      waiters: new Set(),
      users: 0,
      version: ++versionClock,
      wakeScheduled: false,
      memos: new WeakMap(),
    };
    const wakeAll = (): void => {
      created.wakeScheduled = false;
      for (const wake of [...created.waiters]) wake();
    };
    if (!watchingDisabled()) {
      try {
        created.watcher = watch(path, { persistent: false }, () => {
          created.version = ++versionClock;
          if (created.wakeScheduled) return;
          created.wakeScheduled = true;
          setImmediate(wakeAll);
        });
        created.watcher.on("error", () => {
          created.watcher?.close();
          created.watcher = undefined;
        });
      } catch {
        created.watcher = undefined; // polling alone still works
      }
    }
    entry = created;
    watches.set(path, entry);
  }
  const watchEntry = entry;
  watchEntry.users++;
  let released = false;

  /** This subscription's waits in progress. */
  const pending = new Set<() => void>();
  /** The signal whose abort wakes them: one listener per subscription, not one per wait. */
  let listened: AbortSignal | undefined;
  const wakePending = (): void => {
    for (const done of [...pending]) done();
  };

  const wait = (ms: number, seen: number, signal?: AbortSignal): Promise<void> =>
    new Promise<void>((resolve) => {
      if (released || signal?.aborted || watchEntry.version !== seen) return resolve();
      // Waits with another signal while others are pending get a listener of their own.
      let own: AbortSignal | undefined;
      if (signal !== listened) {
        if (pending.size === 0) {
          listened?.removeEventListener("abort", wakePending);
          listened = signal;
          signal?.addEventListener("abort", wakePending);
        } else {
          own = signal;
        }
      }
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        if (timer) clearTimeout(timer);
        watchEntry.waiters.delete(done);
        pending.delete(done);
        own?.removeEventListener("abort", done);
        resolve();
      };
      timer = setTimeout(done, ms);
      watchEntry.waiters.add(done);
      pending.add(done);
      own?.addEventListener("abort", done, { once: true });
    });

  const release = (): void => {
    if (released) return;
    released = true;
    listened?.removeEventListener("abort", wakePending);
    listened = undefined;
    wakePending(); // a released subscription waits for nothing
    watchEntry.users--;
    if (watchEntry.users === 0) {
      watchEntry.watcher?.close();
      watches.delete(path);
    }
  };
  const shared = <T>(key: object, read: () => T, maxAgeMs = MEMO_MS): T => {
    if (!watchEntry.watcher) return read();
    const now = performance.now();
    const memo = watchEntry.memos.get(key);
    if (memo && memo.version === watchEntry.version && now - memo.at < maxAgeMs) {
      return memo.value as T;
    }
    const version = watchEntry.version;
    const value = read();
    watchEntry.memos.set(key, { version, at: now, value });
    return value;
  };
  return { mark: () => watchEntry.version, wait, release, shared };
}

/** Number of pool files currently watched in this process (for leak checks). */
export function activeWatchCount(): number {
  return watches.size;
}
